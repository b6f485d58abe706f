"""The demo's generator (sync/demo.py), with amounts and dates typed as text."""

from __future__ import annotations

import datetime as dt

from sync.config import load_config
from sync.money import format_cents
from sync.parsing.values import parse_cents, parse_date
from sync.resources import demo_config


def test_typed_text_converts_each_payment_once():
    """It used to convert earlier projects' payments again (TypeError on text)."""
    from sync.demo import synthetic_committee

    config = load_config(demo_config())
    projects, payments = synthetic_committee(config, config.subregions[0], 60, typed_text=True)
    assert len(projects) == 60 and len(payments) > 30
    typed_amounts = [v["amount"] for v in payments if isinstance(v["amount"], str)]
    typed_dates = [v["date"] for v in payments if isinstance(v["date"], str)]
    assert typed_amounts and typed_dates and len(typed_amounts) < len(payments)
    for text in typed_amounts:  # Québec text of whole cents, as format_cents writes it
        assert text == format_cents(parse_cents(text))
    for text in typed_dates:
        assert text == parse_date(text).strftime("%d/%m/%Y")
    assert all(isinstance(v["amount"], (int, str)) and isinstance(v["date"], (dt.date, str)) for v in payments)
    assert any(isinstance(p["total_cost"], str) for p in projects)
