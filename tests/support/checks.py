"""Helpers of many tests: the repository's root, validate an alliance, pick findings."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import pytest

from sync import pipeline
from sync.config import Config, load_config
from sync.report import Report
from sync.runner import google_sheets

REPO = Path(__file__).resolve().parents[2]


def build_report(config: Config, **options: Any) -> Report:
    """``sync.pipeline.build_report`` as a command calls it: with the Google spreadsheets
    a committee on Google needs (``sync.runner.google_sheets``), unless ``google=`` is given."""
    options.setdefault("google", google_sheets(config))
    return pipeline.build_report(config, **options)


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


def deny_access(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Make ``folder`` one this user cannot enter. Tests run as root, whom permissions
    do not stop: the refusal is what stat() answers for anything inside it."""
    stat = Path.stat

    def refuse(path, *args, **kwargs):
        if Path(path).parent == folder:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return stat(path, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", refuse)
