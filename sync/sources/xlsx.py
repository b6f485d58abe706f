"""Local .xlsx committee workbooks, read with python-calamine.

Why calamine and not openpyxl's read-only mode: calamine parses in Rust and reads
the committees' tabs five to six times faster, rows made as below included
(benchmarks/RESULTS.md); reading was a fifth of a whole run. openpyxl's streaming
sheet parser still reads the tabs that calamine must not (see Bounds below).

The rows are the ones openpyxl's read-only mode gave, on which parsing and the
history's copies were built:

- a date cell is a ``datetime`` (midnight for a whole day), a time a ``time``,
  a duration a ``timedelta``;
- a whole number is an ``int`` (below 10^15), any other number a ``float``;
  booleans stay ``bool``;
- an empty cell, or a formula never computed (no cached value), is ``None``, and
  each row ends at its last value;
- a number shown as a percentage (a cell format whose code holds ``%``) is the text
  the committee sees, « 5 % » (sync.sources.percent_text), as the Google source gives
  it: 5 % is never read as an amount of 0,05 $. calamine knows no cell format, so
  :func:`_percent_styles` reads the workbook's styles and :func:`_percent_cells` the
  sheet's cells of those styles, only in workbooks that have such a format;
- an error cell keeps its text (``#DIV/0!``, ``#N/A``…), so that parsing reports
  it at its cell instead of reading a blank. python-calamine returns an error
  cell as an empty string, so :func:`_error_cells` finds these cells again in the
  sheet's XML, with defusedxml, in the sheets that have one; calamine refuses the
  error values it does not know (``#SPILL!``, ``#CALC!`` of a recent Excel), and
  such a sheet is read cell by cell instead, as a sheet with a far value is.

Safety: calamine's XML parser (quick-xml) reads no DTD and expands no entity
but XML's five predefined ones, and the XML read here goes through defusedxml,
so a hostile workbook can neither expand entities nor reach a file or the
network (tests/test_xlsx_reader.py).

Bounds: memory and time follow what a committee typed, not the size a file declares
nor the distance between its cells (tests/test_hostile.py). Before calamine reads a
tab, a pass of regular expressions over the sheet's XML finds its farthest cell: a
value in XFD1048576 would make calamine allocate 17 billion cells (and abort the
process), so such a tab is read cell by cell instead. Parts that inflate too much,
too many shared strings, cells or filled rows make the file unreadable, with a
message that names the limit (the ``MAX_*`` constants below).
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring, iterparse
from python_calamine import CalamineError, CalamineWorkbook

from sync.config import SourceSpec
from sync.errors import NotAWorkbookFile, SourceUnavailable, describe_os_error, regular_file_status
from sync.sources.base import MAX_ROWS, RawWorkbook, Row, filled_rows, is_blank_row, percent_text
from sync.vocabulary.addresses import cell_to_rowcol
from sync.vocabulary.template import tabs_to_read

_OFFICE_DOCUMENT = "/officeDocument"  # end of the relationship type of the workbook part
# An error cell's type attribute (t="e"), in the bytes of a sheet part: a cheap test
# that spares the XML pass to the sheets without any error cell.
_ERROR_TYPE = re.compile(rb"""\st\s*=\s*["']e["']""")
# Spreadsheet programs write a whole number below 10^15 without a decimal point or
# exponent, which openpyxl read as an int; larger ones as 1E+15, read as a float.
_PLAIN = 1e15

# Bounds of what one committee workbook may cost (the largest real one is a few MB
# of XML and some 250 000 cells; benchmarks/RESULTS.md):
# - the size of the file, and the decompressed size of any part of the archive (a
#   compression bomb stops here);
MAX_PART_BYTES = 100 * 1024 * 1024
# - the rows × columns calamine may allocate for a tab, from A1 to its farthest value;
#   beyond, the tab is read cell by cell (:meth:`XlsxSource._sparse_rows`);
DENSE_CELLS = 1_000_000
# - the values of a tab read cell by cell (and the texts of the shared strings table),
#   and the cells of the rows they make, per tab and for the whole workbook.
MAX_CELLS = 1_000_000
MAX_SLOTS = 4_000_000
# - the rows of a tab that hold something: sync.sources.MAX_ROWS, for both sources.

# A cell's start tag as spreadsheet programs write it, its address first; a part whose
# cells are written otherwise (a namespace prefix, attributes in another order, no
# address) is read cell by cell, where the XML parser places every cell.
_CELL_START = re.compile(rb"<c[\s>/]")
_PREFIXED_CELL = re.compile(rb":c[\s>/]")
_CELL_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})[0-9]')
_CELL_ROW = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"')
_CHUNK = 1 << 20
# An entry of the shared strings table (any namespace prefix).
_SHARED_STRING = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s>/]")
# An encrypted .xlsx is an OLE compound file holding an « EncryptedPackage » stream.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")


