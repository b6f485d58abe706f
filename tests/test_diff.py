"""What changed between two runs (docs/exploitation.md): `alliance-sync diff`, field by field,
in French with Québec amounts; payments matched without an identifier."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from sync.changes import ADDED, MODIFIED, REMOVED, FieldChange, RecordChange
from sync.history.codec import PAYMENT, StoredRecord
from sync.history.diff import compute_changes
from sync.history.store import RunRecords
from tests.support.builders import payment, project
from tests.support.history import Alliance

WHEN = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d")


def lines(text: str) -> list[str]:
    return WHEN.sub("AAAA-MM-JJ HH:MM", text).splitlines()


def edit_ouest(alliance: Alliance) -> None:
    """OUEST retitles a project and raises its 2020-2021 FQIS, removes one, adds one;
    inserts a payment on top, corrects an amount and removes a payment."""
    alliance.rewrite(
        "OUEST",
        projects=[
            project("OUE-2021-003"),
            project(
                "OUE-2020-001", title="Frigos solidaires et cuisine", fqis={"2019-2020": 30000, "2020-2021": 35000}
            ),
        ],
        payments=[
            payment("OUE-2020-001", date=dt.date(2020, 7, 1), amount="2 500,50 $", reference="VER-4"),
            payment("OUE-2020-001", reference="VER-1"),
            payment("OUE-2020-001", date=dt.date(2020, 9, 1), amount=15250, reference="VER-2"),
        ],
    )


def test_diff_of_the_last_two_runs_field_by_field(tmp_path):
    alliance = Alliance(tmp_path)
    assert alliance.cli("run").exit_code == 0
    edit_ouest(alliance)
    assert alliance.cli("run").exit_code == 0
    result = alliance.cli("diff")
    assert result.exit_code == 0, result.output
    assert lines(result.stdout) == [
        "Changements entre la synchronisation n° 1 du AAAA-MM-JJ HH:MM et la n° 2 du AAAA-MM-JJ HH:MM :",
        "Projets : 1 ajouté, 1 modifié, 1 supprimé. Versements : 1 ajouté, 1 modifié, 1 supprimé.",
        "",
        "OUEST — Ouest de la Montérégie",
        "  Projet ajouté : OUE-2021-003 — Projet OUE-2021-003",
        "  Projet modifié : OUE-2020-001 — Frigos solidaires et cuisine",
        "      Titre du projet : Frigos solidaires → Frigos solidaires et cuisine",
        "      FQIS 2020-2021 : 30 000,00 $ → 35 000,00 $",
        "      FQIS total : 60 000,00 $ → 65 000,00 $",
        "  Projet supprimé : OUE-2020-002 — Navette rurale",
        "  Versement ajouté : OUE-2020-001 · 2020-07-01 · réf. VER-4 — Versement de 2 500,50 $",
        "  Versement modifié : OUE-2020-001 · 2020-09-01 · réf. VER-2 — Versement de 15 250,00 $",
        "      Montant : 15 000,00 $ → 15 250,00 $",
        "  Versement supprimé : OUE-2020-002 · 2020-05-01 · réf. VER-3 — Versement de 5 000,00 $",
    ]


def test_diff_of_given_runs_and_of_one_run_with_its_predecessor(tmp_path):
    alliance = Alliance(tmp_path)
    assert alliance.cli("run").exit_code == 0
    alliance.rewrite(
        "EST",
        projects=[project("EST-2020-001", title="Épicerie mobile", status="Terminé")],
        payments=alliance.workbooks["EST"]["payments"],
    )
    assert alliance.cli("run").exit_code == 0
    assert alliance.cli("run").exit_code == 0
    assert lines(alliance.cli("diff").stdout) == [
        "Changements entre la synchronisation n° 2 du AAAA-MM-JJ HH:MM et la n° 3 du AAAA-MM-JJ HH:MM : "
        "aucun changement."
    ]
    expected = [
        "Changements entre la synchronisation n° 1 du AAAA-MM-JJ HH:MM et la n° 3 du AAAA-MM-JJ HH:MM :",
        "Projets : 0 ajouté, 1 modifié, 0 supprimé. Versements : 0 ajouté, 0 modifié, 0 supprimé.",
        "",
        "EST — Est de la Montérégie",
        "  Projet modifié : EST-2020-001 — Épicerie mobile",
        "      Statut : En cours → Terminé",
    ]
    assert lines(alliance.cli("diff", "1", "3").stdout) == expected
    assert lines(alliance.cli("diff", "2").stdout)[4:] == expected[4:]
    assert lines(alliance.cli("diff", "2").stdout)[0].startswith("Changements entre la synchronisation n° 1 ")
    assert lines(alliance.cli("diff", "1").stdout) == [
        "Synchronisation n° 1 : aucune synchronisation antérieure à comparer."
    ]


def test_diff_of_unknown_or_failed_runs_is_a_clear_error(tmp_path):
    alliance = Alliance(tmp_path)
    result = alliance.cli("diff")
    assert result.exit_code == 2
    assert result.stderr == (
        f"Erreur : aucune synchronisation enregistrée dans le dossier d'état {alliance.state} (option --state-dir).\n"
    )
    assert alliance.cli("run").exit_code == 0
    result = alliance.cli("diff", "1", "9")
    assert result.exit_code == 2
    assert result.stderr == "Erreur : synchronisation n° 9 introuvable (synchronisations enregistrées : n° 1 à 1).\n"
    alliance.workbook("EST").write_bytes(b"pas un classeur")
    (alliance.state / "historique.sqlite").unlink()
    assert alliance.cli("run").exit_code == 3
    result = alliance.cli("diff", "1")
    assert result.exit_code == 2
    assert lines(result.stderr) == [
        "Erreur : la synchronisation n° 1 du AAAA-MM-JJ HH:MM n'a pas de données (échec : Aucun rapport produit : "
        "des chiffriers n'ont pas pu être lus et aucune copie valide antérieure n'existe.)."
    ]


# ---------------------------------------------------------------- matching, without the CLI


def pay(
    project_id: str,
    day: int,
    amount: int | None,
    reference: str = "",
    note: str = "",
    row: int = 2,
    invalid: frozenset[str] = frozenset(),
) -> StoredRecord:
    values: dict[str, object] = {
        "project_id": project_id,
        "date": f"2020-05-{day:02d}",
        "amount": amount,
        "reference": reference,
        "note": note,
    }
    return StoredRecord("OUEST", row, project_id, True, values, invalid)


def changes_of(before: list[StoredRecord], after: list[StoredRecord]) -> list[RecordChange]:
    return compute_changes(
        RunRecords("FQIS", [], before), RunRecords("FQIS", [], after), previous_run_id=1, previous_run_at=None
    ).items


def test_inserting_or_sorting_rows_reports_only_the_new_payment():
    before = [pay("P1", 1, 100_00, "A", row=2), pay("P1", 2, 200_00, "B", row=3), pay("P2", 3, 300_00, row=4)]
    inserted = [before[0], pay("P3", 9, 50_00, "N", row=3), *before[1:]]
    assert changes_of(before, inserted) == [
        RecordChange(ADDED, PAYMENT, "OUEST", "P3 · 2020-05-09 · réf. N", "Versement de 50,00 $")
    ]
    assert changes_of(before, list(reversed(before))) == []


def test_identical_payments_are_counted_not_merged():
    twice = [pay("P1", 1, 100_00, row=2), pay("P1", 1, 100_00, row=3)]
    assert changes_of(twice, twice[:1]) == [
        RecordChange(REMOVED, PAYMENT, "OUEST", "P1 · 2020-05-01", "Versement de 100,00 $")
    ]


def test_a_corrected_payment_is_modified_not_added_and_removed():
    before = [pay("P1", 1, 100_00, "A", row=2), pay("P1", 2, 200_00, row=3), pay("P1", 3, 300_00, note="x", row=4)]
    after = [
        pay("P1", 1, 150_00, "A", row=2),  # same reference: amount corrected
        pay("P1", 5, 200_00, row=3),  # no reference, same amount: date corrected
        pay("P1", 3, 300_00, note="y", row=4),
    ]
    assert changes_of(before, after) == [
        RecordChange(
            MODIFIED,
            PAYMENT,
            "OUEST",
            "P1 · 2020-05-01 · réf. A",
            "Versement de 150,00 $",
            (FieldChange("Montant", "100,00 $", "150,00 $"),),
        ),
        RecordChange(
            MODIFIED,
            PAYMENT,
            "OUEST",
            "P1 · 2020-05-05",
            "Versement de 200,00 $",
            (FieldChange("Date du versement", "2020-05-02", "2020-05-05"),),
        ),
        RecordChange(
            MODIFIED, PAYMENT, "OUEST", "P1 · 2020-05-03", "Versement de 300,00 $", (FieldChange("Note", "x", "y"),)
        ),
    ]


def test_unreadable_and_empty_values_are_named():
    before = [pay("P1", 1, None, "A", invalid=frozenset({"amount"}))]
    after = [pay("P1", 1, 120_00, "A")]
    assert changes_of(before, after) == [
        RecordChange(
            MODIFIED,
            PAYMENT,
            "OUEST",
            "P1 · 2020-05-01 · réf. A",
            "Versement de 120,00 $",
            (FieldChange("Montant", "(illisible)", "120,00 $"),),
        )
    ]
    assert changes_of(after, [pay("P1", 1, None, "A")])[0].fields == (FieldChange("Montant", "120,00 $", "(vide)"),)


def test_first_run_has_no_previous_and_reports_nothing():
    changes = compute_changes(
        None, RunRecords("FQIS", [], [pay("P1", 1, 1)]), previous_run_id=None, previous_run_at=None
    )
    assert changes.is_first and changes.items == []


def test_the_workbook_changements_sheet_shows_the_same_changes(tmp_path):
    import openpyxl

    from sync.outputs.ministry.lists import cents_of

    def cell(shown: str):
        cents = cents_of(shown)
        return shown if cents is None else float(Decimal(cents).scaleb(-2))

    from sync.config import load_config
    from sync.runner import run_sync

    alliance = Alliance(tmp_path)
    assert alliance.cli("run").exit_code == 0
    edit_ouest(alliance)
    result = run_sync(load_config(alliance.config), output=alliance.output, state_dir=alliance.state)
    assert result.changes.previous_run_id == 1 and len(result.changes.items) == 6
    rows = [
        [v for v in row if v is not None]
        for row in openpyxl.load_workbook(alliance.output)["Changements"].iter_rows(values_only=True)
    ]
    for change in result.changes.items:
        expected = [change.key, change.label]
        if not change.fields:
            assert any(all(e in row for e in expected) for row in rows), change
        for f in change.fields:
            # Amounts are money numbers in the workbook (issue 12), other values their text.
            before, after = (cell(v) for v in (f.before, f.after))
            assert any(all(e in row for e in [*expected, f.field, before, after]) for row in rows), f


@pytest.mark.parametrize(
    "corrected, field, before_text, after_text, key",
    [
        (pay("P1", 1, 150_00, "A"), "Montant", "100,00 $", "150,00 $", "P1 · 2020-05-01 · réf. A"),
        (pay("P1", 9, 100_00, "A"), "Date du versement", "2020-05-01", "2020-05-09", "P1 · 2020-05-09 · réf. A"),
        (pay("P1", 1, 100_00, "B"), "Référence", "A", "B", "P1 · 2020-05-01 · réf. B"),
        (pay("P2", 1, 100_00, "A"), "No projet", "P1", "P2", "P2 · 2020-05-01 · réf. A"),
        (pay("P2", 1, 100_00), "No projet", "P1", "P2", "P2 · 2020-05-01"),
    ],
    ids=["amount", "date", "reference", "project", "project-without-reference"],
)
def test_a_correction_of_any_single_field_is_one_modified_payment(corrected, field, before_text, after_text, key):
    original = pay("P1", 1, 100_00, corrected.values["reference"] and "A")
    other = pay("P3", 4, 999_00, "Z", row=3)  # untouched, and never paired with the corrected one
    changes = changes_of([original, other], [corrected, other])
    label = f"Versement de {corrected.values['amount'] // 100},00 $"
    assert changes == [
        RecordChange(MODIFIED, PAYMENT, "OUEST", key, label, (FieldChange(field, before_text, after_text),))
    ]


# ---------------------------------------------------------------- paths the tests never took (issue 23)


def test_two_identical_payments_swapped_in_order_are_no_change(tmp_path):
    """OUEST's two identical payments (same project, date, amount, reference) change rows
    with a third between runs: the same payments, nothing to report, also on the Changements sheet."""
    import openpyxl

    from sync.outputs.ministry.lists import NO_CHANGE

    twin = payment("OUE-2020-001", date=dt.date(2020, 6, 1), amount="1 234,56 $", reference="VER-7")
    other = payment("OUE-2020-001", date=dt.date(2020, 9, 1), amount=15000, reference="VER-8")
    projects = [project("OUE-2020-001")]
    alliance = Alliance(tmp_path, {"OUEST": {"projects": projects, "payments": [twin, other, dict(twin)]}})
    assert alliance.cli("run").exit_code == 0
    alliance.rewrite("OUEST", projects=projects, payments=[dict(twin), dict(twin), other])
    assert alliance.cli("run").exit_code == 0
    result = alliance.cli("diff")
    assert result.exit_code == 0, result.output
    assert lines(result.stdout) == [
        "Changements entre la synchronisation n° 1 du AAAA-MM-JJ HH:MM et la n° 2 du AAAA-MM-JJ HH:MM : "
        "aucun changement."
    ]
    sheet = openpyxl.load_workbook(alliance.output)["Changements"]
    assert NO_CHANGE in [v for row in sheet.iter_rows(values_only=True) for v in row]


def test_a_fiscal_year_column_that_disappears_between_runs(tmp_path):
    """OUEST's « FQIS 2021-2022 » column (10 000 $ on its project) is gone from the second
    run's Projets tab: that run names the missing column and the total that no longer adds
    up, and diff reports the year's amount as emptied, in text and on the Changements sheet."""
    import openpyxl

    from sync.findings import Code
    from tests.support.builders import project_headers

    fqis = {"2019-2020": 30000, "2020-2021": 30000, "2021-2022": 10000}
    projects = [project("OUE-2020-001", fqis=fqis, total_cost=200000)]
    alliance = Alliance(tmp_path, {"OUEST": {"projects": projects, "payments": [payment("OUE-2020-001")]}})
    assert alliance.cli("run").exit_code == 0
    alliance.rewrite(
        "OUEST",
        projects=projects,
        payments=[payment("OUE-2020-001")],
        headers=project_headers(["2019-2020", "2020-2021", "2022-2023"]),
    )
    second = alliance.cli("run")
    assert second.exit_code == 1, second.output
    assert second.stdout.splitlines()[-1] == (
        f"2 erreurs à corriger, 0 avertissement. Classeur écrit : {alliance.output}"
    )
    validation = [
        [v for v in row if v is not None]
        for row in openpyxl.load_workbook(alliance.output)["Validation"].iter_rows(min_row=2, values_only=True)
    ]
    assert [row[1:7] for row in validation if row] == [
        [
            Code.MISSING_COLUMN.value,
            "Colonne manquante",
            "OUEST",
            "Projets",
            1,
            (
                "La colonne « FQIS 2021-2022 » est introuvable dans l'en-tête (ligne 1) de l'onglet « Projets ». "
                "Rétablissez l'en-tête « FQIS 2021-2022 » du gabarit. En attendant, les lignes de cet onglet sont "
                "exclues des totaux."
            ),
        ],
        [Code.YEAR_SPLIT_MISMATCH.value, "Répartition annuelle incohérente", "OUEST", "Projets", "O2", 2],
    ]
    result = alliance.cli("diff")
    assert result.exit_code == 0, result.output
    assert lines(result.stdout) == [
        "Changements entre la synchronisation n° 1 du AAAA-MM-JJ HH:MM et la n° 2 du AAAA-MM-JJ HH:MM :",
        "Projets : 0 ajouté, 1 modifié, 0 supprimé. Versements : 0 ajouté, 0 modifié, 0 supprimé.",
        "",
        "OUEST — Ouest de la Montérégie",
        "  Projet modifié : OUE-2020-001 — Projet OUE-2020-001",
        "      FQIS 2021-2022 : 10 000,00 $ → (vide)",
    ]
    sheet = openpyxl.load_workbook(alliance.output)["Changements"]
    shown = [[v for v in row if v is not None] for row in sheet.iter_rows(values_only=True)]
    assert [row for row in shown if row][1:] == [
        ["Changement", "Enregistrement", "Sous-région", "Clé", "Libellé", "Champ", "Avant", "Après"],
        ["Modifié", "projet", "OUEST", "OUE-2020-001", "Projet OUE-2020-001", "FQIS 2021-2022", 10000, "(vide)"],
    ]
