"""One alliance, one history (docs/exploitation.md): who a run belongs to, and where each
committee's rows were read.

A run records its alliance (name, agreement period, and whether it is the built-in
demo) and each committee's source identity (the Google key, or the resolved path of a
local workbook). A last good copy and a comparison base are only ever taken from
earlier runs with the same alliance and, committee by committee, the same source.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sync.config import Config, SourceSpec
from sync.resources import demo_config


@dataclass(frozen=True)
class AllianceIdentity:
    name: str
    period: str  # « 2019-04-01/2023-03-31 »
    demo: bool

    def describe(self) -> str:
        """In French: « la démonstration intégrée » or « l'alliance « X » (2019-04-01 au 2023-03-31) »."""
        if self.demo:
            return "la démonstration intégrée d'alliance-sync"
        start, _, end = self.period.partition("/")
        return f"l'alliance « {self.name} » (entente du {start} au {end})"


def is_demo(config: Config) -> bool:
    """The built-in demo's configuration (commands run without --config)."""
    if config.path is None:
        return False
    return os.path.realpath(config.path) == os.path.realpath(demo_config())


def alliance_identity(config: Config) -> AllianceIdentity:
    return AllianceIdentity(
        config.name, f"{config.period_start.isoformat()}/{config.period_end.isoformat()}", is_demo(config)
    )


def source_identity(kind: str, location: str) -> str:
    """« google:KEY » or « xlsx:/resolved/path » (a path through a link is the file it leads to)."""
    if kind == "google":
        return f"google:{location}"
    return f"{kind}:{os.path.realpath(location)}"


def spec_identity(spec: SourceSpec | None) -> str | None:
    return source_identity(spec.kind, spec.location) if spec is not None else None


def describe_source(identity: str | None) -> str:
    """In French, for a reader: « Google Sheets KEY », « classeur /path », « source non enregistrée »."""
    if not identity:
        return "source non enregistrée (synchronisation antérieure à cette vérification)"
    kind, _, location = identity.partition(":")
    return f"Google Sheets {location}" if kind == "google" else f"classeur {location}"
