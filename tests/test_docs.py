"""The documentation in docs/ stays true to the code, and every reference points inside
the repository.

- every finding code of the catalogue has its section in docs/constats.md, and each
  example message there is the message the code gives today (the small alliances that
  produce them are built below; ``python -m tests.test_docs`` prints them, to paste
  after a change of wording);
- every key of the configuration is a row of a table of docs/configuration.md;
- every command and option of the CLI is in docs/ligne-de-commande.md;
- the docs' links between pages lead to existing pages, and no page is left « à confirmer »;
- no file of the repository refers to the working specification or to a folder
  outside the repository.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

import click
import pytest

from sync.cli import cli
from sync.findings import CATALOGUE, ERROR
from tests.support.builders import PROJECT_HEADERS, payment, project, write_alliance
from tests.support.checks import REPO, validate
from tests.support.hostile import sheet_xml, write_committee

DOCS = REPO / "docs"
PAGES = [
    "README.md",
    "gabarit.md",
    "constats.md",
    "classeur-ministere.md",
    "configuration.md",
    "ligne-de-commande.md",
    "exploitation.md",
    "google.md",
    "architecture.md",
]

# Written in pieces so that this file does not match itself.
FORBIDDEN = ["SPEC " + "§", ".." + "/shared", "/" + "work/"]


def page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def test_every_page_of_the_index_exists():
    for name in PAGES:
        assert (DOCS / name).is_file(), name


def test_no_page_is_left_waiting_for_confirmation():
    # Pages written ahead of the code marked what was still to confirm; all is now known.
    waiting = [name for name in PAGES if "à confirmer" in page(name)]
    assert not waiting, f"marqueurs « à confirmer » restants : {waiting}"


def test_links_between_pages_lead_to_existing_pages():
    for name in PAGES:
        for target in re.findall(r"\]\(([\w-]+\.md)(?:#[\w-]+)?\)", page(name)):
            assert (DOCS / target).is_file(), f"{name} → {target}"


EXAMPLED = {
    "MISSING_TAB",
    "MISSING_COLUMN",
    "MISSING_VALUE",
    "INVALID_AMOUNT",
    "INVALID_DATE",
    "INVALID_NUMBER",
    "UNKNOWN_VALUE",
    "TERRITORY_OUTSIDE_SUBREGION",
    "INELIGIBLE_ORGANIZATION",
    "DUPLICATE_PROJECT_ID",
    "DATE_OUTSIDE_PERIOD",
    "END_BEFORE_START",
    "YEAR_SPLIT_MISMATCH",
    "FQIS_OVER_TOTAL_COST",
    "FQIS_SHARE_HIGH",
    "PAYMENT_UNKNOWN_PROJECT",
    "PAYMENT_NOT_APPROVED",
    "PAID_OVER_GRANTED",
    "SUBREGION_ENVELOPE_EXCEEDED",
    "ANNUAL_ENVELOPE_EXCEEDED",
    "ALLIANCE_ENVELOPE_EXCEEDED",
    "SUBREGION_ENVELOPE_NEARLY_USED",
    "PRIORITY_OUTSIDE_PLAN",
    "AMBIGUOUS_TAB",
    "EXTRA_TAB",
    "DUPLICATE_COLUMN",
    "VALUE_OUTSIDE_TABLE",
    "ERROR_VALUE",
    "PROJECT_ID_CHARACTERS",
    "TEXT_TOO_LONG",
}


# -- findings -------------------------------------------------------------------------


def test_every_finding_code_has_its_section_in_constats():
    text = page("constats.md")
    missing = [code for code in CATALOGUE if f"### {code}\n" not in text]
    assert not missing, f"codes sans section « ### CODE » dans docs/constats.md : {missing}"


def test_the_values_of_every_code_are_in_constats():
    """The table « code | valeurs » of docs/constats.md names each value a finding of that code carries."""
    from tests.test_findings import WORDING

    table = page("constats.md").split("| code | valeurs |\n|---|---|\n", 1)[1].split("\n\n", 1)[0]
    named: dict[str, set[str]] = {}
    for line in table.splitlines():
        codes, values = line.strip("|").split(" | ", 1)
        for code in re.findall(r"`([A-Z_]+)`", codes):
            named[code] = set(re.findall(r"`([a-z_]+)`", values))
    assert set(named) == set(CATALOGUE)
    missing = {f.code: set(f.values) - named[f.code] for f, _ in WORDING if set(f.values) - named[f.code]}
    assert not missing, f"valeurs absentes du tableau de docs/constats.md : {missing}"


def example_findings(root: Path) -> list:
    """The findings shown as examples in docs/constats.md, from alliances built here."""
    return [f for config in example_configs(root).values() for f in validate(config).findings]


def example_configs(root: Path) -> dict[str, Path]:
    """The alliances of :func:`example_findings`, by folder name (their configurations);
    tests/test_parity.py reads them from Google too."""

    def big(project_id: str, amount: int) -> dict:
        return project(project_id, fqis={"2019-2020": amount}, total_cost=amount * 2, other_contributions=amount)

    alliances: list[tuple[str, dict, dict]] = [
        (
            "lignes",
            {
                "OUEST": {
                    "projects": [
                        project("OUE-2020-001"),
                        project("OUE-2020-002", title=None),
                        project("OUE-2020-003", total_cost="12 500,5 $ environ"),
                        project("OUE-2020-004", start_date="31 juin 2020"),
                        project("OUE-2020-005", participants_target="une vingtaine"),
                        project("OUE-2020-006", priority="Logemnt"),
                        project("OUE-2020-007", territory="Brossard"),
                        project("OUE-2020-008", organization_type="Entreprise privée"),
                        project("OUE-2020-001", title="Doublon"),
                        project("OUE-2020-010", end_date=dt.date(2023, 6, 30)),
                        project("OUE-2020-011", start_date=dt.date(2020, 9, 1), end_date=dt.date(2020, 6, 30)),
                        project("OUE-2020-012", fqis_total=65000),
                        project("OUE-2020-013", total_cost=50000),
                        project("OUE-2020-014", total_cost=70000),
                        project(
                            "OUE-2020-015", status="En analyse", approval_date=None, start_date=None, end_date=None
                        ),
                    ],
                    "payments": [
                        payment("OUE-2020-001", amount=10000),
                        payment("OUE-2020-099", amount=5000, reference="VER-0002"),
                        payment("OUE-2020-015", amount=5000, reference="VER-0003"),
                        payment("OUE-2020-001", amount=55000, reference="VER-0004"),
                    ],
                }
            },
            {},
        ),
        (
            "variantes",
            {
                "OUEST": {
                    "projects": [
                        project("OUE-2020-001", status="Accepté", start_date=None),
                        project("OUE-2020-002", fqis={"2019-2020": "-5 000 $", "2020-2021": 30000}),
                        project("OUE-2020-003", other_contributions="12 500,505"),
                        project("OUE-2020-004", other_contributions=10**14),
                        project("OUE-2020-005", other_contributions="12,500"),
                        project("OUE-2020-006", organization_type="OBNLL"),
                        project("OUE-2020-007", territory="Régional"),
                        project("OUE-2020-008", status="Acceptée"),
                        project("OUE-2020-009", status="Abandonné"),
                    ],
                    "payments": [
                        payment("OUE-2020-009", amount=1000),
                        payment("OUE-2020-001", date=dt.date(2023, 4, 3), reference="V2"),
                        payment("OUE-2020-001", amount=None, reference="V3"),
                    ],
                },
                "EST": {"projects": [project("OUE-2020-001", territory="Acton")]},
            },
            {},
        ),
        (
            "structure",
            {
                "OUEST": {
                    "projects": [project("OUE-2020-001")],
                    "tabs": {"Versements": "Paiements"},
                    "rename": {"Coût total": "Budget"},
                }
            },
            {},
        ),
        (
            "enveloppes",
            {
                "OUEST": {"projects": [big("OUE-2019-001", 350000)]},
                "EST": {"projects": [big("EST-2019-001", 2000000), big("EST-2019-002", 2000000)]},
                "LONGUEUIL": {"projects": [big("LON-2019-001", 3950000)]},
            },
            {"annual": {"OUEST": {"2019-2020": 300000}}},
        ),
        ("alliance", {"EST": {"projects": [big("EST-2019-001", 6000000), big("EST-2019-002", 6000000)]}}, {}),
        (
            "plan",
            {"OUEST": {"projects": [project("OUE-2020-001", priority="Logement")]}},
            {"overrides": {"OUEST": {"priorities": ["Sécurité alimentaire", "Transport collectif"]}}},
        ),
        # Careless workbooks: a stale copy of a year column (U), a number pasted with a
        # zero-width space, a formula's error in a list cell, a total row under the
        # projects, projects continued on a tab.
        (
            "saisies",
            {
                "OUEST": {
                    "projects": [
                        project("OUE-2020-001", cells={"FQIS 2020-2021": 30000}),
                        project("OUE-2020-0\u200b02"),
                        project("OUE-2020-003"),
                        project("OUE-2020-004", status="#REF!"),  # openpyxl writes it as an error cell
                        {"No projet": "TOTAL", "Statut": "En cours", "Coût total": 400000, "FQIS total": 240000},
                    ],
                    "payments": [payment("OUE-2020-001")],
                    "headers": [*PROJECT_HEADERS, "FQIS 2020-2021"],
                    "extra_tabs": {"Projets (suite)": [["No projet", "Titre du projet"], ["OUE-2020-020", "Suite"]]},
                }
            },
            {},
        ),
    ]
    configs = {folder: write_alliance(root / folder, workbooks, **config) for folder, workbooks, config in alliances}
    # Hostile workbooks, written by hand (tests/support/hostile.py): a second tab named
    # like Versements but for its case, a title longer than a cell holds, a value typed
    # in the sheet's very last cell.
    hostile = write_alliance(root / "hostile")
    write_committee(
        root / "hostile" / "ouest.xlsx",
        projects=[project("OUE-2020-001"), project("OUE-2020-002", title="é" * 32_768)],
        payments=[payment("OUE-2020-001")],
        extra_cells={"Projets": {"XFD1048576": "oups"}},
        tabs={
            "versements": sheet_xml(
                [["No projet", "Date du versement", "Montant"], ["OUE-2020-001", "2020-06-01", 5000]]
            )
        },
    )
    configs["hostile"] = hostile
    return configs


def console_line(f) -> str:
    """A finding as `alliance-sync validate` prints it (sync/outputs/text.py)."""
    from sync.outputs.text import finding_line

    return finding_line(f)


def test_the_example_messages_are_the_real_ones(tmp_path):
    text = page("constats.md")
    findings = example_findings(tmp_path)
    # Every code of the catalogue but SOURCE_UNAVAILABLE, DELIVERY_FAILED and CLOSED_YEAR_CHANGED, which need
    # a history and a clock (their examples come from real runs).
    assert {f.code for f in findings} >= EXAMPLED
    missing = [console_line(f) for f in findings if console_line(f) not in text]
    assert not missing, "exemples à mettre à jour dans docs/constats.md :\n" + "\n".join(missing)


# -- configuration --------------------------------------------------------------------


def configuration_keys() -> dict[str, set[str]]:
    """Every key the configuration knows, by table (declared in sync/config/sections.py)."""
    from sync.config.sections import SECTIONS

    return {section.table: set(section.names) for section in SECTIONS}


def configuration_sections() -> dict[str, str]:
    """The sections of docs/configuration.md by their table: « ## `[google]` … » → google."""
    sections = {}
    for part in page("configuration.md").split("\n## ")[1:]:
        found = re.match(r"`\[\[?(\w+)\]\]?`", part)
        if found:
            sections[found.group(1)] = part
    return sections


