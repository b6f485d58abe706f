"""Every key of the configuration, declared once (docs/configuration.md is generated from here).

One ``Section`` per table of the file, one ``Setting`` per key, in the documentation's
order: its kind (type and bounds), its default, its description in French. The
tables' known keys, the defaults the loader uses and the docs' tables all come from
these declarations; ``ENVIRONMENT`` declares the variables resolved at load time.
"""

from __future__ import annotations

from collections.abc import Mapping

from sync.config import monteregie
from sync.config.settings import (
    Count,
    Date,
    Described,
    FilePath,
    Flag,
    Money,
    Ratio,
    Seconds,
    Section,
    Setting,
    Text,
    TextList,
    Variable,
)

STATE_DIR_ENV = "ALLIANCE_SYNC_STATE_DIR"
PASSWORD_ENV = "ALLIANCE_SYNC_SMTP_PASSWORD"
CREDENTIALS_ENV = "GOOGLE_APPLICATION_CREDENTIALS"
SHEETS_URL_ENV = "ALLIANCE_SYNC_SHEETS_URL"
DRIVE_URL_ENV = "ALLIANCE_SYNC_DRIVE_URL"

_TEXT = Text()
_MONEY = Money()
_RATIO = Ratio()
_DATE = Date()
_TEXTS = TextList()
_LIST_REQUIRED = TextList(required=True)
# What to write instead of a placeholder, shared by the keys of the same name in several tables
# (and by source = { xlsx = … } / { google = … }, whose kinds are these keys' names).
_XLSX_PLACEHOLDER = "le chemin du classeur du comité, relatif à ce fichier"
_GOOGLE_PLACEHOLDER = (
    "la clé du chiffrier Google du comité : la partie de son adresse entre /d/ et /edit "
    "(ou l'adresse complète du chiffrier)"
)
_CONTACT_PLACEHOLDER = "l'adresse courriel réelle du comité (comite@organisme.org)"
_FLAT_XLSX = Setting(
    "xlsx", Described("chemin"), 'forme à plat de `source = { xlsx = "…" }`', placeholder=_XLSX_PLACEHOLDER
)
_FLAT_GOOGLE = Setting(
    "google",
    Described("clé ou adresse"),
    'forme à plat de `source = { google = "…" }`',
    shown_default="aucune",
    placeholder=_GOOGLE_PLACEHOLDER,
)

ALLIANCE = Section(
    "alliance",
    (
        Setting("name", _TEXT, "nom de l'Alliance (classeur, courriels, console)", monteregie.ALLIANCE_NAME),
        Setting("mandataire", _TEXT, "organisme mandaté ; auteur du classeur", monteregie.MANDATAIRE),
        Setting("ministry", _TEXT, "ministère destinataire", monteregie.MINISTRY),
        Setting(
            "fund",
            _TEXT,
            "nom du fonds ; donne le nom des colonnes (`FQIS total`, `FQIS 2019-2020`) et du "
            "fichier (`rapport-fqis-…`)",
            monteregie.FUND,
            type_label='texte, sans `/ \\ : * ? " < > \\|`',
        ),
        Setting(
            "envelope",
            _MONEY,
            "enveloppe totale ; `ALLIANCE_ENVELOPE_EXCEEDED` au-delà",
            monteregie.ENVELOPE_DOLLARS,
            type_label="montant en dollars, supérieur à 0",
            shown_default=f"`{monteregie.ENVELOPE_DOLLARS}`",
        ),
        Setting(
            "period",
            Described("table `{ start, end }` de dates"),
            "période de l'entente : commence un 1er avril, finit un 31 mars, de un à dix exercices financiers ; "
            "les exercices et leurs colonnes en découlent",
            shown_default=f"`{{ start = {monteregie.PERIOD[0]}, end = {monteregie.PERIOD[1]} }}`",
        ),
        Setting(
            "max_fqis_share",
            _RATIO,
            "`FQIS_SHARE_HIGH` quand le FQIS dépasse cette part du coût total ; `0.80` pour 80 % (`80` est refusé)",
            monteregie.MAX_FQIS_SHARE,
            shown_default=f"`{monteregie.MAX_FQIS_SHARE}`",
        ),
        Setting(
            "nearly_used",
            _RATIO,
            "`SUBREGION_ENVELOPE_NEARLY_USED` à partir de ce taux d'engagement",
            monteregie.NEARLY_USED,
            shown_default=f"`{monteregie.NEARLY_USED}`",
        ),
        Setting(
            "priorities",
            _LIST_REQUIRED,
            "valeurs permises de la colonne Priorité",
            monteregie.PRIORITIES,
            shown_default="les six priorités de la Montérégie",
        ),
        Setting(
            "organization_types",
            _LIST_REQUIRED,
            "types d'organisme admissibles",
            monteregie.ELIGIBLE_ORGANIZATION_TYPES,
            shown_default="les cinq types admissibles",
        ),
        Setting(
            "ineligible_organization_types",
            _TEXTS,
            "types connus comme non admissibles : toujours `INELIGIBLE_ORGANIZATION`, jamais pris pour une faute "
            "de frappe d'un type admissible ; un type ne peut être dans les deux listes",
            monteregie.INELIGIBLE_ORGANIZATION_TYPES,
            shown_default=f"{', '.join(monteregie.INELIGIBLE_ORGANIZATION_TYPES)} (sauf ceux que "
            "`organization_types` nomme)",
        ),
        Setting(
            "state_dir",
            Described("chemin de dossier"),
            "le dossier d'état : historique des synchronisations, verrou et fichiers temporaires (`temporaire/`), "
            "relatif au fichier de configuration. L'option `--state-dir` et la variable "
            f"`{STATE_DIR_ENV}` l'emportent sur cette clé (voir [exploitation.md](exploitation.md))",
            shown_default="aucun (`.alliance-sync` dans le dossier courant)",
        ),
    ),
)

