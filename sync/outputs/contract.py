"""The one result contract every command follows (docs/ligne-de-commande.md, « Sortie JSON »).

Each command's library call returns a result that renders itself twice: as the
console text a person reads, and as a dictionary a script reads (``--format json``).
The dictionary holds only JSON types: strings, numbers, booleans, null, lists and
objects; money as integer cents beside its French text; dates and times in ISO 8601.
The command layer (sync/cli.py) only picks one of the two and prints it.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Protocol

from sync.findings import Finding
from sync.money import format_cents
from sync.wording import TERMINAL_CONTROLS


class CommandResult(Protocol):
    """What a command's result offers the command layer."""

    def render_text(self) -> str:
        """What the console shows, in French."""
        ...

    def as_dict(self) -> Any:
        """The same result for a script: JSON types only (a dict, or a list for listings)."""
        ...


def money(cents: int) -> dict[str, Any]:
    """An amount for JSON: exact integer cents, and the Québec text a person reads."""
    return {"cents": cents, "text": format_cents(cents)}


def iso(moment: dt.datetime | dt.date | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def finding_dict(f: Finding) -> dict[str, Any]:
    """One finding for JSON: the same dictionary the history stores (``Finding.to_dict``)."""
    return f.to_dict()


def dumps(data: Any) -> str:
    """JSON as the commands print it: indented, French characters kept. json escapes
    the C0 controls itself; C1 controls and direction overrides typed in a committee's
    cell are escaped here, so a terminal shows them and never obeys them."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return TERMINAL_CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def render(result: CommandResult, output_format: str) -> str:
    """The result as ``--format`` asks: ``text`` or ``json``."""
    return dumps(result.as_dict()) if output_format == "json" else result.render_text()