class XlsxSource:
    def __init__(self, spec: SourceSpec, committee_code: str = ""):
        self.spec = spec
        self.path = Path(spec.location)
        self.committee_code = committee_code

    def read(self, wanted_tabs: list[str]) -> RawWorkbook:
        # Only the tabs parsing needs are read: an instructions or lists tab may be big.
        read_at = self._check_regular_file()
        try:
            archive = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise self._unreadable(exc) from None
        with archive:
            try:
                self._check_declared_sizes(archive)
                parts = _worksheet_parts(archive)
                self._check_shared_strings(archive)
                percent = _percent_styles(archive)
                workbook = CalamineWorkbook.from_path(str(self.path))
            except (CalamineError, KeyError, OSError, ValueError, SyntaxError) as exc:
                # SyntaxError: defusedxml's refusals and ParseError derive from it.
                raise self._unreadable(exc) from None
            try:
                titles = list(workbook.sheet_names)
                tabs: dict[str, list[Row]] = {}
                slots = 0
                for title in tabs_to_read(titles, wanted_tabs):
                    tabs[title] = rows = self._read_tab(archive, workbook, title, parts.get(title), percent)
                    if len(rows) > MAX_ROWS + 1 and filled_rows(rows) > MAX_ROWS:
                        raise self._too_many_rows(title)
                    # Bounded for the whole workbook too: a thousand « Projets 2 » tabs are read.
                    slots += len(rows) + sum(map(len, rows))
                    if slots > MAX_SLOTS:
                        raise self._too_big(
                            f"ses onglets Projets et Versements et ceux qui leur ressemblent "
                            f"s'étendent sur plus de {_count(MAX_SLOTS)} cellules, la limite"
                        )
            except SourceUnavailable:
                raise
            except Exception as exc:  # a corrupted part inside a valid zip
                raise SourceUnavailable(
                    f"le fichier {self.path} est endommagé ({_damage(exc)}) ; réenregistrez-le depuis Excel ou "
                    "LibreOffice.",
                    committee=self.committee_code,
                ) from None
            finally:
                workbook.close()
        # Keep the titles of tabs we did not read so MISSING_TAB can list them.
        for title in titles:
            tabs.setdefault(title, [])
        return RawWorkbook(tabs=tabs, read_at=read_at)

    def _check_regular_file(self) -> dt.datetime:
        """The file's time, once it is known to be a regular file: a FIFO or a device
        would make the zip reader wait forever or read without end."""
        try:
            status = regular_file_status(self.path)
        except NotAWorkbookFile as exc:
            if exc.missing:
                raise SourceUnavailable(f"fichier introuvable : {self.path}", committee=self.committee_code) from None
            raise SourceUnavailable(
                f"{exc.message} ; indiquez le chemin d'un classeur Excel (.xlsx).", committee=self.committee_code
            ) from None
        if status.st_size > MAX_PART_BYTES:
            # Its zip directory alone (a million tiny parts) would fill the memory.
            raise self._too_big(
                f"il occupe {_megabytes(status.st_size)}, au-delà de la limite de {_megabytes(MAX_PART_BYTES)}"
            )
        return dt.datetime.fromtimestamp(status.st_mtime).astimezone()

    def _check_declared_sizes(self, archive: zipfile.ZipFile) -> None:
        """Refuse a part that inflates beyond :data:`MAX_PART_BYTES` before anything
        inflates it. Sizes are the ones the archive declares: Python's zip reader and
        calamine's both stop at the declared size (a part longer than declared is an
        error, not more memory), so the declaration is a true bound."""
        for item in archive.infolist():
            if item.file_size > MAX_PART_BYTES:
                raise self._too_big(
                    f"une de ses parties ({item.filename}) occupe {_megabytes(item.file_size)} une fois "
                    f"décompressée, au-delà de la limite de {_megabytes(MAX_PART_BYTES)}"
                )

    def _check_shared_strings(self, archive: zipfile.ZipFile) -> None:
        """Refuse more shared strings than :data:`MAX_CELLS`: every reader keeps them
        all in memory, and five million empty ones fit in 20 MB of zip."""
        part = _shared_strings_part(archive)
        # The shortest entry, « <si/> », takes 5 bytes: a smaller part cannot exceed the limit.
        if part is None or archive.getinfo(part).file_size <= 5 * MAX_CELLS:
            return
        count = 0
        pending = b""
        with archive.open(part) as stream:
            while chunk := stream.read(_CHUNK):
                buffer = pending + chunk
                count += len(_SHARED_STRING.findall(buffer[:-8]))
                pending = buffer[-8:]
                if count > MAX_CELLS:
                    raise self._too_big(
                        f"sa table de textes partagés compte plus de {_count(MAX_CELLS)} textes, la limite"
                    )

    def _too_many_rows(self, title: str) -> SourceUnavailable:
        return self._too_big(f"l'onglet « {title} » compte plus de {_count(MAX_ROWS)} lignes remplies, la limite")

    def _too_big(self, what: str) -> SourceUnavailable:
        return SourceUnavailable(
            f"le fichier {self.path} est illisible : {what} ; un classeur de comité n'en demande pas tant "
            "(une valeur saisie très loin du tableau ou un fichier piégé ?). Effacez ce qui dépasse le "
            "tableau ou réenregistrez-le depuis Excel ou LibreOffice.",
            committee=self.committee_code,
        )

    def _read_tab(
        self,
        archive: zipfile.ZipFile,
        workbook: CalamineWorkbook,
        title: str,
        part: str | None,
        percent: frozenset[int],
    ) -> list[Row]:
        extent = _scan(archive, part) if part is not None else None
        if extent is None or extent.dense_cells > DENSE_CELLS:
            # A value far from the others (a Ctrl+Fin accident in XFD1048576) would make
            # calamine allocate every cell up to it: read the cells there are instead.
            return self._sparse_rows(title, percent)
        errors = _error_cells(archive, part) if extent.has_errors and part is not None else {}
        # Every row from A1 (row numbers are cell addresses), whatever size the file
        # declares: some programs declare it wrong.
        try:
            grid = workbook.get_sheet_by_name(title).to_python(skip_empty_area=False)
        except CalamineError:
            if not errors:
                raise
            # calamine refuses the error values it does not know (#SPILL!, #CALC! of a
            # recent Excel): openpyxl's parser keeps them as their text.
            return self._sparse_rows(title, percent)
        rows = _rows(grid, errors)
        if percent and part is not None:
            _show_percentages(rows, _percent_cells(archive, part, percent))
        return rows

    def _sparse_rows(self, title: str, percent: frozenset[int] = frozenset()) -> list[Row]:
        """The tab's rows from the cells the sheet holds, with openpyxl's streaming
        sheet parser: memory follows the values, not the distance between them."""
        from openpyxl import load_workbook
        from openpyxl.worksheet._reader import WorkSheetParser

        book: Any = load_workbook(self.path, read_only=True, data_only=True, keep_links=False)
        try:
            sheet: Any = book[title]  # a ReadOnlyWorksheet, whose source and strings are used below
            rows: dict[int, dict[int, object]] = {}
            cells = slots = filled = 0
            with sheet._get_source() as source:
                # What ReadOnlyWorksheet._cells_by_row does, without the empty rows and
                # the padding of every row to the widest one.
                parser = WorkSheetParser(
                    source,
                    sheet._shared_strings,
                    data_only=True,
                    epoch=book.epoch,
                    date_formats=book._date_formats,
                    timedelta_formats=book._timedelta_formats,
                )
                for index, row in parser.parse():
                    values = {cell["column"]: _shown(cell, percent) for cell in row if cell["value"] is not None}
                    if not values:
                        continue
                    if index > 1 and not is_blank_row(list(values.values())):
                        filled += 1
                        if filled > MAX_ROWS:
                            raise self._too_many_rows(title)
                    cells += len(values)
                    slots += max(values)
                    if cells > MAX_CELLS:
                        raise self._too_big(
                            f"l'onglet « {title} » contient plus de {_count(MAX_CELLS)} cellules remplies, la limite"
                        )
                    if slots > MAX_SLOTS:
                        raise self._too_big(
                            f"les valeurs de l'onglet « {title} » s'étendent sur plus de "
                            f"{_count(MAX_SLOTS)} cellules, la limite"
                        )
                    rows.setdefault(index, {}).update(values)
        finally:
            book.close()
        return _sparse_grid(rows)

    def _unreadable(self, exc: Exception) -> SourceUnavailable:
        if isinstance(exc, zipfile.BadZipFile) and _is_encrypted(self.path):
            why = (
                "il est protégé par un mot de passe ; enregistrez-en une copie sans mot de passe "
                "(Fichier › Informations › Protéger le classeur) à l'emplacement configuré"
            )
        elif isinstance(exc, zipfile.BadZipFile):
            # An .xlsx is a zip archive: anything else is an empty file, a CSV or an
            # old .xls renamed, or a file cut short by a copy.
            why = (
                "ce n'est pas un classeur Excel (.xlsx) : fichier vide, CSV ou .xls renommé, "
                "ou copie incomplète ; enregistrez-le au format Excel (.xlsx)"
            )
        elif isinstance(exc, OSError):
            why = f"lecture impossible ({describe_os_error(exc)})"
        elif isinstance(exc, DefusedXmlException):
            why = (
                "il contient des déclarations XML (entités) refusées par mesure de sécurité ; "
                "réenregistrez-le depuis Excel ou LibreOffice"
            )
        elif isinstance(exc, (KeyError, CalamineError)):
            why = (
                "il n'a pas la structure d'un classeur Excel (.xlsx) : un .ods ou un autre format "
                "renommé ? Enregistrez-le au format Excel (.xlsx)"
            )
        else:
            why = "son contenu est endommagé ; réenregistrez-le depuis Excel ou LibreOffice"
        return SourceUnavailable(f"le fichier {self.path} est illisible : {why}.", committee=self.committee_code)

    def cell_link(self, sheet_ids: dict[str, int], sheet: str, cell: str) -> str | None:
        return None


