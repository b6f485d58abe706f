"""Hostile committee workbooks, written as compressed XML in memory.

openpyxl cannot write what a careless or hostile committee member makes (a value in
XFD1048576 without a million empty rows around it, a sheet part that inflates to a
gigabyte, a zip that lies about sizes), and it would take minutes for the large cases.
These builders write the parts of an .xlsx by hand:

    sheet = sheet_xml([["No projet", "Titre du projet"], ["OUE-1", "Un titre"]],
                      extra_cells={"XFD1048576": "x"})
    write_xlsx(path, {"Projets": sheet})

Rows are lists of values (``str`` → inline string, ``int``/``float`` → number,
``bool``, ``Error("#REF!")``, ``None`` → no cell); ``extra_cells`` places values at any
address, far cells included. ``bomb_part`` is the deflate data of a part that inflates
to ``size`` bytes, built from one compressed block repeated, in milliseconds.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from openpyxl.utils.cell import coordinate_to_tuple, get_column_letter

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


@dataclass(frozen=True)
class Error:
    """An error cell (t="e"): ``#REF!``, ``#N/A``…"""

    text: str


def _cell(ref: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Error):
        return f'<c r="{ref}" t="e"><v>{escape(value.text)}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    # A carriage return as a character reference: a literal one is read as a line feed.
    text = escape(str(value)).replace("\r", "&#13;")
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def sheet_xml(
    rows: list[list[object]], *, extra_cells: dict[str, object] | None = None, dimension: str | None = None
) -> bytes:
    """A worksheet part: ``rows`` from A1, then ``extra_cells`` by address."""
    cells: dict[int, dict[int, object]] = {}
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                cells.setdefault(r, {})[c] = value
    for ref, value in (extra_cells or {}).items():
        r, c = coordinate_to_tuple(ref)
        cells.setdefault(r, {})[c] = value
    out = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_NS}">']
    if dimension:
        out.append(f'<dimension ref="{dimension}"/>')
    out.append("<sheetData>")
    for r in sorted(cells):
        out.append(f'<row r="{r}">')
        out.extend(_cell(f"{get_column_letter(c)}{r}", cells[r][c]) for c in sorted(cells[r]))
        out.append("</row>")
    out.append("</sheetData></worksheet>")
    return "".join(out).encode("utf-8")


def _workbook_parts(titles: list[str]) -> dict[str, bytes]:
    sheets = "".join(f'<sheet name={quoteattr(t)} sheetId="{i}" r:id="rId{i}"/>' for i, t in enumerate(titles, start=1))
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i, _ in enumerate(titles, start=1)
    )
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i, _ in enumerate(titles, start=1)
    )
    return {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}</Types>"
        ).encode(),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG_REL}">'
            f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ).encode(),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_NS}" xmlns:r="{_REL_NS}">'
            f"<sheets>{sheets}</sheets></workbook>"
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG_REL}">{rels}</Relationships>'
        ).encode(),
    }


@dataclass(frozen=True)
class Deflated:
    """A part given as raw deflate data, with the size and CRC its zip entry declares."""

    data: bytes
    size: int
    crc: int


def bomb_part(prefix: bytes, filler: bytes, size: int, suffix: bytes) -> Deflated:
    """``prefix``, then ``filler`` repeated up to about ``size`` bytes, then ``suffix``,
    as raw deflate: one block of 1 MiB of filler compressed once and repeated (a block
    ending in a full flush refers to nothing before it)."""
    block = filler * max(1, (1 << 20) // len(filler))
    head = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = head.compress(prefix) + head.flush(zlib.Z_FULL_FLUSH)
    body = zlib.compressobj(9, zlib.DEFLATED, -15)
    middle = body.compress(block) + body.flush(zlib.Z_FULL_FLUSH)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15)
    end = tail.compress(suffix) + tail.flush(zlib.Z_FINISH)
    count = max(1, size // len(block))
    crc = zlib.crc32(prefix)
    # The CRC of the whole part, from the CRC of the block repeated (cheap enough at 1 MiB).
    for _ in range(count):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(suffix, crc)
    return Deflated(start + middle * count + end, len(prefix) + len(block) * count + len(suffix), crc)


def _zip(parts: dict[str, bytes | Deflated], declared: dict[str, int]) -> bytes:
    """A zip archive of deflated entries; ``declared`` overrides an entry's declared size."""
    out = bytearray()
    central = bytearray()
    for name, content in parts.items():
        if isinstance(content, Deflated):
            data, size, crc = content.data, content.size, content.crc
        else:
            packer = zlib.compressobj(6, zlib.DEFLATED, -15)
            data, size, crc = packer.compress(content) + packer.flush(), len(content), zlib.crc32(content)
        size = declared.get(name, size)
        encoded = name.encode()
        offset = len(out)
        out += (
            struct.pack(
                "<IHHHHHIIIHH",
                0x04034B50,
                20,
                0,
                8,
                0,
                0x21,
                crc,
                len(data) & 0xFFFFFFFF,
                size & 0xFFFFFFFF,
                len(encoded),
                0,
            )
            + encoded
            + data
        )
        central += (
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                8,
                0,
                0x21,
                crc,
                len(data) & 0xFFFFFFFF,
                size & 0xFFFFFFFF,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + encoded
        )
    start = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(parts), len(parts), len(central), start, 0)
    return bytes(out)


