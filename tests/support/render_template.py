"""Render the committee template as LibreOffice prints it, to check it by eye.

The template is written afresh (or the workbook given is used), converted to PDF
by LibreOffice headless in a Québec French locale, and every page of the
Instructions tab is rendered to PNG with pdftoppm::

    python -m tests.support.render_template [--committee OUEST] [--out DOSSIER] [classeur.xlsx]

Look at each image after every change of the template: no line may run past the
page's edge, no wrapped lines may overlap. The PDF's text is printed too, page by
page, for a quick read in a terminal.
"""

from __future__ import annotations

import argparse
import re
import tempfile
from pathlib import Path

from tests.support.libreoffice import pdf_pages, render_page, to_pdf

INSTRUCTIONS_TITLE = "chiffrier du comité"


def is_data_page(text: str) -> bool:
    """A printed page of Projets or Versements: their footer numbers the pages;
    the Instructions tab has none."""
    return re.search(r"Page \d+ de \d+", text) is not None


def render(workbook: Path, out: Path, dpi: int = 80) -> list[Path]:
    """The PNG of every page of ``workbook``'s Instructions tab (its first tab), in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    pdf = to_pdf(workbook, out, locale="fr_CA.UTF-8")
    pages = pdf_pages(pdf)
    # The Instructions tab comes first: its pages run until the Projets tab's, the
    # first with a footer (« Projets   Page 3 de 4 »).
    images = []
    for number, text in enumerate(pages, start=1):
        if is_data_page(text):
            break
        if not text.strip():
            continue
        images.append(render_page(pdf, number, out / f"instructions-{number}.png", dpi=dpi))
    return images


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workbook", nargs="?", type=Path, help="classeur à rendre (défaut : un gabarit neuf)")
    parser.add_argument("--committee", help="code de la sous-région du gabarit neuf")
    parser.add_argument("--out", type=Path, help="dossier des images (défaut : un dossier temporaire)")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="gabarit-rendu-"))
    workbook = args.workbook
    if workbook is None:
        from sync.config import load_config
        from sync.outputs.committee_workbook import write_committee_workbook
        from sync.resources import demo_config

        config = load_config(demo_config())
        committee = config.committee(args.committee) if args.committee else None
        workbook = out / "gabarit-comite.xlsx"
        write_committee_workbook(workbook, config, committee)
    for image in render(workbook, out):
        print(f"Image écrite : {image}")
    print(f"PDF : {out / (workbook.stem + '.pdf')}")


if __name__ == "__main__":
    main()
