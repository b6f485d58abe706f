"""The README stays true and short: what alliance-sync is, the two commands with their
real output, and where to read on. Everything else has one home in docs/, checked by
tests/test_docs.py (and its pasted commands by tests/support/docs_blocks.py)."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from sync.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks() -> list[str]:
    return re.findall(r"```[a-z]*\n(.*?)```", README, flags=re.S)


def test_the_two_commands_are_the_ones_that_exist():
    assert (
        "python3 -m venv .venv && .venv/bin/python -m pip install . && .venv/bin/alliance-sync run\n" in _blocks()
    )  # run on a stock system Python by tests/test_install.py
    assert "bash .ci/run\n" in _blocks()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pytest" in ci and ci.startswith("#!/usr/bin/env bash")


def test_pasted_run_lines_are_what_run_prints_on_the_demo(tmp_path, monkeypatch):
    """What a terminal shows (tests/test_terminal.py checks it in a pseudo-terminal): the
    demo named, then the result; off a terminal, the journal's timestamped lines besides."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["run"])
    assert result.exit_code == 0
    said = [line for line in result.stderr.splitlines(keepends=True) if not re.match(r"\d{4}-\d\d-\d\d ", line)]
    printed = re.sub(r"\d{4}-\d{2}-\d{2}", "AAAA-MM-JJ", "".join(said) + result.stdout)
    pasted = next(b for b in _blocks() if b.startswith("Démonstration intégrée : "))
    assert printed == re.sub(r"\d{4}-\d{2}-\d{2}", "AAAA-MM-JJ", pasted)


def test_the_readme_says_where_to_read_on_and_every_link_leads_to_a_page():
    links = re.findall(r"\]\((docs/[\w./-]+\.md)(?:#([\w-]+))?\)", README)
    assert {page for page, _ in links} >= {
        f"docs/{name}"
        for name in (
            "ligne-de-commande.md",
            "gabarit.md",
            "constats.md",
            "configuration.md",
            "classeur-ministere.md",
            "google.md",
            "exploitation.md",
            "architecture.md",
        )
    }
    for page, anchor in links:
        text = (ROOT / page).read_text(encoding="utf-8")
        assert not anchor or _anchor(anchor) in {_anchor(h) for h in re.findall(r"^#+ (.*)$", text, flags=re.M)}, (
            f"{page}#{anchor}"
        )


def _anchor(heading: str) -> str:
    """A heading as its link's anchor (GitHub's rule: lower case, spaces to hyphens, punctuation dropped)."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_the_messages_that_send_the_user_to_the_readme_find_their_topic():
    """« voir le README, section Livraison » (and Google Sheets, the completion): the README names each."""
    for topic in ("Livraison", "Google Sheets", "Complétion des commandes"):
        assert re.search(rf"^\| {topic}", README, flags=re.M), topic


def test_the_readme_is_what_a_newcomer_needs():
    """What it is, the two commands, where to read on: every other topic lives in docs/."""
    headings = re.findall(r"^## (.*)$", README, flags=re.M)
    assert headings == ["Les deux commandes", "Où lire la suite"]
