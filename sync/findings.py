"""One finding model and one catalogue of French messages (docs/constats.md).

Every output — console text, JSON, the workbook's Validation sheet, the
committees' write-back, e-mails — renders the same :class:`Finding` objects.
A finding is made only through :func:`finding`, from a code of the catalogue and
the values its message template needs, so codes, severities and wording live in
one place.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

ERROR = "error"
WARNING = "warning"

SEVERITY_LABEL = {ERROR: "erreur", WARNING: "avertissement"}


@dataclass(frozen=True)
class FindingType:
    code: str
    severity: str
    title: str  # short French label, for summaries and the Validation sheet
    template: str  # French message, str.format() fields
    # The value at the finding's field cannot be used (unreadable, missing, unknown,
    # ambiguous): on a key field, its record stays out of the totals (sync/rules/counting.py).
    # A value that breaks a rule but is known (FQIS over the total cost) still counts.
    unusable: bool = False


_TYPES = [
    FindingType("MISSING_TAB", ERROR, "Onglet manquant",
                "L'onglet « {tab} » est introuvable. Onglets présents : {present}. "
                "Rétablissez l'onglet « {tab} » du gabarit (nom exact)."),
    FindingType("MISSING_COLUMN", ERROR, "Colonne manquante",
                "La colonne « {column} » est introuvable dans l'en-tête (ligne 1) de l'onglet « {sheet} ». "
                "Rétablissez l'en-tête « {column} » du gabarit.{impact}",
                unusable=True),
    FindingType("MISSING_VALUE", ERROR, "Valeur manquante",
                "« {column} » est vide{context}. Attendu : {expected}.",
                unusable=True),
    FindingType("INVALID_AMOUNT", ERROR, "Montant invalide",
                "« {column} » : {problem} « {value} ». Attendu : {expected}.",
                unusable=True),
    FindingType("INVALID_DATE", ERROR, "Date invalide",
                "« {column} » : date illisible « {value} ». "
                "Attendu : une date AAAA-MM-JJ (ex. 2020-04-01) ou JJ/MM/AAAA (ex. 01/04/2020).",
                unusable=True),
    FindingType("INVALID_NUMBER", ERROR, "Nombre invalide",
                "« {column} » : « {value} » n'est pas un nombre entier positif ou nul. Attendu : ex. 25.",
                unusable=True),
    FindingType("UNKNOWN_VALUE", ERROR, "Valeur inconnue",
                "« {column} » : valeur inconnue « {value} ».{suggestion} Valeurs permises : {allowed}.",
                unusable=True),
    FindingType("TERRITORY_OUTSIDE_SUBREGION", ERROR, "Territoire hors sous-région",
                "Le territoire « {value} » {belongs}, pas à {own}. Territoires permis : {allowed}."),
    # The project stays counted in the totals: its money is real, only its axis is wrong.
    FindingType("PRIORITY_OUTSIDE_PLAN", ERROR, "Priorité hors du plan d'action",
                "La priorité « {value} » n'est pas un axe du plan d'action de {own}. "
                "Axes de ce plan : {allowed}."),
    FindingType("INELIGIBLE_ORGANIZATION", ERROR, "Organisme non admissible",
                "Le type d'organisme « {value} » n'est pas admissible au {fund}. Types admissibles : {allowed}."),
    FindingType("DUPLICATE_PROJECT_ID", ERROR, "Numéro de projet en double",
                "Le numéro de projet « {value} » est déjà utilisé {where}. "
                "Chaque numéro doit être unique dans toute l'Alliance : attribuez un autre numéro.",
                unusable=True),
    FindingType("DATE_OUTSIDE_PERIOD", ERROR, "Date hors période",
                "« {column} » : le {value} est hors de la période de l'entente ({start} au {end})."),
    FindingType("END_BEFORE_START", ERROR, "Fin avant le début",
                "La date de fin ({end}) précède la date de début ({start}). "
                "Attendu : une date de fin égale ou postérieure au début."),
    FindingType("YEAR_SPLIT_MISMATCH", ERROR, "Répartition annuelle incohérente",
                "Le « {column} » ({total}) ne correspond pas à la somme des exercices ({years}), "
                "écart de {gap}. Corrigez la répartition par exercice ou le total.",
                unusable=True),
    FindingType("FQIS_OVER_TOTAL_COST", ERROR, "FQIS supérieur au coût total",
                "Le « {column} » ({fqis}) dépasse le coût total du projet ({cost}). "
                "Attendu : un {fund} au plus égal au coût total."),
    FindingType("FQIS_SHARE_HIGH", WARNING, "Part du FQIS élevée",
                "Le {fund} finance {share} du coût total ({fqis} sur {cost}), au-delà de la part "
                "de {limit} prévue. Vérifiez les autres contributions."),
    FindingType("PAYMENT_UNKNOWN_PROJECT", ERROR, "Versement à un projet inconnu",
                "Le versement nomme le projet « {value} », absent de l'onglet Projets de ce comité. "
                "Attendu : le No projet d'un projet de ce comité.{suggestion}",
                unusable=True),
    FindingType("PAYMENT_NOT_APPROVED", ERROR, "Versement à un projet non approuvé",
                "Versement de {amount} au projet {project} dont le statut est « {status} ». "
                "Un versement exige un projet Accepté, En cours, Terminé ou Abandonné.",
                unusable=True),
    FindingType("PAID_OVER_GRANTED", ERROR, "Versements supérieurs au FQIS accordé",
                "Avec ce versement, le projet {project} a reçu {paid}, plus que son {fund} total "
                "de {granted} (dépassement de {gap})."),
    FindingType("SUBREGION_ENVELOPE_EXCEEDED", ERROR, "Enveloppe sous-régionale dépassée",
                "Le {fund} engagé pour {name} ({committed}) dépasse son allocation de {allocation}, "
                "de {gap}."),
    FindingType("ANNUAL_ENVELOPE_EXCEEDED", ERROR, "Montant annuel dépassé",
                "Le {fund} engagé pour {name} durant l'exercice {year} ({committed}) dépasse le montant "
                "annuel prévu de {allocation}, de {gap}."),
    FindingType("ALLIANCE_ENVELOPE_EXCEEDED", ERROR, "Enveloppe de l'Alliance dépassée",
                "Le {fund} engagé par l'ensemble de l'Alliance ({committed}, réserve régionale comprise) "
                "dépasse l'enveloppe de {envelope}, de {gap}."),
    FindingType("SUBREGION_ENVELOPE_NEARLY_USED", WARNING, "Enveloppe presque épuisée",
                "{Name} a engagé {committed} de son allocation de {allocation} ({share}) ; "
                "solde non engagé : {balance}."),
    # Careless and hostile workbooks: what the template does not foresee is said, never
    # silently skipped nor read twice.
    FindingType("AMBIGUOUS_TAB", ERROR, "Onglet en double",
                "Les onglets « {read} » et « {sheet} » portent le même nom à la casse, aux accents ou aux "
                "espaces près : seul « {read} » est lu. Réunissez leurs lignes dans « {read} » et "
                "supprimez ou renommez « {sheet} ».", unusable=True),
    FindingType("EXTRA_TAB", ERROR, "Onglet non lu",
                "L'onglet « {sheet} » ressemble à l'onglet « {tab} » et contient des lignes, mais seul "
                "l'onglet « {tab} » est lu : ses lignes ne sont ni validées ni comptées. Déplacez-les dans "
                "l'onglet « {tab} » ou renommez cet onglet (ex. « Archives »)."),
    FindingType("DUPLICATE_COLUMN", ERROR, "Colonne en double",
                "La colonne « {column} » apparaît deux fois dans l'en-tête de l'onglet « {sheet} » : "
                "en {first} (lue) et en {cell} (ignorée). Supprimez la copie ou renommez-la."),
    FindingType("VALUE_OUTSIDE_TABLE", WARNING, "Valeur hors du tableau",
                "« {value} » est saisi en {cell}, sur une ligne sans aucune valeur dans les colonnes du "
                "gabarit : cette valeur est ignorée. Effacez-la, ou complétez la ligne si c'est un projet."),
    # Never counted, never validated: sync/parsing/total_rows.py says which rows are totals.
    FindingType("TOTAL_ROW_IGNORED", WARNING, "Ligne de total ignorée",
                "La ligne {row} est une ligne de total ({why}) : elle est laissée de côté, ni validée ni "
                "comptée, et le restera. S'il s'agit d'un {kind}, inscrivez son vrai No projet en {cell}."),
    FindingType("ERROR_VALUE", ERROR, "Valeur d'erreur",
                "« {column} » contient la valeur d'erreur « {value} » d'une formule, pas une valeur. "
                "Attendu : {expected}.", unusable=True),
    FindingType("PROJECT_ID_CHARACTERS", WARNING, "Caractères trompeurs dans le No projet",
                "Le No projet « {value} » contient {what} : il est lu et comparé aux autres comme "
                "« {clean} ». Retapez-le au clavier."),
    FindingType("TEXT_TOO_LONG", WARNING, "Texte trop long",
                "« {column} » compte {length} caractères ; une cellule Excel n'en garde que {limit} : "
                "le classeur du ministère n'en montre que le début. Abrégez le texte."),
    FindingType("SOURCE_UNAVAILABLE", ERROR, "Source illisible",
                "Le chiffrier du comité {name} n'a pas pu être lu : {reason} {fallback}"),
    # Not a rule of the spreadsheets: delivery (docs/exploitation.md) comes after the workbook is written and the
    # run recorded, so this finding is never in a workbook nor in the run's findings.
    # It is printed on standard error (exit code 1) and kept in the history's
    # deliveries table, from which ``alliance-sync deliver`` takes up what failed.
    FindingType("DELIVERY_FAILED", ERROR, "Livraison échouée",
                "La livraison {what} a échoué : {reason} Le classeur et l'historique sont conservés ; "
                "« alliance-sync deliver {run} » reprendra ce qui n'a pas été livré."),
]

CATALOGUE: dict[str, FindingType] = {t.code: t for t in _TYPES}


@dataclass(frozen=True, slots=True)
class Finding:
    """A finding (docs/constats.md). ``cell`` is A1 (``G7``), empty for envelope-level findings;
    ``field`` is the record field it is about (``amount``, ``year:2020-2021``), empty
    when it is about no one field (a tab, an envelope)."""

    severity: str
    code: str
    committee: str
    sheet: str
    cell: str
    row: int | None
    project_id: str
    message: str
    field: str = ""

    @property
    def unusable(self) -> bool:
        """The value at ``field`` cannot be used (see :class:`FindingType`)."""
        return CATALOGUE[self.code].unusable if self.code in CATALOGUE else False

    def as_dict(self) -> dict:
        """The finding for JSON: its message last, after the field it is about."""
        out = asdict(self)
        out["message"] = out.pop("message")
        return out


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


def finding(code: str, *, committee: str, sheet: str = "", cell: str = "", row: int | None = None,
            project_id: str = "", field: str = "", **values: object) -> Finding:
    """Make the finding ``code`` with its catalogue severity and French message."""
    kind = CATALOGUE[code]
    return Finding(
        severity=kind.severity,
        code=code,
        committee=committee,
        sheet=sheet,
        cell=cell,
        row=row,
        project_id=project_id or "",
        message=kind.template.format(sheet=sheet, cell=cell, row=row, **values),
        field=field,
    )


def sorted_findings(findings: list[Finding], committee_order: list[str] | None = None) -> list[Finding]:
    """Errors first, then by committee (configuration order), sheet, row and column."""
    order = {code: i for i, code in enumerate(committee_order or [])}
    return sorted(
        findings,
        key=lambda f: (f.severity != ERROR, order.get(f.committee, len(order)), f.committee,
                       f.sheet != "Projets", f.sheet, f.row or 0, _column_order(f.cell), f.code),
    )
