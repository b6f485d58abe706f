"""Every ``$ alliance-sync …`` block pasted in the docs, run again (in the spirit of cog).

A block is a fenced block whose first line starts with ``$ ``: each ``$ `` line is a
command, the lines under it what it printed (standard output, then the French error
lines of standard error; the journal's timestamped lines are not pasted). Each block
runs in a fresh copy of the built-in demo, in a folder shown as ``/tmp/alliance``
(configuration ``alliance.toml``, workbooks in ``comites/``), after the steps its page
names in a comment just above it::

    <!-- docs-blocks: run, ouest-modifie, livraison-echouee -->

and ``<!-- docs-blocks: non vérifié — why -->`` leaves a block as pasted (a shell
session, a Google account): the test lists those too, so a gap is always visible.

    python -m tests.support.docs_blocks           # name the blocks that differ
    python -m tests.support.docs_blocks --write   # paste what the commands print now

Only what must vary is normalised when comparing: dates and times, durations, a
workbook's size and digest (its file holds the date it was written).
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from tests.support.checks import REPO

PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
SHOWN_ROOT = "/tmp/alliance"
DIRECTIVE = "docs-blocks:"
UNCHECKED = "non vérifié"

_BLOCK = re.compile(r"(?:<!-- " + DIRECTIVE + r" (?P<steps>[^>]*?) -->\n)?```\n(?P<body>\$ [^\n]*\n.*?)```", re.S)
_LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ")
# Only what must vary from one day, one machine, one second to the next.
_VARYING = [
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)?"), "AAAA-MM-JJTHH:MM:SS"),
    (re.compile(r"\d{4}-\d\d-\d\d"), "AAAA-MM-JJ"),
    (re.compile(r"\b\d\d:\d\d(:\d\d)?\b"), "HH:MM"),
    (re.compile(r"\d+,\d\d s\b"), "N s"),
    (re.compile(r"\d[\d\u00a0 ]* octets"), "N octets"),
    (re.compile(r'("workbook_sha256": )"[0-9a-f]{64}"'), r'\1"SHA256"'),
]


@dataclass
class Block:
    page: Path
    start: int  # offset of the block's body in the page
    end: int
    steps: list[str]
    body: str

    @property
    def checked(self) -> bool:
        return not (self.steps and self.steps[0].startswith(UNCHECKED))

    @property
    def commands(self) -> list[str]:
        return [line[2:] for line in self.body.splitlines() if line.startswith("$ ")]

    @property
    def where(self) -> str:
        line = self.page.read_text(encoding="utf-8")[: self.start].count("\n") + 1
        return f"{self.page.relative_to(REPO)}:{line}"


def blocks(pages: list[Path] | None = None) -> list[Block]:
    found = []
    for page in pages or PAGES:
        text = page.read_text(encoding="utf-8")
        for match in _BLOCK.finditer(text):
            steps = [s.strip() for s in (match.group("steps") or "").split(",") if s.strip()]
            found.append(Block(page, match.start("body"), match.end("body"), steps, match.group("body")))
    return found


def normalise(text: str) -> str:
    for pattern, shown in _VARYING:
        text = pattern.sub(shown, text)
    return text


# -- the scene: a copy of the demo, and the steps a page names -----------------------


def _cli(root: Path, *args: str, env: dict[str, str | None] | None = None):
    from sync.cli import cli

    clean: dict[str, str | None] = {
        "ALLIANCE_SYNC_STATE_DIR": None,
        "ALLIANCE_SYNC_SMTP_PASSWORD": None,
        "GOOGLE_APPLICATION_CREDENTIALS": None,
        "COLUMNS": "80",
        "LOGNAME": "coordination",  # who closes a fiscal year (getpass.getuser)
    }
    with _inside(root):
        return CliRunner().invoke(cli, list(args), prog_name="alliance-sync", env={**clean, **(env or {})})


@contextlib.contextmanager
def _inside(folder: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def _run(root: Path) -> None:
    _cli(root, "--quiet", "run", "--config", "alliance.toml", "-o", "rapports/")


def _ouest_edited(root: Path) -> None:
    """The edits of a careless evening in the Ouest: a status moved on, a misspelt
    priority, a cost typed as words, a date that does not exist, and a new payment."""
    import datetime as dt

    from openpyxl import load_workbook

    path = root / "comites" / "ouest.xlsx"
    workbook = load_workbook(path)
    projects = workbook["Projets"]
    headers = [cell.value for cell in projects[1]]
    edits = {
        "OUE-2021-001": {"Statut": "En analyse"},
        "OUE-2020-002": {"Priorité": "Logemnt"},
        "OUE-2021-003": {"Coût total": "environ 80 000 $"},
        "OUE-2019-004": {"Date d'approbation": "31 juin 2020"},
    }
    for row in projects.iter_rows(min_row=2):
        for header, value in edits.get(row[0].value, {}).items():
            row[headers.index(header)].value = value
    workbook["Versements"].append(["OUE-2020-002", dt.datetime(2021, 9, 1), 15000, "VER-OUE-0099", None])
    workbook.save(path)


def _with_delivery(root: Path, table: str) -> None:
    config = root / "alliance.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n" + table, encoding="utf-8")


def _failed_delivery(root: Path) -> None:
    """A [delivery] table whose SMTP server does not answer, then a run that delivers."""
    _with_delivery(
        root,
        '[delivery]\nemail_to = ["analyste@exemple.gouv.qc.ca"]\n'
        'email_from = "TCPM <coordination@exemple.org>"\n'
        'smtp = { host = "127.0.0.1", port = 1, starttls = false, timeout = 5 }\n',
    )
    _cli(root, "--quiet", "run", "--config", "alliance.toml", "-o", "rapports/", "--deliver")


def _delivery_with_login(root: Path) -> None:
    _with_delivery(
        root,
        '[delivery]\nemail_to = ["analyste@exemple.gouv.qc.ca"]\n'
        'smtp = { host = "smtp.exemple.org", port = 587, starttls = true, '
        'user = "coordination@exemple.org" }\n',
    )


def _foreign_file(root: Path) -> None:
    (root / "autre.xlsx").write_bytes(b"un classeur d'une autre personne")


def _own_csv(root: Path) -> None:
    (root / "partage").mkdir()
    (root / "partage" / "projets.csv").write_text("No projet;Titre\n", encoding="utf-8")


def _export(root: Path) -> None:
    _cli(root, "--quiet", "run", "--config", "alliance.toml", "-o", "rapports/", "--export", "export")


def _demo(root: Path) -> None:
    """The built-in demo run once here: its own state folder, .alliance-sync-demo."""
    _cli(root, "--quiet", "run", "-o", "rapports/")


def _closed(root: Path) -> None:
    """2020-2021 closed with the last run that wrote a workbook."""
    _cli(root, "close", "2020-2021", "--config", "alliance.toml")


def _reopened(root: Path) -> None:
    _cli(root, "close", "--reopen", "2020-2021", "--reason", "Versement de mars corrigé", "--config", "alliance.toml")


def _est_moved(root: Path) -> None:
    """The Est's workbook moved away by someone tidying the shared folder."""
    (root / "comites" / "est.xlsx").unlink()


