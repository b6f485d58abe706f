"""The ``[delivery]`` table and the committees' ``contact`` (docs/configuration.md), typed.

``sync/config.py`` calls :func:`parse_delivery` and :func:`parse_addresses` once,
when the configuration is loaded (French errors naming the key); the typed
settings are then ``config.delivery`` and each committee's ``contact``. Standard
library only: every command loads the configuration, few deliver.

The SMTP password is never in the file: it comes from ``ALLIANCE_SYNC_SMTP_PASSWORD``.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.utils import getaddresses
from pathlib import Path
from typing import Any, Protocol

from sync.config.keys import TomlTable, reject_unknown_keys, shown
from sync.config.sections import DELIVERY, DRIVE_URL_ENV, PASSWORD_ENV, SMTP
from sync.config.settings import read_section
from sync.errors import ConfigError

log = logging.getLogger(__name__)

# drive.file only reaches files the tool created or was handed through Google's
# picker: not a folder the ministry shared with the service account. « drive »
# is the scope that can add a file to such a folder.
DRIVE_SCOPES = {
    "drive": "https://www.googleapis.com/auth/drive",
    "drive.file": "https://www.googleapis.com/auth/drive.file",
}

# Refused with its own message (the password comes from the environment), not as a typo.
_PASSWORD = "password"


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    starttls: bool
    ssl: bool
    user: str | None  # no login without it
    timeout: float  # seconds to wait for one answer of the server
    ca_file: Path | None  # certificates to trust besides the system's

    @property
    def security(self) -> str:
        if self.ssl:
            return "SSL/TLS"
        if self.starttls:
            return "STARTTLS"
        return "sans chiffrement (serveur local)"

    def describe(self) -> str:
        who = f", utilisateur {self.user}" if self.user else ", sans identification"
        return f"{self.host}:{self.port}, {self.security}{who}"


@dataclass(frozen=True)
class DeliverySettings:
    drive_folder: str | None = None
    drive_name: str | None = None  # None: rapport-<fonds>-<début>-<fin>.xlsx
    drive_scope: str = DELIVERY.defaults["drive_scope"]
    email_to: tuple[Address, ...] = ()
    email_from: Address | None = None
    smtp: SmtpSettings | None = None
    # When the committees send their corrections back (« le 5 de chaque mois »), said in their e-mail.
    corrections_due: str | None = None
    # A file a person created in their own Drive and shared with the tool's account:
    # each delivery uploads a new version of it, never creates a file.
    drive_file: str | None = None
    # Drive purges a binary file's older versions after 30 days unless asked to keep them.
    drive_keep_versions: bool = DELIVERY.defaults["drive_keep_versions"]
    # Resolved from the environment when the configuration was loaded (sync/config/sections.py):
    # ALLIANCE_SYNC_DRIVE_URL, Drive's address when not Google's (checked where it is used),
    drive_url: str = ""
    # and ALLIANCE_SYNC_SMTP_PASSWORD, never in the file; "" when not set. Never shown.
    smtp_password: str = field(default="", repr=False)

    @property
    def configured(self) -> bool:
        return bool(self.drive_folder or self.drive_file or self.smtp)

    @property
    def drive(self) -> bool:
        """Drive delivery is configured (a folder, or a file updated by its id)."""
        return bool(self.drive_folder or self.drive_file)

    @property
    def drive_scope_url(self) -> str:
        return DRIVE_SCOPES[self.drive_scope]


def is_loopback_host(host: str) -> bool:
    """localhost, 127.0.0.0/8 and ::1: the only hosts reached without TLS."""
    host = host.strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_address(text: object) -> Address:
    """One e-mail address (``a@b.org`` or ``Nom <a@b.org>``); ValueError in French otherwise."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"une adresse courriel est attendue, lu : {shown(text)}")
    if any(c in text for c in "\r\n\t"):
        raise ValueError(f"une adresse courriel ne contient pas de saut de ligne, lu : {shown(text)}")
    found = getaddresses([text])
    if len(found) != 1:
        raise ValueError(f"une seule adresse par élément de la liste, lu : {shown(text)}")
    name, addr = found[0]
    local, _, domain = addr.rpartition("@")
    if not local or not domain or any(c.isspace() for c in addr):
        raise ValueError(f"adresse courriel invalide : {shown(text)} (attendu : nom@domaine.org)")
    try:
        return Address(display_name=name, addr_spec=addr)
    except (ValueError, IndexError, HeaderParseError):
        # The e-mail package refuses in English (« expected atom but found '.org' »), and
        # HeaderParseError is no ValueError: what is expected, in French, instead.
        raise ValueError(
            f"adresse courriel invalide : {shown(text)} (attendu : nom@domaine.org, en lettres "
            "sans accent, sans espace ni point doublé)"
        ) from None


def parse_addresses(value: object) -> tuple[Address, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)):
        raise ValueError(f"une adresse ou une liste d'adresses est attendue, lu : {shown(value)}")
    return tuple(parse_address(item) for item in items)