def _damage(exc: Exception) -> str:
    """What is wrong inside a workbook, in French: never the text of the reader's
    exception (English, and its class name: ``EntitiesForbidden(name='lol'…)``)."""
    if isinstance(exc, DefusedXmlException) or (isinstance(exc, CalamineError) and "entity" in str(exc)):
        return "une de ses feuilles contient des déclarations XML (entités), refusées par mesure de sécurité"
    if isinstance(exc, (zipfile.BadZipFile, zlib.error, EOFError)):
        return "une de ses parties compressées est tronquée ou altérée"
    if isinstance(exc, (SyntaxError, CalamineError)):  # defusedxml's ParseError derives from SyntaxError
        return "le contenu XML d'une de ses feuilles est mal formé ou tronqué"
    if isinstance(exc, OSError):
        return f"lecture impossible : {describe_os_error(exc)}"
    return "une de ses feuilles n'a pas pu être lue"


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):,.0f} Mo".replace(",", "\u00a0")


def _count(number: int) -> str:
    return f"{number:,}".replace(",", "\u00a0")


def _is_encrypted(path: Path) -> bool:
    try:
        with path.open("rb") as file:
            if file.read(8) != _OLE_MAGIC:
                return False
            # The stream names sit in the directory sectors, anywhere in the file
            # (looked for in its first 64 MB: an encrypted committee workbook is smaller).
            for _ in range(64):
                chunk = file.read(_CHUNK)
                if not chunk:
                    break
                if _ENCRYPTED in chunk:
                    return True
    except OSError:
        return False
    return False


