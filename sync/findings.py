"""One finding model and one catalogue of French messages (docs/constats.md).

Rules, parsing and sources make a :class:`Finding` through :func:`finding`, from a
:class:`Code` of the catalogue, a location (committee, tab, cell, row, project,
field) and typed values: amounts in integer cents, dates as ``datetime.date``, the
value read as typed, the lists offered. They never write French: the catalogue
renders each finding's message from its values (:func:`render`), at the edge, so
that the console, JSON, the workbook's Validation sheet, the committees'
write-back, the e-mails and the history say the same thing, and tests can assert
on values. :meth:`Finding.to_dict` and :meth:`Finding.from_dict` are what the
history stores and what JSON shows.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sync.money import Cents, format_cents, format_percent, format_share
from sync.wording import did_you_mean, moment, sentence_start


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


ERROR = Severity.ERROR
WARNING = Severity.WARNING

SEVERITY_LABEL = {ERROR: "erreur", WARNING: "avertissement"}


class Code(StrEnum):
    """Every finding code; its string is what JSON, the history and the docs show."""

    MISSING_TAB = "MISSING_TAB"
    MISSING_COLUMN = "MISSING_COLUMN"
    MISSING_VALUE = "MISSING_VALUE"
    INVALID_AMOUNT = "INVALID_AMOUNT"
    INVALID_DATE = "INVALID_DATE"
    INVALID_NUMBER = "INVALID_NUMBER"
    UNKNOWN_VALUE = "UNKNOWN_VALUE"
    TERRITORY_OUTSIDE_SUBREGION = "TERRITORY_OUTSIDE_SUBREGION"
    PRIORITY_OUTSIDE_PLAN = "PRIORITY_OUTSIDE_PLAN"
    INELIGIBLE_ORGANIZATION = "INELIGIBLE_ORGANIZATION"
    DUPLICATE_PROJECT_ID = "DUPLICATE_PROJECT_ID"
    DATE_OUTSIDE_PERIOD = "DATE_OUTSIDE_PERIOD"
    END_BEFORE_START = "END_BEFORE_START"
    YEAR_SPLIT_MISMATCH = "YEAR_SPLIT_MISMATCH"
    FQIS_OVER_TOTAL_COST = "FQIS_OVER_TOTAL_COST"
    FQIS_SHARE_HIGH = "FQIS_SHARE_HIGH"
    PAYMENT_UNKNOWN_PROJECT = "PAYMENT_UNKNOWN_PROJECT"
    PAYMENT_NOT_APPROVED = "PAYMENT_NOT_APPROVED"
    PAID_OVER_GRANTED = "PAID_OVER_GRANTED"
    SUBREGION_ENVELOPE_EXCEEDED = "SUBREGION_ENVELOPE_EXCEEDED"
    ANNUAL_ENVELOPE_EXCEEDED = "ANNUAL_ENVELOPE_EXCEEDED"
    ALLIANCE_ENVELOPE_EXCEEDED = "ALLIANCE_ENVELOPE_EXCEEDED"
    SUBREGION_ENVELOPE_NEARLY_USED = "SUBREGION_ENVELOPE_NEARLY_USED"
    AMBIGUOUS_TAB = "AMBIGUOUS_TAB"
    EXTRA_TAB = "EXTRA_TAB"
    DUPLICATE_COLUMN = "DUPLICATE_COLUMN"
    VALUE_OUTSIDE_TABLE = "VALUE_OUTSIDE_TABLE"
    TOTAL_ROW_IGNORED = "TOTAL_ROW_IGNORED"
    ERROR_VALUE = "ERROR_VALUE"
    PROJECT_ID_CHARACTERS = "PROJECT_ID_CHARACTERS"
    TEXT_TOO_LONG = "TEXT_TOO_LONG"
    SOURCE_UNAVAILABLE = "SOURCE_UNAVAILABLE"
    DELIVERY_FAILED = "DELIVERY_FAILED"
    CLOSED_YEAR_CHANGED = "CLOSED_YEAR_CHANGED"


Values = Mapping[str, Any]
# A finding's values → the fields of its French template (amounts, dates, lists written out).
Wording = Callable[["Finding"], dict[str, object]]


@dataclass(frozen=True)
class FindingType:
    code: Code
    severity: Severity
    title: str  # short French label, for summaries and the Validation sheet
    template: str  # French message, str.format() fields
    # The value at the finding's field cannot be used (unreadable, missing, unknown,
    # ambiguous): on a key field, its record stays out of the totals (sync/rules/counting.py).
    # A value that breaks a rule but is known (FQIS over the total cost) still counts.
    unusable: bool = False
    # The template's fields from the finding's typed values; without one, the values are the fields.
    wording: Wording | None = None
    # Values that JSON cannot hold as they are, by kind: "date" (datetime.date), "moment"
    # (datetime.datetime), "decimal" (decimal.Decimal); written as text, read back typed.
    kinds: Mapping[str, str] = dataclass_field(default_factory=dict)


# -- wording: the French of values, used by the templates below --------------------------------


def _listed(values: list[str]) -> str:
    return ", ".join(values)


def _quoted(values: list[str]) -> str:
    return ", ".join(f"« {v} »" for v in values) or "aucun"


def _count(number: int) -> str:
    """32 767 → « 32 767 » with a non-breaking space, as a cell count is written."""
    return f"{number:,}".replace(",", "\u00a0")


# What is expected of an empty value, by what the field is (``expected`` of MISSING_VALUE).
EXPECTED_WHEN_EMPTY = {
    "project_id": "un numéro de projet unique, par exemple OUE-2020-003",
    "title": "le titre du projet",
    "organization": "le nom de l'organisme porteur",
    "organization_type": "un des types : {allowed}",
    "territory": "un des territoires : {allowed}",
    "priority": "une des priorités : {allowed}",
    "status": "un des statuts : {allowed}",
    "date_once_accepted": "une date, requise dès l'acceptation du projet",
    "amount_once_accepted": "un montant, requis dès l'acceptation du projet",
    "payment_project_id": "le No projet d'un projet de ce comité",
    "payment_date": "la date du versement, par exemple 2020-04-01",
    "payment_amount": "le montant versé, par exemple 12 500,00 $",
}

# Why an amount cannot be read (``reason`` of INVALID_AMOUNT, from sync/parsing/values.py) →
# what is wrong with it and what was expected.
AMOUNT_PROBLEMS = {
    "negative": ("montant négatif", "un montant positif ou nul"),
    "too_large": ("montant démesuré", "un montant d'au plus 9 999 999 999 999,99 $ (vérifiez la saisie)"),
    "fraction": ("montant plus précis que le cent", "un montant au cent près, par exemple 12 500,50 $"),
    "unreadable": ("montant illisible", "un montant en dollars, par exemple 12 500,00 $ ou 12500.00"),
}

# What a missing required column costs, said in its MISSING_COLUMN message.
_NOT_COUNTED = " En attendant, les lignes de cet onglet sont exclues des totaux."


def _line(name: str, regional: bool) -> str:
    """« la sous-région Ouest de la Montérégie », « la ligne régionale « … » »: an envelope line in a sentence."""
    return f"la ligne régionale « {name} »" if regional else f"la sous-région {name}"


def _own_line(f: Finding) -> dict[str, object]:
    return {"own": _line(f.values["own"], f.values["own_regional"]), "allowed": _listed(f.values["allowed"])}


def _envelope(*names: str) -> Wording:
    """An envelope line's amounts, and its name in a sentence."""
    amounts = _amounts(*names, gap=(names[0], names[1]))

    def wording(f: Finding) -> dict[str, object]:
        return {**amounts(f), "name": _line(f.values["name"], f.values["regional"])}

    return wording