class _Fail:
    def __init__(self, path: Path | None):
        self.path = str(path) if path else None

    def __call__(self, key: str, message: str) -> ConfigError:
        return ConfigError(message, path=self.path, key=key)


def _addresses(fail: _Fail, data: TomlTable, name: str, key: str) -> tuple[Address, ...]:
    if name not in data:
        return ()
    try:
        return parse_addresses(data[name])
    except ValueError as exc:
        raise fail(key, str(exc)) from None


def _text(fail: _Fail, data: TomlTable, name: str, key: str) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise fail(key, f"un texte non vide est attendu, lu : {shown(value)}")
    return value.strip()


def _flag(fail: _Fail, data: TomlTable, name: str, key: str, default: bool) -> bool:
    value = data.get(name, default)
    if not isinstance(value, bool):
        raise fail(key, f"true ou false est attendu, lu : {shown(value)}")
    return value


def _refuse_password(fail: _Fail, data: TomlTable, table: str) -> None:
    if _PASSWORD in data:
        raise fail(
            f"{table}.password",
            "le mot de passe SMTP ne s'écrit pas dans le fichier : retirez-le et "
            f"définissez la variable d'environnement {PASSWORD_ENV}",
        )


def _smtp(fail: _Fail, data: Any, base: Path) -> SmtpSettings:
    if not isinstance(data, dict):
        raise fail(
            "delivery.smtp",
            'une table est attendue : { host = "smtp.exemple.org", port = 587, starttls = true, user = "..." }',
        )
    _refuse_password(fail, data, "delivery.smtp")
    reject_unknown_keys(fail.path, data, SMTP.names, "delivery.smtp")
    host = _text(fail, data, "host", "delivery.smtp.host")
    if host is None:
        raise fail("delivery.smtp.host", "l'adresse du serveur SMTP est requise (ex. smtp.exemple.org)")
    typed = read_section(fail, SMTP, data, base)  # the keys of a simple kind: ssl, timeout
    ssl = typed["ssl"]
    starttls = _flag(fail, data, "starttls", "delivery.smtp.starttls", not ssl)
    if ssl and starttls:
        raise fail("delivery.smtp.ssl", "choisissez starttls = true (port 587) ou ssl = true (port 465), pas les deux")
    if not (ssl or starttls) and not is_loopback_host(host):
        raise fail(
            "delivery.smtp.starttls",
            f"une connexion chiffrée est exigée vers {host} : starttls = true (port 587) ou ssl = true "
            "(port 465) ; sans chiffrement, seul un serveur local (localhost, 127.0.0.1, ::1) est permis",
        )
    port = data.get("port", 465 if ssl else 587 if starttls else 25)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise fail("delivery.smtp.port", f"un numéro de port entre 1 et 65535 est attendu, lu : {shown(port)}")
    timeout = typed["timeout"]
    ca_file = _text(fail, data, "ca_file", "delivery.smtp.ca_file")
    return SmtpSettings(
        host=host,
        port=port,
        starttls=starttls,
        ssl=ssl,
        user=_text(fail, data, "user", "delivery.smtp.user"),
        timeout=float(timeout),
        ca_file=(base / ca_file).resolve() if ca_file else None,
    )


def parse_delivery(
    data: TomlTable, *, path: Path | None = None, contacts: bool = False, environment: Mapping[str, str] | None = None
) -> DeliverySettings:
    """The typed ``[delivery]`` table. ``contacts``: some committee has a contact,
    so the table must say how to send e-mail. ``environment``: the declared variables
    read when the configuration was loaded (the Drive address, the SMTP password)."""
    environment = environment or {}
    fail = _Fail(path)
    base = path.resolve().parent if path else Path.cwd()
    if not isinstance(data, dict):
        raise fail("delivery", "une table TOML est attendue")
    _refuse_password(fail, data, "delivery")
    reject_unknown_keys(fail.path, data, DELIVERY.names, "delivery")
    drive_folder = parse_drive_folder(fail, data)
    drive_file = parse_drive_file(fail, data)
    keep_versions = read_section(fail, DELIVERY, data, base)["drive_keep_versions"]
    drive_name = _text(fail, data, "drive_name", "delivery.drive_name")
    if drive_name is not None and (not drive_name.lower().endswith(".xlsx") or "/" in drive_name):
        raise fail(
            "delivery.drive_name", f"un nom de fichier se terminant par .xlsx est attendu, lu : {shown(drive_name)}"
        )
    drive_scope = _drive_scope(fail, data, drive_file=drive_file, drive_folder=drive_folder)
    email_to = _addresses(fail, data, "email_to", "delivery.email_to")
    smtp = _smtp(fail, data["smtp"], base) if "smtp" in data else None
    if smtp is None and email_to:
        raise fail(
            "delivery.smtp",
            "un serveur SMTP est requis pour envoyer les courriels de email_to : "
            'smtp = { host = "smtp.exemple.org", port = 587, starttls = true, user = "..." }',
        )
    if smtp is None and contacts and data:
        raise fail(
            "delivery.smtp",
            "un serveur SMTP est requis pour envoyer aux comités (clés contact) leurs "
            'constats : smtp = { host = "smtp.exemple.org", port = 587, starttls = true }',
        )
    email_from: Address | None = None
    if "email_from" in data:
        senders = _addresses(fail, data, "email_from", "delivery.email_from")
        if len(senders) != 1:
            raise fail("delivery.email_from", "une seule adresse d'expéditeur est attendue")
        email_from = senders[0]
    elif smtp is not None:
        try:
            email_from = parse_address(smtp.user or "")
        except ValueError:
            raise fail(
                "delivery.email_from",
                "l'adresse de l'expéditeur est requise (email_from = "
                '"coordination@exemple.org") quand smtp.user n\'en est pas une',
            ) from None
    return DeliverySettings(
        corrections_due=_text(fail, data, "corrections_due", "delivery.corrections_due"),
        drive_folder=drive_folder,
        drive_name=drive_name,
        drive_scope=drive_scope,
        email_to=email_to,
        email_from=email_from,
        smtp=smtp,
        drive_file=drive_file,
        drive_keep_versions=keep_versions,
        drive_url=environment.get(DRIVE_URL_ENV, ""),
        smtp_password=environment.get(PASSWORD_ENV, ""),
    )