STEPS: dict[str, Callable[[Path], None]] = {
    "demo": _demo,
    "est-introuvable": _est_moved,
    "run": _run,
    "ouest-modifie": _ouest_edited,
    "livraison-echouee": _failed_delivery,
    "livraison-identifiee": _delivery_with_login,
    "autre-fichier": _foreign_file,
    "csv-personnel": _own_csv,
    "export": _export,
    "clos": _closed,
    "rouvert": _reopened,
}


@contextlib.contextmanager
def scene(steps: list[str]) -> Iterator[Path]:
    """A copy of the demo named like the docs' folder, after ``steps``."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "alliance"
        shutil.copytree(REPO / "config" / "demo" / "comites", root / "comites")
        shutil.copy(REPO / "config" / "demo" / "demo.toml", root / "alliance.toml")
        for step in steps:
            STEPS[step](root)
        yield root


# -- running a block -------------------------------------------------------------------


def _printed(result) -> list[str]:
    """What a person sees: standard output, then standard error without the journal."""
    err = [line for line in result.stderr.splitlines() if not _LOG_LINE.match(line)]
    return [*result.stdout.splitlines(), *err]


def _run_command(root: Path, command: str) -> list[str]:
    words = shlex.split(command)
    env: dict[str, str | None] = {}
    while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):
        name, value = words.pop(0).split("=", 1)
        env[name] = value
    program, *args = words
    if program == "alliance-sync" and {"--help", "-h"} & set(args):
        return _help(root, args)
    if program == "alliance-sync":
        return _printed(_cli(root, *args, env=env))
    if program == "cat":
        return (root / args[0]).read_text(encoding="utf-8").splitlines()
    if program == "head":
        count = int(args[0].lstrip("-"))
        return (root / args[1]).read_text(encoding="utf-8").splitlines()[:count]
    raise ValueError(f"commande non reproductible : {command}")


def _help(root: Path, args: list[str]) -> list[str]:
    """An aid as an 80-column terminal shows it: click wraps it to the terminal's width,
    which only a real process has."""
    import subprocess

    env = {**os.environ, "COLUMNS": "80", "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "sync", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.stdout.replace("Utilisation : __main__.py", "Utilisation : alliance-sync").splitlines()


def output_of(block: Block) -> str:
    """The block as the commands print it now."""
    lines: list[str] = []
    with scene(block.steps) as root:
        for command in block.commands:
            lines.append(f"$ {command}")
            lines += [line.replace(str(root), SHOWN_ROOT) for line in _run_command(root, command)]
    return "\n".join(lines) + "\n"


def differs(block: Block) -> str | None:
    """What the commands print now, when it is not what is pasted (normalised); else None."""
    now = output_of(block)
    return now if normalise(now) != normalise(block.body) else None


def write(pages: list[Path] | None = None) -> list[str]:
    """Paste each checked block's current output in its page; the blocks changed."""
    changed = []
    for page in pages or PAGES:
        text = page.read_text(encoding="utf-8")
        for block in reversed([b for b in blocks([page]) if b.checked]):
            now = differs(block)
            if now is not None:
                text = text[: block.start] + now + text[block.end :]
                changed.append(block.where)
        page.write_text(text, encoding="utf-8")
    return changed


def main(argv: list[str]) -> int:
    if "--write" in argv:
        for where in write():
            print(f"réécrit : {where}")
        return 0
    stale = [block.where for block in blocks() if block.checked and differs(block) is not None]
    for where in stale:
        print(f"diffère : {where}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
