"""`alliance-sync diff` for every kind of field change: text, list values, dates,
money (the fiscal-year columns and totals included) and counts, each changed to
another value, emptied, filled, made unreadable and made readable again; the same
for each field of a payment. A value retyped differently but read the same (a
number typed as text) is no change.

Then, systematically, one case per field kind (text, list, date, amount, fiscal
year, count; a payment's date, amount, reference and note) and per transition:
value → other value, value → unreadable, value → empty, and back, unreadable ↔
empty, and one unreadable value → another (no change to report: both are
« (illisible) »). Each case is reported once, on its own record, with that field
alone. The same transitions for a project's number (its identity: renumbered, it
is removed and added) and a payment's.

Two payments of the same amount under the same reference, each with its own
correction, are each found again (not paired by their shared values)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from tests.support.builders import payment, project
from tests.support.history import Alliance

WHEN = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d")
EMPTY_PROJECT: dict = {
    "approval_date": None,
    "start_date": None,
    "end_date": None,
    "total_cost": None,
    "fqis": {},
    "fqis_total": None,
    "other_contributions": None,
    "participants_target": None,
    "participants_reached": None,
}
UNREADABLE = {"start_date": "32/13/2019", "total_cost": "cent mille", "participants_target": "beaucoup"}


def diff_after(tmp_path, before: dict, after: dict) -> list[str]:
    """The lines of `alliance-sync diff` between a run on OUEST's ``before`` and one on its ``after``."""
    alliance = Alliance(tmp_path, {"OUEST": before})
    assert alliance.cli("run").exit_code in (0, 1)  # findings (exit 1) do not stop the recording
    alliance.rewrite("OUEST", **after)
    assert alliance.cli("run").exit_code in (0, 1)
    result = alliance.cli("diff")
    assert result.exit_code == 0, result.output
    return WHEN.sub("AAAA-MM-JJ HH:MM", result.stdout).splitlines()


