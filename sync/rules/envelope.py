"""Envelope rules, on the consolidated totals: sub-region, fiscal year, alliance."""

from __future__ import annotations

from sync.config import Config
from sync.consolidate import Totals
from sync.findings import Finding, finding
from sync.money import format_cents, format_percent
from sync.vocabulary.template import ALLIANCE_CODE, PROJECTS_TAB


def check_envelopes(config: Config, totals: Totals) -> list[Finding]:
    out: list[Finding] = []
    fund = config.fund
    for committee in (*config.subregions, config.regional):
        line = totals.line(committee.code)
        if committee.is_regional and committee.source is None:
            continue
        name = committee.in_sentence
        if line.committed > line.allocation:
            out.append(finding("SUBREGION_ENVELOPE_EXCEEDED", committee=committee.code, sheet=PROJECTS_TAB,
                               fund=fund, name=name, committed=format_cents(line.committed),
                               allocation=format_cents(line.allocation),
                               gap=format_cents(line.committed - line.allocation)))
        elif line.allocation and line.committed >= config.nearly_used * line.allocation:
            out.append(finding("SUBREGION_ENVELOPE_NEARLY_USED", committee=committee.code, sheet=PROJECTS_TAB,
                               Name=name[0].upper() + name[1:], committed=format_cents(line.committed),
                               allocation=format_cents(line.allocation),
                               share=format_percent(line.committed, line.allocation),
                               balance=format_cents(line.balance)))
        for label, annual in committee.annual.items():
            committed = line.committed_by_year.get(label, 0)
            if committed > annual:
                out.append(finding("ANNUAL_ENVELOPE_EXCEEDED", committee=committee.code, sheet=PROJECTS_TAB,
                                   fund=fund, name=name, year=label,
                                   committed=format_cents(committed), allocation=format_cents(annual),
                                   gap=format_cents(committed - annual)))
    if totals.committed > config.envelope:
        out.append(finding("ALLIANCE_ENVELOPE_EXCEEDED", committee=ALLIANCE_CODE, sheet=PROJECTS_TAB, fund=fund,
                           committed=format_cents(totals.committed), envelope=format_cents(config.envelope),
                           gap=format_cents(totals.committed - config.envelope)))
    return out

