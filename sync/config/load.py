"""The typed configuration of an alliance (docs/configuration.md), loaded from one TOML file.

Parsed once, here, into typed settings (``[delivery]`` included, through
sync/config/delivery.py). Every error names the file and the key, in French.
Before any value is read, the whole file is checked: a key no setting reads is an
error with the closest known key, and a ``REMPLACER-PAR-…`` value of the shipped
files is an error saying what to put there (sync/config/keys.py). Keys the file
leaves out take the Montérégie defaults of sync/config/monteregie.py, or the defaults of
the settings' dataclasses.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from email.headerregistry import Address
from pathlib import Path
from typing import Literal, get_args

from sync.config import monteregie, sections
from sync.config.delivery import DeliverySettings, parse_addresses, parse_delivery
from sync.config.keys import Problem, TomlTable, closest_key, reject, reject_placeholders, shown, unknown_keys
from sync.config.sections import (
    ALLIANCE,
    CREDENTIALS_ENV,
    PERIOD,
    REGIONAL,
    SECTIONS,
    SHEETS_URL_ENV,
    STATE_DIR_ENV,
    TOP_LEVEL,
    known_keys,
    read_environment,
    section,
    tables_of,
    what_to_put,
)
from sync.config.settings import Money, TextList, one_line_text, read_section
from sync.errors import ConfigError, NotAWorkbookFile, describe_os_error, regular_file_status
from sync.money import Cents, format_cents
from sync.vocabulary.lists import ValueList
from sync.vocabulary.template import normalise
from sync.wording import did_you_mean

log = logging.getLogger(__name__)

# Where a committee's spreadsheet is read from: the key of its ``source = { … }`` table,
# also the ``kind`` the history stores for each source.
SourceKind = Literal["xlsx", "google"]
SOURCE_KINDS: tuple[SourceKind, ...] = get_args(SourceKind)


@dataclass(frozen=True)
class SourceSpec:
    """Where a committee's spreadsheet is: a local workbook or a Google key."""

    kind: SourceKind
    location: str  # absolute path, or spreadsheet key

    def describe(self) -> str:
        if self.kind == "google":
            return f"Google Sheets {self.location}"
        return f"classeur {self.location}"


@dataclass(frozen=True)
class FiscalYear:
    label: str  # "2019-2020"
    start: dt.date
    end: dt.date

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Committee:
    """A sub-region's committee, or the regional line (``is_regional``).

    ``priorities`` is the committee's action plan: the axes of the Alliance's
    priorities its projects may take, in the Alliance's order (the Alliance's whole
    list when ``[[subregions]]`` gives no ``priorities``, and always for the regional
    line). ``support`` names the organisation that supports the committee, None when
    not configured. ``contact``: who receives the committee's findings by e-mail.
    """

    code: str
    name: str
    allocation: Cents
    territories: tuple[str, ...]
    source: SourceSpec | None
    annual: dict[str, Cents] = field(default_factory=dict)  # fiscal year label → cents
    contact: tuple[Address, ...] = ()
    is_regional: bool = False
    priorities: tuple[str, ...] = ()
    support: str | None = None

    @property
    def in_sentence(self) -> str:
        """« la sous-région Ouest de la Montérégie », « la ligne régionale « … » », for messages."""
        if self.is_regional:
            return f"la ligne régionale « {self.name} »"
        return f"la sous-région {self.name}"


_GOOGLE_DEFAULTS = sections.GOOGLE.defaults