def test_every_configuration_key_is_in_the_configuration_page():
    keys = configuration_keys()
    assert {"state_dir", "priorities", "support", "deadline", "drive_file", "ca_file"} <= set().union(*keys.values())
    sections = configuration_sections()
    assert set(sections) == {"alliance", "regional", "subregions", "google", "delivery"}
    # A key is documented as a row of a table (« | `key` | ») in its table's section;
    # alliance.period and delivery.smtp are in the section of their parent.
    missing = [
        f"{table}.{key}"
        for table, names in sorted(keys.items())
        for key in sorted(names)
        if f"| `{key}` |" not in sections[table.split(".")[0]]
    ]
    assert not missing, f"clés de configuration absentes de docs/configuration.md : {missing}"


def test_the_configuration_tables_are_generated_from_the_declarations():
    from sync.config import docs

    text = page("configuration.md")
    assert (
        docs.markers(text)
        == set(docs.tables())
        == {
            "clés [alliance]",
            "clés [alliance.period]",
            "clés [regional]",
            "clés [[subregions]]",
            "clés [google]",
            "clés [delivery]",
            "clés [delivery.smtp]",
            "variables d'environnement",
        }
    )
    assert docs.render(text) == text, "à régénérer : python -m sync.config.docs --write"
    assert docs.main([]) == 0


