"""The file policy: which files a command reads (and so never writes), and which existing
files alliance-sync recognises as its own and may replace (docs/ligne-de-commande.md).

A use case above the stages: it knows the configuration's inputs, the history's
database and lock, the state folder's temporary files, the ministry workbook's sheets
and the committee template's tabs. sync/outputs/paths.py applies it
(:func:`~sync.outputs.paths.output_path`) without knowing any of them.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

from defusedxml import DefusedXmlException, ElementTree

from sync.config import Config, GoogleSettings, SourceSpec
from sync.errors import OutputError, SourceUnavailable
from sync.history.store import DB_NAME
from sync.lock import LOCK_NAME
from sync.outputs.atomic import TEMPORARY_FOLDER
from sync.outputs.ministry import ALLIANCE_PROPERTY
from sync.outputs.ministry.style import TEMPLATE_NAME
from sync.outputs.paths import Input, is_within, refuse_inputs, refused
from sync.resources import bundled
from sync.sources.base import is_blank
from sync.sources.xlsx import XlsxSource, worksheet_titles
from sync.vocabulary.template import PAYMENTS_TAB, PROJECTS_TAB, find_tab

# The sheets every ministry workbook has, and that no committee workbook has.
MINISTRY_SHEETS = frozenset({"Sommaire", "Validation", "À propos"})


def inputs_of(config: Config | None, state_dir: Path | None) -> list[Input]:
    """Everything a command reads or keeps: the configuration and the presentation file
    beside it, the committees' local workbooks, the Google credentials, the history
    database and the state folder (lock, temporaire/, OAuth token). ``config`` may be
    None (a command run without one)."""
    found: list[Input] = []
    if config is not None:
        if config.path is not None:
            found.append(Input(Path(config.path), "la configuration"))
            # Read when present: a file written there would change every later workbook.
            found.append(Input(Path(config.path).parent / TEMPLATE_NAME, "la présentation du classeur"))
        found.append(Input(bundled("templates", TEMPLATE_NAME), "la présentation du classeur"))
        for committee in config.committees:
            if committee.source is not None and committee.source.kind == "xlsx":
                whose = "de la ligne régionale" if committee.is_regional else "du comité"
                found.append(Input(Path(committee.source.location), f"le classeur {whose} {committee.code}"))
        found += _credentials(config.google)
    if state_dir is not None:
        found.append(Input(Path(state_dir) / DB_NAME, "l'historique des synchronisations"))
        found.append(Input(Path(state_dir), "le dossier d'état", folder=True))
    return found


def _credentials(google: GoogleSettings) -> list[Input]:
    """The credentials files of the [google] section (GoogleSettings), the variable's included."""
    found = [
        Input(Path(path), "les identifiants Google")
        for path in (google.credentials, google.oauth_client)
        if path is not None
    ]
    # GOOGLE_APPLICATION_CREDENTIALS, resolved when the configuration was loaded.
    if google.credentials_variable is not None:
        found.append(Input(google.credentials_variable, "les identifiants Google"))
    return found


def refuse_state_on_inputs(config: Config | None, state_dir: Path) -> None:
    """The history writes its database, its lock and temporaire/ in the state folder
    (and empties temporaire/ at every run): none of them may be an input, nor hold one."""
    inputs = inputs_of(config, None)
    state_dir = Path(state_dir)
    for path in (state_dir / DB_NAME, state_dir / LOCK_NAME, state_dir / TEMPORARY_FOLDER):
        refuse_inputs(path, inputs)
    emptied = Input(state_dir / TEMPORARY_FOLDER, "", folder=True)
    for item in inputs:
        if is_within(item.path, emptied):
            raise OutputError(
                refused(
                    emptied.path,
                    f"ce dossier est vidé à chaque synchronisation et contient "
                    f"{item.label} ({item.path}) ; déplacez ce fichier, ou "
                    "choisissez un autre dossier d'état",
                )
            )


def _tab_titles(path: Path) -> list[str] | None:
    """The tab titles of an .xlsx, or None when it is none."""
    try:
        with zipfile.ZipFile(path) as archive:
            return worksheet_titles(archive)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, SyntaxError):
        return None


def is_ministry_workbook(path: Path) -> bool:
    titles = _tab_titles(path)
    return titles is not None and set(titles) >= MINISTRY_SHEETS


def ministry_workbook_of(alliance: str) -> Callable[[Path], bool]:
    """``ours`` for :func:`~sync.outputs.paths.output_path`: a ministry workbook of this
    alliance (or of none said: written before the workbook said it) may be replaced; one
    written for another alliance, or for the demo run from the same folder, is refused
    here, naming whose it is (``--force`` replaces it anyway)."""

    def ours(path: Path) -> bool:
        if not is_ministry_workbook(path):
            return False
        whose = written_for(path)
        if whose is not None and whose != alliance:
            raise OutputError(
                refused(
                    path,
                    f"ce classeur est le rapport de {whose}, pas de {alliance} ; choisissez un autre nom, "
                    "ou ajoutez --force pour le remplacer",
                )
            )
        return True

    return ours


def written_for(path: Path) -> str | None:
    """Whose report a ministry workbook says it is (its ALLIANCE_PROPERTY), or None."""
    try:
        with zipfile.ZipFile(path) as archive:
            root = ElementTree.fromstring(archive.read("docProps/custom.xml"))
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, ElementTree.ParseError, DefusedXmlException):
        return None
    for prop in root:
        if prop.get("name") == ALLIANCE_PROPERTY:
            return "".join(prop.itertext()) or None
    return None


def is_unfilled_template(path: Path) -> bool:
    """A committee template nobody typed in: its Projets and Versements tabs hold
    their header only (a filled committee workbook is an input, never replaced)."""
    titles = _tab_titles(path)
    if titles is None or set(titles) >= MINISTRY_SHEETS:
        return False
    try:
        tabs = XlsxSource(SourceSpec("xlsx", str(path))).read([PROJECTS_TAB, PAYMENTS_TAB]).tabs
    except SourceUnavailable:
        return False
    for wanted in (PROJECTS_TAB, PAYMENTS_TAB):
        title = find_tab(list(tabs), wanted)
        if title is None:
            return False
        if any(not is_blank(v) for row in tabs[title][1:] for v in row):
            return False
    return True