@dataclass(frozen=True)
class GoogleSettings:
    """[google] (sync/config/sections.py declares each key, its bounds and its default)."""

    credentials: Path | None = _GOOGLE_DEFAULTS["credentials"]
    feedback: bool = _GOOGLE_DEFAULTS["feedback"]
    reads_per_minute: int = _GOOGLE_DEFAULTS["reads_per_minute"]
    oauth_client: Path | None = _GOOGLE_DEFAULTS["oauth_client"]
    max_attempts: int = _GOOGLE_DEFAULTS["max_attempts"]
    retry_deadline: float = _GOOGLE_DEFAULTS["retry_deadline"]
    backoff_initial: float = _GOOGLE_DEFAULTS["backoff_initial"]
    backoff_max: float = _GOOGLE_DEFAULTS["backoff_max"]
    timeout: float = _GOOGLE_DEFAULTS["timeout"]
    deadline: float = _GOOGLE_DEFAULTS["deadline"]
    # Resolved from the environment when the file was loaded (sync/config/sections.py, ENVIRONMENT):
    # GOOGLE_APPLICATION_CREDENTIALS, used when neither credentials nor oauth_client is given,
    credentials_variable: Path | None = None
    # and ALLIANCE_SYNC_SHEETS_URL, the Sheets API's address when not Google's (checked where it is used).
    sheets_url: str = ""


@dataclass(frozen=True)
class Config:
    path: Path | None
    name: str
    mandataire: str
    ministry: str
    fund: str
    envelope: Cents
    period_start: dt.date
    period_end: dt.date
    fiscal_years: tuple[FiscalYear, ...]
    max_fqis_share: Decimal
    nearly_used: Decimal
    priorities: tuple[str, ...]
    eligible_types: tuple[str, ...]
    ineligible_types: tuple[str, ...]
    subregions: tuple[Committee, ...]
    regional: Committee
    google: GoogleSettings = GoogleSettings()
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    state_dir: Path | None = None  # [alliance] state_dir, relative to the configuration file
    state_dir_variable: Path | None = None  # ALLIANCE_SYNC_STATE_DIR when the file was loaded: wins over state_dir
    # The declared variables that were set when the file was loaded (secrets included: never shown).
    environment: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def committees(self) -> tuple[Committee, ...]:
        """Every line that has a source to read: sub-regions, then the regional line."""
        extra = (self.regional,) if self.regional.source else ()
        return self.subregions + extra

    def committee(self, code: str) -> Committee:
        for committee in self.subregions + (self.regional,):
            if committee.code == code:
                return committee
        raise KeyError(code)

    def fiscal_year_of(self, day: dt.date) -> FiscalYear | None:
        for year in self.fiscal_years:
            if year.contains(day):
                return year
        return None

    def subregion_of_territory(self, territory: str) -> Committee | None:
        key = normalise(territory)
        for committee in self.subregions:
            if any(normalise(t) == key for t in committee.territories):
                return committee
        return None


# --------------------------------------------------------------------------
# Loading