def _missing_tab(f: Finding) -> dict[str, object]:
    return {"present": _quoted(f.values["present"])}


def _missing_column(f: Finding) -> dict[str, object]:
    v = f.values
    impact = _NOT_COUNTED if v["excluded"] else ""
    if v["header_row"] is not None:
        impact += f" L'en-tête semble être à la ligne {v['header_row']} : il doit être à la ligne 1."
    return {"impact": impact}


def _missing_value(f: Finding) -> dict[str, object]:
    v = f.values
    status = v.get("status")
    typed = v.get("typed")
    return {
        # A number of dashes or signs only (« - », « ? ») is no number: said as typed.
        "state": f"ne contient ni lettre ni chiffre (« {typed} »)" if typed else "est vide",
        "context": f" pour un projet au statut « {status} »" if status else "",
        "expected": EXPECTED_WHEN_EMPTY[v["expected"]].format(allowed=_listed(v.get("allowed") or [])),
    }


def _invalid_amount(f: Finding) -> dict[str, object]:
    problem, expected = AMOUNT_PROBLEMS[f.values["reason"]]
    return {"problem": problem, "expected": expected}


def _unknown_value(f: Finding) -> dict[str, object]:
    return {"suggestion": did_you_mean(f.values["closest"]), "allowed": _listed(f.values["allowed"])}


