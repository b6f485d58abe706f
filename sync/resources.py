"""Bundled files (demo configuration and workbooks, templates), found the same way
from a source checkout, an editable install or a plain wheel install."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def bundled(*parts: str) -> Path:
    """Path of a bundled file; ``bundled("config", "demo", "demo.toml")``.

    A wheel carries config/ and templates/ inside the package (pyproject's
    force-include); a checkout has them beside the package.
    """
    for root in (_PACKAGE / "_bundled", _PACKAGE.parent):
        candidate = root.joinpath(*parts)
        if candidate.exists():
            return candidate
    return _PACKAGE.parent.joinpath(*parts)


def demo_config() -> Path:
    return bundled("config", "demo", "demo.toml")


def shown_location(location: str) -> str:
    """A source's location as a person reads it: a workbook of the built-in demo is
    « démo intégrée, comites/ouest.xlsx », never a path into the installed package."""
    demo = demo_config().parent
    try:
        inside = Path(location).resolve().relative_to(demo.resolve())
    except (ValueError, OSError):
        return location
    return f"démo intégrée, {inside.as_posix()}"
