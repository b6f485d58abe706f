"""The state folder (docs/exploitation.md): a value resolved once, with where it came from.

--state-dir, else ALLIANCE_SYNC_STATE_DIR (read when the configuration was loaded),
else the configuration's ``state_dir`` (relative to its file), else ``.alliance-sync``
in the current folder, or ``.alliance-sync-demo`` for the built-in demo, whose
history a production run from the same folder never shares. The origin, in French,
is shown wherever the folder is (« (clé state_dir de …) »).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sync.config.sections import STATE_DIR_ENV

if TYPE_CHECKING:
    from sync.config.load import Config

DEFAULT_STATE_DIR = ".alliance-sync"
DEMO_STATE_DIR = ".alliance-sync-demo"


@dataclass(frozen=True)
class StateFolder:
    path: Path
    origin: str  # how it was chosen, in French

    def __str__(self) -> str:
        return f"{self.path.absolute()} ({self.origin})"


def state_folder(option: str | None, config: Config | None, *, demo: bool) -> StateFolder:
    """The state folder: ``option`` (--state-dir), else the environment variable, else the
    configuration's state_dir, else the default (``demo``: no --config given)."""
    if option:
        return StateFolder(Path(option), "option --state-dir")
    if config is not None and config.state_dir_variable is not None:
        return StateFolder(config.state_dir_variable, f"variable {STATE_DIR_ENV}")
    if config is not None and config.state_dir is not None:
        return StateFolder(config.state_dir, f"clé state_dir de {config.path}")
    if demo:
        return StateFolder(Path(DEMO_STATE_DIR), "par défaut pour la démonstration intégrée, dans le dossier courant")
    return StateFolder(Path(DEFAULT_STATE_DIR), "par défaut, dans le dossier courant")