def test_every_kind_of_project_field_changed_emptied_filled_and_made_unreadable(tmp_path):
    before = [
        project("OUE-2020-001", title="Frigos solidaires"),
        project("OUE-2020-002", title="Navette rurale"),
        project("OUE-2020-003", title="Cuisine collective", status="En analyse", **EMPTY_PROJECT),
        project("OUE-2020-004", title="Jardins"),
        project("OUE-2020-005", title="Épicerie", **UNREADABLE),
        project("OUE-2020-006", title="Inchangé", total_cost=100000, start_date=dt.date(2019, 6, 1)),
    ]
    after = [
        project(
            "OUE-2020-001",
            title="Frigos solidaires et cuisine",
            organization="Autre organisme",
            organization_type="Coopérative sans but lucratif",
            territory="Vaudreuil-Soulanges",
            priority="Logement",
            status="Terminé",
            approval_date=dt.date(2019, 5, 16),
            start_date=dt.date(2019, 6, 2),
            end_date=dt.date(2021, 3, 30),
            total_cost=100000.01,
            fqis={"2019-2020": 30000, "2020-2021": 29999.99},
            other_contributions=40000.01,
            participants_target=21,
            participants_reached=16,
            notes="Prolongé",
        ),
        project("OUE-2020-002", title="Navette rurale", organization=None, status="En analyse", **EMPTY_PROJECT),
        project("OUE-2020-003", title="Cuisine collective"),
        project("OUE-2020-004", title="Jardins", **UNREADABLE),
        project("OUE-2020-005", title="Épicerie"),
        # The same values typed differently: text amount, text date, text count.
        project(
            "OUE-2020-006",
            title="Inchangé",
            total_cost="100 000,00 $",
            start_date="01/06/2019",
            participants_target="20",
        ),
    ]
    assert diff_after(tmp_path, {"projects": before}, {"projects": after}) == [
        "Changements entre la synchronisation n° 1 du AAAA-MM-JJ HH:MM et la n° 2 du AAAA-MM-JJ HH:MM :",
        "Projets : 0 ajouté, 5 modifiés, 0 supprimé. Versements : 0 ajouté, 0 modifié, 0 supprimé.",
        "",
        "OUEST — Ouest de la Montérégie",
        "  Projet modifié : OUE-2020-001 — Frigos solidaires et cuisine",
        "      Titre du projet : Frigos solidaires → Frigos solidaires et cuisine",
        "      Organisme porteur : Centre d'entraide régional → Autre organisme",
        "      Type d'organisme : OBNL → Coopérative sans but lucratif",
        "      Territoire : Roussillon → Vaudreuil-Soulanges",
        "      Priorité : Sécurité alimentaire → Logement",
        "      Statut : En cours → Terminé",
        "      Date d'approbation : 2019-05-15 → 2019-05-16",
        "      Date de début : 2019-06-01 → 2019-06-02",
        "      Date de fin : 2021-03-31 → 2021-03-30",
        "      Coût total : 100 000,00 $ → 100 000,01 $",
        "      FQIS 2020-2021 : 30 000,00 $ → 29 999,99 $",
        "      FQIS total : 60 000,00 $ → 59 999,99 $",
        "      Autres contributions : 40 000,00 $ → 40 000,01 $",
        "      Participants visés : 20 → 21",
        "      Participants rejoints : 15 → 16",
        "      Notes : (vide) → Prolongé",
        "  Projet modifié : OUE-2020-002 — Navette rurale",
        "      Organisme porteur : Centre d'entraide régional → (vide)",
        "      Statut : En cours → En analyse",
        "      Date d'approbation : 2019-05-15 → (vide)",
        "      Date de début : 2019-06-01 → (vide)",
        "      Date de fin : 2021-03-31 → (vide)",
        "      Coût total : 100 000,00 $ → (vide)",
        "      FQIS 2019-2020 : 30 000,00 $ → (vide)",
        "      FQIS 2020-2021 : 30 000,00 $ → (vide)",
        "      FQIS total : 60 000,00 $ → (vide)",
        "      Autres contributions : 40 000,00 $ → (vide)",
        "      Participants visés : 20 → (vide)",
        "      Participants rejoints : 15 → (vide)",
        "  Projet modifié : OUE-2020-003 — Cuisine collective",
        "      Statut : En analyse → En cours",
        "      Date d'approbation : (vide) → 2019-05-15",
        "      Date de début : (vide) → 2019-06-01",
        "      Date de fin : (vide) → 2021-03-31",
        "      Coût total : (vide) → 100 000,00 $",
        "      FQIS 2019-2020 : (vide) → 30 000,00 $",
        "      FQIS 2020-2021 : (vide) → 30 000,00 $",
        "      FQIS total : (vide) → 60 000,00 $",
        "      Autres contributions : (vide) → 40 000,00 $",
        "      Participants visés : (vide) → 20",
        "      Participants rejoints : (vide) → 15",
        "  Projet modifié : OUE-2020-004 — Jardins",
        "      Date de début : 2019-06-01 → (illisible)",
        "      Coût total : 100 000,00 $ → (illisible)",
        "      Participants visés : 20 → (illisible)",
        "  Projet modifié : OUE-2020-005 — Épicerie",
        "      Date de début : (illisible) → 2019-06-01",
        "      Coût total : (illisible) → 100 000,00 $",
        "      Participants visés : (illisible) → 20",
    ]