@dataclass(frozen=True)
class Extent:
    """What a pass over a sheet part's bytes tells before any XML parser runs."""

    rows: int  # the farthest row holding a value
    columns: int  # the farthest column holding a value
    has_errors: bool  # an error cell (t="e") somewhere

    @property
    def dense_cells(self) -> int:
        return self.rows * self.columns


def _whole_tags(archive: zipfile.ZipFile, part: str) -> Iterator[bytes]:
    """A sheet part's XML in chunks of about a megabyte, each cut before its last tag
    start, so that no tag is cut in two (the last chunk ends the part)."""
    pending = b""
    with archive.open(part) as stream:
        while True:
            chunk = stream.read(_CHUNK)
            buffer = pending + chunk
            cut = buffer.rfind(b"<") if chunk else len(buffer)
            text, pending = (buffer[:cut], buffer[cut:]) if cut > 0 else (b"", buffer)
            yield text
            if not chunk:
                return


def _scan(archive: zipfile.ZipFile, part: str) -> Extent | None:
    """The extent of a sheet part's cells, read in chunks with regular expressions
    (no XML tree, no Python per cell); None when some cell is not written as
    ``<c r="B7"…``: its place is then only known to an XML parser."""
    letters: set[bytes] = set()
    numbers: set[bytes] = set()
    has_errors = False
    for text in _whole_tags(archive, part):
        # One C-speed pass per question; a per-cell Python loop would double the
        # time calamine takes to read the tab.
        columns_of_cells = _CELL_COLUMN.findall(text)
        rows_of_cells = _CELL_ROW.findall(text)
        if (
            len(columns_of_cells) != len(_CELL_START.findall(text))
            or len(rows_of_cells) != len(columns_of_cells)
            or _PREFIXED_CELL.search(text)
        ):
            return None
        letters.update(columns_of_cells)
        numbers.update(rows_of_cells)
        if not has_errors and (b'"e"' in text or b"'e'" in text) and _ERROR_TYPE.search(text):
            has_errors = True
    # Styled cells without a value count too: the extent is an upper bound.
    columns = max((cell_to_rowcol(c.decode() + "1")[1] + 1 for c in letters), default=0)
    rows = max((int(n) for n in numbers), default=0)
    return Extent(rows, columns, has_errors)