def _allowed(f: Finding) -> dict[str, object]:
    return {"allowed": _listed(f.values["allowed"])}


def _territory_outside(f: Finding) -> dict[str, object]:
    v = f.values
    if v.get("subregion_code"):
        belongs = f"appartient à la sous-région {v['subregion']} ({v['subregion_code']})"
    else:
        belongs = f"est réservé aux projets de la ligne régionale « {v['regional']} »"
    return {"belongs": belongs, **_own_line(f)}


def _duplicate_id(f: Finding) -> dict[str, object]:
    v = f.values
    if v["first_committee"] == f.committee:
        where = f"à la ligne {v['first_row']} de l'onglet {v['first_sheet']}"
    else:
        where = f"par le comité {v['first_committee']} (onglet {v['first_sheet']}, ligne {v['first_row']})"
    return {"where": where}


def _dates(*names: str) -> Wording:
    def wording(f: Finding) -> dict[str, object]:
        return {name: f.values[name].isoformat() for name in names}

    return wording


def _cents(f: Finding, name: str) -> Cents:
    """A money value of the finding: integer cents, as a rule gives it and JSON keeps it."""
    return Cents(f.values[name])


def _amounts(*names: str, gap: tuple[str, str] | None = None) -> Wording:
    """The amounts ``names`` written out, and the gap between two of them when given."""

    def wording(f: Finding) -> dict[str, object]:
        out: dict[str, object] = {name: format_cents(_cents(f, name)) for name in names}
        if gap:
            out["gap"] = format_cents(abs(_cents(f, gap[0]) - _cents(f, gap[1])))
        return out

    return wording


def _share_high(f: Finding) -> dict[str, object]:
    fqis, cost = _cents(f, "fqis"), _cents(f, "cost")
    return {
        "share": format_percent(fqis, cost),
        "fqis": format_cents(fqis),
        "cost": format_cents(cost),
        "limit": format_share(f.values["limit"]),
    }


def _payment_not_approved(f: Finding) -> dict[str, object]:
    amount = f.values["amount"]  # None when the payment's amount could not be read
    return {
        "amount": format_cents(Cents(amount)) if amount is not None else "montant inconnu",
        "status": f.values["status"] or "vide",
    }


def _nearly_used(f: Finding) -> dict[str, object]:
    v = f.values
    name = _line(v["name"], v["regional"])
    committed, allocation = _cents(f, "committed"), _cents(f, "allocation")
    return {
        "Name": sentence_start(name),
        "committed": format_cents(committed),
        "allocation": format_cents(allocation),
        "share": format_percent(committed, allocation),
        "balance": format_cents(allocation - committed),
    }


def _outside_table(f: Finding) -> dict[str, object]:
    shown = f.values["value"]
    return {"value": shown[:59] + "…" if len(shown) > 60 else shown}


def _total_row(f: Finding) -> dict[str, object]:
    v = f.values
    typed = f"« {v['word']} » en {v['column']}"
    if v["numbered"]:
        why = typed
    else:
        parts = [
            f"sans {v['id_column']}",
            *([typed] if v["word"] else []),
            *(["des montants égaux aux sommes des lignes au-dessus"] if v["sums"] else []),
        ]
        why = ", ".join(parts[:-1]) + " et " + parts[-1] if len(parts) > 1 else parts[0]
    return {"why": why, "kind": {"project": "projet", "payment": "versement"}[v["kind"]]}