PERIOD = Section(
    "alliance.period",
    (
        Setting(
            "start",
            _DATE,
            "début de l'entente, un 1er avril",
            monteregie.PERIOD[0],
            shown_default=f"`{monteregie.PERIOD[0]}`",
        ),
        Setting(
            "end",
            _DATE,
            "fin de l'entente, un 31 mars, après le début et au plus dix exercices plus tard "
            "(`2029-03-31` pour un début en 2019)",
            monteregie.PERIOD[1],
            shown_default=f"`{monteregie.PERIOD[1]}`",
        ),
    ),
)

REGIONAL = Section(
    "regional",
    (
        Setting("name", _TEXT, "nom de la ligne", monteregie.REGIONAL_NAME),
        Setting(
            "code",
            _TEXT,
            "code de la ligne (Sommaire, constats), de la même forme que celui d'une sous-région",
            monteregie.REGIONAL_CODE,
        ),
        # Without a [regional] table the line keeps the Montérégie reserve; a table must say its own.
        Setting(
            "allocation",
            _MONEY,
            "part de l'enveloppe (`0` permis : aucune réserve régionale)",
            monteregie.REGIONAL_ALLOCATION_DOLLARS,
            required="**requis** quand la table est présente",
        ),
        Setting(
            "source",
            Described('`{ xlsx = "…" }` ou `{ google = "…" }`'),
            "facultatif : le chiffrier des projets régionaux ; sans source, la ligne a un engagé nul et aucun "
            "constat d'enveloppe",
            shown_default="aucune",
        ),
        _FLAT_XLSX,
        _FLAT_GOOGLE,
        Setting(
            "territories",
            Described("liste"),
            "territoires propres à la ligne ; son chiffrier accepte aussi ceux de toutes les sous-régions",
            (monteregie.REGIONAL_TERRITORY,),
            shown_default=f'`["{monteregie.REGIONAL_TERRITORY}"]`',
        ),
        Setting("annual", Described("table"), "montants annuels (comme pour une sous-région)", shown_default="aucune"),
        Setting(
            "contact",
            Described("adresse ou liste"),
            "reçoit les constats de ce chiffrier",
            placeholder=_CONTACT_PLACEHOLDER,
        ),
    ),
)

