"""Rules on one project or one payment row: required values, lists, dates, amounts."""

from __future__ import annotations

from sync.config import Committee, Config
from sync.findings import Code, Finding, finding
from sync.parsing.identifiers import project_key
from sync.parsing.records import Payment, Project, Record
from sync.vocabulary import statuses
from sync.vocabulary.lists import ValueList
from sync.vocabulary.template import PAYMENT_COLUMNS, Column, alliance_columns


class RowRules:
    """The row-level rules of one committee, with its lists prepared once."""

    def __init__(self, config: Config, committee: Committee) -> None:
        self.config = config
        self.committee = committee
        self.statuses = ValueList(statuses.STATUSES)
        self.priorities = ValueList(config.priorities)
        # The committee's action plan (the Alliance's whole list when not configured).
        self.plan = ValueList(committee.priorities or config.priorities)
        self.eligible = ValueList(config.eligible_types)
        self.ineligible = ValueList(config.ineligible_types)
        self.regional_territories = ValueList(config.regional.territories)
        if committee.is_regional:
            every = [t for c in config.subregions for t in c.territories]
            self.territories = ValueList([*committee.territories, *every])
        else:
            self.territories = ValueList(committee.territories)
        alliance = alliance_columns(config.fund, tuple(y.label for y in config.fiscal_years))
        self.columns = {c.field: c for c in alliance.projects}
        self.payment_columns = {c.field: c for c in PAYMENT_COLUMNS}

    # -- helpers -----------------------------------------------------------

    def _emit(
        self, out: list[Finding], code: Code, record: Record, name: str, columns: dict[str, Column], **values: object
    ) -> None:
        out.append(
            finding(
                code,
                committee=self.committee.code,
                sheet=record.sheet,
                cell=record.cells.get(name, ""),
                row=record.row,
                project_id=record.project_id,
                field=name,
                column=columns[name].header,
                **values,
            )
        )

    def _offered(self, name: str) -> dict[str, list[str]]:
        """``allowed``: the list a required list field is chosen from (said when it is empty)."""
        offered = {
            "organization_type": self.eligible,
            "territory": self.territories,
            "priority": self.plan,
            "status": self.statuses,
        }.get(name)
        return {"allowed": list(offered.values)} if offered else {}

    def _has_column(self, record: Record, name: str) -> bool:
        return name in record.cells

    # -- projects ----------------------------------------------------------

    def spell_as_listed(self, p: Project) -> None:
        """Write each list value as the configuration spells it (« en cours » → « En cours »),
        so that totals group one spelling. A step of its own, before the checks: the
        checks only read the record."""
        for name, values in (
            ("status", self.statuses),
            ("priority", self.priorities),
            ("organization_type", self.eligible),
            ("territory", self.territories),
        ):
            typed = getattr(p, name)
            listed = values.canonical(typed) if typed else None
            if listed:
                setattr(p, name, listed)

    def check_project(self, p: Project) -> list[Finding]:
        out: list[Finding] = []
        self._check_required(out, p)
        self._check_listed(out, p)
        if p.status in statuses.COMMITTED_STATUSES:
            self._check_accepted(out, p)
        self._check_dates(out, p)
        self._check_amounts(out, p)
        return out

    def _check_required(self, out: list[Finding], p: Project) -> None:
        required = ["project_id", "title", "organization", "organization_type", "territory", "priority", "status"]
        for name in required:
            if self._has_column(p, name) and not getattr(p, name) and name not in p.invalid:
                self._emit(out, Code.MISSING_VALUE, p, name, self.columns, expected=name, **self._offered(name))
        if p.project_id and not project_key(p.project_id):
            self._emit(
                out, Code.MISSING_VALUE, p, "project_id", self.columns, expected="project_id", typed=p.project_id
            )

    def _check_listed(self, out: list[Finding], p: Project) -> None:
        """The values chosen from a list: status, priority (and the committee's plan),
        organisation type, territory."""
        cols = self.columns
        if p.status and self.statuses.canonical(p.status) is None:
            self._unknown(out, p, "status", self.statuses, cols)
        if p.priority:
            priority = self.priorities.canonical(p.priority)
            if priority is None:
                self._unknown(out, p, "priority", self.priorities, cols)
            elif self.plan.canonical(priority) is None:
                self._emit(
                    out,
                    Code.PRIORITY_OUTSIDE_PLAN,
                    p,
                    "priority",
                    cols,
                    value=priority,
                    own=self.committee.name,
                    own_regional=self.committee.is_regional,
                    allowed=list(self.plan.values),
                )
        if p.organization_type:
            self._check_organization_type(out, p)
        if p.territory:
            self._check_territory(out, p)

    def _check_accepted(self, out: list[Finding], p: Project) -> None:
        """The dates and amounts a project needs once accepted (a committed status)."""
        cols = self.columns
        for name in ("approval_date", "start_date", "end_date"):
            if self._has_column(p, name) and getattr(p, name) is None and name not in p.invalid:
                self._emit(out, Code.MISSING_VALUE, p, name, cols, status=p.status, expected="date_once_accepted")
        years_unreadable = any(f.startswith("year:") for f in p.invalid)
        for name in ("fqis_total", "total_cost"):
            if name == "fqis_total" and years_unreadable:
                continue  # empty only because a year cell, already reported, cannot be summed
            if self._has_column(p, name) and getattr(p, name) is None and name not in p.invalid:
                self._emit(out, Code.MISSING_VALUE, p, name, cols, status=p.status, expected="amount_once_accepted")

    def _check_dates(self, out: list[Finding], p: Project) -> None:
        """Dates within the agreement's period, and an end not before the start."""
        for name in ("approval_date", "start_date", "end_date"):
            day = getattr(p, name)
            if day is not None and not (self.config.period_start <= day <= self.config.period_end):
                self._emit(
                    out,
                    Code.DATE_OUTSIDE_PERIOD,
                    p,
                    name,
                    self.columns,
                    value=day,
                    start=self.config.period_start,
                    end=self.config.period_end,
                )
        if p.start_date and p.end_date and p.end_date < p.start_date:
            out.append(
                finding(
                    Code.END_BEFORE_START,
                    committee=self.committee.code,
                    sheet=p.sheet,
                    cell=p.cells["end_date"],  # both dates were read: their columns are there
                    row=p.row,
                    project_id=p.project_id,
                    field="end_date",
                    start=p.start_date,
                    end=p.end_date,
                )
            )

    def _check_amounts(self, out: list[Finding], p: Project) -> None:
        """The FQIS total against its years, then against the total cost: a total that
        disagrees with its years is not compared with the cost (a rule on a value
        already in error stays quiet). An empty amount, missing or unreadable (already
        a finding), is compared with nothing."""
        cols, fund = self.columns, self.config.fund
        split_mismatch = False
        years_readable = not any(f.startswith("year:") for f in p.invalid)
        if p.fqis_total is not None and years_readable and self._has_year_columns(p):
            years = p.fqis_years_sum()
            if years != p.fqis_total:
                self._emit(out, Code.YEAR_SPLIT_MISMATCH, p, "fqis_total", cols, total=p.fqis_total, years=years)
                split_mismatch = True
        if p.fqis_total is not None and p.total_cost is not None and not split_mismatch:
            if p.fqis_total > p.total_cost:
                self._emit(
                    out,
                    Code.FQIS_OVER_TOTAL_COST,
                    p,
                    "fqis_total",
                    cols,
                    fund=fund,
                    fqis=p.fqis_total,
                    cost=p.total_cost,
                )
            elif p.total_cost > 0 and p.fqis_total > self.config.max_fqis_share * p.total_cost:
                self._emit(
                    out,
                    Code.FQIS_SHARE_HIGH,
                    p,
                    "fqis_total",
                    cols,
                    fund=fund,
                    fqis=p.fqis_total,
                    cost=p.total_cost,
                    limit=self.config.max_fqis_share,
                )

    def _has_year_columns(self, p: Project) -> bool:
        return any(f.startswith("year:") for f in p.cells)

    def _unknown(
        self,
        out: list[Finding],
        record: Record,
        name: str,
        values: ValueList,
        columns: dict[str, Column],
        closest: str | None = None,
    ) -> None:
        typed = getattr(record, name)
        self._emit(
            out,
            Code.UNKNOWN_VALUE,
            record,
            name,
            columns,
            value=typed,
            closest=closest or values.closest(typed),
            allowed=list(values.values),
        )

    def _check_organization_type(self, out: list[Finding], p: Project) -> None:
        if self.eligible.canonical(p.organization_type):
            return
        ineligible = self.ineligible.canonical(p.organization_type)
        near_eligible = self.eligible.closest(p.organization_type, cutoff=0.75)
        near_ineligible = self.ineligible.closest(p.organization_type, cutoff=0.75)
        if (
            ineligible is None
            and near_eligible
            and (
                near_ineligible is None
                or self.eligible.similarity(p.organization_type, near_eligible)
                >= self.ineligible.similarity(p.organization_type, near_ineligible)
            )
        ):
            # A misspelt eligible type: the committee meant a value of the list.
            self._unknown(out, p, "organization_type", self.eligible, self.columns, near_eligible)
            return
        # docs/gabarit.md: anything that is not an eligible type is ineligible.
        self._emit(
            out,
            Code.INELIGIBLE_ORGANIZATION,
            p,
            "organization_type",
            self.columns,
            value=p.organization_type,
            fund=self.config.fund,
            allowed=list(self.eligible.values),
        )

    def _check_territory(self, out: list[Finding], p: Project) -> None:
        if self.territories.canonical(p.territory):
            return
        cols = self.columns
        other = self.config.subregion_of_territory(p.territory)
        regional = self.config.regional
        if other is not None:
            owner = {"subregion": other.name, "subregion_code": other.code}
        elif not self.committee.is_regional and self.regional_territories.canonical(p.territory):
            owner = {"regional": regional.name}
        else:
            self._unknown(out, p, "territory", self.territories, cols)
            return
        self._emit(
            out,
            Code.TERRITORY_OUTSIDE_SUBREGION,
            p,
            "territory",
            cols,
            value=p.territory,
            **owner,
            own=self.committee.name,
            own_regional=self.committee.is_regional,
            allowed=list(self.territories.values),
        )

    # -- payments ----------------------------------------------------------

    def check_payment(self, v: Payment) -> list[Finding]:
        out: list[Finding] = []
        cols = self.payment_columns
        for name in ("project_id", "date", "amount"):
            if self._has_column(v, name) and getattr(v, name) in (None, "") and name not in v.invalid:
                self._emit(out, Code.MISSING_VALUE, v, name, cols, expected=f"payment_{name}")
        if v.project_id and not project_key(v.project_id):
            self._emit(
                out, Code.MISSING_VALUE, v, "project_id", cols, expected="payment_project_id", typed=v.project_id
            )
        if v.date is not None and not (self.config.period_start <= v.date <= self.config.period_end):
            self._emit(
                out,
                Code.DATE_OUTSIDE_PERIOD,
                v,
                "date",
                cols,
                value=v.date,
                start=self.config.period_start,
                end=self.config.period_end,
            )
        return out
