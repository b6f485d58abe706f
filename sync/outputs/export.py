"""The figures of the ministry workbook as tidy CSV files, for programs
(``alliance-sync run --export DIR``; docs/classeur-ministere.md).

The workbook remains the file for people; these files are for a script that
combines the alliances of a program: one row per record or per figure, one
column per variable, the same column names in every alliance.

- ``projets.csv``, ``versements.csv``: every record, as the Projets and Versements
  sheets list them, with what alliance-sync computed (paid, committed, included);
- ``constats.csv``: every finding;
- ``totaux.csv``: the figures of the Sommaire and of Par année, long format:
  one row per line of the envelope, fiscal year (empty: the whole agreement) and measure.

Format: RFC 4180 (comma, double quotes, CRLF line ends), UTF-8 without BOM,
amounts in dollars with a dot and no thousands separator (``150000.55``), dates
ISO (``2024-05-01``), yes/no as ``oui``/``non``. Text typed by a committee that
a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return) is written with a leading apostrophe, the usual
protection against formula injection (OWASP « CSV injection »).

The folder may hold other files: only these five names are written, and a file of
one of these names is replaced only when alliance-sync wrote it. It knows its own
files by the manifest it writes beside them, ``exportation-alliance-sync.sha256``
(the SHA-256 of each file of the last export, in the format ``sha256sum -c`` checks):
a person's ``projets.csv``, or an export edited since, is replaced only with
``--force``. The folder must not be an input (the state folder, ``temporaire/``…):
:func:`sync.outputs.paths.output_path` decides, as for every output.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path

from sync.consolidate import committed_amount
from sync.errors import OutputError, describe_os_error
from sync.findings import SEVERITY_LABEL
from sync.outputs.atomic import write_atomically
from sync.outputs.ministry.evolution import points_of
from sync.outputs.ministry.figures import compute
from sync.outputs.ministry.records import PaymentLayout, ProjectLayout, engagement
from sync.outputs.paths import Input, output_path
from sync.report import Report

# What a spreadsheet program reads as the start of a formula when it opens a CSV.
INJECTION = ("=", "+", "-", "@", "\t", "\r")

PROJECT_COLUMNS = [
    "alliance",
    "ligne",
    "no_projet",
    "titre",
    "organisme",
    "type_organisme",
    "territoire",
    "priorite",
    "statut",
    "date_approbation",
    "date_debut",
    "date_fin",
    "cout_total",
    "fqis_total",
    "autres_contributions",
    "participants_vises",
    "participants_rejoints",
    "verse",
    "engagement",
    "fqis_engage",
    "inclus",
    "onglet",
    "ligne_source",
    "notes",
]
PAYMENT_COLUMNS = [
    "alliance",
    "ligne",
    "no_projet",
    "date",
    "exercice",
    "montant",
    "reference",
    "note",
    "inclus",
    "onglet",
    "ligne_source",
]
FINDING_COLUMNS = ["alliance", "gravite", "code", "ligne", "onglet", "cellule", "rangee", "no_projet", "message"]
TOTAL_COLUMNS = ["alliance", "ligne", "exercice", "mesure", "valeur"]
EVOLUTION_COLUMNS = ["alliance", "mois", "date", "synchronisation", "ligne", "engage", "verse"]
FILES = ("projets.csv", "versements.csv", "constats.csv", "totaux.csv", "evolution.csv")
MANIFEST = "exportation-alliance-sync.sha256"
FOREIGN_EXPORT = (
    f"ce fichier existe et n'est pas un fichier de la dernière exportation d'alliance-sync (absent de "
    f"{MANIFEST}, ou modifié depuis) ; choisissez un autre dossier, ou ajoutez --force pour le remplacer"
)


def amount(cents: int | None) -> Decimal | None:
    """``15000055`` → ``150000.55``: exact, dot decimal, no thousands separator
    (a Decimal, so that a negative balance is never taken for committee text)."""
    return None if cents is None else Decimal(cents).scaleb(-2)


def protect(text: str) -> str:
    """Text that a spreadsheet program cannot run as a formula."""
    return "'" + text if text.startswith(INJECTION) else text


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, str):
        return protect(value)
    return value


def render(rows: Iterable[list[object]], header: list[str]) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180: CRLF, minimal quoting
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return buffer.getvalue()


def export_paths(folder: Path, inputs: Iterable[Input], *, force: bool = False) -> list[Path]:
    """The five files and the manifest, checked (OutputError, exit 2): none an input,
    none a file alliance-sync did not write, unless ``force``."""
    folder = Path(folder)
    inputs = list(inputs)
    known = _manifest(folder / MANIFEST)

    def ours(path: Path) -> bool:
        """The manifest itself, or a file it lists with the same digest."""
        if known is None:
            return False
        return path.name == MANIFEST or _digest(path) in known.get(path.name, set())

    return [
        output_path(folder / name, name, inputs, force=force, ours=ours, suffix=None, foreign=FOREIGN_EXPORT)
        for name in (*FILES, MANIFEST)
    ]


def export_csv(report: Report, folder: Path, inputs: Iterable[Input] = (), *, force: bool = False) -> list[Path]:
    """Write the five files in ``folder`` (created if missing), each atomically, then
    the manifest that lists them."""
    folder = Path(folder)
    *targets, manifest = export_paths(folder, inputs, force=force)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"le dossier d'exportation {folder} n'a pas pu être créé : {describe_os_error(exc)}."
        ) from None
    contents = {
        "projets.csv": render(_projects(report), PROJECT_COLUMNS),
        "versements.csv": render(_payments(report), PAYMENT_COLUMNS),
        "constats.csv": render(_findings(report), FINDING_COLUMNS),
        "totaux.csv": render(_totals(report), TOTAL_COLUMNS),
        "evolution.csv": render(_evolution(report), EVOLUTION_COLUMNS),
    }
    data = {name: text.encode("utf-8") for name, text in contents.items()}
    new = {name: hashlib.sha256(content).hexdigest() for name, content in data.items()}
    # Killed halfway, a folder holds old and new files: the manifest lists both
    # digests meanwhile, so that the next export still knows every file as its own.
    old = {name: _digest(folder / name) for name in FILES}
    _write(manifest, _manifest_text([*new.items(), *((n, d) for n, d in old.items() if d and d != new[n])]))
    written = []
    for target in targets:
        _write(target, data[target.name])
        written.append(target)
    _write(manifest, _manifest_text(list(new.items())))
    return written


def _write(target: Path, data: bytes) -> None:
    def write(path: Path) -> None:
        path.write_bytes(data)

    write_atomically(target, write)


def _manifest_text(entries: list[tuple[str, str]]) -> bytes:
    return "".join(f"{digest}  {name}\n" for name, digest in entries).encode("ascii")


def _manifest(path: Path) -> dict[str, set[str]] | None:
    """The files of the last export and their SHA-256 (two during an interrupted
    export); None when the manifest is missing or is not one alliance-sync wrote."""
    try:
        text = path.read_bytes().decode("ascii")
    except (OSError, UnicodeDecodeError):
        return None
    found: dict[str, set[str]] = {}
    for line in text.splitlines():
        digest, _, name = line.partition("  ")
        if name not in FILES or len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
            return None
        found.setdefault(name, set()).add(digest)
    return found


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _projects(report: Report) -> Iterator[list[object]]:
    name = report.config.name
    layout = ProjectLayout(report)
    paid = report.totals.paid_by_project
    for p in layout.records:
        spent = paid.get((p.committee, p.project_id), 0)
        yield [
            name,
            p.committee,
            p.project_id,
            p.title,
            p.organization,
            p.organization_type,
            p.territory,
            p.priority,
            p.status,
            p.approval_date,
            p.start_date,
            p.end_date,
            amount(p.total_cost),
            amount(p.fqis_total),
            amount(p.other_contributions),
            p.participants_target,
            p.participants_reached,
            amount(spent),
            engagement(p),
            amount(committed_amount(p, spent)),
            p.counted,
            p.sheet,
            p.row,
            p.notes,
        ]


def _payments(report: Report) -> Iterator[list[object]]:
    config = report.config
    for v in PaymentLayout(report).records:
        year = config.fiscal_year_of(v.date) if v.date else None
        yield [
            config.name,
            v.committee,
            v.project_id,
            v.date,
            year.label if year else "",
            amount(v.amount),
            v.reference,
            v.note,
            v.counted and v.amount is not None,
            v.sheet,
            v.row,
        ]


def _findings(report: Report) -> Iterator[list[object]]:
    for f in report.findings:
        yield [
            report.config.name,
            SEVERITY_LABEL[f.severity],
            f.code,
            f.committee,
            f.sheet,
            f.cell,
            f.row,
            f.project_id,
            f.message,
        ]


def _evolution(report: Report) -> Iterator[list[object]]:
    """The Évolution sheet's points: engagé and versé of each line, then of the Alliance
    (« ALLIANCE »); ``synchronisation`` empty for tonight's point."""
    name = report.config.name
    for point in points_of(report):
        month, day, run = f"{point.day:%Y-%m}", point.day, point.run if point.run is not None else ""
        for code in point.committed:
            yield [name, month, day, run, code, amount(point.committed[code]), amount(point.paid.get(code, 0))]
        committed, paid = sum(point.committed.values()), sum(point.paid.values())
        yield [name, month, day, run, "ALLIANCE", amount(committed), amount(paid)]


def _totals(report: Report) -> Iterator[list[object]]:
    config, totals = report.config, report.totals
    figures = compute(report)
    name = config.name
    for line in totals.lines:
        for measure, value in (
            ("allocation", amount(line.allocation)),
            ("engage", amount(line.committed)),
            ("verse", amount(line.paid)),
            ("solde_non_engage", amount(line.balance)),
            ("projets_engages", line.projects_committed),
            ("autres_contributions", amount(line.other_contributions)),
            ("demandes_en_analyse", amount(line.pipeline)),
        ):
            yield [name, line.code, "", measure, value]
        for year in config.fiscal_years:
            label = year.label
            yield [name, line.code, label, "fqis_prevu", amount(figures.planned[line.code][label])]
            yield [name, line.code, label, "engage", amount(line.committed_by_year.get(label, 0))]
            yield [name, line.code, label, "verse", amount(line.paid_by_year.get(label, 0))]
    if totals.unallocated:
        yield [name, "NON_REPARTI", "", "allocation", amount(totals.unallocated)]