def xlsx_bytes(
    sheets: dict[str, bytes | Deflated],
    *,
    declared: dict[str, int] | None = None,
    extra_parts: dict[str, bytes] | None = None,
) -> bytes:
    """An .xlsx with these tabs (title → worksheet part), in order."""
    parts: dict[str, bytes | Deflated] = dict(_workbook_parts(list(sheets)))
    for i, part in enumerate(sheets.values(), start=1):
        parts[f"xl/worksheets/sheet{i}.xml"] = part
    parts.update(extra_parts or {})
    return _zip(
        parts,
        {
            f"xl/worksheets/sheet{list(sheets).index(t) + 1}.xml" if t in sheets else t: size
            for t, size in (declared or {}).items()
        },
    )


def write_xlsx(path: Path, sheets: dict[str, bytes | Deflated], **options) -> Path:
    path.write_bytes(xlsx_bytes(sheets, **options))
    return path


def committee_rows(records: list[dict], headers: list[str]) -> list[list[object]]:
    """Header and rows of a tab from the dicts of tests/support/builders.py (project(),
    payment()); a date is written as ISO text, which committees type too."""

    def cell(value: object) -> object:
        return value.isoformat() if hasattr(value, "isoformat") else value

    return [list(headers), *([cell(record.get(h)) for h in headers] for record in records)]


def write_committee(
    path: Path,
    projects: Sequence[dict] = (),
    payments: Sequence[dict] = (),
    *,
    extra_cells: dict[str, dict[str, object]] | None = None,
    tabs: dict[str, bytes | Deflated] | None = None,
    **options,
) -> Path:
    """A committee workbook (Projets, Versements) written by hand; ``extra_cells``: tab
    title → address → value placed anywhere; ``tabs``: more tabs, title → part."""
    from tests.support.builders import PAYMENT_HEADERS, PROJECT_HEADERS

    extra_cells = extra_cells or {}
    sheets: dict[str, bytes | Deflated] = {
        "Projets": sheet_xml(committee_rows(list(projects), PROJECT_HEADERS), extra_cells=extra_cells.get("Projets")),
        "Versements": sheet_xml(
            committee_rows(list(payments), PAYMENT_HEADERS), extra_cells=extra_cells.get("Versements")
        ),
        **(tabs or {}),
    }
    return write_xlsx(path, sheets, **options)


@dataclass(frozen=True)
class Measured:
    """A finished ``alliance-sync`` process, with its own peak memory."""

    exit_code: int
    stdout: str
    stderr: str
    peak_mb: float


def run_measured(*args: str, cwd: Path, timeout: float = 120) -> Measured:
    """``python -m sync ARGS`` in a child process; its peak resident memory comes from
    wait4's rusage of that very child (not of every child the tests ever started).
    A child still running after ``timeout`` seconds is killed and fails the test (a
    FIFO read forever must not block the suite); this is no speed test."""
    repo = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(repo)}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen([sys.executable, "-m", "sync", *args], cwd=cwd, env=env, stdout=out, stderr=err)
        give_up = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > give_up:
                child.kill()
                os.waitpid(child.pid, 0)
                raise AssertionError(f"alliance-sync {' '.join(args)} : toujours en cours après {timeout} s")
            time.sleep(0.05)
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        return Measured(child.returncode, out.read().decode(), err.read().decode(), usage.ru_maxrss / 1024)
