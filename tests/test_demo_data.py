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


def test_the_demo_names_each_support_and_gives_the_ouest_a_narrower_plan():
    config = load_config(demo_config())
    plans = {c.code: (c.support, c.priorities) for c in config.subregions}
    ouest_plan = tuple(p for p in config.priorities if p != "Soutien à l'action communautaire")
    assert plans == {
        "OUEST": ("Concertation Horizon", ouest_plan),
        "EST": ("Concertation Horizon", config.priorities),
        "LONGUEUIL": ("Ville de Longueuil (Bureau de développement social et communautaire)", config.priorities),
    }


def test_the_generator_draws_only_the_axes_of_each_plan():
    from sync.demo import synthetic_committee

    config = load_config(demo_config())
    for committee in config.subregions:
        projects, _ = synthetic_committee(config, committee, 300)
        assert {p["priority"] for p in projects} == set(committee.priorities), committee.code


def test_the_bundled_workbooks_are_the_generators(tmp_path):
    """`python -m sync.demo` rewrites the same data: the Ouest's plan changed no project of the demo."""
    import shutil

    from sync.demo import write_demo
    from sync.pipeline import build_report

    shutil.copytree(demo_config().parent, tmp_path / "demo")
    write_demo(tmp_path / "demo")
    bundled = build_report(load_config(demo_config()))
    written = build_report(load_config(tmp_path / "demo" / demo_config().name))
    assert written.totals.lines == bundled.totals.lines
    assert [(f.code, f.cell, f.message) for f in written.findings] == [
        (f.code, f.cell, f.message) for f in bundled.findings
    ]
    assert (len(bundled.errors), len(bundled.warnings)) == (0, 1)
