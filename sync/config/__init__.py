"""The configuration of an alliance (docs/configuration.md): every section, declared once.

A base layer: it imports nothing above it (errors, wording, money and the template's
vocabulary only), so that every stage may receive its own section from here.

- ``sections.py``: every key of every table declared once (kind, bounds, default,
  French description) and the environment variables; ``settings.py``: the kinds and
  the generic reader that walks the declarations; ``docs.py``: the tables of
  docs/configuration.md generated from them;
- ``load.py``: the TOML file read once into typed objects (``Config``, ``Committee``,
  ``GoogleSettings``), every error naming the file and the key, the environment
  resolved at the same time;
- ``delivery.py``: the ``[delivery]`` table and its ``smtp`` (``DeliverySettings``);
- ``keys.py``: unknown keys with the closest known one, placeholders of the shipped files;
- ``state.py``: the state folder, resolved (option, environment, key, default);
- ``monteregie.py``: the Montérégie values a configuration may leave out.
"""

from __future__ import annotations

from sync.config.load import (
    MAX_FISCAL_YEARS,
    SOURCE_KINDS,
    Committee,
    Config,
    FiscalYear,
    GoogleSettings,
    SourceKind,
    SourceSpec,
    config_from_dict,
    fiscal_years_of,
    load_config,
    read_toml,
)

__all__ = [
    "MAX_FISCAL_YEARS",
    "SOURCE_KINDS",
    "Committee",
    "Config",
    "FiscalYear",
    "GoogleSettings",
    "SourceKind",
    "SourceSpec",
    "config_from_dict",
    "fiscal_years_of",
    "load_config",
    "read_toml",
]