SUBREGIONS = Section(
    "subregions",
    (
        Setting(
            "code",
            _TEXT,
            "code court et unique (`OUEST`) : constats, Sommaire, `--committee` ; de 1 à 30 lettres "
            "sans accent, chiffres, `-` et `_` (ni espace, ni `/`, ni `.`) ; unique sans égard aux majuscules "
            "(`OUEST` et `ouest` ensemble sont refusés)",
            required="**requis**",
        ),
        Setting(
            "name",
            _TEXT,
            "nom affiché (« Ouest de la Montérégie ») ; une ligne, unique sans égard aux majuscules",
            required="requis, sauf code connu",
        ),
        Setting(
            "allocation", Described("montant, supérieur à 0"), "part de l'enveloppe", required="requis, sauf code connu"
        ),
        Setting(
            "territories",
            _TEXTS,
            "territoires de la sous-région ; un territoire n'appartient qu'à une sous-région",
            required="requise, sauf code connu",
        ),
        Setting(
            "source",
            Described('`{ xlsx = "chemin.xlsx" }` ou `{ google = "<clé>" }`'),
            "le chiffrier du comité : classeur local (relatif au fichier de configuration) ou clé Google (la partie "
            "de l'adresse entre `/d/` et `/edit` ; l'adresse complète est acceptée). La forme à plat "
            '`xlsx = "…"` ou `google = "…"` est acceptée aussi',
            required="**requis**",
        ),
        Setting(
            "xlsx",
            Described("chemin"),
            'forme à plat de `source = { xlsx = "…" }` ; une seule source par sous-région',
            placeholder=_XLSX_PLACEHOLDER,
        ),
        _FLAT_GOOGLE,
        Setting(
            "annual",
            Described('table `"AAAA-AAAA" = montant`'),
            "montants annuels prévus par exercice ; "
            "`ANNUAL_ENVELOPE_EXCEEDED` au-delà ; les exercices doivent être ceux de la période",
            shown_default="aucune",
        ),
        Setting(
            "contact",
            Described("adresse ou liste d'adresses"),
            "reçoit par courriel les constats de son comité (voir [exploitation.md](exploitation.md))",
            placeholder=_CONTACT_PLACEHOLDER,
        ),
        Setting(
            "priorities",
            _LIST_REQUIRED,
            "les axes du plan d'action de la sous-région, choisis parmi les "
            "`priorities` de `[alliance]` (lus sans tenir compte de la casse ni des accents, et écrits comme "
            "l'Alliance les écrit ; une valeur inconnue est une erreur de configuration, avec « Vouliez-vous "
            "dire ») ; un projet hors de ces axes donne `PRIORITY_OUTSIDE_PLAN` (voir [constats.md](constats.md)) ; "
            "le gabarit d'un comité n'offre que ces axes dans sa liste Priorité",
            shown_default="toutes les priorités de l'Alliance",
        ),
        Setting(
            "support",
            _TEXT,
            "l'organisme qui accompagne le comité (Concertation Horizon pour l'Ouest et l'Est, le "
            "Bureau de développement social et communautaire de la Ville de Longueuil pour l'agglomération) ; nommé "
            "dans le Sommaire du classeur du ministère (colonne « Organisme d'accompagnement »), dans le courriel "
            "au ministère et dans le courriel des constats du comité",
        ),
    ),
    array=True,
)

# Retries of Google's transient answers (429, 5xx, network errors): at most max_attempts
# tries within retry_deadline seconds, waiting backoff_initial, then twice as long each
# time (with jitter), never more than backoff_max. The defaults wait 1+2+4+8+16+30+30 s:
# enough to outlast a per-minute quota.
GOOGLE = Section(
    "google",
    (
        Setting(
            "credentials",
            FilePath(),
            "clé JSON du compte de service",
            shown_default=f"aucun (sinon `{CREDENTIALS_ENV}`)",
            placeholder="le chemin de la clé JSON du compte de service, relatif à ce fichier",
        ),
        Setting(
            "oauth_client",
            FilePath(),
            "client OAuth « Application de bureau », pour se connecter avec un compte Google personnel",
            placeholder="le chemin du fichier du client OAuth, relatif à ce fichier",
        ),
        Setting(
            "feedback",
            Flag(),
            "`true` : écrire l'onglet Validation dans le chiffrier de chaque comité (accès en écriture requis)",
            False,
        ),
        Setting(
            "reads_per_minute",
            Count(),
            "limiteur côté client (quota de Google : 60 lectures par minute et par utilisateur)",
            60,
        ),
        Setting(
            "max_attempts", Count(), "essais au plus pour une requête refusée temporairement (429, 5xx, réseau)", 8
        ),
        Setting("retry_deadline", Seconds(), "durée maximale des reprises d'une requête", 120.0),
        Setting("backoff_initial", Seconds(), "première attente, doublée ensuite (avec une part aléatoire)", 1.0),
        Setting("backoff_max", Seconds(), "attente maximale entre deux essais", 30.0),
        Setting("timeout", Seconds(above_zero=True), "attente maximale d'une réponse", 60.0),
        # The committees are read at once: one deadline for all of a run's reads.
        Setting(
            "deadline",
            Seconds(above_zero=True),
            "durée maximale de la lecture de **tous** les chiffriers Google "
            "d'une synchronisation, reprises et attentes de quota comprises (les comités sont lus en même temps) ; "
            "un chiffrier non lu à l'échéance est une source illisible",
            180.0,
        ),
    ),
)

