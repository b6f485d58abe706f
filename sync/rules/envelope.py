"""Envelope rules, on the consolidated totals: sub-region, fiscal year, alliance."""

from __future__ import annotations

from sync.config import Config
from sync.consolidate import Totals
from sync.findings import Code, Finding, finding
from sync.vocabulary.template import ALLIANCE_CODE, PROJECTS_TAB


def check_envelopes(config: Config, totals: Totals) -> list[Finding]:
    out: list[Finding] = []
    fund = config.fund
    for committee in (*config.subregions, config.regional):
        line = totals.line(committee.code)
        if committee.is_regional and committee.source is None:
            continue
        name, regional = committee.name, committee.is_regional
        if line.committed > line.allocation:
            out.append(
                finding(
                    Code.SUBREGION_ENVELOPE_EXCEEDED,
                    committee=committee.code,
                    sheet=PROJECTS_TAB,
                    fund=fund,
                    name=name,
                    regional=regional,
                    committed=line.committed,
                    allocation=line.allocation,
                )
            )
        elif line.allocation and line.committed >= config.nearly_used * line.allocation:
            out.append(
                finding(
                    Code.SUBREGION_ENVELOPE_NEARLY_USED,
                    committee=committee.code,
                    sheet=PROJECTS_TAB,
                    name=name,
                    regional=regional,
                    committed=line.committed,
                    allocation=line.allocation,
                )
            )
        for label, annual in committee.annual.items():
            committed = line.committed_by_year[label]  # every fiscal year has its entry
            if committed > annual:
                out.append(
                    finding(
                        Code.ANNUAL_ENVELOPE_EXCEEDED,
                        committee=committee.code,
                        sheet=PROJECTS_TAB,
                        fund=fund,
                        name=name,
                        regional=regional,
                        year=label,
                        committed=committed,
                        allocation=annual,
                    )
                )
    if totals.committed > config.envelope:
        out.append(
            finding(
                Code.ALLIANCE_ENVELOPE_EXCEEDED,
                committee=ALLIANCE_CODE,
                sheet=PROJECTS_TAB,
                fund=fund,
                committed=totals.committed,
                envelope=config.envelope,
            )
        )
    return out