def _is_number(value: object) -> bool:
    return value.__class__ in (int, float)


def _shown(cell: dict[str, Any], percent: frozenset[int]) -> object:  # openpyxl's parser: untyped cells
    """A cell of openpyxl's parser as the rows give it: a percentage as its text."""
    value = cell["value"]
    if percent and _is_number(value) and int(cell.get("style_id") or 0) in percent:
        return percent_text(value)
    return value


def _show_percentages(rows: list[Row], cells: set[tuple[int, int]]) -> None:
    """Replace each number of a percentage cell ((row, column), from 0) by its text."""
    for r, c in cells:
        if r < len(rows) and c < len(rows[r]) and _is_number(rows[r][c]):
            rows[r][c] = percent_text(rows[r][c])  # type: ignore[arg-type]


# Builtin number formats 9 (0%) and 10 (0.00%); quoted text and escaped characters of
# a format code, where a « % » is shown as is and does not scale the number.
_PERCENT_BUILTINS = frozenset({9, 10})
_LITERALS = re.compile(r'"[^"]*"|\\.')
# A cell's start tag with its address first (as :func:`_scan` requires), and its other attributes.
_CELL_ATTRIBUTES = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"([^>]*)>')
_STYLE = re.compile(rb'\ss\s*=\s*["\'](\d+)["\']')
_TYPE = re.compile(rb'\st\s*=\s*["\'](\w+)["\']')


def _percent_styles(archive: zipfile.ZipFile) -> frozenset[int]:
    """The indexes of the workbook's cell formats (``cellXfs``) that show a number as a
    percentage; empty when none does (the sheets are then not read again)."""
    rels = _relationships(archive, _workbook_part(archive))
    named = [target for kind, target in rels.values() if kind.endswith("/styles")]
    part = next((p for p in (*named, "xl/styles.xml") if p in archive.NameToInfo), None)
    if part is None:
        return frozenset()
    root = fromstring(archive.read(part))
    codes: dict[int, str] = {}
    formats: list[int] = []
    for element in root:
        tag = _local(element.tag)
        if tag == "numFmts":
            for number_format in element:
                codes[_int(number_format.get("numFmtId"))] = number_format.get("formatCode") or ""
        elif tag == "cellXfs":
            formats = [_int(xf.get("numFmtId")) for xf in element if _local(xf.tag) == "xf"]
    shown_as_percent = {i for i in formats if i in _PERCENT_BUILTINS or "%" in _LITERALS.sub("", codes.get(i, ""))}
    return frozenset(index for index, i in enumerate(formats) if i in shown_as_percent)


def _int(text: str | None) -> int:
    return int(text) if text and text.isdigit() else 0