DELIVERY = Section(
    "delivery",
    (
        Setting(
            "drive_folder",
            Described("texte (identifiant ou adresse)"),
            "identifiant du dossier Google Drive partagé avec le ministère (dossier d'un Drive partagé pour un "
            "compte de service) : la partie de son adresse après `/folders/` (lettres, chiffres, `-` et `_`) ; "
            "l'adresse complète est acceptée. La première livraison y crée le fichier, les suivantes en déposent "
            "une nouvelle version",
            placeholder="l'identifiant du dossier Google Drive partagé avec le ministère : la partie de son adresse "
            "après /folders/",
        ),
        Setting(
            "drive_file",
            Described("texte (identifiant ou adresse)"),
            "identifiant d'un fichier `.xlsx` créé une fois par une personne dans son Drive et partagé avec le "
            "compte de l'outil (Éditeur) : chaque livraison en dépose une nouvelle version, sans jamais créer de "
            "fichier (un compte de service n'a pas d'espace de stockage). L'adresse complète du fichier est "
            "acceptée. Exclut `drive_folder`",
            placeholder="l'identifiant du fichier Google Drive à mettre à jour : la partie de son adresse entre /d/ "
            "et /edit",
        ),
        Setting(
            "drive_name",
            Described("nom de fichier `.xlsx`"),
            "nom du fichier dans Drive ; chaque livraison en dépose une nouvelle version",
            shown_default="`rapport-<fonds>-<début>-<fin>.xlsx` (ex. `rapport-fqis-2019-2023.xlsx`)",
            placeholder="le nom du fichier dans Drive, terminé par .xlsx",
        ),
        Setting(
            "drive_scope",
            Described('`"drive"` ou `"drive.file"`'),
            "portée demandée à Google pour Drive ; "
            "`drive.file` n'atteint que les fichiers créés par l'outil, ni un dossier ni un fichier "
            "créés par une personne : il est refusé avec `drive_folder` ou `drive_file`",
            "drive",
        ),
        Setting(
            "drive_keep_versions",
            Flag(),
            "garder indéfiniment la première version déposée de chaque mois (Drive n'en garde que 200 "
            "ainsi par fichier ; au-delà, la version est déposée sans être gardée, avec un avertissement) ; "
            "les autres, et toutes sans cette clé, Drive les efface après 30 jours",
            True,
        ),
        Setting(
            "email_to",
            Described("adresse ou liste"),
            "destinataires du classeur (un courriel par destinataire, classeur en pièce jointe)",
            placeholder="l'adresse courriel réelle du destinataire (nom@organisme.gouv.qc.ca)",
        ),
        Setting(
            "email_from",
            Described("adresse"),
            'expéditeur (`"TCPM <coordination@exemple.org>"`) ; requis si `smtp.user` n\'est pas une adresse',
            shown_default="`smtp.user`",
            placeholder="l'adresse courriel réelle de l'expéditeur (coordination@organisme.org)",
        ),
        Setting(
            "corrections_due",
            _TEXT,
            "quand les comités renvoient leurs corrections (« le 5 de chaque mois ») : leur courriel dit "
            "« au plus tard le 5 de chaque mois » ; sans elle, aucune date n'est dite",
            shown_default="aucune",
        ),
        Setting(
            "smtp",
            Described("table"),
            "serveur d'envoi ; requis avec `email_to`, ou avec des `contact` quand `[delivery]` est présente",
        ),
    ),
    refused=("password",),
)  # the password comes from the environment: refused with its own message

