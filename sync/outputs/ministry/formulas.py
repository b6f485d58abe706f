"""The formulas of the summary sheets: SUMIFS and COUNTIFS over the Projets and
Versements tables, so that an analyst can audit each figure (docs/classeur-ministere.md).

They only build formula text; the result each one stores is computed in Python
(figures.py) by the sheet that writes it.
"""

from __future__ import annotations

from sync.outputs.ministry.records import (
    ABANDONED,
    ENGAGED,
    ENGAGEMENT,
    INCLUDED,
    PAID,
    YES,
    PaymentLayout,
    ProjectLayout,
    Ranges,
)

_WILDCARDS = ("*", "?", "~")

Condition = tuple[str, str]  # (header of a column, criterion)


def criterion(ref: str, text: str) -> str:
    """A SUMIFS criterion matching exactly the text held in ``ref``.

    A criterion is not plain text to a spreadsheet: ``*``, ``?`` and ``~`` are
    wildcards and a leading ``<``, ``>`` or ``=`` is a comparison. Labels that
    contain them (rare, from the configuration) are escaped in the formula."""
    if any(ch in text for ch in _WILDCARDS) or text[:1] in ("<", ">", "="):
        return f'"="&SUBSTITUTE(SUBSTITUTE(SUBSTITUTE({ref},"~","~~"),"*","~*"),"?","~?")'
    return ref


class Formulas:
    """The SUMIFS and COUNTIFS of the summary sheets, over the detail tables."""

    def __init__(self, projects: ProjectLayout, payments: PaymentLayout) -> None:
        self.p = projects.ranges
        self.v = payments.ranges
        self.projects = projects
        self.payments = payments

    def _where(self, ranges: Ranges, conditions: list[Condition]) -> str:
        return ",".join(f"{ranges[header]},{crit}" for header, crit in conditions)

    def committed(self, *conditions: Condition) -> str:
        """The committed amount: FQIS total of the engaged projects, and what was paid
        to the abandoned ones (docs/classeur-ministere.md), from the committee's own
        amounts rather than from the « FQIS engagé » column alliance-sync fills."""
        return (
            f"{self.project_sum(self.projects.fund_total, *conditions, engagement=ENGAGED)}"
            f"+{self.project_sum(PAID, *conditions, engagement=ABANDONED)}"
        )

    def project_sum(self, header: str, *conditions: Condition, engagement: str) -> str:
        where = self._where(self.p, [*conditions, (INCLUDED, f'"{YES}"'), (ENGAGEMENT, f'"{engagement}"')])
        return f"SUMIFS({self.p[header]},{where})"

    def engaged_count(self, *conditions: Condition) -> str:
        """Projects that count in the committed amount: engaged, or abandoned."""
        parts = []
        for kind in (ENGAGED, ABANDONED):
            where = self._where(self.p, [*conditions, (INCLUDED, f'"{YES}"'), (ENGAGEMENT, f'"{kind}"')])
            parts.append(f"COUNTIFS({where})")
        return "+".join(parts)

    def engaged_sum(self, header: str, *conditions: Condition) -> str:
        return "+".join(self.project_sum(header, *conditions, engagement=kind) for kind in (ENGAGED, ABANDONED))

    def paid(self, *conditions: Condition) -> str:
        where = self._where(self.v, [*conditions, (INCLUDED, f'"{YES}"')])
        return f"SUMIFS({self.v[self.payments.amount]},{where})"