# The scripts whose letters imitate the Latin alphabet (sync/parsing/identifiers.py), as French adjectives.
_SCRIPT_NAMES = {"CYRILLIC": "cyrillique", "GREEK": "grecque"}


def _project_id_characters(f: Finding) -> dict[str, object]:
    v = f.values
    changes = []
    if v.get("invisible"):
        invisible = v["invisible"]
        changes.append(
            f"{'un caractère invisible' if len(invisible) == 1 else 'des caractères invisibles'} "
            f"({', '.join(invisible)})"
        )
    if v.get("special_forms"):
        changes.append("des caractères de forme spéciale (pleine chasse, exposants, ligatures)")
    if v.get("look_alikes"):
        look_alikes = v["look_alikes"]
        scripts = sorted({_SCRIPT_NAMES[unicodedata.name(ch).split()[0]] for ch in look_alikes})
        letters = ", ".join(f"« {ch} »" for ch in dict.fromkeys(look_alikes))
        changes.append(
            f"{'une lettre' if len(look_alikes) == 1 else 'des lettres'} "
            f"{' et '.join(scripts)} {letters} qui imite{'nt' if len(look_alikes) > 1 else ''} "
            "l'alphabet latin"
        )
    return {"what": " et ".join(changes)}


def _text_too_long(f: Finding) -> dict[str, object]:
    return {"length": _count(f.values["length"]), "limit": _count(f.values["limit"])}


def _source_unavailable(f: Finding) -> dict[str, object]:
    v = f.values
    used = moment(v["used"]) if v["used"] else "date inconnue"
    return {
        "reason": v["reason"].rstrip(".") + ".",
        "fallback": f"Illisible depuis le {moment(v['since'])} ; les données utilisées sont la "
        f"dernière copie valide, lue le {used}.",
    }


def _delivery_failed(f: Finding) -> dict[str, object]:
    v = f.values
    recipients = v["recipients"]
    if v["channel"] == "drive":  # into a folder, or over a file (``by_id``: drive_file)
        what = (
            f"du classeur dans le fichier {recipients[0]} de Google Drive"
            if v["by_id"]
            else f"du classeur dans le dossier Google Drive {recipients[0]}"
        )
    elif v["channel"] == "ministry":
        what = f"du classeur par courriel à {', '.join(recipients)}"
    else:
        what = f"des constats du comité {f.committee} par courriel à {', '.join(recipients)}"
    return {"what": what, "reason": v["reason"].rstrip(".") + "."}


def _payment_text(date: dt.date | None, amount: int | None) -> str:
    """« versement de 10 000,00 $ du 2021-03-31 », « aucun versement »."""
    if date is None and amount is None:
        return "aucun versement"
    money = format_cents(Cents(amount)) if amount is not None else "montant inconnu"
    return f"versement de {money} du {date.isoformat() if date else 'date inconnue'}"


def _status_text(status: str | None) -> str:
    return f"« {status} »" if status else "aucun statut (projet absent)"


def _closed_year_changed(f: Finding) -> dict[str, object]:
    """What changed in a closed year: a project's planned FQIS, a payment, a status."""
    v = f.values
    subject = v["subject"]
    if subject == "fqis":
        before, after = Cents(v["reported_amount"] or 0), Cents(v["now_amount"] or 0)
        what, reported = f"Le {v['fund']} prévu pour {v['year']}", format_cents(before)
        now = f"{format_cents(after)} (écart de {format_cents(Cents(after - before))})"
    elif subject == "status":
        what, reported, now = "Le statut", _status_text(v["reported_status"]), _status_text(v["now_status"])
        now += f", ce qui change le {v['fund']} engagé de {v['year']} de {format_cents(Cents(v['now_amount'] or 0))}"
    else:
        what = f"Un versement de {v['year']}"
        reported = _payment_text(v["reported_date"], v["reported_amount"])
        now = _payment_text(v["now_date"], v["now_amount"])
    return {"what": what, "reported": reported, "now": now, "closed": moment(v["run_at"])}


_DATE, _MOMENT, _DECIMAL = "date", "moment", "decimal"