def test_every_payment_field_changed_emptied_and_made_unreadable(tmp_path):
    day = dt.date(2020, 6, 1)
    before = [
        payment("OUE-2020-001", date=day, amount=1000, reference="V-1"),
        payment("OUE-2020-001", date=day, amount=2000, reference="V-2"),
        payment("OUE-2020-001", date=dt.date(2020, 7, 1), amount=3000, reference="V-3"),
        payment("OUE-2020-001", date=dt.date(2020, 8, 1), amount=4000, reference="V-4", note="avance"),
        payment("OUE-2020-001", date=dt.date(2020, 9, 1), amount=5000, reference="V-5"),
        payment("OUE-2020-001", date=dt.date(2020, 10, 1), amount=6000, reference="V-6", note="solde"),
        payment("OUE-2020-001", date=dt.date(2020, 11, 1), amount=7000, reference="V-7"),
        payment("OUE-2020-001", date=dt.date(2020, 12, 1), amount="huit mille", reference="V-8"),
        payment("OUE-2020-001", date=dt.date(2021, 1, 4), amount=900, reference="V-9", note="avance"),
    ]
    after = [
        payment("OUE-2020-001", date=day, amount=1000.01, reference="V-1"),
        payment("OUE-2020-001", date=day, amount="deux mille", reference="V-2"),
        payment("OUE-2020-001", date=None, amount=3000, reference="V-3"),
        payment("OUE-2020-001", date=dt.date(2020, 8, 2), amount=4000, reference="V-4", note="avance"),
        payment("OUE-2020-001", date=dt.date(2020, 9, 1), amount=5000, reference="V-5 corrigé"),
        payment("OUE-2020-001", date=dt.date(2020, 10, 1), amount=None, reference="V-6", note=None),
        payment("OUE-2020-001", date="01/11/2020", amount="7 000,00 $", reference="V-7"),  # read the same
        payment("OUE-2020-001", date=dt.date(2020, 12, 1), amount=8000, reference="V-8"),
        payment("OUE-2020-001", date=dt.date(2021, 1, 4), amount=900, reference="V-9", note="solde"),
    ]
    projects = [project("OUE-2020-001", fqis={"2019-2020": 30000, "2020-2021": 70000}, total_cost=200000)]
    assert diff_after(
        tmp_path, {"projects": projects, "payments": before}, {"projects": projects, "payments": after}
    ) == [
        "Changements entre la synchronisation n° 1 du AAAA-MM-JJ HH:MM et la n° 2 du AAAA-MM-JJ HH:MM :",
        "Projets : 0 ajouté, 0 modifié, 0 supprimé. Versements : 0 ajouté, 8 modifiés, 0 supprimé.",
        "",
        "OUEST — Ouest de la Montérégie",
        "  Versement modifié : OUE-2020-001 · 2020-06-01 · réf. V-1 — Versement de 1 000,01 $",
        "      Montant : 1 000,00 $ → 1 000,01 $",
        "  Versement modifié : OUE-2020-001 · 2020-06-01 · réf. V-2 — Versement de (illisible)",
        "      Montant : 2 000,00 $ → (illisible)",
        "  Versement modifié : OUE-2020-001 · (sans date) · réf. V-3 — Versement de 3 000,00 $",
        "      Date du versement : 2020-07-01 → (vide)",
        "  Versement modifié : OUE-2020-001 · 2020-08-02 · réf. V-4 — Versement de 4 000,00 $",
        "      Date du versement : 2020-08-01 → 2020-08-02",
        "  Versement modifié : OUE-2020-001 · 2020-09-01 · réf. V-5 corrigé — Versement de 5 000,00 $",
        "      Référence : V-5 → V-5 corrigé",
        "  Versement modifié : OUE-2020-001 · 2020-10-01 · réf. V-6 — Versement de (vide)",
        "      Montant : 6 000,00 $ → (vide)",
        "      Note : solde → (vide)",
        "  Versement modifié : OUE-2020-001 · 2020-12-01 · réf. V-8 — Versement de 8 000,00 $",
        "      Montant : (illisible) → 8 000,00 $",
        "  Versement modifié : OUE-2020-001 · 2021-01-04 · réf. V-9 — Versement de 900,00 $",
        "      Note : avance → solde",
    ]


# ------------------------------------------------- every field kind × every transition

