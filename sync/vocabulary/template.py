"""The committee template's tabs and columns, and finding them by their header text.

Committees retype headers: case, accents, spaces, curly apostrophes, en dashes
and a few synonyms all vary. ``normalise`` folds those differences away so that
matching is a dictionary look-up.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


# How committees title the No projet column, in both tabs.
PROJECT_ID_ALIASES = (
    "No du projet",
    "Numéro de projet",
    "Numéro du projet",
    "No. projet",
    "N° de projet",
    "# projet",
    "Code projet",
    "ID projet",
    "Projet no",
)


def normalise(text: object) -> str:
    """``"Type d’organisme "`` → ``"type d organisme"``; ``"N° projet"`` → ``"no projet"``."""
    if text is None:
        return ""
    folded = unicodedata.normalize("NFKD", str(text).replace("°", "o").replace("º", "o"))
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).lower()
    return _NON_ALNUM.sub(" ", folded).strip()


@dataclass(frozen=True)
class Column:
    """One column of the template: its field name, official header and rules."""

    field: str
    header: str
    kind: str  # text, list, date, money, count
    required_column: bool = True
    aliases: tuple[str, ...] = ()

    def keys(self) -> set[str]:
        return {normalise(self.header), *(normalise(a) for a in self.aliases)}


PROJECTS_TAB = "Projets"
PAYMENTS_TAB = "Versements"
VALIDATION_TAB = "Validation"
# The committee named by a finding on the whole alliance (its envelope, a delivery).
ALLIANCE_CODE = "ALLIANCE"

YEAR_PREFIX = "year:"  # the fund's columns per fiscal year: year:2020-2021…
# The one table of key fields, per template tab: they identify a record or carry its
# money. A record whose key value cannot be used stays out of the totals
# (sync/rules/counting.py); a tab without a key column keeps all its rows out.
KEY_FIELDS: dict[str, frozenset[str]] = {
    PROJECTS_TAB: frozenset({"project_id", "status", "total_cost", "fqis_total", "other_contributions", YEAR_PREFIX}),
    PAYMENTS_TAB: frozenset({"project_id", "date", "amount"}),
}


def is_key_field(tab: str, field: str) -> bool:
    keys = KEY_FIELDS.get(tab, frozenset())
    return field in keys or (field.startswith(YEAR_PREFIX) and YEAR_PREFIX in keys)


def project_columns(fund: str, year_labels: list[str]) -> list[Column]:
    """The Projets tab of docs/gabarit.md, with one fund column per fiscal year."""
    years = [
        Column(
            f"year:{label}",
            f"{fund} {label}",
            "money",
            aliases=(
                f"{fund} {label.replace('-', '–')}",
                f"{fund} {label.replace('-', '/')}",
                # « FQIS 2019-20 », as fiscal years are often written
                f"{fund} {label[:5]}{label[-2:]}",
            ),
        )
        for label in year_labels
    ]
    return [
        Column(
            "project_id",
            "No projet",
            "text",
            aliases=PROJECT_ID_ALIASES,
        ),
        Column("title", "Titre du projet", "text", aliases=("Titre", "Nom du projet")),
        Column(
            "organization",
            "Organisme porteur",
            "text",
            aliases=("Organisme", "Promoteur", "Organisme promoteur", "Porteur"),
        ),
        Column("organization_type", "Type d'organisme", "list", aliases=("Type organisme", "Type de l'organisme")),
        Column("territory", "Territoire", "list", aliases=("MRC", "Territoire (MRC)", "MRC / territoire")),
        Column("priority", "Priorité", "list", aliases=("Priorité d'action", "Priorités", "Axe prioritaire")),
        Column("status", "Statut", "list", aliases=("Statut du projet", "État", "Etat")),
        Column("approval_date", "Date d'approbation", "date", aliases=("Approuvé le", "Date approbation")),
        Column("start_date", "Date de début", "date", aliases=("Début", "Date début")),
        Column("end_date", "Date de fin", "date", aliases=("Fin", "Date fin")),
        Column("total_cost", "Coût total", "money", aliases=("Coût total du projet", "Coût du projet", "Budget total")),
        *years,
        Column("fqis_total", f"{fund} total", "money", aliases=(f"Total {fund}", f"{fund} (total)")),
        Column(
            "other_contributions",
            "Autres contributions",
            "money",
            aliases=("Autres sources de financement", "Autres financements", "Contributions autres"),
        ),
        Column("participants_target", "Participants visés", "count", aliases=("Nombre de participants visés",)),
        Column("participants_reached", "Participants rejoints", "count", aliases=("Nombre de participants rejoints",)),
        Column("notes", "Notes", "text", required_column=False, aliases=("Note", "Commentaires", "Remarques")),
    ]


PAYMENT_COLUMNS = [
    Column(
        "project_id",
        "No projet",
        "text",
        aliases=PROJECT_ID_ALIASES,
    ),
    Column("date", "Date du versement", "date", aliases=("Date", "Date de versement", "Versé le")),
    Column("amount", "Montant", "money", aliases=("Montant versé", "Montant du versement")),
    Column("reference", "Référence", "text", aliases=("Réf.", "Ref", "No de référence", "No chèque")),
    Column("note", "Note", "text", required_column=False, aliases=("Notes", "Commentaire", "Remarque")),
]


@dataclass(frozen=True)
class AllianceColumns:
    """The template's columns for one alliance: the Projets tab has one fund column per
    fiscal year, so it depends on the fund's name and the agreement's years."""

    projects: tuple[Column, ...]
    payments: tuple[Column, ...]


@functools.lru_cache(maxsize=16)
def alliance_columns(fund: str, year_labels: tuple[str, ...]) -> AllianceColumns:
    """The alliance's column set, built once per fund and fiscal years: the values come
    from the configuration (``config.fund``, ``config.fiscal_years``' labels), never the
    ``Config`` itself, so that this base layer imports nothing above it."""
    return AllianceColumns(tuple(project_columns(fund, list(year_labels))), tuple(PAYMENT_COLUMNS))


def match_headers(header_row: list[object], columns: Sequence[Column]) -> tuple[dict[str, int], list[Column]]:
    """Map each column's field to its 0-based index in the header row.

    Returns the mapping and the columns not found. The first matching header
    wins; later duplicates are ignored like any unknown column.
    """
    wanted: dict[str, Column] = {}
    for column in columns:
        for key in column.keys():  # noqa: SIM118 (a Column, not a dict: its header and aliases)
            wanted.setdefault(key, column)
    found: dict[str, int] = {}
    for index, cell in enumerate(header_row):
        matched = wanted.get(normalise(cell))
        if matched is not None and matched.field not in found:
            found[matched.field] = index
    missing = [c for c in columns if c.field not in found]
    return found, missing


def duplicate_headers(header_row: list[object], columns: Sequence[Column]) -> list[tuple[Column, int, int]]:
    """Headers of a template column typed twice: (column, index read, index ignored),
    0-based, in the header row's order (:func:`match_headers` reads the first)."""
    wanted: dict[str, Column] = {}
    for column in columns:
        for key in column.keys():  # noqa: SIM118 (Column.keys() is a method of Column, not a dict)
            wanted.setdefault(key, column)
    first: dict[str, int] = {}
    out = []
    for index, cell in enumerate(header_row):
        found = wanted.get(normalise(cell))
        if found is None:
            continue
        column = found
        if column.field in first:
            out.append((column, first[column.field], index))
        else:
            first[column.field] = index
    return out


def looks_like_tab(title: str, wanted: str) -> bool:
    """A tab that holds rows of ``wanted`` by its name: « Projets (suite) »,
    « Projets 2 », « Copie de Projets », « projets » for Projets."""
    stem = normalise(wanted).removesuffix("s")
    return re.search(rf"\b{re.escape(stem)}s?\b", normalise(title)) is not None


def tabs_to_read(titles: list[str], wanted_tabs: list[str]) -> list[str]:
    """The tabs a source reads: each wanted tab and every tab that looks like one, so
    that parsing can tell when rows sit in a tab that is not read."""
    return [t for t in titles if any(t == find_tab(titles, w) or looks_like_tab(t, w) for w in wanted_tabs)]


def find_tab(titles: list[str], wanted: str) -> str | None:
    """The actual title of a tab named ``wanted``, whatever its case or accents."""
    key = normalise(wanted)
    for title in titles:
        if title == wanted:
            return title
    for title in titles:
        if normalise(title) == key:
            return title
    return None
