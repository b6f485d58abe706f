"""The finding model (docs/constats.md): the French of every code, rendered once from
typed values; one dictionary for JSON and the history, read back equal.

Rule tests (tests/test_rules.py and others) assert codes, locations and values; the
wording of each code is asserted here, once, from the same values.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from sync.findings import CATALOGUE, ERROR, WARNING, Code, Finding, Severity, finding

MONTREAL = dt.timezone(dt.timedelta(hours=-4))

# One finding of each code, as the examples of docs/constats.md were found (tests/test_docs.py),
# with the message it had when rules still wrote their French themselves.
WORDING = [
    (
        finding(
            Code.MISSING_VALUE,
            committee="OUEST",
            sheet="Projets",
            cell="B3",
            row=3,
            project_id="OUE-2020-002",
            field="title",
            column="Titre du projet",
            expected="title",
        ),
        "« Titre du projet » est vide. Attendu : le titre du projet.",
    ),
    (
        finding(
            Code.INVALID_AMOUNT,
            committee="OUEST",
            sheet="Projets",
            cell="K4",
            row=4,
            project_id="OUE-2020-003",
            field="total_cost",
            column="Coût total",
            value="12 500,5 $ environ",
            reason="unreadable",
        ),
        "« Coût total » : montant illisible « 12 500,5 $ environ ». Attendu : un montant en dollars, par exemple 12 "
        "500,00 $ ou 12500.00.",
    ),
    (
        finding(
            Code.INVALID_DATE,
            committee="OUEST",
            sheet="Projets",
            cell="I5",
            row=5,
            project_id="OUE-2020-004",
            field="start_date",
            column="Date de début",
            value="31 juin 2020",
        ),
        "« Date de début » : date illisible « 31 juin 2020 ». Attendu : une date AAAA-MM-JJ (ex. 2020-04-01) ou "
        "JJ/MM/AAAA (ex. 01/04/2020).",
    ),
    (
        finding(
            Code.INVALID_NUMBER,
            committee="OUEST",
            sheet="Projets",
            cell="R6",
            row=6,
            project_id="OUE-2020-005",
            field="participants_target",
            column="Participants visés",
            value="une vingtaine",
        ),
        "« Participants visés » : « une vingtaine » n'est pas un nombre entier positif ou nul. Attendu : ex. 25.",
    ),
    (
        finding(
            Code.UNKNOWN_VALUE,
            committee="OUEST",
            sheet="Projets",
            cell="F7",
            row=7,
            project_id="OUE-2020-006",
            field="priority",
            column="Priorité",
            value="Logemnt",
            closest="Logement",
            allowed=[
                "Sécurité alimentaire",
                "Logement",
                "Réussite éducative et sociale",
                "Transport collectif",
                "Insertion socioprofessionnelle",
                "Soutien à l'action communautaire",
            ],
        ),
        "« Priorité » : valeur inconnue « Logemnt ». Vouliez-vous dire « Logement » ? Valeurs permises : Sécurité "
        "alimentaire, Logement, Réussite éducative et sociale, Transport collectif, Insertion socioprofessionnelle, "
        "Soutien à l'action communautaire.",
    ),
    (
        finding(
            Code.TERRITORY_OUTSIDE_SUBREGION,
            committee="OUEST",
            sheet="Projets",
            cell="E8",
            row=8,
            project_id="OUE-2020-007",
            field="territory",
            column="Territoire",
            value="Brossard",
            subregion="Agglomération de Longueuil",
            subregion_code="LONGUEUIL",
            own="Ouest de la Montérégie",
            own_regional=False,
            allowed=[
                "Beauharnois-Salaberry",
                "Le Haut-Saint-Laurent",
                "Les Jardins-de-Napierville",
                "Roussillon",
                "Vaudreuil-Soulanges",
            ],
        ),
        "Le territoire « Brossard » appartient à la sous-région Agglomération de Longueuil (LONGUEUIL), pas à la "
        "sous-région Ouest de la Montérégie. Territoires permis : Beauharnois-Salaberry, Le Haut-Saint-Laurent, Les "
        "Jardins-de-Napierville, Roussillon, Vaudreuil-Soulanges.",
    ),
    (
        finding(
            Code.INELIGIBLE_ORGANIZATION,
            committee="OUEST",
            sheet="Projets",
            cell="D9",
            row=9,
            project_id="OUE-2020-008",
            field="organization_type",
            column="Type d'organisme",
            value="Entreprise privée",
            fund="FQIS",
            allowed=[
                "OBNL",
                "Coopérative sans but lucratif",
                "Organisme municipal ou MRC",
                "Communauté autochtone",
                "Centre de recherche ou établissement d'enseignement",
            ],
        ),
        "Le type d'organisme « Entreprise privée » n'est pas admissible au FQIS. Types admissibles : OBNL, "
        "Coopérative sans but lucratif, Organisme municipal ou MRC, Communauté autochtone, Centre de recherche ou "
        "établissement d'enseignement.",
    ),
    (
        finding(
            Code.DUPLICATE_PROJECT_ID,
            committee="OUEST",
            sheet="Projets",
            cell="A10",
            row=10,
            project_id="OUE-2020-001",
            field="project_id",
            value="OUE-2020-001",
            first_committee="OUEST",
            first_sheet="Projets",
            first_row=2,
        ),
        "Le numéro de projet « OUE-2020-001 » est déjà utilisé à la ligne 2 de l'onglet Projets. Chaque numéro doit "
        "être unique dans toute l'Alliance : attribuez un autre numéro.",
    ),
    (
        finding(
            Code.DATE_OUTSIDE_PERIOD,
            committee="OUEST",
            sheet="Projets",
            cell="J11",
            row=11,
            project_id="OUE-2020-010",
            field="end_date",
            column="Date de fin",
            value=dt.date(2023, 6, 30),
            start=dt.date(2019, 4, 1),
            end=dt.date(2023, 3, 31),
        ),
        "« Date de fin » : le 2023-06-30 est hors de la période de l'entente (2019-04-01 au 2023-03-31).",
    ),
    (
        finding(
            Code.END_BEFORE_START,
            committee="OUEST",
            sheet="Projets",
            cell="J12",
            row=12,
            project_id="OUE-2020-011",
            field="end_date",
            start=dt.date(2020, 9, 1),
            end=dt.date(2020, 6, 30),
        ),
        "La date de fin (2020-06-30) précède la date de début (2020-09-01). Attendu : une date de fin égale ou "
        "postérieure au début.",
    ),
    (
        finding(
            Code.YEAR_SPLIT_MISMATCH,
            committee="OUEST",
            sheet="Projets",
            cell="P13",
            row=13,
            project_id="OUE-2020-012",
            field="fqis_total",
            column="FQIS total",
            total=6500000,
            years=6000000,
        ),
        "Le « FQIS total » (65 000,00 $) ne correspond pas à la somme des exercices (60 000,00 $), écart de 5 000,00 "
        "$. Corrigez la répartition par exercice ou le total.",
    ),
    (
        finding(
            Code.FQIS_OVER_TOTAL_COST,
            committee="OUEST",
            sheet="Projets",
            cell="P14",
            row=14,
            project_id="OUE-2020-013",
            field="fqis_total",
            column="FQIS total",
            fund="FQIS",
            fqis=6000000,
            cost=5000000,
        ),
        "Le « FQIS total » (60 000,00 $) dépasse le coût total du projet (50 000,00 $). Attendu : un FQIS au plus "
        "égal au coût total.",
    ),
    (
        finding(
            Code.PAYMENT_UNKNOWN_PROJECT,
            committee="OUEST",
            sheet="Versements",
            cell="A3",
            row=3,
            project_id="OUE-2020-099",
            field="project_id",
            value="OUE-2020-099",
            closest="OUE-2020-015",
        ),
        "Le versement nomme le projet « OUE-2020-099 », absent de l'onglet Projets de ce comité. Attendu : le No "
        "projet d'un projet de ce comité. Vouliez-vous dire « OUE-2020-015 » ?",
    ),
    (
        finding(
            Code.PAYMENT_NOT_APPROVED,
            committee="OUEST",
            sheet="Versements",
            cell="A4",
            row=4,
            project_id="OUE-2020-015",
            field="project_id",
            project="OUE-2020-015",
            status="En analyse",
            amount=500000,
        ),
        "Versement de 5 000,00 $ au projet OUE-2020-015 dont le statut est « En analyse ». Un versement exige un "
        "projet Accepté, En cours, Terminé ou Abandonné.",
    ),
    (
        finding(
            Code.PAID_OVER_GRANTED,
            committee="OUEST",
            sheet="Versements",
            cell="C5",
            row=5,
            project_id="OUE-2020-001",
            field="amount",
            project="OUE-2020-001",
            fund="FQIS",
            paid=6500000,
            granted=6000000,
        ),
        "Avec ce versement, le projet OUE-2020-001 a reçu 65 000,00 $, plus que son FQIS total de 60 000,00 $ "
        "(dépassement de 5 000,00 $).",
    ),
    (
        finding(
            Code.FQIS_SHARE_HIGH,
            committee="OUEST",
            sheet="Projets",
            cell="P15",
            row=15,
            project_id="OUE-2020-014",
            field="fqis_total",
            column="FQIS total",
            fund="FQIS",
            fqis=6000000,
            cost=7000000,
            limit=Decimal("0.8"),
        ),
        "Le FQIS finance 85,7 % du coût total (60 000,00 $ sur 70 000,00 $), au-delà de la part de 80 % prévue. "
        "Vérifiez les autres contributions.",
    ),
    (
        finding(
            Code.MISSING_COLUMN,
            committee="OUEST",
            sheet="Projets",
            row=1,
            field="total_cost",
            column="Coût total",
            excluded=True,
            header_row=None,
        ),
        "La colonne « Coût total » est introuvable dans l'en-tête (ligne 1) de l'onglet « Projets ». Rétablissez "
        "l'en-tête « Coût total » du gabarit. En attendant, les lignes de cet onglet sont exclues des totaux.",
    ),
    (
        finding(
            Code.MISSING_TAB, committee="OUEST", sheet="Versements", tab="Versements", present=["Projets", "Paiements"]
        ),
        "L'onglet « Versements » est introuvable. Onglets présents : « Projets », « Paiements ». Rétablissez l'onglet "
        "« Versements » du gabarit (nom exact).",
    ),
    (
        finding(
            Code.ANNUAL_ENVELOPE_EXCEEDED,
            committee="OUEST",
            sheet="Projets",
            fund="FQIS",
            name="Ouest de la Montérégie",
            regional=False,
            year="2019-2020",
            committed=35000000,
            allocation=30000000,
        ),
        "Le FQIS engagé pour la sous-région Ouest de la Montérégie durant l'exercice 2019-2020 (350 000,00 $) dépasse "
        "le montant annuel prévu de 300 000,00 $, de 50 000,00 $.",
    ),
    (
        finding(
            Code.SUBREGION_ENVELOPE_EXCEEDED,
            committee="EST",
            sheet="Projets",
            fund="FQIS",
            name="Est de la Montérégie",
            regional=False,
            committed=400000000,
            allocation=390000000,
        ),
        "Le FQIS engagé pour la sous-région Est de la Montérégie (4 000 000,00 $) dépasse son allocation de 3 900 "
        "000,00 $, de 100 000,00 $.",
    ),
    (
        finding(
            Code.SUBREGION_ENVELOPE_NEARLY_USED,
            committee="LONGUEUIL",
            sheet="Projets",
            name="Agglomération de Longueuil",
            regional=False,
            committed=395000000,
            allocation=410000000,
        ),
        "La sous-région Agglomération de Longueuil a engagé 3 950 000,00 $ de son allocation de 4 100 000,00 $ (96,3 "
        "%) ; solde non engagé : 150 000,00 $.",
    ),
    (
        finding(
            Code.ALLIANCE_ENVELOPE_EXCEEDED,
            committee="ALLIANCE",
            sheet="Projets",
            fund="FQIS",
            committed=1200000000,
            envelope=1180000000,
        ),
        "Le FQIS engagé par l'ensemble de l'Alliance (12 000 000,00 $, réserve régionale comprise) dépasse "
        "l'enveloppe de 11 800 000,00 $, de 200 000,00 $.",
    ),
    (
        finding(
            Code.PRIORITY_OUTSIDE_PLAN,
            committee="OUEST",
            sheet="Projets",
            cell="F2",
            row=2,
            project_id="OUE-2020-001",
            field="priority",
            column="Priorité",
            value="Logement",
            own="Ouest de la Montérégie",
            own_regional=False,
            allowed=["Sécurité alimentaire", "Transport collectif"],
        ),
        "La priorité « Logement » n'est pas un axe du plan d'action de la sous-région Ouest de la Montérégie. Axes de "
        "ce plan : Sécurité alimentaire, Transport collectif.",
    ),
    (
        finding(
            Code.DUPLICATE_COLUMN,
            committee="OUEST",
            sheet="Projets",
            cell="U1",
            row=1,
            field="year:2020-2021",
            column="FQIS 2020-2021",
            first="M1",
        ),
        "La colonne « FQIS 2020-2021 » apparaît deux fois dans l'en-tête de l'onglet « Projets » : en M1 (lue) et en "
        "U1 (ignorée). Supprimez la copie ou renommez-la.",
    ),
    (
        finding(
            Code.ERROR_VALUE,
            committee="OUEST",
            sheet="Projets",
            cell="G5",
            row=5,
            project_id="OUE-2020-004",
            field="status",
            column="Statut",
            value="#REF!",
        ),
        "« Statut » contient la valeur d'erreur « #REF! » d'une formule, pas une valeur. Attendu : une valeur saisie "
        "; corrigez la formule ou remplacez-la par sa valeur.",
    ),
    (
        finding(Code.EXTRA_TAB, committee="OUEST", sheet="Projets (suite)", tab="Projets"),
        "L'onglet « Projets (suite) » ressemble à l'onglet « Projets » et contient des lignes, mais seul l'onglet « "
        "Projets » est lu : ses lignes ne sont ni validées ni comptées. Déplacez-les dans l'onglet « Projets » ou "
        "renommez cet onglet (ex. « Archives »).",
    ),
    (
        finding(
            Code.PROJECT_ID_CHARACTERS,
            committee="OUEST",
            sheet="Projets",
            cell="A3",
            row=3,
            project_id="OUE-2020-002",
            field="project_id",
            column="No projet",
            value="OUE-2020-0⟨U+200B⟩02",
            clean="OUE-2020-002",
            invisible=["U+200B"],
        ),
        "Le No projet « OUE-2020-0⟨U+200B⟩02 » contient un caractère invisible (U+200B) : il est lu et comparé aux "
        "autres comme « OUE-2020-002 ». Retapez-le au clavier.",
    ),
    (
        finding(
            Code.TOTAL_ROW_IGNORED,
            committee="OUEST",
            sheet="Projets",
            cell="A6",
            row=6,
            field="project_id",
            id_column="No projet",
            numbered=True,
            word="TOTAL",
            column="No projet",
            sums=False,
            kind="project",
        ),
        "La ligne 6 est une ligne de total (« TOTAL » en No projet) : elle est laissée de côté, ni validée ni "
        "comptée, et le restera. S'il s'agit d'un projet, inscrivez son vrai No projet en A6.",
    ),
    (
        finding(Code.AMBIGUOUS_TAB, committee="OUEST", sheet="versements", read="Versements"),
        "Les onglets « Versements » et « versements » portent le même nom à la casse, aux accents ou aux espaces près "
        ": seul « Versements » est lu. Réunissez leurs lignes dans « Versements » et supprimez ou renommez « "
        "versements ».",
    ),
    (
        finding(
            Code.TEXT_TOO_LONG,
            committee="OUEST",
            sheet="Projets",
            cell="B3",
            row=3,
            project_id="OUE-2020-002",
            field="title",
            column="Titre du projet",
            length=32768,
            limit=32767,
        ),
        "« Titre du projet » compte 32\xa0768 caractères ; une cellule Excel n'en garde que 32\xa0767 : le classeur "
        "du ministère n'en montre que le début. Abrégez le texte.",
    ),
    (
        finding(
            Code.VALUE_OUTSIDE_TABLE, committee="OUEST", sheet="Projets", cell="XFD1048576", row=1048576, value="oups"
        ),
        "« oups » est saisi en XFD1048576, sur une ligne sans aucune valeur dans les colonnes du gabarit : cette "
        "valeur est ignorée. Effacez-la, ou complétez la ligne si c'est un projet.",
    ),
    (
        finding(
            Code.SOURCE_UNAVAILABLE,
            committee="OUEST",
            name="Ouest",
            reason="le fichier est introuvable",
            since=dt.datetime(2020, 4, 2, 6, 17, tzinfo=MONTREAL),
            used=dt.datetime(2020, 4, 1, 6, 17, tzinfo=MONTREAL),
        ),
        "Le chiffrier du comité Ouest n'a pas pu être lu : le fichier est introuvable. Illisible depuis le "
        "2020-04-02 06:17 ; les données utilisées sont la dernière copie valide, lue le 2020-04-01 06:17.",
    ),
    (
        finding(
            Code.DELIVERY_FAILED,
            committee="ALLIANCE",
            channel="ministry",
            recipients=["dg@mess.gouv.qc.ca"],
            by_id=False,
            reason="le serveur a refusé le message.",
            run=3,
        ),
        "La livraison du classeur par courriel à dg@mess.gouv.qc.ca a échoué : le serveur a refusé le message. "
        "Le classeur et l'historique sont conservés ; « alliance-sync deliver 3 » reprendra ce qui n'a pas été livré.",
    ),
    (
        finding(
            Code.CLOSED_YEAR_CHANGED,
            committee="OUEST",
            sheet="Versements",
            cell="B2",
            row=2,
            project_id="OUE-2020-001",
            field="date",
            year="2020-2021",
            subject="payment",
            fund="FQIS",
            run=12,
            run_at=dt.datetime(2021, 6, 15, 6, 0, tzinfo=dt.UTC),
            reported_amount=1000000,
            now_amount=1000000,
            reported_date=dt.date(2021, 3, 31),
            now_date=dt.date(2021, 4, 1),
            reported_status=None,
            now_status=None,
        ),
        "L'exercice 2020-2021 est clos : ses chiffres ont été déclarés au ministère avec la synchronisation n° 12 "
        "du 2021-06-15 06:00. Un versement de 2020-2021 déclaré : versement de 10 000,00 $ du 2021-03-31 ; "
        "maintenant : versement de 10 000,00 $ du 2021-04-01. Rétablissez la valeur déclarée, ou demandez à la "
        "coordination de rouvrir l'exercice.",
    ),
]


def test_every_code_has_its_wording_example():
    assert sorted(f.code for f, _ in WORDING) == sorted(Code)
    assert set(CATALOGUE) == set(Code)


@pytest.mark.parametrize(("found", "message"), WORDING, ids=[f.code for f, _ in WORDING])
def test_the_catalogue_renders_the_french_of_each_code(found, message):
    assert found.message == message
    assert found.severity == CATALOGUE[found.code].severity


@pytest.mark.parametrize("found", [f for f, _ in WORDING], ids=[f.code for f, _ in WORDING])
def test_a_finding_read_back_from_its_json_is_the_same(found):
    data = json.loads(json.dumps(found.to_dict(), ensure_ascii=False))
    again = Finding.from_dict(data)
    assert again == found
    assert again.values == found.values and again.message == found.message
    assert list(data) == [
        "severity",
        "code",
        "committee",
        "sheet",
        "cell",
        "row",
        "project_id",
        "field",
        "values",
        "message",
    ]


def test_json_keeps_the_strings_of_codes_and_severities():
    found = finding(
        Code.FQIS_SHARE_HIGH,
        committee="EST",
        sheet="Projets",
        cell="P2",
        row=2,
        project_id="EST-2020-001",
        field="fqis_total",
        column="FQIS total",
        fund="FQIS",
        fqis=20_850_000,
        cost=23_693_100,
        limit=Decimal("0.8"),
    )
    assert found.severity is WARNING and found.code is Code.FQIS_SHARE_HIGH
    assert found.to_dict() == {
        "severity": "warning",
        "code": "FQIS_SHARE_HIGH",
        "committee": "EST",
        "sheet": "Projets",
        "cell": "P2",
        "row": 2,
        "project_id": "EST-2020-001",
        "field": "fqis_total",
        "values": {"column": "FQIS total", "fund": "FQIS", "fqis": 20_850_000, "cost": 23_693_100, "limit": "0.8"},
        "message": "Le FQIS finance 88,0 % du coût total (208 500,00 $ sur 236 931,00 $), au-delà de la part de "
        "80 % prévue. Vérifiez les autres contributions.",
    }
    assert Finding.from_dict(found.to_dict()).values["limit"] == Decimal("0.8")


def test_dates_are_read_back_as_dates():
    found = finding(
        Code.END_BEFORE_START,
        committee="OUEST",
        sheet="Projets",
        cell="J12",
        row=12,
        project_id="OUE-2020-011",
        field="end_date",
        start=dt.date(2020, 9, 1),
        end=dt.date(2020, 6, 30),
    )
    assert found.to_dict()["values"] == {"start": "2020-09-01", "end": "2020-06-30"}
    assert Finding.from_dict(found.to_dict()).values == {"start": dt.date(2020, 9, 1), "end": dt.date(2020, 6, 30)}


def test_a_finding_recorded_before_values_keeps_its_message_and_an_empty_field():
    old = Finding.from_dict(
        {
            "severity": "error",
            "code": "MISSING_VALUE",
            "committee": "OUEST",
            "sheet": "Projets",
            "cell": "B3",
            "row": 3,
            "project_id": "OUE-2020-002",
            "message": "« Titre du projet » est vide. Attendu : le titre du projet.",
        }
    )
    assert (old.severity, old.code, old.field, old.values) == (ERROR, Code.MISSING_VALUE, "", {})
    assert old.message == "« Titre du projet » est vide. Attendu : le titre du projet."


def test_severities_are_the_strings_of_before():
    assert [str(s) for s in Severity] == ["error", "warning"]


# The French of values at their boundaries (the rules' boundaries are in tests/test_boundaries.py).


@pytest.mark.parametrize(
    ("found", "message"),
    [
        (
            finding(
                Code.FQIS_SHARE_HIGH,
                committee="OUEST",
                fund="FQIS",
                fqis=8_000_001,
                cost=10_000_000,
                limit=Decimal("0.8"),
            ),
            "Le FQIS finance 80,0 % du coût total (80 000,01 $ sur 100 000,00 $), au-delà de la part de 80 % prévue. "
            "Vérifiez les autres contributions.",
        ),
        (
            finding(
                Code.FQIS_SHARE_HIGH,
                committee="OUEST",
                fund="FQIS",
                fqis=10_000_000,
                cost=10_000_000,
                limit=Decimal("0.555"),
            ),
            "Le FQIS finance 100,0 % du coût total (100 000,00 $ sur 100 000,00 $), au-delà de la part de 55,5 % prévue. "
            "Vérifiez les autres contributions.",
        ),
        (
            finding(
                Code.SUBREGION_ENVELOPE_NEARLY_USED,
                committee="OUEST",
                name="Ouest de la Montérégie",
                regional=False,
                committed=260_000_000,
                allocation=260_000_000,
            ),
            "La sous-région Ouest de la Montérégie a engagé 2 600 000,00 $ de son allocation de 2 600 000,00 $ (100,0 %) ; "
            "solde non engagé : 0,00 $.",
        ),
        (
            finding(Code.YEAR_SPLIT_MISMATCH, committee="OUEST", column="FQIS total", total=5_999_999, years=6_000_000),
            "Le « FQIS total » (59 999,99 $) ne correspond pas à la somme des exercices (60 000,00 $), écart de 0,01 $. "
            "Corrigez la répartition par exercice ou le total.",
        ),
        (
            finding(Code.PAYMENT_NOT_APPROVED, committee="OUEST", project="OUE-2020-001", status="", amount=None),
            "Versement de montant inconnu au projet OUE-2020-001 dont le statut est « vide ». "
            "Un versement exige un projet Accepté, En cours, Terminé ou Abandonné.",
        ),
        (
            finding(Code.PAYMENT_UNKNOWN_PROJECT, committee="OUEST", value="XYZ", closest=None),
            "Le versement nomme le projet « XYZ », absent de l'onglet Projets de ce comité. "
            "Attendu : le No projet d'un projet de ce comité.",
        ),
        (
            finding(Code.MISSING_TAB, committee="OUEST", sheet="Projets", tab="Projets", present=[]),
            "L'onglet « Projets » est introuvable. Onglets présents : aucun. "
            "Rétablissez l'onglet « Projets » du gabarit (nom exact).",
        ),
        (
            finding(Code.VALUE_OUTSIDE_TABLE, committee="OUEST", sheet="Projets", cell="Z9", row=9, value="x" * 61),
            f"« {'x' * 59}… » est saisi en Z9, sur une ligne sans aucune valeur dans les colonnes du gabarit : cette "
            "valeur est ignorée. Effacez-la, ou complétez la ligne si c'est un projet.",
        ),
        (
            finding(
                Code.SOURCE_UNAVAILABLE,
                committee="OUEST",
                name="Ouest",
                reason="délai dépassé.",
                since=dt.datetime(2020, 4, 2, 6, 17, tzinfo=MONTREAL),
                used=None,
            ),
            "Le chiffrier du comité Ouest n'a pas pu être lu : délai dépassé. Illisible depuis le 2020-04-02 06:17 ; "
            "les données utilisées sont la dernière copie valide, lue le date inconnue.",
        ),
        (
            finding(
                Code.TOTAL_ROW_IGNORED,
                committee="OUEST",
                sheet="Versements",
                cell="A4",
                row=4,
                id_column="No projet",
                numbered=False,
                word="Total :",
                column="Note",
                sums=True,
                kind="payment",
            ),
            "La ligne 4 est une ligne de total (sans No projet, « Total : » en Note et des montants égaux aux sommes des "
            "lignes au-dessus) : elle est laissée de côté, ni validée ni comptée, et le restera. S'il s'agit d'un "
            "versement, inscrivez son vrai No projet en A4.",
        ),
        (
            finding(
                Code.TOTAL_ROW_IGNORED,
                committee="OUEST",
                sheet="Projets",
                cell="A4",
                row=4,
                id_column="No projet",
                numbered=False,
                word=None,
                column=None,
                sums=True,
                kind="project",
            ),
            "La ligne 4 est une ligne de total (sans No projet et des montants égaux aux sommes des lignes au-dessus) : "
            "elle est laissée de côté, ni validée ni comptée, et le restera. S'il s'agit d'un projet, inscrivez son vrai "
            "No projet en A4.",
        ),
        # A Cyrillic O, a full-width U, a Greek E, a soft hyphen and a word joiner.
        (
            finding(
                Code.PROJECT_ID_CHARACTERS,
                committee="OUEST",
                value="\u041e\uff35\u0395-2020-⟨U+00AD⟩⟨U+2060⟩001",
                clean="OUE-2020-001",
                invisible=["U+00AD", "U+2060"],
                special_forms=True,
                look_alikes=["\u041e", "\u0395"],
            ),
            "Le No projet « \u041e\uff35\u0395-2020-⟨U+00AD⟩⟨U+2060⟩001 » contient des caractères invisibles (U+00AD, "
            "U+2060) et des caractères de forme spéciale (pleine chasse, exposants, ligatures) et des lettres cyrillique "
            "et grecque « \u041e », « \u0395 » qui imitent l'alphabet latin : il est lu et comparé aux autres comme "
            "« OUE-2020-001 ». Retapez-le au clavier.",
        ),
        (
            finding(
                Code.DELIVERY_FAILED,
                committee="ALLIANCE",
                channel="drive",
                recipients=["1AbC"],
                by_id=True,
                reason="quota dépassé",
                run=4,
            ),
            "La livraison du classeur dans le fichier 1AbC de Google Drive a échoué : quota dépassé. Le classeur et "
            "l'historique sont conservés ; « alliance-sync deliver 4 » reprendra ce qui n'a pas été livré.",
        ),
        (
            finding(
                Code.DELIVERY_FAILED,
                committee="ALLIANCE",
                channel="drive",
                recipients=["1AbC"],
                by_id=False,
                reason="quota dépassé",
                run=4,
            ),
            "La livraison du classeur dans le dossier Google Drive 1AbC a échoué : quota dépassé. Le classeur et "
            "l'historique sont conservés ; « alliance-sync deliver 4 » reprendra ce qui n'a pas été livré.",
        ),
        (
            finding(
                Code.DELIVERY_FAILED,
                committee="EST",
                channel="committee",
                recipients=["a@est.org", "b@est.org"],
                by_id=False,
                reason="boîte pleine.",
                run=4,
            ),
            "La livraison des constats du comité EST par courriel à a@est.org, b@est.org a échoué : boîte pleine. Le "
            "classeur et l'historique sont conservés ; « alliance-sync deliver 4 » reprendra ce qui n'a pas été livré.",
        ),
        (
            finding(
                Code.SUBREGION_ENVELOPE_EXCEEDED,
                committee="REGION",
                fund="FQIS",
                name="Réserve régionale (TCPM)",
                regional=True,
                committed=120_000_001,
                allocation=120_000_000,
            ),
            "Le FQIS engagé pour la ligne régionale « Réserve régionale (TCPM) » (1 200 000,01 $) dépasse son allocation "
            "de 1 200 000,00 $, de 0,01 $.",
        ),
        (
            finding(
                Code.SUBREGION_ENVELOPE_NEARLY_USED,
                committee="REGION",
                name="Réserve régionale (TCPM)",
                regional=True,
                committed=114_000_000,
                allocation=120_000_000,
            ),
            "La ligne régionale « Réserve régionale (TCPM) » a engagé 1 140 000,00 $ de son allocation de 1 200 000,00 $ "
            "(95,0 %) ; solde non engagé : 60 000,00 $.",
        ),
    ],
    ids=[
        "share-rounded-down",
        "share-configured",
        "envelope-full",
        "gap-one-cent",
        "amount-unknown",
        "no-suggestion",
        "no-tab",
        "long-value",
        "copy-undated",
        "total-by-its-sums-and-word",
        "total-by-its-sums",
        "every-tricky-character",
        "delivery-over-a-drive-file",
        "delivery-into-a-drive-folder",
        "delivery-to-a-committee",
        "regional-line-exceeded",
        "regional-line-nearly-used",
    ],
)
def test_the_french_of_values_at_their_boundaries(found, message):
    assert found.message == message