def test_a_table_edited_by_hand_differs_from_the_declarations(capsys):
    from sync.config import docs

    text = page("configuration.md")
    edited = text.replace("| `feedback` | booléen | `false` |", "| `feedback` | booléen | `true` |")
    assert edited != text
    assert docs.render(edited) == text  # --write puts the declared default back
    row = "| `reads_per_minute` | entier ≥ 1 | `60` | limiteur côté client (quota de Google : 60 lectures par minute"
    assert row in docs.tables()["clés [google]"]


def test_the_typed_settings_hold_exactly_the_declared_keys():
    """A dataclass field nobody declared would have no reader, no check and no doc: each
    is a key of its table or the value of a declared environment variable."""
    from dataclasses import fields

    from sync.config import Config, GoogleSettings
    from sync.config.delivery import DeliverySettings, SmtpSettings
    from sync.config.sections import DELIVERY, GOOGLE, SMTP, variables_of

    def received(table):
        return {v.field.rpartition(".")[2] for v in variables_of(table)}

    assert received("google") == {"credentials_variable", "sheets_url"}
    assert {f.name for f in fields(GoogleSettings)} == set(GOOGLE.names) | received("google")
    assert {f.name for f in fields(DeliverySettings)} == set(DELIVERY.names) | received("delivery")
    assert {f.name for f in fields(SmtpSettings)} == set(SMTP.names)
    assert received("alliance") == {"state_dir_variable"} <= {f.name for f in fields(Config)}
    assert GoogleSettings() == GoogleSettings(**GOOGLE.defaults)