# Per field kind: the builder's keyword, the column's header, two values A and B as
# typed and as `diff` shows them, and a value that cannot be read (a formula's error
# in a text or list cell).
KINDS = {
    "texte": ("title", "Titre du projet", ("Titre A", "Titre A"), ("Titre B", "Titre B"), "#REF!"),
    "liste": ("status", "Statut", ("En cours", "En cours"), ("Terminé", "Terminé"), "#N/A"),
    "date": (
        "end_date",
        "Date de fin",
        (dt.date(2021, 3, 31), "2021-03-31"),
        (dt.date(2021, 3, 30), "2021-03-30"),
        "32/13/2021",
    ),
    "montant": ("total_cost", "Coût total", (100000, "100 000,00 $"), (100000.01, "100 000,01 $"), "cent mille"),
    "exercice": ("fqis", "FQIS 2019-2020", (30000, "30 000,00 $"), (30000.01, "30 000,01 $"), "trente mille"),
    "nombre": ("participants_target", "Participants visés", (20, "20"), (21, "21"), "beaucoup"),
}
A, B, UNREAD, EMPTY_CELL = "A", "B", "illisible", "vide"
# (before, after): a value changed, made unreadable, emptied, and back.
TRANSITIONS = {
    "valeur→autre": (A, B),
    "valeur→illisible": (A, UNREAD),
    "valeur→vide": (A, EMPTY_CELL),
    "illisible→valeur": (UNREAD, A),
    "vide→valeur": (EMPTY_CELL, A),
    "illisible→vide": (UNREAD, EMPTY_CELL),
    "vide→illisible": (EMPTY_CELL, UNREAD),
    "illisible→autre illisible": (UNREAD, UNREAD + "2"),
}


# A second unreadable value, typed otherwise: a text or list cell's other error.
OTHER_UNREADABLE = {"texte": "#NAME?", "liste": "#VALUE!"}


def _typed(kind: str, state: str) -> object:
    _, _, a, b, unreadable = KINDS[kind]
    other = OTHER_UNREADABLE.get(kind, f"{unreadable} ?")
    return {A: a[0], B: b[0], UNREAD: unreadable, UNREAD + "2": other, EMPTY_CELL: None}[state]


def _shown(kind: str, state: str) -> str:
    _, _, a, b, _ = KINDS[kind]
    return {A: a[1], B: b[1], UNREAD: "(illisible)", UNREAD + "2": "(illisible)", EMPTY_CELL: "(vide)"}[state]


def _case_project(number: str, kind: str, state: str) -> dict:
    field = KINDS[kind][0]
    value: Any = _typed(kind, state)
    if field == "fqis":  # the total stays typed: only the year's cell changes
        return project(number, fqis={"2019-2020": value, "2020-2021": 30000}, fqis_total=60000)
    return (
        project(number, title=f"Projet {number}", **{field: value})
        if field != "title"
        else project(number, title=value)
    )


CASES = [(kind, transition) for kind in KINDS for transition in TRANSITIONS]


def _number(kind: str, transition: str) -> str:
    return f"OUE-{list(KINDS).index(kind) + 1}-{list(TRANSITIONS).index(transition) + 1}"


@pytest.fixture(scope="module")
def every_transition(tmp_path_factory) -> list[str]:
    """`diff` after a run where each (kind, transition) has its own project."""
    before = [_case_project(_number(k, t), k, TRANSITIONS[t][0]) for k, t in CASES]
    after = [_case_project(_number(k, t), k, TRANSITIONS[t][1]) for k, t in CASES]
    return diff_after(tmp_path_factory.mktemp("transitions"), {"projects": before}, {"projects": after})


@pytest.mark.parametrize(("kind", "transition"), CASES, ids=[f"{k}-{t}" for k, t in CASES])
def test_each_field_kind_and_transition_is_reported_once(every_transition, kind, transition):
    number = _number(kind, transition)
    head = f"  Projet modifié : {number}"
    heads = [i for i, line in enumerate(every_transition) if line == head or line.startswith(f"{head} — ")]
    before, after = TRANSITIONS[transition]
    old, new = _shown(kind, before), _shown(kind, after)
    if old == new:  # two unreadable values: still unreadable, no change to report
        assert heads == []
        return
    assert len(heads) == 1
    header = KINDS[kind][1]
    # A project is named by its title after the change, when it has one.
    title = (new if new not in ("(vide)", "(illisible)") else "") if kind == "texte" else f"Projet {number}"
    assert every_transition[heads[0]] == f"  Projet modifié : {number}" + (f" — {title}" if title else "")
    assert every_transition[heads[0] + 1 : heads[0] + 2] == [f"      {header} : {old} → {new}"]
    nxt = every_transition[heads[0] + 2] if heads[0] + 2 < len(every_transition) else ""
    assert not nxt.startswith("      ")  # the one field that changed, nothing else