_TYPES = [
    FindingType(
        Code.MISSING_TAB,
        ERROR,
        "Onglet manquant",
        "L'onglet « {tab} » est introuvable. Onglets présents : {present}. "
        "Rétablissez l'onglet « {tab} » du gabarit (nom exact).",
        wording=_missing_tab,
    ),
    FindingType(
        Code.MISSING_COLUMN,
        ERROR,
        "Colonne manquante",
        "La colonne « {column} » est introuvable dans l'en-tête (ligne 1) de l'onglet « {sheet} ». "
        "Rétablissez l'en-tête « {column} » du gabarit.{impact}",
        unusable=True,
        wording=_missing_column,
    ),
    FindingType(
        Code.MISSING_VALUE,
        ERROR,
        "Valeur manquante",
        "« {column} » {state}{context}. Attendu : {expected}.",
        unusable=True,
        wording=_missing_value,
    ),
    FindingType(
        Code.INVALID_AMOUNT,
        ERROR,
        "Montant invalide",
        "« {column} » : {problem} « {value} ». Attendu : {expected}.",
        unusable=True,
        wording=_invalid_amount,
    ),
    FindingType(
        Code.INVALID_DATE,
        ERROR,
        "Date invalide",
        "« {column} » : date illisible « {value} ». "
        "Attendu : une date AAAA-MM-JJ (ex. 2020-04-01) ou JJ/MM/AAAA (ex. 01/04/2020).",
        unusable=True,
    ),
    FindingType(
        Code.INVALID_NUMBER,
        ERROR,
        "Nombre invalide",
        "« {column} » : « {value} » n'est pas un nombre entier positif ou nul. Attendu : ex. 25.",
        unusable=True,
    ),
    FindingType(
        Code.UNKNOWN_VALUE,
        ERROR,
        "Valeur inconnue",
        "« {column} » : valeur inconnue « {value} ».{suggestion} Valeurs permises : {allowed}.",
        unusable=True,
        wording=_unknown_value,
    ),
    FindingType(
        Code.TERRITORY_OUTSIDE_SUBREGION,
        ERROR,
        "Territoire hors sous-région",
        "Le territoire « {value} » {belongs}, pas à {own}. Territoires permis : {allowed}.",
        wording=_territory_outside,
    ),
    # The project stays counted in the totals: its money is real, only its axis is wrong.
    FindingType(
        Code.PRIORITY_OUTSIDE_PLAN,
        ERROR,
        "Priorité hors du plan d'action",
        "La priorité « {value} » n'est pas un axe du plan d'action de {own}. Axes de ce plan : {allowed}.",
        wording=_own_line,
    ),
    FindingType(
        Code.INELIGIBLE_ORGANIZATION,
        ERROR,
        "Organisme non admissible",
        "Le type d'organisme « {value} » n'est pas admissible au {fund}. Types admissibles : {allowed}.",
        wording=_allowed,
    ),
    FindingType(
        Code.DUPLICATE_PROJECT_ID,
        ERROR,
        "Numéro de projet en double",
        "Le numéro de projet « {value} » est déjà utilisé {where}. "
        "Chaque numéro doit être unique dans toute l'Alliance : attribuez un autre numéro.",
        unusable=True,
        wording=_duplicate_id,
    ),
    FindingType(
        Code.DATE_OUTSIDE_PERIOD,
        ERROR,
        "Date hors période",
        "« {column} » : le {value} est hors de la période de l'entente ({start} au {end}).",
        wording=_dates("value", "start", "end"),
        kinds={"value": _DATE, "start": _DATE, "end": _DATE},
    ),
    FindingType(
        Code.END_BEFORE_START,
        ERROR,
        "Fin avant le début",
        "La date de fin ({end}) précède la date de début ({start}). "
        "Attendu : une date de fin égale ou postérieure au début.",
        wording=_dates("start", "end"),
        kinds={"start": _DATE, "end": _DATE},
    ),
    FindingType(
        Code.YEAR_SPLIT_MISMATCH,
        ERROR,
        "Répartition annuelle incohérente",
        "Le « {column} » ({total}) ne correspond pas à la somme des exercices ({years}), "
        "écart de {gap}. Corrigez la répartition par exercice ou le total.",
        unusable=True,
        wording=_amounts("total", "years", gap=("total", "years")),
    ),
    FindingType(
        Code.FQIS_OVER_TOTAL_COST,
        ERROR,
        "FQIS supérieur au coût total",
        "Le « {column} » ({fqis}) dépasse le coût total du projet ({cost}). "
        "Attendu : un {fund} au plus égal au coût total.",
        wording=_amounts("fqis", "cost"),
    ),
    FindingType(
        Code.FQIS_SHARE_HIGH,
        WARNING,
        "Part du FQIS élevée",
        "Le {fund} finance {share} du coût total ({fqis} sur {cost}), au-delà de la part "
        "de {limit} prévue. Vérifiez les autres contributions.",
        wording=_share_high,
        kinds={"limit": _DECIMAL},
    ),
    FindingType(
        Code.PAYMENT_UNKNOWN_PROJECT,
        ERROR,
        "Versement à un projet inconnu",
        "Le versement nomme le projet « {value} », absent de l'onglet Projets de ce comité. "
        "Attendu : le No projet d'un projet de ce comité.{suggestion}",
        unusable=True,
        wording=lambda f: {"suggestion": did_you_mean(f.values["closest"])},
    ),
    FindingType(
        Code.PAYMENT_NOT_APPROVED,
        ERROR,
        "Versement à un projet non approuvé",
        "Versement de {amount} au projet {project} dont le statut est « {status} ». "
        "Un versement exige un projet Accepté, En cours, Terminé ou Abandonné.",
        unusable=True,
        wording=_payment_not_approved,
    ),
    FindingType(
        Code.PAID_OVER_GRANTED,
        ERROR,
        "Versements supérieurs au FQIS accordé",
        "Avec ce versement, le projet {project} a reçu {paid}, plus que son {fund} total "
        "de {granted} (dépassement de {gap}).",
        wording=_amounts("paid", "granted", gap=("paid", "granted")),
    ),
    FindingType(
        Code.SUBREGION_ENVELOPE_EXCEEDED,
        ERROR,
        "Enveloppe sous-régionale dépassée",
        "Le {fund} engagé pour {name} ({committed}) dépasse son allocation de {allocation}, de {gap}.",
        wording=_envelope("committed", "allocation"),
    ),
    FindingType(
        Code.ANNUAL_ENVELOPE_EXCEEDED,
        ERROR,
        "Montant annuel dépassé",
        "Le {fund} engagé pour {name} durant l'exercice {year} ({committed}) dépasse le montant "
        "annuel prévu de {allocation}, de {gap}.",
        wording=_envelope("committed", "allocation"),
    ),
    FindingType(
        Code.ALLIANCE_ENVELOPE_EXCEEDED,
        ERROR,
        "Enveloppe de l'Alliance dépassée",
        "Le {fund} engagé par l'ensemble de l'Alliance ({committed}, réserve régionale comprise) "
        "dépasse l'enveloppe de {envelope}, de {gap}.",
        wording=_amounts("committed", "envelope", gap=("committed", "envelope")),
    ),
    FindingType(
        Code.SUBREGION_ENVELOPE_NEARLY_USED,
        WARNING,
        "Enveloppe presque épuisée",
        "{Name} a engagé {committed} de son allocation de {allocation} ({share}) ; solde non engagé : {balance}.",
        wording=_nearly_used,
    ),
    # Careless and hostile workbooks: what the template does not foresee is said, never
    # silently skipped nor read twice.
    FindingType(
        Code.AMBIGUOUS_TAB,
        ERROR,
        "Onglet en double",
        "Les onglets « {read} » et « {sheet} » portent le même nom à la casse, aux accents ou aux "
        "espaces près : seul « {read} » est lu. Réunissez leurs lignes dans « {read} » et "
        "supprimez ou renommez « {sheet} ».",
        unusable=True,
    ),
    FindingType(
        Code.EXTRA_TAB,
        ERROR,
        "Onglet non lu",
        "L'onglet « {sheet} » ressemble à l'onglet « {tab} » et contient des lignes, mais seul "
        "l'onglet « {tab} » est lu : ses lignes ne sont ni validées ni comptées. Déplacez-les dans "
        "l'onglet « {tab} » ou renommez cet onglet (ex. « Archives »).",
    ),
    FindingType(
        Code.DUPLICATE_COLUMN,
        ERROR,
        "Colonne en double",
        "La colonne « {column} » apparaît deux fois dans l'en-tête de l'onglet « {sheet} » : "
        "en {first} (lue) et en {cell} (ignorée). Supprimez la copie ou renommez-la.",
    ),
    FindingType(
        Code.VALUE_OUTSIDE_TABLE,
        WARNING,
        "Valeur hors du tableau",
        "« {value} » est saisi en {cell}, sur une ligne sans aucune valeur dans les colonnes du "
        "gabarit : cette valeur est ignorée. Effacez-la, ou complétez la ligne si c'est un projet.",
        wording=_outside_table,
    ),
    # Never counted, never validated: sync/parsing/total_rows.py says which rows are totals.
    FindingType(
        Code.TOTAL_ROW_IGNORED,
        WARNING,
        "Ligne de total ignorée",
        "La ligne {row} est une ligne de total ({why}) : elle est laissée de côté, ni validée ni "
        "comptée, et le restera. S'il s'agit d'un {kind}, inscrivez son vrai No projet en {cell}.",
        wording=_total_row,
    ),
    FindingType(
        Code.ERROR_VALUE,
        ERROR,
        "Valeur d'erreur",
        "« {column} » contient la valeur d'erreur « {value} » d'une formule, pas une valeur. "
        "Attendu : une valeur saisie ; corrigez la formule ou remplacez-la par sa valeur.",
        unusable=True,
    ),
    FindingType(
        Code.PROJECT_ID_CHARACTERS,
        WARNING,
        "Caractères trompeurs dans le No projet",
        "Le No projet « {value} » contient {what} : il est lu et comparé aux autres comme "
        "« {clean} ». Retapez-le au clavier.",
        wording=_project_id_characters,
    ),
    FindingType(
        Code.TEXT_TOO_LONG,
        WARNING,
        "Texte trop long",
        "« {column} » compte {length} caractères ; une cellule Excel n'en garde que {limit} : "
        "le classeur du ministère n'en montre que le début. Abrégez le texte.",
        wording=_text_too_long,
    ),
    FindingType(
        Code.SOURCE_UNAVAILABLE,
        ERROR,
        "Source illisible",
        "Le chiffrier du comité {name} n'a pas pu être lu : {reason} {fallback}",
        wording=_source_unavailable,
        kinds={"since": _MOMENT, "used": _MOMENT},
    ),
    # Not a rule of the spreadsheets: delivery (docs/exploitation.md) comes after the workbook is written and the
    # run recorded, so this finding is never in a workbook nor in the run's findings.
    # It is printed on standard error (exit code 1) and kept in the history's
    # deliveries table, from which ``alliance-sync deliver`` takes up what failed.
    FindingType(
        Code.DELIVERY_FAILED,
        ERROR,
        "Livraison échouée",
        "La livraison {what} a échoué : {reason} Le classeur et l'historique sont conservés ; "
        "« alliance-sync deliver {run} » reprendra ce qui n'a pas été livré.",
        wording=_delivery_failed,
    ),
    # A fiscal year closed with ``alliance-sync close`` (docs/exploitation.md) keeps the figures
    # reported to the ministry: sync/history/closed_years.py compares them with tonight's.
    FindingType(
        Code.CLOSED_YEAR_CHANGED,
        ERROR,
        "Exercice clos modifié",
        "L'exercice {year} est clos : ses chiffres ont été déclarés au ministère avec la synchronisation "
        "n° {run} du {closed}. {what} déclaré : {reported} ; maintenant : {now}. Rétablissez la valeur "
        "déclarée, ou demandez à la coordination de rouvrir l'exercice.",
        wording=_closed_year_changed,
        kinds={"run_at": _MOMENT, "reported_date": _DATE, "now_date": _DATE},
    ),
]