class _Reader:
    """Reads typed values out of the TOML tree, naming the key in each error."""

    def __init__(self, path: Path | None, check_files: bool = True):
        self.path = path
        # False for `run`: a workbook that vanished is an unreadable source there
        # (its last good copy stands in, docs/exploitation.md), not a configuration error.
        self.check_files = check_files

    def fail(self, key: str, message: str) -> ConfigError:
        return ConfigError(message, path=str(self.path) if self.path else None, key=key)

    def table(self, data: TomlTable, key: str, name: str) -> TomlTable:
        value = data.get(name, {})
        if not isinstance(value, dict):
            raise self.fail(key, "une table TOML est attendue")
        return value

    def text(self, data: TomlTable, key: str, name: str, default: str | None = None) -> str:
        value = data.get(name, default)
        if value is None:
            raise self.fail(key, "valeur requise manquante")
        return one_line_text(self.fail, key, value)

    def money(self, data: TomlTable, key: str, name: str, default: int | None = None) -> Cents:
        value = data.get(name, default)
        if value is None:
            raise self.fail(key, "montant requis manquant")
        return Money().read(self.fail, key, value, Path())

    def text_list(
        self, data: TomlTable, key: str, name: str, default: Sequence[str], *, required: bool = False
    ) -> tuple[str, ...]:
        """``required``: an empty list would make every project's value unknown."""
        return TextList(required=required).read(self.fail, key, data.get(name, default), Path())

    def addresses(self, data: TomlTable, key: str, name: str) -> tuple[Address, ...]:
        if name not in data:
            return ()
        try:
            return parse_addresses(data[name])
        except ValueError as exc:
            raise self.fail(key, str(exc)) from None

    def plan(self, data: TomlTable, key: str, alliance: tuple[str, ...]) -> tuple[str, ...]:
        """A sub-region's action plan: some of the Alliance's priorities, in the Alliance's
        order; the whole list when the key is absent."""
        if "priorities" not in data:
            return alliance
        typed = self.text_list(data, key, "priorities", (), required=True)
        allowed = ValueList(alliance)
        chosen = set()
        for value in typed:
            canonical = allowed.canonical(value)
            if canonical is None:
                raise self.fail(
                    key,
                    f"priorité inconnue « {value} ».{did_you_mean(allowed.closest(value))} "
                    f"Priorités de l'Alliance : {allowed.shown()}",
                )
            chosen.add(canonical)
        return tuple(p for p in alliance if p in chosen)

    def _check_workbook_file(self, path: Path, key: str) -> None:
        """A folder, a device, a FIFO or a loop of links named as such (never opened)."""
        try:
            regular_file_status(path)
        except NotAWorkbookFile as exc:
            if exc.missing:
                raise self.fail(key, f"classeur introuvable : {path}") from None
            raise self.fail(key, f"{exc.message} ; indiquez le chemin d'un classeur Excel (.xlsx)") from None

    def source(self, data: TomlTable, key: str, base: Path) -> SourceSpec | None:
        value = data.get("source")
        if value is None:
            # Tolerate the flat form `xlsx = "…"` / `google = "…"` beside the table.
            value = {k: data[k] for k in SOURCE_KINDS if k in data} or None
            if value is None:
                return None
        if not isinstance(value, dict) or len(value) != 1:
            raise self.fail(key, 'une source est attendue : { xlsx = "chemin.xlsx" } ou { google = "<clé>" }')
        kind, location = next(iter(value.items()))
        if kind not in SOURCE_KINDS:
            raise self.fail(
                f"{key}.{kind}",
                f"type de source inconnu « {kind} ».{did_you_mean(closest_key(kind, SOURCE_KINDS))} "
                "Types permis : xlsx, google",
            )
        if not isinstance(location, str) or not location.strip():
            raise self.fail(f"{key}.{kind}", "un chemin ou une clé non vide est attendu")
        if kind == "xlsx":
            try:
                path = (base / location).resolve()
            except (OSError, RuntimeError):  # a loop of links: reading it will say so, in French
                path = (base / location).absolute()
            if self.check_files:
                self._check_workbook_file(path, f"{key}.xlsx")
            return SourceSpec("xlsx", str(path))
        return SourceSpec("google", _google_key(self, f"{key}.google", location.strip()))


def check_keys(raw: TomlTable, path: Path | None, *, placeholders: bool = True) -> None:
    """Every key of every table known, and (``placeholders``) no placeholder of the
    shipped files left: checked on the whole file before any value is read, so that a
    typo is never a default in disguise and a placeholder never reaches Google."""
    reject(path, _unknown_keys(raw), "clés inconnues")
    if placeholders:
        reject_placeholders(path, raw, what_to_put())


def _unknown_keys(raw: TomlTable) -> list[Problem]:
    """The keys no declaration of sync/config/sections.py reads, table by table, in the
    documentation's order. The kinds of ``source = { … }`` are checked with the source
    (_Reader.source)."""
    problems = _top_level_keys(raw)
    for declared in SECTIONS:
        for where, data in tables_of(raw, declared):
            problems += unknown_keys(data, declared.names, where, ignored=declared.refused)
    return problems


# The tables a key written above the first table is sent to (« envelope = … » before [alliance]).
# [delivery]'s keys are not: such a key is only refused as unknown, as before sections were declared.
_HOMES = ("alliance", "regional", "subregions", "google")


