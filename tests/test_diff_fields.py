"""`alliance-sync diff` for every kind of field change: text, list values, dates,
money (the fiscal-year columns and totals included) and counts, each changed to
another value, emptied, filled, made unreadable and made readable again; the same
for each field of a payment. A value retyped differently but read the same (a
number typed as text) is no change."""

from __future__ import annotations

import datetime as dt
import re

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
