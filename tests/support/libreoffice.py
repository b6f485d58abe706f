"""LibreOffice headless for the tests: recalculate a workbook (a conversion loads
it, computes every formula and saves the results), convert it to PDF, and render
PDF pages to PNG.

Headless LibreOffice keeps the results stored in an .xlsx by default (its OOXML
recalculation mode is « never »): a « recalculation » would then give back our own
stored numbers. Our profile forces the recalculation on load
(``/org.openoffice.Office.Calc/Formula/Load/OOXMLRecalcMode`` = 0, « always », in
its registrymodifications.xcu), and :func:`recalculate` proves it on every call: a
canary formula stored with a wrong result is converted with the workbook and must
come back right, or the helper fails.

Locally, a test that needs LibreOffice is skipped, with the reason, when
``soffice`` is absent. In CI (``CI=true``) it fails instead: the recalculation
tests must never be skipped silently there.

A test that starts LibreOffice asks for the ``soffice`` fixture (tests/support/plugin.py),
which marks it ``libreoffice`` so that the inner loop can leave it out; under pytest,
the helpers below refuse to run for a test without that marker.

Run as a script, it renders the README's picture of the Sommaire::

    python -m tests.support.libreoffice [rapport.xlsx]   # default: the demo's workbook
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

_CANDIDATES = (
    "soffice",
    "libreoffice",
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    r"C:\Program Files\LibreOffice\program\soffice.exe",
)
# Displayed values of formula errors, as LibreOffice and Excel save them.
ERROR_VALUES = frozenset({"#REF!", "#NAME?", "#VALUE!", "#DIV/0!", "#N/A", "#NUM!", "#NULL!", "#ERR", "#NAME!"})
TIMEOUT = 300
# The node ids of the tests marked ``libreoffice``, set by the plugin at collection;
# None outside pytest (the scripts below, a subprocess of a test).
marked_tests: set[str] | None = None


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def find_soffice() -> str | None:
    for candidate in _CANDIDATES:
        found = shutil.which(candidate) or (
            candidate if os.path.isabs(candidate) and os.access(candidate, os.X_OK) else None
        )
        if found:
            return found
    return None


def require_soffice() -> str:
    """The soffice program; skips the test locally when absent, fails it in CI."""
    found = find_soffice()
    if found:
        return found
    reason = (
        "LibreOffice (soffice) est introuvable : installez le paquet Debian libreoffice-calc-nogui "
        "(ou lancez .ci/run) pour les tests de recalcul des formules."
    )
    if in_ci():
        pytest.fail(reason + " En CI (CI=true), ce test ne doit jamais être sauté.", pytrace=False)
    pytest.skip(reason)


def _check_marked() -> None:
    """Under pytest, only a test marked ``libreoffice`` may start LibreOffice: an
    unmarked one would slow down the inner loop that deselects them."""
    current = os.environ.get("PYTEST_CURRENT_TEST")
    if marked_tests is None or current is None:
        return
    nodeid = current.rsplit(" ", 1)[0]  # « tests/test_x.py::test_y (call) »
    if nodeid not in marked_tests:
        raise AssertionError(
            f"{nodeid} lance LibreOffice sans la marque libreoffice : demandez la fixture "
            "soffice (tests/support/plugin.py), au test ou à sa fixture."
        )


def require_pdftoppm() -> str:
    found = shutil.which("pdftoppm")
    if found:
        return found
    reason = "pdftoppm est introuvable : installez le paquet Debian poppler-utils pour le rendu en images."
    if in_ci():
        pytest.fail(reason + " En CI (CI=true), ce test ne doit jamais être sauté.", pytrace=False)
    pytest.skip(reason)


# LibreOffice's recalculation modes on load: 0 always, 1 never, 2 ask (never, headless).
RECALC_ALWAYS, RECALC_NEVER = 0, 1
_REGISTRY = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>{mode}</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">\
<value>{mode}</value></prop></item>
</oor:items>
"""
# The canary: 2 + 3 stored as 12345. Recalculated, it is 5; kept, it is 12345.
CANARY_STEM = "alliance-sync-canari"
CANARY_SHEET, CANARY_CELL, CANARY_FORMULA = "Canari", "A3", "=SUM(A1:A2)"
CANARY_STORED, CANARY_TRUE = 12345, 5


def _profile(recalc_mode: int = RECALC_ALWAYS) -> Path:
    """A profile of our own (a LibreOffice opened by the user, or another test
    process, must not lock the conversion out) whose settings recalculate every
    formula of an .xlsx or .ods on load; written before each conversion, since
    LibreOffice rewrites the file when it exits."""
    profile = Path(tempfile.gettempdir()) / f"alliance-sync-libreoffice-{os.getpid()}-{recalc_mode}"
    user = profile / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(_REGISTRY.format(mode=recalc_mode), encoding="utf-8")
    return profile


def convert(
    source: Path, target_format: str, outdir: Path, locale: str | None = None, infilter: str | None = None
) -> Path:
    """Convert ``source`` with LibreOffice headless into ``outdir``; returns the new file.

    ``locale`` (e.g. ``fr_CA.UTF-8``) is the one LibreOffice formats numbers with;
    ``infilter`` the import filter and its options, as a person picks them in the
    import dialog (``CSV:44,34,76,1,,4105``: comma, quote, UTF-8, from line 1, English (Canada))."""
    return _convert(source, target_format, outdir, locale, infilter=infilter)