def _top_level_keys(raw: TomlTable) -> list[Problem]:
    """Tables unknown at the top; a key written above the first table (``envelope = …``
    before ``[alliance]``) is sent to the table that knows it."""
    problems = []
    tables = [s.table for s in TOP_LEVEL]
    for problem in unknown_keys(raw, tables, arrays={s.table for s in TOP_LEVEL if s.array}):
        homes = [
            f"[[{table}]]" if section(table).array else f"[{table}]"
            for table in _HOMES
            if problem.key in known_keys(table)
        ]
        if homes and not isinstance(raw[problem.key], (dict, list)):
            where = (
                f"à la table {homes[0]} ; placez-la sous cette ligne"
                if len(homes) == 1
                else f"à l'une des tables {', '.join(homes)} ; placez-la sous la bonne"
            )
            problem = Problem(problem.key, f"clé « {problem.key} » placée avant toute table : elle appartient {where}.")
        problems.append(problem)
    return problems


# An agreement of the FQIS spans a few fiscal years (2019-2023, 2024-2029): an end in
# 9999 is a typo, and would make thousands of columns and findings.
MAX_FISCAL_YEARS = 10


def _agreement_years(reader: _Reader, start: dt.date, end: dt.date) -> tuple[FiscalYear, ...]:
    """The fiscal years of the agreement: whole ones (1 April – 31 March), at least one,
    at most MAX_FISCAL_YEARS."""
    if (start.month, start.day) != (4, 1):
        raise reader.fail(
            "alliance.period.start",
            f"la période doit commencer un 1er avril (exercice financier québécois), lu : {start}",
        )
    if (end.month, end.day) != (3, 31):
        raise reader.fail(
            "alliance.period.end",
            f"la période doit finir un 31 mars (fin d'un exercice financier québécois), lu : {end}",
        )
    if end < start:
        raise reader.fail("alliance.period.end", f"la fin de la période ({end}) précède son début ({start})")
    count = end.year - start.year
    if count > MAX_FISCAL_YEARS:
        raise reader.fail(
            "alliance.period.end",
            f"la période du {start} au {end} compterait {count} exercices financiers ; une "
            f"entente en compte au plus {MAX_FISCAL_YEARS} (vérifiez l'année de fin)",
        )
    return fiscal_years_of(start, end)


def fiscal_years_of(start: dt.date, end: dt.date) -> tuple[FiscalYear, ...]:
    """Québec fiscal years (1 April – 31 March) covering exactly [start, end]."""
    years = []
    year = start.year
    while True:
        fy_start, fy_end = dt.date(year, 4, 1), dt.date(year + 1, 3, 31)
        years.append(FiscalYear(f"{year}-{year + 1}", fy_start, fy_end))
        if fy_end >= end:
            return tuple(years)
        year += 1


def _committee(
    reader: _Reader,
    data: TomlTable,
    key: str,
    base: Path,
    years: tuple[FiscalYear, ...],
    priorities: tuple[str, ...],
    *,
    regional: bool,
    default: TomlTable | None = None,
) -> Committee:
    default = default or {}
    code = _code(reader, data, f"{key}.code", default.get("code"))
    annual_raw = reader.table(data, f"{key}.annual", "annual")
    labels = {y.label for y in years}
    annual = {}
    for label in annual_raw:
        if label not in labels:
            raise reader.fail(
                f"{key}.annual.{label}",
                f"exercice inconnu « {label} » ; exercices de la période : {', '.join(sorted(labels))}",
            )
        annual[label] = reader.money(annual_raw, f"{key}.annual.{label}", label)
    contact = reader.addresses(data, f"{key}.contact", "contact")
    plan = priorities if regional else reader.plan(data, f"{key}.priorities", priorities)
    support = reader.text(data, f"{key}.support", "support") if "support" in data and not regional else None
    allocation = reader.money(data, f"{key}.allocation", "allocation", default.get("allocation"))
    if allocation == 0 and not regional:
        # Every committed project would exceed it; a regional line may keep nothing.
        raise reader.fail(f"{key}.allocation", "l'allocation d'une sous-région doit être supérieure à 0 $, lu : 0")
    return Committee(
        code=code,
        name=reader.text(data, f"{key}.name", "name", default.get("name")),
        allocation=allocation,
        territories=reader.text_list(data, f"{key}.territories", "territories", default.get("territories", ())),
        source=reader.source(data, f"{key}.source", base),
        annual=annual,
        contact=contact,
        is_regional=regional,
        priorities=plan,
        support=support,
    )


