"""Local .xlsx committee workbooks, read with python-calamine.

Why calamine and not openpyxl's read-only mode: calamine parses in Rust and reads
the committees' tabs five to six times faster, rows made as below included
(benchmarks/RESULTS.md); reading was a fifth of a whole run. openpyxl still
writes every workbook the tool produces.

The rows are the ones openpyxl's read-only mode gave, on which parsing and the
history's copies were built:

- a date cell is a ``datetime`` (midnight for a whole day), a time a ``time``,
  a duration a ``timedelta``;
- a whole number is an ``int`` (below 10^15), any other number a ``float``;
  booleans stay ``bool``;
- an empty cell, or a formula never computed (no cached value), is ``None``, and
  each row ends at its last value;
- an error cell keeps its text (``#DIV/0!``, ``#N/A``…), so that parsing reports
  it at its cell instead of reading a blank. python-calamine returns an error
  cell as an empty string, so :func:`_error_cells` finds these cells again in the
  sheet's XML, with defusedxml, in the sheets that have one.

Safety: calamine's XML parser (quick-xml) reads no DTD and expands no entity
but XML's five predefined ones, and the XML read here goes through defusedxml,
so a hostile workbook can neither expand entities nor reach a file or the
network (tests/test_xlsx_reader.py).
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring, iterparse
from python_calamine import CalamineError, CalamineWorkbook
from xlsxwriter.utility import xl_cell_to_rowcol

from sync.config import SourceSpec
from sync.errors import SourceUnavailable, describe_os_error
from sync.sources import RawWorkbook, Row

_OFFICE_DOCUMENT = "/officeDocument"  # end of the relationship type of the workbook part
# An error cell's type attribute (t="e"), in the bytes of a sheet part: a cheap test
# that spares the XML pass to the sheets without any error cell.
_ERROR_TYPE = re.compile(rb"""\st\s*=\s*["']e["']""")
# Spreadsheet programs write a whole number below 10^15 without a decimal point or
# exponent, which openpyxl read as an int; larger ones as 1E+15, read as a float.
_PLAIN = 1e15


class XlsxSource:
    def __init__(self, spec: SourceSpec, committee_code: str = ""):
        self.spec = spec
        self.path = Path(spec.location)
        self.committee_code = committee_code

    def read(self, wanted_tabs: list[str]) -> RawWorkbook:
        # Only the tabs parsing needs are read: an instructions or lists tab may be big.
        from sync.parsing.headers import find_tab

        try:
            read_at = dt.datetime.fromtimestamp(self.path.stat().st_mtime).astimezone()
            archive = zipfile.ZipFile(self.path)
        except FileNotFoundError:
            raise SourceUnavailable(f"fichier introuvable : {self.path}",
                                    committee=self.committee_code) from None
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise self._unreadable(exc) from None
        with archive:
            try:
                parts = _worksheet_parts(archive)
                workbook = CalamineWorkbook.from_path(str(self.path))
            except (CalamineError, KeyError, OSError, ValueError, SyntaxError) as exc:
                # SyntaxError: defusedxml's refusals and ParseError derive from it.
                raise self._unreadable(exc) from None
            try:
                titles = list(workbook.sheet_names)
                tabs: dict[str, list[Row]] = {}
                for wanted in wanted_tabs:
                    title = find_tab(titles, wanted)
                    if title is not None:
                        errors = _error_cells(archive, parts[title]) if title in parts else {}
                        # Every row from A1 (row numbers are cell addresses), whatever
                        # size the file declares: some programs declare it wrong.
                        grid = workbook.get_sheet_by_name(title).to_python(skip_empty_area=False)
                        tabs[title] = _rows(grid, errors)
            except Exception as exc:  # a corrupted part inside a valid zip
                raise SourceUnavailable(
                    f"le fichier {self.path} est endommagé ({exc}) ; réenregistrez-le depuis Excel ou LibreOffice.",
                    committee=self.committee_code,
                ) from None
            finally:
                workbook.close()
        # Keep the titles of tabs we did not read so MISSING_TAB can list them.
        for title in titles:
            tabs.setdefault(title, [])
        return RawWorkbook(tabs=tabs, read_at=read_at)

    def _unreadable(self, exc: Exception) -> SourceUnavailable:
        if isinstance(exc, zipfile.BadZipFile):
            # An .xlsx is a zip archive: anything else is an empty file, a CSV or an
            # old .xls renamed, or a file cut short by a copy.
            why = ("ce n'est pas un classeur Excel (.xlsx) : fichier vide, CSV ou .xls renommé, "
                   "ou copie incomplète ; enregistrez-le au format Excel (.xlsx)")
        elif isinstance(exc, OSError):
            why = f"lecture impossible ({describe_os_error(exc)})"
        elif isinstance(exc, DefusedXmlException):
            why = ("il contient des déclarations XML (entités) refusées par mesure de sécurité ; "
                   "réenregistrez-le depuis Excel ou LibreOffice")
        elif isinstance(exc, (KeyError, CalamineError)):
            why = ("il n'a pas la structure d'un classeur Excel (.xlsx) : un .ods ou un autre format "
                   "renommé ? Enregistrez-le au format Excel (.xlsx)")
        else:
            why = "son contenu est endommagé ; réenregistrez-le depuis Excel ou LibreOffice"
        return SourceUnavailable(f"le fichier {self.path} est illisible : {why}.", committee=self.committee_code)

    def cell_link(self, sheet_ids: dict[str, int], sheet: str, cell: str) -> str | None:
        return None


def _rows(grid: Sequence[Sequence[object]], errors: dict[tuple[int, int], str]) -> list[Row]:
    """calamine's grid → rows as openpyxl's read-only mode gave them (see the module)."""
    date, midnight, combine = dt.date, dt.time(), dt.datetime.combine
    rows: list[Row] = []
    for values in grid:
        row = [None if v == "" else int(v) if v.__class__ is float and v.is_integer() and -_PLAIN < v < _PLAIN
               else combine(v, midnight) if v.__class__ is date else v for v in values]
        rows.append(row)
    for (r, c), text in errors.items():
        while len(rows) <= r:
            rows.append([])
        row = rows[r]
        if len(row) <= c:
            row.extend([None] * (c + 1 - len(row)))
        row[c] = text
    for row in rows:
        while row and row[-1] is None:
            row.pop()
    while rows and not rows[-1]:
        rows.pop()
    return rows


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, target part) of a part (its ``_rels/*.rels``)."""
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", f"{name}.rels")
    out = {}
    for rel in fromstring(archive.read(rels)):
        target = rel.get("Target", "")
        target = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out[rel.get("Id", "")] = (rel.get("Type", ""), target)
    return out


def _worksheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Tab title → its part in the archive (``xl/worksheets/sheet2.xml``), as the
    package's relationships say; KeyError when the file is no spreadsheet."""
    workbook = next((target for kind, target in _relationships(archive, "").values()
                     if kind.endswith(_OFFICE_DOCUMENT)), None)
    if workbook is None:
        raise KeyError("officeDocument")
    rels = _relationships(archive, workbook)
    parts = {}
    for element in fromstring(archive.read(workbook)).iter():
        if _local(element.tag) == "sheet":
            rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), "")
            if rid in rels:
                parts[element.get("name", "")] = rels[rid][1]
    return parts


def _error_cells(archive: zipfile.ZipFile, part: str) -> dict[tuple[int, int], str]:
    """(row, column), from 0, → text of each error cell of a sheet part."""
    with archive.open(part) as stream:
        data = stream.read()
    if (b'"e"' not in data and b"'e'" not in data) or not _ERROR_TYPE.search(data):
        return {}
    errors: dict[tuple[int, int], str] = {}
    row = col = 0  # 1-based, as in the XML; a row or a cell may omit its address
    for event, element in iterparse(io.BytesIO(data), events=("start", "end")):
        tag = _local(element.tag)
        if event == "start":
            if tag == "row":
                row, col = int(element.get("r") or row + 1), 0
            elif tag == "c":
                ref = element.get("r")
                row, col = tuple(i + 1 for i in xl_cell_to_rowcol(ref)) if ref else (row, col + 1)
        elif tag == "c":
            if element.get("t") == "e":
                value = next((child.text for child in element if _local(child.tag) == "v"), None)
                if value is not None:  # as openpyxl: an error cell without its value is empty
                    errors[(row - 1, col - 1)] = value
            element.clear()
        elif tag == "row":
            element.clear()
    return errors