def _percent_cells(archive: zipfile.ZipFile, part: str, percent: frozenset[int]) -> set[tuple[int, int]]:
    """(row, column), from 0, of the numbers of a sheet part whose style shows a
    percentage, streamed with regular expressions (every cell starts ``<c r="B7"``:
    :func:`_scan` read it so)."""
    cells: set[tuple[int, int]] = set()
    for text in _whole_tags(archive, part):
        for letters, number, attributes in _CELL_ATTRIBUTES.findall(text):
            style = _STYLE.search(attributes)
            kind = _TYPE.search(attributes)
            if style and int(style.group(1)) in percent and (kind is None or kind.group(1) == b"n"):
                row, column = cell_to_rowcol(letters.decode() + number.decode())
                cells.add((row, column))
    return cells


def _sparse_grid(cells: dict[int, dict[int, object]]) -> list[Row]:
    """Rows from A1 to the last one holding a value (1-based row → column → value),
    as :func:`_rows` gives them. Rows without a value share one empty list, so a
    value in row 1 048 576 costs a million pointers, not a million lists."""
    empty: Row = []
    date, midnight, combine = dt.date, dt.time(), dt.datetime.combine
    out: list[Row] = [empty] * (max(cells) if cells else 0)
    for index, values in cells.items():
        row: Row = [None] * max(values)
        for column, v in values.items():
            if v.__class__ is float and v.is_integer() and -_PLAIN < v < _PLAIN:
                v = int(v)
            elif v.__class__ is date:
                v = combine(v, midnight)
            row[column - 1] = v
        out[index - 1] = row
    return out


def _rows(grid: Sequence[Sequence[object]], errors: dict[tuple[int, int], str]) -> list[Row]:
    """calamine's grid → rows as openpyxl's read-only mode gave them (see the module)."""
    date, midnight, combine = dt.date, dt.time(), dt.datetime.combine
    rows: list[Row] = []
    for values in grid:
        row = [
            None
            if v == ""
            else int(v)
            if v.__class__ is float and v.is_integer() and -_PLAIN < v < _PLAIN
            else combine(v, midnight)
            if v.__class__ is date
            else v
            for v in values
        ]
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


def worksheet_titles(archive: zipfile.ZipFile) -> list[str]:
    """The tab titles of a workbook, in order; KeyError when the file is no spreadsheet."""
    return list(_worksheet_parts(archive))


def _workbook_part(archive: zipfile.ZipFile) -> str:
    workbook = next(
        (target for kind, target in _relationships(archive, "").values() if kind.endswith(_OFFICE_DOCUMENT)), None
    )
    if workbook is None:
        raise KeyError("officeDocument")
    return workbook


def _shared_strings_part(archive: zipfile.ZipFile) -> str | None:
    """The shared strings part, as the workbook's relationships name it, or at its
    usual place (calamine reads it there even without a relationship)."""
    rels = _relationships(archive, _workbook_part(archive))
    named = [target for kind, target in rels.values() if kind.endswith("/sharedStrings")]
    return next((part for part in (*named, "xl/sharedStrings.xml") if part in archive.NameToInfo), None)


def _worksheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Tab title → its part in the archive (``xl/worksheets/sheet2.xml``), as the
    package's relationships say; KeyError when the file is no spreadsheet."""
    workbook = _workbook_part(archive)
    rels = _relationships(archive, workbook)
    parts = {}
    for element in fromstring(archive.read(workbook)).iter():
        if _local(element.tag) == "sheet":
            rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), "")
            if rid in rels:
                parts[element.get("name", "")] = rels[rid][1]
    return parts


def _error_cells(archive: zipfile.ZipFile, part: str) -> dict[tuple[int, int], str]:
    """(row, column), from 0, → text of each error cell of a sheet part, streamed."""
    errors: dict[tuple[int, int], str] = {}
    row = col = 0  # 1-based, as in the XML; a row or a cell may omit its address
    with archive.open(part) as stream:
        for event, element in iterparse(stream, events=("start", "end")):
            tag = _local(element.tag)
            if event == "start":
                if tag == "row":
                    row, col = int(element.get("r") or row + 1), 0
                elif tag == "c":
                    ref = element.get("r")
                    row, col = tuple(i + 1 for i in cell_to_rowcol(ref)) if ref else (row, col + 1)
            elif tag == "c":
                if element.get("t") == "e":
                    value = next((child.text for child in element if _local(child.tag) == "v"), None)
                    if value is not None:  # as openpyxl: an error cell without its value is empty
                        errors[(row - 1, col - 1)] = value
                element.clear()
            elif tag == "row":
                element.clear()
    return errors