def _drive_scope(fail: _Fail, data: TomlTable, *, drive_file: str | None, drive_folder: str | None) -> str:
    """``drive_scope``; « drive.file » refused where it cannot reach what delivery writes to."""
    drive_scope = data.get("drive_scope", DeliverySettings.drive_scope)
    if drive_scope not in DRIVE_SCOPES:
        raise fail("delivery.drive_scope", f"« drive » ou « drive.file » est attendu, lu : {shown(drive_scope)}")
    if drive_scope == "drive.file" and (drive_file or drive_folder):
        raise fail(
            "delivery.drive_scope",
            "« drive.file » ne donne accès qu'aux fichiers que l'outil a lui-même créés : "
            + ("le fichier de drive_file" if drive_file else "le dossier de drive_folder")
            + ", créé par une personne, lui resterait invisible (Google répondrait 404 « File not found ») ; "
            'mettez drive_scope = "drive" (la valeur par défaut)',
        )
    return str(drive_scope)


def parse_drive_folder(fail: _Fail, data: TomlTable) -> str | None:
    """``drive_folder``: a Drive folder id, or the folder's whole address (…/folders/ID).
    « <identifiant du dossier> » copied from an example would only fail at delivery time."""
    text = _text(fail, data, "drive_folder", "delivery.drive_folder")
    if text is None:
        return None
    found = re.search(r"/folders/([A-Za-z0-9_-]+)", text)
    folder_id = found.group(1) if found else text
    if not re.fullmatch(r"[A-Za-z0-9_-]+", folder_id):
        raise fail(
            "delivery.drive_folder",
            f"l'identifiant d'un dossier Google Drive est attendu (la partie de "
            f"son adresse après /folders/), lu : {shown(text)}",
        )
    return folder_id


def parse_drive_file(fail: _Fail, data: TomlTable) -> str | None:
    """``drive_file``: a Drive file id, or the file's whole address (…/d/ID/…, ?id=ID)."""
    text = _text(fail, data, "drive_file", "delivery.drive_file")
    if text is None:
        return None
    found = re.search(r"/d/([A-Za-z0-9_-]{10,})", text) or re.search(r"[?&]id=([A-Za-z0-9_-]{10,})", text)
    file_id = found.group(1) if found else text
    if not re.fullmatch(r"[A-Za-z0-9_-]{10,}", file_id):
        raise fail(
            "delivery.drive_file",
            f"l'identifiant d'un fichier Google Drive est attendu (la partie de son "
            f"adresse entre /d/ et /edit), lu : {shown(text)}",
        )
    if data.get("drive_folder") is not None:
        raise fail(
            "delivery.drive_file",
            "drive_file et drive_folder s'excluent : le fichier désigné par "
            "drive_file est mis à jour là où il est ; retirez drive_folder",
        )
    return file_id


class _Configured(Protocol):
    """A loaded configuration (sync/config/load.py's Config, which imports this module)."""

    @property
    def delivery(self) -> DeliverySettings: ...


class _Contacted(Protocol):
    """A committee of a loaded configuration (sync/config/load.py's Committee)."""

    @property
    def contact(self) -> tuple[Address, ...]: ...


def delivery_settings(config: _Configured) -> DeliverySettings:
    """The configuration's delivery settings, typed when it was loaded."""
    return config.delivery


def contacts_of(committee: _Contacted) -> tuple[Address, ...]:
    """The addresses that receive a committee's findings, typed when the configuration was loaded."""
    return committee.contact


def delivery_scopes(settings: DeliverySettings) -> tuple[str, ...]:
    """The Drive scope to ask Google for, besides the Sheets scopes, when Drive delivery is on.

    Asked by every client (Sheets too), so that one OAuth authorisation covers both."""
    if not settings.drive:
        return ()
    return (settings.drive_scope_url,)
