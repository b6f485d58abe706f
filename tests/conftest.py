"""Shared helpers: build an alliance in a temporary folder, validate it, pick findings."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sync.config import load_config  # noqa: E402
from sync.pipeline import Report, build_report  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def validate(config_path: Path) -> Report:
    """The report of ``alliance-sync validate`` on that configuration."""
    return build_report(load_config(config_path))


def only(report_or_findings, code: str, **where):
    """The single finding ``code`` (optionally matching fields such as committee=)."""
    found = of_code(report_or_findings, code, **where)
    assert len(found) == 1, f"{code} {where}: {len(found)} constats : {found}"
    return found[0]


def of_code(report_or_findings, code: str, **where) -> list:
    findings = getattr(report_or_findings, "findings", report_or_findings)
    return [f for f in findings if f.code == code and all(getattr(f, k) == v for k, v in where.items())]


@pytest.fixture
def repo() -> Path:
    return REPO