# A spreadsheet's key, alone or in its address (…/spreadsheets/d/KEY/edit): anything else
# (« 1AbC…XyZ » copied from an example, « <clé> ») would only fail once Google is asked.
_GOOGLE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_GOOGLE_ADDRESS = re.compile(r"https?://\S*/d/[A-Za-z0-9_-]+", re.IGNORECASE)


def _google_key(reader: _Reader, key: str, location: str) -> str:
    if _GOOGLE_KEY.fullmatch(location) or _GOOGLE_ADDRESS.match(location):
        return location
    raise reader.fail(
        key,
        f"clé de chiffrier Google invalide « {location} » : indiquez la partie de l'adresse "
        "du chiffrier entre /d/ et /edit (lettres, chiffres, - et _), ou son adresse complète",
    )


# Characters no file name may hold (on Windows too): the fund names the report's files.
_NOT_IN_FILE_NAMES = set('/\\:*?"<>|')


def _fund(reader: _Reader, fund: str) -> str:
    if _NOT_IN_FILE_NAMES & set(fund):
        raise reader.fail(
            "alliance.fund",
            "le nom du fonds donne le nom des fichiers du rapport (rapport-fqis-…) : il ne contient "
            f'aucun de ces signes / \\ : * ? " < > |, lu : {shown(fund)}',
        )
    return fund


# A code names a committee in file names, sheet cells, the history and --committee.
_CODE = re.compile(r"[A-Za-z0-9_-]{1,30}")


def _code(reader: _Reader, data: TomlTable, key: str, default: str | None) -> str:
    value = data.get("code", default)
    if isinstance(value, str) and value.strip() and not _CODE.fullmatch(value.strip()):
        raise reader.fail(
            key,
            "un code de 1 à 30 caractères est attendu, fait de lettres sans accent, de "
            f"chiffres, de « - » et de « _ » (ex. OUEST), lu : {shown(value)}",
        )
    return reader.text(data, key, "code", default)


def load_config(
    path: str | Path, *, check_files: bool = True, placeholders: bool = True, environ: Mapping[str, str] | None = None
) -> Config:
    """Load and validate a configuration file; raise ConfigError naming the key.
    ``placeholders``: refuse the REMPLACER-PAR-… values of the shipped files (all but
    the committee template, which is made before the spreadsheets exist).
    ``environ``: where the declared variables are read (the process's environment by default)."""
    path = Path(path)
    return config_from_dict(
        read_toml(path), path=path, check_files=check_files, placeholders=placeholders, environ=environ
    )


def read_toml(path: Path, text: str | None = None) -> TomlTable:
    """A TOML file the coordinator edits (configuration, presentation); ConfigError in
    French, naming the file, when it cannot be read. ``text``: the file's text as kept
    elsewhere (the history keeps each run's), read in its place."""
    try:
        # utf-8-sig: Windows' Notepad starts the files it saves with a byte order mark.
        return tomllib.loads(path.read_text(encoding="utf-8-sig") if text is None else text)
    except FileNotFoundError:
        raise ConfigError(f"fichier introuvable : {path.resolve()}", path=str(path)) from None
    except OSError as exc:
        raise ConfigError(f"fichier illisible ({describe_os_error(exc)})", path=str(path)) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"fichier illisible : ce n'est pas du texte UTF-8 (octet {exc.start + 1}) ; enregistrez-le en UTF-8",
            path=str(path),
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_toml_syntax_message(exc), path=str(path)) from None


def _toml_syntax_message(exc: tomllib.TOMLDecodeError) -> str:
    """tomllib explains in English; the coordinator gets the place in French, the
    parser's own words kept as a detail for whoever helps."""
    detail = str(exc)
    match = re.search(r"\(at line (\d+), column (\d+)\)", detail)
    if match:
        where = f"à la ligne {match.group(1)}, colonne {match.group(2)}"
    elif "(at end of document)" in detail:
        where = "à la fin du fichier"
    else:
        where = "quelque part dans le fichier"
    return (
        f"syntaxe TOML invalide {where} ; vérifiez les guillemets, les crochets et les signes « = » "
        f"(détail technique : {detail})"
    )