# -- command line ---------------------------------------------------------------------


def test_every_command_and_option_is_in_the_command_line_page():
    text = page("ligne-de-commande.md")
    missing = []
    for option in cli.params:
        missing += [f"alliance-sync {name}" for name in option.opts if name not in text]
    for name, command in cli.commands.items():
        if f"## {name}\n" not in text:
            missing.append(f"## {name}")
        for param in command.params:
            if isinstance(param, click.Option):
                missing += [f"{name} {opt}" for opt in (*param.opts, *param.secondary_opts) if opt not in text]
    assert not missing, f"absents de docs/ligne-de-commande.md : {missing}"


# -- pasted commands --------------------------------------------------------------------


def _pasted_blocks():
    from tests.support.docs_blocks import blocks

    return [pytest.param(block, id=block.where) for block in blocks() if block.checked]


@pytest.mark.parametrize("block", _pasted_blocks())
def test_a_pasted_command_prints_what_the_page_shows(block):
    """Each `$ alliance-sync …` block, run again in the demo (tests/support/docs_blocks.py);
    `python -m tests.support.docs_blocks --write` pastes the new output after a change."""
    from tests.support.docs_blocks import differs

    now = differs(block)
    assert now is None, f"{block.where} : la commande affiche maintenant :\n{now}"


def test_a_block_left_unchecked_says_why():
    from tests.support.docs_blocks import UNCHECKED, blocks

    unchecked = [block for block in blocks() if not block.checked]
    assert all(re.fullmatch(UNCHECKED + r" — .{10,}", ", ".join(block.steps)) for block in unchecked), [
        block.where for block in unchecked
    ]
    # The command-line page is checked whole: it is where a user copies commands from.
    assert not [block.where for block in unchecked if block.page.name == "ligne-de-commande.md"]


def test_a_pasted_block_that_drifted_is_caught(tmp_path):
    """A message reworded, a run number changed: the block no longer matches; a date
    or a duration that differs from one day to the next does."""
    from tests.support.docs_blocks import blocks, differs

    page = tmp_path / "page.md"
    page.write_text(
        "<!-- docs-blocks: run -->\n```\n$ alliance-sync history --config alliance.toml\n"
        "N°  Date              Statut    Projets  Versements  Erreurs  Avertissements  Classeur  "
        "                    Livraison\n"
        " 1  2019-01-01 00:00  conforme       74          92        0               1  "
        "rapport-fqis-2019-01-01.xlsx  —\n```\n",
        encoding="utf-8",
    )
    (block,) = blocks([page])
    assert differs(block) is None
    page.write_text(page.read_text(encoding="utf-8").replace(" 1  2019", " 2  2019"), encoding="utf-8")
    (block,) = blocks([page])
    assert differs(block) is not None


# -- moved from the README: the tables and pastes each page now holds ------------------


def _usage_lines() -> dict[str, str]:
    """Each command's usage block of docs/ligne-de-commande.md, by command."""
    text = page("ligne-de-commande.md")
    found = re.findall(r"^```\nalliance-sync (\S+)(.*?)```", text, flags=re.M | re.S)
    return {name: usage for name, usage in found}


