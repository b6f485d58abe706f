"""The floors: the least any tool must do to turn these workbooks into one workbook.

Run as its own process by benchmarks/run.py, so that its wall time and peak RSS
compare with a whole ``alliance-sync run`` (interpreter start and imports
included on both sides):

1. read every committee workbook of the configuration, the tabs the tool reads
   (Projets, Versements);
2. write ``--cells`` non-empty cells into one workbook, the rows just read
   repeated as needed (so the mix of text, numbers and dates is the committees'),
   then save.

Two floors, by ``--kind``:

- ``openpyxl``: openpyxl read-only (``values_only``), then openpyxl write-only;
- ``fast``: python-calamine, then XlsxWriter in constant-memory mode — the
  fastest pair of libraries alliance-sync itself uses.

It imports nothing from ``sync``, and prints one JSON line: the seconds of each
half and the cell counts.

    python benchmarks/floor.py CONFIG.toml --cells N --out /tmp/floor.xlsx [--kind fast]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tomllib
from pathlib import Path

READ_TABS = ("Projets", "Versements")


def workbooks(config_path: Path) -> list[Path]:
    raw = tomllib.loads(config_path.read_text(encoding="utf-8"))
    paths = []
    for section in [*raw.get("subregions", []), raw.get("regional", {})]:
        source = section.get("source") or {}
        if "xlsx" in source:
            paths.append((config_path.parent / source["xlsx"]).resolve())
    return paths


def read(paths: list[Path]) -> tuple[list[list], int]:
    import openpyxl

    rows: list[list] = []
    cells = 0
    for path in paths:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            for title in READ_TABS:
                if title in wb.sheetnames:
                    for row in wb[title].iter_rows(values_only=True):
                        values = list(row)
                        cells += sum(1 for v in values if v is not None)
                        rows.append(values)
        finally:
            wb.close()
    return rows, cells


def read_fast(paths: list[Path]) -> tuple[list[list], int]:
    from python_calamine import CalamineWorkbook

    rows: list[list] = []
    cells = 0
    for path in paths:
        wb = CalamineWorkbook.from_path(str(path))
        for title in READ_TABS:
            if title in wb.sheet_names:
                for row in wb.get_sheet_by_name(title).to_python():
                    values = [None if v == "" else v for v in row]
                    cells += sum(1 for v in values if v is not None)
                    rows.append(values)
    return rows, cells


def write_fast(rows: list[list], cells: int, out: Path) -> int:
    import xlsxwriter

    wb = xlsxwriter.Workbook(
        str(out),
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    ws = wb.add_worksheet("Données")
    written = 0
    r = 0
    while written < cells and rows:
        for row in rows:
            if written >= cells:
                break
            ws.write_row(r, 0, row)
            r += 1
            written += sum(1 for v in row if v is not None)
    wb.close()
    return written


def write(rows: list[list], cells: int, out: Path) -> int:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Données")
    written = 0
    while written < cells and rows:
        for row in rows:
            if written >= cells:
                break
            ws.append(row)
            written += sum(1 for v in row if v is not None)
    wb.save(out)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Plancher : lecture puis écriture d'autant de cellules.")
    parser.add_argument("config", type=Path)
    parser.add_argument(
        "--kind",
        choices=["openpyxl", "fast"],
        default="openpyxl",
        help="openpyxl (read-only + write-only) ou fast (python-calamine + XlsxWriter)",
    )
    parser.add_argument("--cells", type=int, default=0, help="cellules à écrire (0 : autant que lues)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    reader, writer = (read_fast, write_fast) if args.kind == "fast" else (read, write)
    rows, read_cells = reader(workbooks(args.config))
    read_s = time.perf_counter() - started
    step = time.perf_counter()
    written = writer(rows, args.cells or read_cells, args.out)
    write_s = time.perf_counter() - step
    print(json.dumps({"read_s": read_s, "write_s": write_s, "cells_read": read_cells, "cells_written": written}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