def config_from_dict(
    raw: TomlTable,
    *,
    path: Path | None = None,
    check_files: bool = True,
    placeholders: bool = True,
    environ: Mapping[str, str] | None = None,
) -> Config:
    reader = _Reader(path, check_files)
    environment = read_environment(os.environ if environ is None else environ)
    base = path.resolve().parent if path else Path.cwd()
    check_keys(raw, path, placeholders=placeholders)

    alliance = reader.table(raw, "alliance", "alliance")
    period = read_section(reader.fail, PERIOD, reader.table(alliance, "alliance.period", "period"), base)
    years = _agreement_years(reader, period["start"], period["end"])
    start, end = years[0].start, years[-1].end
    settings = read_section(reader.fail, ALLIANCE, alliance, base)

    envelope = settings["envelope"]
    if envelope == 0:
        raise reader.fail("alliance.envelope", "l'enveloppe de l'Alliance doit être supérieure à 0 $, lu : 0")
    priorities = settings["priorities"]

    regional_raw = reader.table(raw, "regional", "regional")
    regional = _committee(
        reader,
        regional_raw,
        "regional",
        base,
        years,
        priorities,
        regional=True,
        default={
            "code": REGIONAL.default("code"),
            "name": REGIONAL.default("name"),
            "allocation": None if "regional" in raw else REGIONAL.default("allocation"),
            "territories": list(REGIONAL.default("territories")),
        },
    )

    subregions_raw = raw.get("subregions")
    if subregions_raw is None:
        raise reader.fail("subregions", "au moins une section [[subregions]] est requise")
    if not isinstance(subregions_raw, list) or not subregions_raw:
        raise reader.fail("subregions", "une liste de sections [[subregions]] est attendue")
    known = {d["code"]: d for d in monteregie.SUBREGIONS}
    subregions = []
    for index, item in enumerate(subregions_raw):
        key = f"subregions[{index + 1}]"
        if not isinstance(item, dict):
            raise reader.fail(key, "une table est attendue")
        code = item.get("code")
        committee = _committee(
            reader,
            item,
            key,
            base,
            years,
            priorities,
            regional=False,
            default=known.get(code) if isinstance(code, str) else None,
        )
        if committee.source is None:
            raise reader.fail(f"{key}.source", 'source manquante : { xlsx = "chemin.xlsx" } ou { google = "<clé>" }')
        if not committee.territories:
            raise reader.fail(f"{key}.territories", "au moins un territoire est requis")
        subregions.append(committee)

    _check_consistency(reader, envelope, regional, subregions)

    google_raw = reader.table(raw, "google", "google")
    google = _google_settings(reader, google_raw, base, environment)
    # [delivery] (docs/configuration.md): a committee's contact needs a way to send e-mail.
    delivery = parse_delivery(
        raw.get("delivery", {}),
        path=path,
        contacts=any(c.contact for c in (regional, *subregions)),
        environment=environment,
    )

    eligible, ineligible = settings["organization_types"], settings["ineligible_organization_types"]
    both = [t for t in ineligible if normalise(t) in {normalise(e) for e in eligible}]
    if "ineligible_organization_types" not in alliance:
        # Another program may fund what the Montérégie does not: the type listed as eligible wins.
        ineligible, both = tuple(t for t in ineligible if t not in both), []
    if both:
        # The rules could not say whether such an organisation may be funded.
        raise reader.fail(
            "alliance.ineligible_organization_types",
            f"« {both[0]} » est aussi dans organization_types : un type d'organisme est admissible "
            "ou non admissible, pas les deux",
        )
    return Config(
        path=path.resolve() if path else None,
        name=settings["name"],
        mandataire=settings["mandataire"],
        ministry=settings["ministry"],
        fund=_fund(reader, settings["fund"]),
        envelope=envelope,
        period_start=start,
        period_end=end,
        fiscal_years=years,
        max_fqis_share=settings["max_fqis_share"],
        nearly_used=settings["nearly_used"],
        priorities=priorities,
        eligible_types=eligible,
        ineligible_types=ineligible,
        subregions=tuple(subregions),
        regional=regional,
        google=google,
        delivery=delivery,
        state_dir=base / reader.text(alliance, "alliance.state_dir", "state_dir") if "state_dir" in alliance else None,
        state_dir_variable=Path(environment[STATE_DIR_ENV]) if STATE_DIR_ENV in environment else None,
        environment=environment,
    )