def _convert(
    source: Path,
    target_format: str,
    outdir: Path,
    locale: str | None = None,
    *,
    also: tuple[Path, ...] = (),
    recalc_mode: int = RECALC_ALWAYS,
    infilter: str | None = None,
) -> Path:
    """``also`` are converted by the same LibreOffice (the canary)."""
    _check_marked()
    soffice = require_soffice()
    source, outdir = Path(source).resolve(), Path(outdir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    extension = target_format.split(":")[0]
    target = outdir / f"{source.stem}.{extension}"
    if target == source:
        raise ValueError("la conversion écraserait le classeur d'origine : choisissez un autre dossier")
    target.unlink(missing_ok=True)
    command = [
        soffice,
        f"-env:UserInstallation={_profile(recalc_mode).as_uri()}",
        "--headless",
        "--invisible",
        "--norestore",
        "--nolockcheck",
        "--nodefault",
        "--nologo",
        *([f"--infilter={infilter}"] if infilter else []),
        "--convert-to",
        target_format,
        "--outdir",
        str(outdir),
        str(source),
        *(str(Path(other).resolve()) for other in also),
    ]
    env = {**os.environ, "LC_ALL": locale, "LANG": locale} if locale else None
    result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, env=env)
    if result.returncode != 0 or not target.exists():
        raise AssertionError(
            f"la conversion LibreOffice en {target_format} a échoué "
            f"(code {result.returncode}) :\n{result.stdout}\n{result.stderr}"
        )
    return target


def write_canary(folder: Path) -> Path:
    """A workbook whose only formula, ``=SUM(A1:A2)`` over 2 and 3, is stored with
    the wrong result 12345: it comes back 5 only if LibreOffice recalculated."""
    import xlsxwriter

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{CANARY_STEM}.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet(CANARY_SHEET)
    sheet.write_number("A1", 2)
    sheet.write_number("A2", 3)
    sheet.write_formula(CANARY_CELL, CANARY_FORMULA, None, CANARY_STORED)
    workbook.close()
    return path


def check_canary(recalculated: Path) -> None:
    """Fails unless the canary converted by LibreOffice came back recalculated."""
    from openpyxl import load_workbook

    value = load_workbook(recalculated, data_only=True)[CANARY_SHEET][CANARY_CELL].value
    if value != CANARY_TRUE:
        raise AssertionError(
            f"LibreOffice n'a pas recalculé au chargement : le canari {CANARY_SHEET}!{CANARY_CELL} "
            f"{CANARY_FORMULA} revient à {value!r} au lieu de {CANARY_TRUE} (résultat enregistré : "
            f"{CANARY_STORED}). Le profil doit régler OOXMLRecalcMode à 0 (toujours recalculer)."
        )


def recalculate(source: Path, outdir: Path, *, recalc_mode: int = RECALC_ALWAYS) -> Path:
    """The workbook as LibreOffice saves it after computing every formula (.xlsx),
    proven by the canary converted in the same run (``recalc_mode`` exists only to
    show that the canary catches a LibreOffice that keeps stored results)."""
    outdir = Path(outdir)
    canary = write_canary(outdir / "canari-source")
    target = _convert(source, "xlsx:Calc MS Excel 2007 XML", outdir, also=(canary,), recalc_mode=recalc_mode)
    check_canary(outdir / f"{CANARY_STEM}.xlsx")
    return target


def to_pdf(source: Path, outdir: Path, locale: str | None = None) -> Path:
    return convert(source, "pdf:calc_pdf_Export", outdir, locale)


def formula_errors(recalculated: Path) -> list[str]:
    """Every cell of a recalculated workbook that holds a formula error: ``Sommaire!D9 = #NAME?``."""
    from openpyxl import load_workbook

    workbook = load_workbook(recalculated, data_only=True)
    found = []
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, str) and (
                    value in ERROR_VALUES or value.startswith("Err:") or (cell.data_type == "e")
                ):
                    found.append(f"{ws.title}!{cell.coordinate} = {value}")
    return found


def pdf_pages(pdf: Path) -> list[str]:
    """The text of each page of a PDF (pdftotext, from poppler-utils)."""
    _check_marked()
    require_pdftoppm()
    result = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, timeout=TIMEOUT, check=True
    )
    return result.stdout.split("\f")


def render_page(pdf: Path, page: int, target: Path, dpi: int = 110, top: float = 1.0) -> Path:
    """Page ``page`` (1-based) of ``pdf`` as a PNG at ``target``; ``top`` keeps only
    that upper fraction of the page (Letter, landscape)."""
    _check_marked()
    pdftoppm = require_pdftoppm()
    target = Path(target)
    stem = target.with_suffix("")
    crop = ["-x", "0", "-y", "0", "-W", str(int(11 * dpi)), "-H", str(int(8.5 * dpi * top))] if top < 1 else []
    subprocess.run(
        [pdftoppm, "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile", *crop, str(pdf), str(stem)],
        capture_output=True,
        timeout=TIMEOUT,
        check=True,
    )
    produced = stem.with_suffix(".png")
    if produced != target:
        produced.replace(target)
    return target


def first_page_with(pages: list[str], text: str) -> int:
    for number, content in enumerate(pages, start=1):
        if text in content:
            return number
    raise AssertionError(f"aucune page du PDF ne contient « {text} »")


def _render_readme_picture(workbook: Path | None) -> None:
    repo = Path(__file__).resolve().parents[2]
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        if workbook is None:
            from sync.config import load_config
            from sync.outputs.ministry import write_ministry_workbook
            from sync.pipeline import build_report
            from sync.resources import demo_config

            workbook = write_ministry_workbook(build_report(load_config(demo_config())), folder / "rapport.xlsx")
        # As a French Excel or LibreOffice shows it: 2 600 000,00 $.
        pdf = to_pdf(workbook, folder / "pdf", locale="fr_CA.UTF-8")
        target = repo / "templates" / "apercu-sommaire.png"
        render_page(pdf, 1, target, dpi=110, top=0.66)
        print(f"Image écrite : {target}")


if __name__ == "__main__":
    _render_readme_picture(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
