"""Bytes on the wire of the Google read, before and after issue 13 (lighter read).

For each size (benchmarks/generate.py), each committee's workbook is served by the
local Sheets API server of the tests (tests/support/sheets_server.py), then read:

- « avant » : the former request — one ``spreadsheets.get`` with grid data of every
  tab (Instructions and Listes included), and python-requests' User-Agent, which
  has no « gzip », so Google answers uncompressed;
- « après » : the tool's own read (sync/sources/google.py, through gspread and our
  HTTP client): every tab still (a new « Projets (suite) » tab must be seen), compressed
  (``Accept-Encoding: gzip`` and ``(gzip)`` in the User-Agent).

The server records the size of each answer's body as sent (compressed or not);
the sum over the three committees is printed.

    python benchmarks/google_wire.py [--sizes small,medium,large]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))  # run as a script: benchmarks/ is a package of the repository

from benchmarks.generate import DEFAULT_DATA, SIZES, build_alliance  # noqa: E402
from benchmarks.run import google_config, load_sheets_server, serve_committees  # noqa: E402


def megabytes(count: int) -> str:
    return f"{count / 1_000_000:,.2f}".replace(",", " ").replace(".", ",")


def measure(size_name: str, data: Path) -> dict:
    import requests

    from sync.config import load_config
    from sync.pipeline import WANTED_TABS
    from sync.sources.google import GRID_FIELDS, GoogleSource

    size = SIZES[size_name]
    config_path = build_alliance(size, data)
    loaded = load_config(config_path)
    keys = {c.code: f"wire{size_name}{c.code.lower()}" for c in loaded.subregions}
    server = load_sheets_server().SheetsServer().start()
    try:
        serve_committees(server, loaded, keys)
        for key in keys.values():  # the former read, as it was sent
            answer = requests.get(
                f"{server.url}/v4/spreadsheets/{key}",
                timeout=300,
                headers={"Authorization": "Bearer mesure"},
                params={"includeGridData": "true", "fields": GRID_FIELDS, "prettyPrint": "false"},
            )
            answer.raise_for_status()
        before = sum(r.wire_bytes for r in server.requests)
        server.reset_log()
        os.environ["ALLIANCE_SYNC_SHEETS_URL"] = server.url
        with tempfile.TemporaryDirectory() as work:
            config = load_config(google_config(config_path, keys, Path(work) / "alliance-google.toml"))
            for committee in config.subregions:
                assert committee.source is not None
                GoogleSource(committee.source, config, committee.code).read(WANTED_TABS)
        after = sum(r.wire_bytes for r in server.requests)
        requests_after = len(server.requests)
        return {
            "size": size.label,
            "before": before,
            "after": after,
            "requests": requests_after,
            "committees": len(keys),
        }
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="small,medium,large")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    print("| Taille | Avant (tous les onglets, sans gzip) | Après (tous les onglets, gzip) | Rapport | Requêtes |")
    print("|---|---:|---:|---:|---:|")
    for name in args.sizes.split(","):
        m = measure(name, args.data)
        ratio = m["before"] / m["after"] if m["after"] else float("inf")
        print(
            f"| {m['size']} | {megabytes(m['before'])} Mo | {megabytes(m['after'])} Mo | "
            f"{ratio:.0f} × | {m['requests']} pour {m['committees']} chiffriers |",
            flush=True,
        )


if __name__ == "__main__":
    main()
