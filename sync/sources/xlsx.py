"""Local .xlsx committee workbooks, read with openpyxl in read-only mode.

openpyxl parses the XML with defusedxml when it is installed (a dependency of
this package), so a hostile workbook cannot expand entities or reach the network.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from sync.config import SourceSpec
from sync.errors import SourceUnavailable
from sync.sources import RawWorkbook


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
            workbook = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except FileNotFoundError:
            raise SourceUnavailable(f"fichier introuvable : {self.path}",
                                    committee=self.committee_code) from None
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise SourceUnavailable(
                f"le fichier {self.path} n'est pas un classeur .xlsx lisible ({type(exc).__name__})",
                committee=self.committee_code,
            ) from None
        try:
            titles = workbook.sheetnames
            tabs = {}
            for wanted in wanted_tabs:
                title = find_tab(titles, wanted)
                if title is not None:
                    sheet = workbook[title]
                    # Read-only mode trusts the size the file declares and silently
                    # drops what lies beyond it; some programs declare it wrong.
                    sheet.reset_dimensions()
                    tabs[title] = [list(row) for row in sheet.iter_rows(values_only=True)]
        except Exception as exc:  # a corrupted part inside a valid zip
            raise SourceUnavailable(
                f"le fichier {self.path} est endommagé ({type(exc).__name__} : {exc})",
                committee=self.committee_code,
            ) from None
        finally:
            workbook.close()
        # Keep the titles of tabs we did not read so MISSING_TAB can list them.
        for title in titles:
            tabs.setdefault(title, [])
        return RawWorkbook(tabs=tabs, read_at=read_at)

    def cell_link(self, raw: RawWorkbook | None, sheet: str, cell: str) -> str | None:
        return None