# The same for each field of a payment, each payment its own reference (or its own
# date, for the reference's cases): it is found again, modified, never removed and added.
PAYMENT_KINDS = {
    "date": (
        "date",
        "Date du versement",
        (dt.date(2020, 6, 1), "2020-06-01"),
        (dt.date(2020, 6, 2), "2020-06-02"),
        "32/13/2020",
    ),
    "montant": ("amount", "Montant", (1000, "1 000,00 $"), (1000.01, "1 000,01 $"), "mille"),
    "référence": ("reference", "Référence", ("V-A", "V-A"), ("V-B", "V-B"), "#REF!"),
    "note": ("note", "Note", ("avance", "avance"), ("solde", "solde"), "#REF!"),
}
PAYMENT_OTHER_UNREADABLE = {"date": "31/02/2020", "montant": "mille ?", "référence": "#NAME?", "note": "#NAME?"}
PAYMENT_CASES = [(kind, transition) for kind in PAYMENT_KINDS for transition in TRANSITIONS]


def _case_payment(index: int, kind: str, state: str) -> dict:
    field, _, a, b, unreadable = PAYMENT_KINDS[kind]
    typed = {A: a[0], B: b[0], UNREAD: unreadable, UNREAD + "2": PAYMENT_OTHER_UNREADABLE[kind], EMPTY_CELL: None}
    # Every other field its own: two payments are never told apart by the field that changes.
    values: dict = {
        "date": dt.date(2020, 7, 1) + dt.timedelta(days=index),
        "amount": 500 + index,
        "reference": f"V-{index}",
    }
    value = typed[state]
    values[field] = f"{value}-{index}" if field == "reference" and state in (A, B) else value
    return payment("OUE-2020-001", **values)


@pytest.fixture(scope="module")
def every_payment_transition(tmp_path_factory) -> list[str]:
    projects = [project("OUE-2020-001", fqis={"2019-2020": 30000, "2020-2021": 70000}, total_cost=200000)]
    before = [_case_payment(i, k, TRANSITIONS[t][0]) for i, (k, t) in enumerate(PAYMENT_CASES)]
    after = [_case_payment(i, k, TRANSITIONS[t][1]) for i, (k, t) in enumerate(PAYMENT_CASES)]
    return diff_after(
        tmp_path_factory.mktemp("versements"),
        {"projects": projects, "payments": before},
        {"projects": projects, "payments": after},
    )


def test_every_payment_change_is_a_modification(every_payment_transition):
    changed = sum(
        1 for k, t in PAYMENT_CASES if _shown_payment(k, TRANSITIONS[t][0]) != _shown_payment(k, TRANSITIONS[t][1])
    )
    assert every_payment_transition[1] == (
        f"Projets : 0 ajouté, 0 modifié, 0 supprimé. Versements : 0 ajouté, {changed} modifiés, 0 supprimé."
    )


def _shown_payment(kind: str, state: str) -> str:
    _, _, a, b, _ = PAYMENT_KINDS[kind]
    return {A: a[1], B: b[1], UNREAD: "(illisible)", UNREAD + "2": "(illisible)", EMPTY_CELL: "(vide)"}[state]


