"""The ``[delivery]`` table and the committees' ``contact`` (SPEC §9), typed.

``sync/config.py`` keeps ``[delivery]`` as it was read and each committee's
``contact`` as text; :func:`check_delivery` validates both when the configuration
is loaded (French errors naming the key), :func:`delivery_settings` gives the
typed settings when a delivery is made. Standard library only: every command
loads the configuration, few deliver.

The SMTP password is never in the file: it comes from ``ALLIANCE_SYNC_SMTP_PASSWORD``.
"""

from __future__ import annotations

import ipaddress
import logging
import math
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import getaddresses
from pathlib import Path
from typing import Any

from sync.errors import ConfigError

log = logging.getLogger(__name__)

PASSWORD_ENV = "ALLIANCE_SYNC_SMTP_PASSWORD"
# drive.file only reaches files the tool created or was handed through Google's
# picker: not a folder the ministry shared with the service account. « drive »
# is the scope that can add a file to such a folder.
DRIVE_SCOPES = {"drive": "https://www.googleapis.com/auth/drive",
                "drive.file": "https://www.googleapis.com/auth/drive.file"}

_DELIVERY_KEYS = {"drive_folder", "drive_name", "drive_scope", "email_to", "email_from", "smtp"}
_SMTP_KEYS = {"host", "port", "starttls", "ssl", "user", "timeout", "ca_file"}


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
    drive_scope: str = "drive"
    email_to: tuple[Address, ...] = ()
    email_from: Address | None = None
    smtp: SmtpSettings | None = None

    @property
    def configured(self) -> bool:
        return bool(self.drive_folder or self.smtp)

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
        raise ValueError(f"une adresse courriel est attendue, lu : {text!r}")
    if any(c in text for c in "\r\n\t"):
        raise ValueError(f"une adresse courriel ne contient pas de saut de ligne, lu : {text!r}")
    found = getaddresses([text])
    if len(found) != 1:
        raise ValueError(f"une seule adresse par élément de la liste, lu : {text!r}")
    name, addr = found[0]
    local, _, domain = addr.rpartition("@")
    if not local or not domain or any(c.isspace() for c in addr):
        raise ValueError(f"adresse courriel invalide : {text!r} (attendu : nom@domaine.org)")
    try:
        return Address(display_name=name, addr_spec=addr)
    except (ValueError, IndexError) as exc:  # the e-mail package's own refusal
        raise ValueError(f"adresse courriel invalide : {text!r} ({exc})") from None


def parse_addresses(value: object) -> tuple[Address, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)):
        raise ValueError(f"une adresse ou une liste d'adresses est attendue, lu : {value!r}")
    return tuple(parse_address(item) for item in items)


class _Fail:
    def __init__(self, path: Path | None):
        self.path = str(path) if path else None

    def __call__(self, key: str, message: str) -> ConfigError:
        return ConfigError(message, path=self.path, key=key)


def _addresses(fail: _Fail, data: dict, name: str, key: str) -> tuple[Address, ...]:
    if name not in data:
        return ()
    try:
        return parse_addresses(data[name])
    except ValueError as exc:
        raise fail(key, str(exc)) from None


def _text(fail: _Fail, data: dict, name: str, key: str) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise fail(key, f"un texte non vide est attendu, lu : {value!r}")
    return value.strip()


def _flag(fail: _Fail, data: dict, name: str, key: str, default: bool) -> bool:
    value = data.get(name, default)
    if not isinstance(value, bool):
        raise fail(key, f"true ou false est attendu, lu : {value!r}")
    return value


def _refuse_password(fail: _Fail, data: dict, table: str) -> None:
    if "password" in data:
        raise fail(f"{table}.password", "le mot de passe SMTP ne s'écrit pas dans le fichier : retirez-le et "
                                        f"définissez la variable d'environnement {PASSWORD_ENV}")


def _smtp(fail: _Fail, data: Any, base: Path) -> SmtpSettings:
    if not isinstance(data, dict):
        raise fail("delivery.smtp", 'une table est attendue : { host = "smtp.exemple.org", port = 587, '
                                    'starttls = true, user = "..." }')
    _refuse_password(fail, data, "delivery.smtp")
    for name in sorted(set(data) - _SMTP_KEYS):
        log.warning("Configuration : clé inconnue « delivery.smtp.%s », ignorée.", name)
    host = _text(fail, data, "host", "delivery.smtp.host")
    if host is None:
        raise fail("delivery.smtp.host", "l'adresse du serveur SMTP est requise (ex. smtp.exemple.org)")
    ssl = _flag(fail, data, "ssl", "delivery.smtp.ssl", False)
    starttls = _flag(fail, data, "starttls", "delivery.smtp.starttls", not ssl)
    if ssl and starttls:
        raise fail("delivery.smtp.ssl", "choisissez starttls = true (port 587) ou ssl = true (port 465), pas les deux")
    if not (ssl or starttls) and not is_loopback_host(host):
        raise fail("delivery.smtp.starttls",
                   f"une connexion chiffrée est exigée vers {host} : starttls = true (port 587) ou ssl = true "
                   "(port 465) ; sans chiffrement, seul un serveur local (localhost, 127.0.0.1, ::1) est permis")
    port = data.get("port", 465 if ssl else 587 if starttls else 25)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise fail("delivery.smtp.port", f"un numéro de port entre 1 et 65535 est attendu, lu : {port!r}")
    timeout = data.get("timeout", 60)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout < math.inf:
        raise fail("delivery.smtp.timeout", f"un nombre de secondes supérieur à 0 est attendu, lu : {timeout!r}")
    ca_file = _text(fail, data, "ca_file", "delivery.smtp.ca_file")
    return SmtpSettings(host=host, port=port, starttls=starttls, ssl=ssl,
                        user=_text(fail, data, "user", "delivery.smtp.user"), timeout=float(timeout),
                        ca_file=(base / ca_file).resolve() if ca_file else None)


