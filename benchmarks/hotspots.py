"""Where the time goes, from py-spy's collapsed stacks (``py-spy record --format raw``).

Prints two lists: the project's own functions (sync/…) by inclusive time — a
function counted once per sample even when recursive — and every function by own
time (the leaf of the stack), so that a hotspot shows with its file:function.

    python benchmarks/hotspots.py profile.raw [--top 25]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

_FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>[^():]+)(?::(?P<line>\d+))?\)$")


def frames(stack: str) -> list[tuple[str, str]]:
    out = []
    for frame in stack.split(";"):
        match = _FRAME.match(frame.strip())
        if match:
            out.append((match["file"], match["function"]))
        else:
            out.append(("?", frame.strip()))
    return out


def summarise(raw: str) -> tuple[int, Counter, Counter]:
    inclusive: Counter = Counter()
    own: Counter = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        total += samples
        seen = set()
        stack_frames = frames(stack)
        for file, function in stack_frames:
            if file.startswith("sync/") and (file, function) not in seen:
                seen.add((file, function))
                inclusive[(file, function)] += samples
        if stack_frames:
            own[stack_frames[-1]] += samples
    return total, inclusive, own


def render(raw: str, top: int = 25) -> str:
    total, inclusive, own = summarise(raw)
    if not total:
        return "Aucun échantillon."
    lines = [f"{total} échantillons", "", "Fonctions du projet, temps inclusif :"]
    for (file, function), samples in inclusive.most_common(top):
        lines.append(f"  {samples / total:6.1%}  {file}:{function}")
    lines += ["", "Toutes fonctions, temps propre :"]
    for (file, function), samples in own.most_common(top):
        lines.append(f"  {samples / total:6.1%}  {file}:{function}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Résumé d'un profil py-spy (--format raw).")
    parser.add_argument("raw", type=Path)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    print(render(args.raw.read_text(encoding="utf-8"), args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