@pytest.mark.parametrize(("kind", "transition"), PAYMENT_CASES, ids=[f"{k}-{t}" for k, t in PAYMENT_CASES])
def test_each_payment_field_and_transition_is_reported_once(every_payment_transition, kind, transition):
    before, after = TRANSITIONS[transition]
    old, new = _shown_payment(kind, before), _shown_payment(kind, after)
    index = PAYMENT_CASES.index((kind, transition))
    if kind == "référence":
        old, new = (f"{v}-{index}" if state in (A, B) else v for v, state in ((old, before), (new, after)))
    line = f"      {PAYMENT_KINDS[kind][1]} : {old} → {new}"
    # The payment's own line: its date, or for the date's cases its reference.
    day = dt.date(2020, 7, 1) + dt.timedelta(days=index)
    mark = f"réf. V-{index} " if kind == "date" else f"OUE-2020-001 · {day} "
    heads = [i for i, text in enumerate(every_payment_transition) if text.startswith("  Versement") and mark in text]
    if old == new:
        assert heads == []
        return
    assert len(heads) == 1 and every_payment_transition[heads[0]].startswith("  Versement modifié : OUE-2020-001 · ")
    assert every_payment_transition[heads[0] + 1] == line
    following = every_payment_transition[heads[0] + 2 : heads[0] + 3]
    assert not following or not following[0].startswith("      ")


@pytest.mark.parametrize("sorted_back", [False, True], ids=["same-order", "rows-swapped"])
def test_two_payments_sharing_reference_and_amount_each_keep_their_own_correction(tmp_path, sorted_back):
    """Two payments of the same amount under the same reference; one's reference is
    corrected, the other's date. The first old payment also agrees with the second new
    one on three fields (project, amount, reference): pairing them would report a date
    moved by three months and then a payment with its date and reference both changed.
    The same when the rows are also swapped."""
    projects = [project("OUE-2020-001", fqis={"2019-2020": 30000, "2020-2021": 70000}, total_cost=200000)]
    before = [
        payment("OUE-2020-001", date=dt.date(2020, 6, 1), amount=500, reference="V-1"),
        payment("OUE-2020-001", date=dt.date(2020, 9, 1), amount=500, reference="V-1"),
    ]
    after = [
        payment("OUE-2020-001", date=dt.date(2020, 6, 1), amount=500, reference="V-2"),
        payment("OUE-2020-001", date=dt.date(2020, 9, 2), amount=500, reference="V-1"),
    ]
    reference = [
        "  Versement modifié : OUE-2020-001 · 2020-06-01 · réf. V-2 — Versement de 500,00 $",
        "      Référence : V-1 → V-2",
    ]
    date = [
        "  Versement modifié : OUE-2020-001 · 2020-09-02 · réf. V-1 — Versement de 500,00 $",
        "      Date du versement : 2020-09-01 → 2020-09-02",
    ]
    assert diff_after(
        tmp_path,
        {"projects": projects, "payments": before},
        {"projects": projects, "payments": after[::-1] if sorted_back else after},
    )[1:] == [
        "Projets : 0 ajouté, 0 modifié, 0 supprimé. Versements : 0 ajouté, 2 modifiés, 0 supprimé.",
        "",
        "OUEST — Ouest de la Montérégie",
        *(date + reference if sorted_back else reference + date),
    ]


# ------------------------------------------------- a project number changed, emptied, unreadable

# A project's number is its identity (sync/history/diff.py): renumbered, it is the old
# number removed and the new one added; without a readable number it is « (sans
# numéro, ligne N) », so a number emptied or made unreadable, or back, is also a
# removal and an addition; from unreadable to empty, at the same row, the same
# project, its No projet modified. A payment is found again whatever its number
# becomes (its date, amount and reference are the same): one modified payment.
NUMBER_STATES = {A: "OUE-{i}-A", B: "OUE-{i}-B", UNREAD: "#REF!", UNREAD + "2": "#N/A", EMPTY_CELL: None}
NUMBER_SHOWN = {UNREAD: "(illisible)", UNREAD + "2": "(illisible)", EMPTY_CELL: "(vide)"}
NUMBER_CASES = list(TRANSITIONS)
ASCII_IDS = [t.replace("→", "-to-").replace(" ", "-") for t in NUMBER_CASES]


