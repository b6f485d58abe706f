"""The tables of docs/configuration.md, generated from the declarations (sync/config/sections.py).

Each table sits between two markers, ``<!-- début: clés [google] -->`` and
``<!-- fin -->``; everything else on the page is written by hand. ``python -m
sync.config.docs --write`` rewrites the tables; ``--check`` (and tests/test_docs.py)
fails when the page differs from the declarations, so that a key is documented the
way it is read.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from sync.config.sections import ENVIRONMENT, SECTIONS
from sync.config.settings import Section

PAGE = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
ENVIRONMENT_MARKER = "variables d'environnement"
_BLOCK = re.compile(r"(<!-- début: (?P<name>[^>]*?) -->\n)(?P<body>.*?)(<!-- fin -->)", re.DOTALL)


def marker(section: Section) -> str:
    """« clés [google] », « clés [[subregions]] »: the table as the file writes it."""
    return f"clés [[{section.table}]]" if section.array else f"clés [{section.table}]"


def section_table(section: Section) -> str:
    rows = ["| clé | type | défaut | rôle |", "|---|---|---|---|"]
    rows += [f"| `{s.name}` | {s.documented_type} | {s.documented_default} | {s.role} |" for s in section.settings]
    return "\n".join(rows) + "\n"


def environment_table() -> str:
    rows = ["| variable | rôle |", "|---|---|"]
    rows += [f"| `{v.name}` | {v.role} |" for v in ENVIRONMENT]
    return "\n".join(rows) + "\n"


def tables() -> dict[str, str]:
    """Every generated table, by its marker."""
    found = {marker(s): section_table(s) for s in SECTIONS}
    found[ENVIRONMENT_MARKER] = environment_table()
    return found


def render(text: str) -> str:
    """``text`` with every marked table replaced by its declarations' table; KeyError
    names a marker no declaration has."""
    generated = tables()

    def replace(match: re.Match[str]) -> str:
        return match.group(1) + generated[match.group("name")] + match.group(4)

    return _BLOCK.sub(replace, text)


def markers(text: str) -> set[str]:
    return {m.group("name") for m in _BLOCK.finditer(text)}


def main(argv: list[str]) -> int:
    text = PAGE.read_text(encoding="utf-8")
    wanted = render(text)
    if "--write" in argv:
        PAGE.write_text(wanted, encoding="utf-8")
        return 0
    if wanted != text or markers(text) != set(tables()):
        print(f"{PAGE} diffère des déclarations : python -m sync.config.docs --write", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