def parse_delivery(data: dict, *, path: Path | None = None, contacts: bool = False) -> DeliverySettings:
    """The typed ``[delivery]`` table. ``contacts``: some committee has a contact,
    so the table must say how to send e-mail."""
    fail = _Fail(path)
    base = path.resolve().parent if path else Path.cwd()
    if not isinstance(data, dict):
        raise fail("delivery", "une table TOML est attendue")
    _refuse_password(fail, data, "delivery")
    for name in sorted(set(data) - _DELIVERY_KEYS):
        log.warning("Configuration : clé inconnue « delivery.%s », ignorée.", name)
    drive_folder = _text(fail, data, "drive_folder", "delivery.drive_folder")
    drive_name = _text(fail, data, "drive_name", "delivery.drive_name")
    if drive_name is not None and (not drive_name.lower().endswith(".xlsx") or "/" in drive_name):
        raise fail("delivery.drive_name", f"un nom de fichier se terminant par .xlsx est attendu, lu : {drive_name!r}")
    drive_scope = data.get("drive_scope", "drive")
    if drive_scope not in DRIVE_SCOPES:
        raise fail("delivery.drive_scope", f"« drive » ou « drive.file » est attendu, lu : {drive_scope!r}")
    email_to = _addresses(fail, data, "email_to", "delivery.email_to")
    smtp = _smtp(fail, data["smtp"], base) if "smtp" in data else None
    if smtp is None and email_to:
        raise fail("delivery.smtp", 'un serveur SMTP est requis pour envoyer les courriels de email_to : '
                                    'smtp = { host = "smtp.exemple.org", port = 587, starttls = true, user = "..." }')
    if smtp is None and contacts and data:
        raise fail("delivery.smtp", "un serveur SMTP est requis pour envoyer aux comités (clés contact) leurs "
                                    'constats : smtp = { host = "smtp.exemple.org", port = 587, starttls = true }')
    email_from = None
    if "email_from" in data:
        senders = _addresses(fail, data, "email_from", "delivery.email_from")
        if len(senders) != 1:
            raise fail("delivery.email_from", "une seule adresse d'expéditeur est attendue")
        email_from = senders[0]
    elif smtp is not None:
        try:
            email_from = parse_address(smtp.user or "")
        except ValueError:
            raise fail("delivery.email_from", "l'adresse de l'expéditeur est requise (email_from = "
                                              '"coordination@exemple.org") quand smtp.user n\'en est pas une') from None
    return DeliverySettings(drive_folder=drive_folder, drive_name=drive_name, drive_scope=drive_scope,
                            email_to=email_to, email_from=email_from, smtp=smtp)


def check_delivery(raw: dict, path: Path | None) -> None:
    """Validate ``[delivery]`` and every ``contact`` of a configuration being loaded."""
    fail = _Fail(path)
    has_contact = False
    places = [("regional", raw.get("regional"))]
    subregions = raw.get("subregions")
    if isinstance(subregions, list):
        places += [(f"subregions[{i + 1}]", item) for i, item in enumerate(subregions)]
    for key, table in places:
        if isinstance(table, dict) and "contact" in table:
            has_contact = True
            _addresses(fail, table, "contact", f"{key}.contact")
    delivery = raw.get("delivery", {})
    parse_delivery(delivery, path=path, contacts=has_contact)


def delivery_settings(config) -> DeliverySettings:
    """The configuration's delivery settings (already checked when it was loaded)."""
    return parse_delivery(config.delivery, path=config.path,
                          contacts=any(c.contact for c in (*config.subregions, config.regional)))


def contacts_of(committee) -> tuple[Address, ...]:
    return parse_addresses(list(committee.contact))


def delivery_scopes(config) -> tuple[str, ...]:
    """The Drive scope to ask Google for, besides the Sheets scopes, when Drive delivery is on.

    Asked by every client (Sheets too), so that one OAuth authorisation covers both."""
    folder = config.delivery.get("drive_folder") if isinstance(config.delivery, dict) else None
    if not folder:
        return ()
    scope = config.delivery.get("drive_scope", "drive")
    return (DRIVE_SCOPES.get(scope, DRIVE_SCOPES["drive"]),)