CATALOGUE: dict[Code, FindingType] = {t.code: t for t in _TYPES}


def render(f: Finding) -> str:
    """The finding's French message, from its catalogue template and its values."""
    kind = CATALOGUE[f.code]
    fields = {**f.values, **(kind.wording(f) if kind.wording else {})}
    return kind.template.format(sheet=f.sheet, cell=f.cell, row=f.row, **fields)


def _encoded(value: object) -> object:
    if isinstance(value, dt.date):  # datetime.datetime included
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _decoded(kind: str | None, value: Any) -> object:
    if value is None or kind is None:
        return value
    if kind == _DATE:
        return dt.date.fromisoformat(value)
    if kind == _MOMENT:
        return dt.datetime.fromisoformat(value)
    return Decimal(value)


@dataclass(frozen=True, slots=True)
class Finding:
    """A finding (docs/constats.md): its code, its location and its typed values.

    Location: ``cell`` is A1 (``G7``), empty for envelope-level findings; ``field`` is
    the record field it is about (``amount``, ``year:2020-2021``), empty when it is about
    no one field (a tab, an envelope). ``values`` are the typed values its message is
    rendered from (:func:`render`). ``recorded`` is only for findings read back from a
    history written before findings kept their values: their message as it was stored.
    """

    severity: Severity
    code: Code
    committee: str
    sheet: str = ""
    cell: str = ""
    row: int | None = None
    project_id: str = ""
    field: str = ""
    values: Values = dataclass_field(default_factory=dict, hash=False)
    recorded: str = dataclass_field(default="", compare=False)

    @property
    def message(self) -> str:
        """The French message, rendered by the catalogue."""
        return render(self) if self.values or not self.recorded else self.recorded

    @property
    def unusable(self) -> bool:
        """The value at ``field`` cannot be used (see :class:`FindingType`)."""
        return CATALOGUE[self.code].unusable if self.code in CATALOGUE else False

    def to_dict(self) -> dict[str, Any]:
        """The finding as JSON shows it and the history stores it: location, typed values
        (dates as ISO text, shares as decimal text), then its French message."""
        return {
            "severity": str(self.severity),
            "code": str(self.code),
            "committee": self.committee,
            "sheet": self.sheet,
            "cell": self.cell,
            "row": self.row,
            "project_id": self.project_id,
            "field": self.field,
            "values": {k: _encoded(v) for k, v in self.values.items()},
            "message": self.message,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        """The finding of :meth:`to_dict`, its values typed again. Without values (a history
        written before they were kept), the stored message is the message."""
        code = Code(data["code"])
        kinds = CATALOGUE[code].kinds
        values = {k: _decoded(kinds.get(k), v) for k, v in (data.get("values") or {}).items()}
        return cls(
            severity=Severity(data["severity"]),
            code=code,
            committee=data["committee"],
            sheet=data.get("sheet") or "",
            cell=data.get("cell") or "",
            row=data.get("row"),
            project_id=data.get("project_id") or "",
            field=data.get("field") or "",
            values=values,
            recorded=data.get("message") or "",
        )


class FindingsView:
    """Errors, warnings and one committee's findings, for anything that holds a
    ``findings`` list (the sync's report, a recorded run's content)."""

    findings: list[Finding]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    def findings_of(self, committee: str) -> list[Finding]:
        return [f for f in self.findings if f.committee == committee]


def _column_order(cell: str) -> tuple[int, str]:
    letters = cell.rstrip("0123456789")
    return (len(letters), letters)


def finding(
    code: Code,
    *,
    committee: str,
    sheet: str = "",
    cell: str = "",
    row: int | None = None,
    project_id: str = "",
    field: str = "",
    **values: object,
) -> Finding:
    """Make the finding ``code`` with its catalogue severity, its location and its typed values
    (never French: :func:`render` writes the message)."""
    kind = CATALOGUE[code]
    return Finding(
        severity=kind.severity,
        code=kind.code,
        committee=committee,
        sheet=sheet,
        cell=cell,
        row=row,
        project_id=project_id or "",
        field=field,
        values=values,
    )


def sorted_findings(findings: list[Finding], committee_order: list[str] | None = None) -> list[Finding]:
    """Errors first, then by committee (configuration order), sheet, row and column."""
    order = {code: i for i, code in enumerate(committee_order or [])}
    return sorted(
        findings,
        key=lambda f: (
            f.severity != ERROR,
            order.get(f.committee, len(order)),
            f.committee,
            f.sheet != "Projets",
            f.sheet,
            f.row or 0,
            _column_order(f.cell),
            f.code,
        ),
    )