def _number_in(state: str, i: int) -> str | None:
    typed = NUMBER_STATES[state]
    return typed.format(i=i) if typed else None


@pytest.fixture(scope="module")
def every_number_transition(tmp_path_factory) -> list[str]:
    """`diff` after a run where each transition of a No projet has its own project (row
    i + 2) and its own payment (the payments naming two projects that exist)."""
    states = [TRANSITIONS[t] for t in NUMBER_CASES]
    paid = {A: "OUE-2020-001", B: "OUE-2020-002"}
    named = [project("OUE-2020-001", title="Payé A"), project("OUE-2020-002", title="Payé B")]

    def records(side: int) -> dict:
        return {
            "projects": [project(_number_in(s[side], i), title=f"Numéro {i}") for i, s in enumerate(states)] + named,
            "payments": [
                payment(
                    paid.get(s[side], NUMBER_STATES[s[side]]),
                    date=dt.date(2020, 6, 1 + i),
                    amount=100 + i,
                    reference=f"V-{i}",
                )
                for i, s in enumerate(states)
            ],
        }

    return diff_after(tmp_path_factory.mktemp("numeros"), records(0), records(1))


def _project_named(state: str, i: int) -> str:
    """How diff names the project: its number, or its row when it has no readable one."""
    return f"OUE-{i}-{state}" if state in (A, B) else f"(sans numéro, ligne {i + 2})"


@pytest.mark.parametrize("transition", NUMBER_CASES, ids=ASCII_IDS)
def test_a_project_renumbered_or_its_number_emptied_or_unreadable(every_number_transition, transition):
    i = NUMBER_CASES.index(transition)
    before, after = TRANSITIONS[transition]
    mine = [line for line in every_number_transition if line.endswith(f" — Numéro {i}")]
    old, new = _project_named(before, i), _project_named(after, i)
    if old != new:
        assert mine == [f"  Projet ajouté : {new} — Numéro {i}", f"  Projet supprimé : {old} — Numéro {i}"]
    elif NUMBER_SHOWN[before] != NUMBER_SHOWN[after]:
        assert mine == [f"  Projet modifié : {new} — Numéro {i}"]
        at = every_number_transition.index(mine[0])
        assert every_number_transition[at + 1] == f"      No projet : {NUMBER_SHOWN[before]} → {NUMBER_SHOWN[after]}"
        assert not every_number_transition[at + 2].startswith("      ")  # that field alone
    else:  # unreadable both times: nothing to report
        assert mine == []


@pytest.mark.parametrize("transition", NUMBER_CASES, ids=ASCII_IDS)
def test_a_payments_number_changed_emptied_or_unreadable_is_one_modified_payment(every_number_transition, transition):
    i = NUMBER_CASES.index(transition)
    before, after = TRANSITIONS[transition]
    shown = {A: "OUE-2020-001", B: "OUE-2020-002", **NUMBER_SHOWN}
    mine = [i_ for i_, line in enumerate(every_number_transition) if f" · réf. V-{i} — " in line]
    if shown[before] == shown[after]:
        assert mine == []
        return
    key = shown[after] if after in (A, B) else "(sans projet)"
    assert [every_number_transition[at] for at in mine] == [
        f"  Versement modifié : {key} · 2020-06-{1 + i:02d} · réf. V-{i} — Versement de {100 + i},00 $"
    ]
    following = every_number_transition[mine[0] + 1 : mine[0] + 3]
    assert following[0] == f"      No projet : {shown[before]} → {shown[after]}"
    assert not following[1:] or not following[1].startswith("      ")


def test_number_changes_are_counted_as_added_removed_and_modified(every_number_transition):
    # Projects: 5 with a number before or after (not both the same): added and removed;
    # unreadable ↔ empty: 2 modified. Payments: every transition but unreadable → unreadable.
    assert every_number_transition[1] == (
        "Projets : 5 ajoutés, 2 modifiés, 5 supprimés. Versements : 0 ajouté, 7 modifiés, 0 supprimé."
    )