SMTP = Section(
    "delivery.smtp",
    (
        Setting(
            "host",
            _TEXT,
            "serveur SMTP",
            required="**requis**",
            placeholder="l'adresse du serveur d'envoi de courriels de votre organisme (smtp.organisme.org)",
        ),
        Setting("port", Described("entier"), "port", shown_default="465 avec `ssl`, 587 avec `starttls`, sinon 25"),
        Setting(
            "starttls", Described("booléen"), "chiffrement STARTTLS", shown_default="`true` (sauf avec `ssl = true`)"
        ),
        Setting("ssl", Flag(), "chiffrement SSL/TLS dès la connexion (port 465) ; pas avec `starttls`", False),
        Setting(
            "user",
            _TEXT,
            "identifiant ; sans lui, aucune identification",
            placeholder="l'identifiant de connexion au serveur d'envoi de courriels",
        ),
        Setting("timeout", Seconds(above_zero=True), "attente maximale d'une réponse du serveur", 60.0),
        Setting("ca_file", Described("chemin"), "certificats d'autorité à accepter en plus de ceux du système"),
    ),
    refused=("password",),
)

# Every table of the file, in the documentation's order.
SECTIONS = (ALLIANCE, PERIOD, REGIONAL, SUBREGIONS, GOOGLE, DELIVERY, SMTP)
# The top-level tables; a misspelt one (« [googel] ») would silently leave its settings off.
TOP_LEVEL = tuple(s for s in SECTIONS if "." not in s.table)

ENVIRONMENT = (
    Variable(
        CREDENTIALS_ENV,
        "clé du compte de service, quand `[google] credentials` est absent",
        "google.credentials_variable",
    ),
    Variable(PASSWORD_ENV, "mot de passe SMTP (avec `smtp.user`)", "delivery.smtp_password"),
    Variable(
        STATE_DIR_ENV,
        "le dossier d'état, quand l'option `--state-dir` est absente ; l'emporte sur `state_dir` de `[alliance]`",
        "alliance.state_dir_variable",
    ),
    Variable(
        SHEETS_URL_ENV,
        "remplace `https://sheets.googleapis.com` (mandataire réseau, serveur local des "
        "tests) ; voir [google.md](google.md)",
        "google.sheets_url",
    ),
    Variable(DRIVE_URL_ENV, "remplace `https://www.googleapis.com` pour Drive, de la même façon", "delivery.drive_url"),
)


def read_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The declared variables that are set (not empty), by name: read once, when the
    configuration is loaded."""
    return {v.name: environ[v.name] for v in ENVIRONMENT if environ.get(v.name)}


def variables_of(table: str) -> tuple[Variable, ...]:
    """The variables a section's typed settings receive (« google »: its credentials and address)."""
    return tuple(v for v in ENVIRONMENT if v.field.rpartition(".")[0] == table)


def section(table: str) -> Section:
    for item in SECTIONS:
        if item.table == table:
            return item
    raise KeyError(table)


def tables_of(raw: Mapping[str, object], declared: Section) -> list[tuple[str, Mapping[str, object]]]:
    """The tables of the file ``declared`` describes, with the name errors give them
    (« subregions[2] »); a value that is not a table is refused when it is read."""
    found: list[tuple[str, object]] = [("", raw)]
    for part in declared.table.split("."):
        found = [
            (f"{where}.{part}" if where else part, data.get(part)) for where, data in found if isinstance(data, Mapping)
        ]
    if declared.array:
        return [
            (f"{where}[{index + 1}]", item)
            for where, items in found
            if isinstance(items, list)
            for index, item in enumerate(items)
            if isinstance(item, Mapping)
        ]
    return [(where, data) for where, data in found if isinstance(data, Mapping)]


def what_to_put() -> dict[str, str]:
    """What goes instead of a placeholder, by the key's last name (« google » for
    subregions[1].source.google too): one text per name, whatever its table."""
    found: dict[str, str] = {}
    for declared in SECTIONS:
        for setting in declared.settings:
            if setting.placeholder is not None:
                assert found.setdefault(setting.name, setting.placeholder) == setting.placeholder, setting.name
    return found


def known_keys(table: str) -> tuple[str, ...]:
    """The keys ``table`` knows (« subregions » for each [[subregions]]); any other is refused."""
    return section(table).names