def _check_consistency(reader: _Reader, envelope: Cents, regional: Committee, subregions: list[Committee]) -> None:
    _check_unique(reader, regional, subregions, "code", ("le code", "codes"))
    _check_unique(reader, regional, subregions, "name", ("le nom", "noms"))
    owner: dict[str, tuple[int, Committee]] = {}
    regional_only = {normalise(t) for t in regional.territories}
    for index, committee in enumerate(subregions):
        for territory in committee.territories:
            key = normalise(territory)
            if key in regional_only:
                # Only the regional line's own sheet may use it (sync/config/monteregie.py): claimed by a
                # sub-region too, the line such a project belongs to would be ambiguous.
                raise reader.fail(
                    f"subregions[{index + 1}].territories",
                    f"le territoire « {territory} » est celui de la ligne régionale ([regional]) ; "
                    "une sous-région ne peut pas le prendre",
                )
            if key in owner and owner[key][1] is not committee:
                raise reader.fail(
                    f"subregions[{index + 1}].territories",
                    f"le territoire « {territory} » est déjà attribué à la sous-région "
                    f"{owner[key][1].code} ; un territoire n'appartient qu'à une sous-région",
                )
            owner[key] = (index, committee)
    total = sum(c.allocation for c in subregions) + regional.allocation
    if total > envelope:
        raise reader.fail(
            "subregions.allocation",
            f"la somme des allocations ({format_cents(total)}, réserve régionale comprise) "
            f"dépasse l'enveloppe de l'Alliance ({format_cents(envelope)})",
        )
    for index, committee in enumerate(subregions + [regional]):
        annual_total = sum(committee.annual.values())
        key = "regional.annual" if committee.is_regional else f"subregions[{index + 1}].annual"
        if annual_total > committee.allocation and committee.annual:
            raise reader.fail(
                key,
                f"la somme des montants annuels ({format_cents(annual_total)}) "
                f"dépasse l'allocation ({format_cents(committee.allocation)})",
            )


def _check_unique(
    reader: _Reader, regional: Committee, subregions: list[Committee], field: str, words: tuple[str, str]
) -> None:
    """Codes and names are unique whatever their case: `--committee ouest` and the
    messages must designate one line. ``words``: « le code » and its plural « codes »."""
    what, plural = words
    seen = {getattr(regional, field).casefold(): ("regional", getattr(regional, field))}
    for index, committee in enumerate(subregions):
        key, value = f"subregions[{index + 1}]", getattr(committee, field)
        if value.casefold() not in seen:
            seen[value.casefold()] = (key, value)
            continue
        other_key, other = seen[value.casefold()]
        where = "de la ligne régionale ([regional])" if other_key == "regional" else f"de {other_key}"
        if other == value:
            message = f"{what} « {value} » est déjà celui {where}"
        else:
            message = (
                f"{what} « {value} » ne diffère de « {other} », celui {where}, que par les majuscules : "
                f"deux lignes doivent avoir des {plural} différents"
            )
        raise reader.fail(f"{key}.{field}", message)


def _google_settings(reader: _Reader, data: TomlTable, base: Path, environment: Mapping[str, str]) -> GoogleSettings:
    """[google], read key by key from its declarations (sync/config/sections.py), and the
    variables it receives from the environment."""
    named = environment.get(CREDENTIALS_ENV, "").strip()
    return GoogleSettings(
        **read_section(reader.fail, sections.GOOGLE, data, base),
        credentials_variable=Path(named) if named else None,
        sheets_url=environment.get(SHEETS_URL_ENV, ""),
    )