def test_every_command_has_its_usage_line_and_nothing_else():
    assert set(_usage_lines()) == set(cli.commands)


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_a_usage_line_shows_every_option_of_its_command_and_no_other(name):
    command = cli.commands[name]
    known = {opt for param in command.params if isinstance(param, click.Option) for opt in param.opts}
    general = {"--quiet", "-q", "--verbose", "-v", "--log-file", "--help", "-h"}
    shown = set(re.findall(r"--[a-z-]+|-[a-z]\b", _usage_lines()[name]))
    assert shown <= known, f"options de « {name} » inconnues : {shown - known}"
    longs = {max(param.opts, key=len) for param in command.params if isinstance(param, click.Option)}
    assert longs - general - shown == set(), f"options de « {name} » absentes de sa ligne d'usage"


def test_every_finding_code_is_in_the_table_of_codes_with_its_severity():
    rows = dict(
        re.findall(r"^\| \[`([A-Z_]+)`\]\(#[a-z_]+\) \| (erreur|avertissement) \|", page("constats.md"), flags=re.M)
    )
    assert set(rows) == set(CATALOGUE)
    for code, kind in CATALOGUE.items():
        assert rows[code] == ("erreur" if kind.severity == ERROR else "avertissement"), code


def test_exit_codes_table_matches_the_library():
    from sync import errors

    codes = re.findall(r"^\| ([0-3]) \| ", page("ligne-de-commande.md"), flags=re.M)
    assert {"0", "1", "2", "3"} <= set(codes)
    assert (errors.EXIT_OK, errors.EXIT_FINDINGS, errors.EXIT_USAGE, errors.EXIT_SOURCE) == (0, 1, 2, 3)


def test_pasted_configuration_error_is_what_the_tool_says(tmp_path, monkeypatch):
    from click.testing import CliRunner

    demo = (REPO / "config" / "demo" / "demo.toml").read_text(encoding="utf-8")
    demo = demo.replace('{ xlsx = "comites/', '{ xlsx = "' + str(REPO / "config" / "demo" / "comites") + "/")
    demo = demo.replace('territories = ["Acton",', 'territories = ["Roussillon", "Acton",')
    monkeypatch.chdir(tmp_path)
    Path("config").mkdir()
    Path("config", "alliance.toml").write_text(demo, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", "--config", "config/alliance.toml"])
    assert result.exit_code == 2
    pasted = next(
        line
        for line in page("configuration.md").splitlines()
        if line.startswith("Erreur : Configuration invalide (fichier config/alliance.toml")
    )
    assert result.output.strip().endswith(pasted)


def test_shell_completion_and_every_scheduler_are_documented():
    blocks = re.findall(r"```\n(.*?)```", page("ligne-de-commande.md") + page("exploitation.md"), flags=re.S)
    completion = next(b for b in blocks if "_ALLIANCE_SYNC_COMPLETE=bash_source alliance-sync" in b)
    assert completion.startswith("_ALLIANCE_SYNC_COMPLETE=bash_source alliance-sync > ")
    assert "OnCalendar=" in page("exploitation.md") and "30 2 * * *" in page("exploitation.md")
    schtasks = next(b for b in blocks if b.startswith("schtasks /Create "))
    assert "alliance-sync.exe --quiet --log-file " in schtasks and " run --config " in schtasks


# -- references -----------------------------------------------------------------------


def repository_files() -> list[Path]:
    """The files of the repository: those git tracks, or, outside a git checkout, the
    tree without its hidden folders, environments and generated data."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
        return [REPO / name for name in listed.decode().split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        skipped = {".git", ".venv", "build", "dist", "__pycache__", ".alliance-sync"}
        return [
            p
            for p in REPO.rglob("*")
            if p.is_file()
            and not skipped & set(p.relative_to(REPO).parts)
            and "data" not in p.relative_to(REPO).parts[:2]
        ]


@pytest.mark.parametrize("forbidden", FORBIDDEN)
def test_no_file_refers_outside_the_repository(forbidden):
    found = []
    for path in repository_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
            continue  # a workbook, an image; or a file deleted but not yet committed
        found += [
            f"{path.relative_to(REPO)}:{number}"
            for number, line in enumerate(text.splitlines(), 1)
            if forbidden in line
        ]
    assert not found, f"« {forbidden} » : {found}"


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        for found in example_findings(Path(folder)):
            print(console_line(found))
