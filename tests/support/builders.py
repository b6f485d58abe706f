"""Committee workbooks and configurations for tests, built from docs/gabarit.md and docs/configuration.md.

Rows are dicts keyed by the official header text (« No projet », « FQIS 2019-2020 »…),
so a test reads like the spreadsheet a committee keeps::

    write_committee_xlsx(tmp_path / "ouest.xlsx",
                         projects=[project("OUE-2020-001", status="Accepté")],
                         payments=[payment("OUE-2020-001", amount=10000)])
    config_path = write_config(tmp_path)          # three sub-regions, files beside it

Values are written into the cells exactly as given (int, float, str, date, datetime),
so a test chooses whether an amount is a number or text such as ``"12 500,00 $"``.
``SUM`` as an FQIS total writes the template's formula over the year columns, with
no cached value (openpyxl does not compute formulas).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from sync.config import monteregie

YEARS = ("2019-2020", "2020-2021", "2021-2022", "2022-2023")


def project_headers(years: Sequence[str]) -> list[str]:
    """The Projets tab's header row of the committee template (docs/gabarit.md), one FQIS
    column per fiscal year."""
    return [
        "No projet",
        "Titre du projet",
        "Organisme porteur",
        "Type d'organisme",
        "Territoire",
        "Priorité",
        "Statut",
        "Date d'approbation",
        "Date de début",
        "Date de fin",
        "Coût total",
        *(f"FQIS {y}" for y in years),
        "FQIS total",
        "Autres contributions",
        "Participants visés",
        "Participants rejoints",
        "Notes",
    ]


PROJECT_HEADERS = project_headers(YEARS)
PAYMENT_HEADERS = ["No projet", "Date du versement", "Montant", "Référence", "Note"]

# Keyword names of project() / payment() → official header.
PROJECT_FIELDS = {
    "project_id": "No projet",
    "title": "Titre du projet",
    "organization": "Organisme porteur",
    "organization_type": "Type d'organisme",
    "territory": "Territoire",
    "priority": "Priorité",
    "status": "Statut",
    "approval_date": "Date d'approbation",
    "start_date": "Date de début",
    "end_date": "Date de fin",
    "total_cost": "Coût total",
    "fqis_total": "FQIS total",
    "other_contributions": "Autres contributions",
    "participants_target": "Participants visés",
    "participants_reached": "Participants rejoints",
    "notes": "Notes",
}
PAYMENT_FIELDS = {
    "project_id": "No projet",
    "date": "Date du versement",
    "amount": "Montant",
    "reference": "Référence",
    "note": "Note",
}

_DEFAULT = object()
SUM = object()  # fqis_total=SUM: the template's =SUM() formula, without a cached value

# A territory of each sub-region, chosen from the project id's prefix.
TERRITORY_BY_PREFIX = {"OUE": "Roussillon", "EST": "Acton", "LON": "Brossard", "REG": "Régional"}

# The Montérégie's sub-regions as the built-in values give them, each on its own workbook.
# (Copies: a test's change never reaches the product's defaults.)
SUBREGIONS = [{**copy.deepcopy(s), "source": {"xlsx": f"{str(s['code']).lower()}.xlsx"}} for s in monteregie.SUBREGIONS]

ALLIANCE = {
    "name": "Alliance pour la solidarité en Montérégie",
    "mandataire": "Table de concertation des préfets de la Montérégie (TCPM)",
    "ministry": "MTESS",
    "fund": "FQIS",
    "envelope": 11800000,
    "period": {"start": dt.date(2019, 4, 1), "end": dt.date(2023, 3, 31)},
    "max_fqis_share": 0.80,
    "nearly_used": 0.95,
}


def project(
    project_id: str | None = "OUE-2020-001", *, fqis: dict | None = None, cells: dict | None = None, **fields
) -> dict:
    """A clean project row (En cours, 60 000 $ of FQIS on a 100 000 $ project).

    ``fqis`` maps a fiscal year label to its amount (default 30 000 $ in 2019-2020 and
    2020-2021); the FQIS total defaults to their sum (the SUM formula when a year is
    text); keyword fields use the names of PROJECT_FIELDS; ``cells`` sets any
    header directly, official or not. A field set to None leaves its cell empty.
    """
    prefix = project_id[:3].upper() if isinstance(project_id, str) else ""
    row = {
        "No projet": project_id,
        "Titre du projet": f"Projet {project_id}",
        "Organisme porteur": "Centre d'entraide régional",
        "Type d'organisme": "OBNL",
        "Territoire": TERRITORY_BY_PREFIX.get(prefix, "Roussillon"),
        "Priorité": "Sécurité alimentaire",
        "Statut": "En cours",
        "Date d'approbation": dt.date(2019, 5, 15),
        "Date de début": dt.date(2019, 6, 1),
        "Date de fin": dt.date(2021, 3, 31),
        "Coût total": 100000,
        "Autres contributions": 40000,
        "Participants visés": 20,
        "Participants rejoints": 15,
        "Notes": "",
    }
    years = {"2019-2020": 30000, "2020-2021": 30000} if fqis is None else fqis
    for label, amount in years.items():
        row[f"FQIS {label}"] = amount
    total = fields.pop("fqis_total", _DEFAULT)
    if total is _DEFAULT:
        # What a spreadsheet shows: the sum of the years, or the formula when a year is text.
        numbers = all(isinstance(v, (int, float)) or v is None for v in years.values())
        total = sum(v or 0 for v in years.values()) if numbers else SUM
    row["FQIS total"] = total
    for name, value in fields.items():
        row[PROJECT_FIELDS[name]] = value
    row.update(cells or {})
    return row


def payment(project_id: str | None = "OUE-2020-001", *, cells: dict | None = None, **fields) -> dict:
    """A clean payment row: 10 000 $ on 2020-05-01."""
    row = {
        "No projet": project_id,
        "Date du versement": dt.date(2020, 5, 1),
        "Montant": 10000,
        "Référence": "VER-0001",
        "Note": "",
    }
    for name, value in fields.items():
        row[PAYMENT_FIELDS[name]] = value
    row.update(cells or {})
    return row


def _write_tab(ws, rows: list[dict | None], headers: list[str], rename: dict[str, str]) -> None:
    for c, header in enumerate(headers, start=1):
        ws.cell(row=1, column=c, value=rename.get(header, header))
    letters = {h: get_column_letter(c) for c, h in enumerate(headers, start=1)}
    years = [h for h in headers if h.startswith("FQIS 2")]
    for r, record in enumerate(rows, start=2):
        if record is None:  # a fully blank row
            continue
        for c, header in enumerate(headers, start=1):
            value = record.get(header)
            if value is SUM:
                value = f"=SUM({letters[years[0]]}{r}:{letters[years[-1]]}{r})" if years else None
            if value is None or value == "":
                continue
            ws.cell(row=r, column=c, value=value)


def write_committee_xlsx(
    path: Path,
    projects: Sequence[dict | None] = (),
    payments: Sequence[dict | None] = (),
    *,
    headers: list[str] | None = None,
    payment_headers: list[str] | None = None,
    rename: dict[str, str] | None = None,
    payment_rename: dict[str, str] | None = None,
    tabs: dict[str, str | None] | None = None,
    extra_tabs: dict[str, list] | None = None,
) -> Path:
    """Write a committee workbook (docs/gabarit.md) and return its path.

    ``headers``/``payment_headers``: the header row, in order (default: all of the template's);
    a header that is not official is written too, its values taken from the rows'
    dicts. ``rename``/``payment_rename``: official header → text written instead (the
    values stay keyed by the official header). ``tabs``: official tab name → title
    written, None to leave the tab out. A ``None`` row is a fully blank row.
    ``extra_tabs``: other tabs, title → list of rows (lists of values).
    """
    tabs = {"Projets": "Projets", "Versements": "Versements", **(tabs or {})}
    wb = Workbook()
    wb.remove(wb.active)
    if tabs["Projets"] is not None:
        _write_tab(wb.create_sheet(tabs["Projets"]), list(projects), headers or PROJECT_HEADERS, rename or {})
    if tabs["Versements"] is not None:
        _write_tab(
            wb.create_sheet(tabs["Versements"]),
            list(payments),
            payment_headers or PAYMENT_HEADERS,
            payment_rename or {},
        )
    for title, rows in (extra_tabs or {}).items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    if not wb.sheetnames:
        wb.create_sheet("Feuille1")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


# --------------------------------------------------------------------------
# Configuration


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(type(value))


def _toml_key(key: str) -> str:
    return (
        key
        if key.replace("_", "").replace("-", "").isalnum() and key.isascii() and not key[0].isdigit()
        else _toml_value(key)
    )


def _toml_table(header: str, data: dict) -> list[str]:
    return [header, *(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in data.items() if v is not None), ""]


def toml_text(alliance: dict, regional: dict | None, subregions: list[dict], extra: str = "") -> str:
    lines = _toml_table("[alliance]", alliance)
    if regional is not None:
        lines += _toml_table("[regional]", regional)
    for item in subregions:
        lines += _toml_table("[[subregions]]", item)
    return "\n".join(lines) + "\n" + extra


def write_config(
    tmp_path: Path,
    *,
    alliance: dict | None = None,
    regional: dict | None = None,
    subregions: list[dict] | None = None,
    overrides: dict[str, dict] | None = None,
    annual: dict[str, dict] | None = None,
    extra: str = "",
    name: str = "alliance.toml",
    create_missing: bool = True,
) -> Path:
    """Write a configuration (docs/configuration.md) in ``tmp_path`` and return its path.

    Defaults: the Montérégie (docs/configuration.md) with three sub-regions reading ``ouest.xlsx``,
    ``est.xlsx`` and ``longueuil.xlsx`` beside the file. ``alliance`` and ``regional``
    update those tables (``regional={"source": {"xlsx": "regional.xlsx"}}``);
    ``overrides`` updates a sub-region by code; ``annual`` sets a sub-region's annual
    amounts by code; ``extra`` is TOML text appended as is. With ``create_missing``,
    a workbook named by a source and not yet written is created empty (headers only).
    """
    tmp_path = Path(tmp_path)
    items = [dict(s) for s in (subregions if subregions is not None else SUBREGIONS)]
    for item in items:
        item.update((overrides or {}).get(str(item.get("code")), {}))
        if annual and item.get("code") in annual:
            item["annual"] = annual[item["code"]]
    regional_table = {"name": "Réserve régionale (TCPM)", "allocation": 1200000, **(regional or {})}
    text = toml_text({**ALLIANCE, **(alliance or {})}, regional_table, items, extra)
    if create_missing:
        for item in [*items, regional_table]:
            source = item.get("source") or {"xlsx": item.get("xlsx")}
            if isinstance(source, dict) and isinstance(source.get("xlsx"), str):
                target = tmp_path / source["xlsx"]
                if not target.exists():
                    write_committee_xlsx(target)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def write_alliance(tmp_path: Path, workbooks: dict[str, dict] | None = None, **config) -> Path:
    """Workbooks by committee code (``{"OUEST": {"projects": [...], "payments": [...]}}``,
    any keyword of write_committee_xlsx) and the configuration; returns its path."""
    files = {"OUEST": "ouest.xlsx", "EST": "est.xlsx", "LONGUEUIL": "longueuil.xlsx", "REGION": "regional.xlsx"}
    for code, content in (workbooks or {}).items():
        write_committee_xlsx(Path(tmp_path) / files.get(code, f"{code.lower()}.xlsx"), **content)
    return write_config(tmp_path, **config)
