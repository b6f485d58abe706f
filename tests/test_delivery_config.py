"""The [delivery] table and the committees' contact (docs/configuration.md): the documented shape
is accepted; mistakes name their key in French; TLS is required except towards a
loopback server, and the connection really is encrypted (aiosmtpd with STARTTLS,
and with TLS from the first byte)."""

from __future__ import annotations

import json
import sqlite3
from email.headerregistry import Address
from pathlib import Path

import pytest

from sync.config import load_config
from sync.config.delivery import DeliverySettings, delivery_settings
from sync.config.sections import PASSWORD_ENV
from sync.errors import ConfigError
from sync.history import History, schema
from tests.support import builders
from tests.support.delivery import MINISTRY, PASSWORD, USER, DeliveryAlliance, clean_workbooks
from tests.support.history import as_schema_5
from tests.support.smtp_server import SmtpServer, make_certificate

# The documented shape (docs/exploitation.md), verbatim (with the contact of the first sub-region).
SPEC_DELIVERY = """
[delivery]
drive_folder = "1AbCdEfGhIjKlMnOpQrStUvWxYz"   # optional
email_to = ["analyste@exemple.gouv.qc.ca"]                             # optional
smtp = { host = "smtp.exemple.org", port = 587, starttls = true, user = "coordination@exemple.org" }
# user is optional (no login without it); the SMTP password comes from
# ALLIANCE_SYNC_SMTP_PASSWORD, never from the file
"""


def config_with(tmp_path: Path, delivery: str = SPEC_DELIVERY, **overrides) -> Path:
    return builders.write_config(tmp_path, extra=delivery, overrides=overrides or None)


def error_of(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return caught.value


def test_spec_example_is_accepted(tmp_path):
    config = load_config(config_with(tmp_path, OUEST={"contact": "comite-ouest@exemple.org"}))
    settings = delivery_settings(config)
    assert settings.drive_folder == "1AbCdEfGhIjKlMnOpQrStUvWxYz"
    assert settings.email_to == (Address(addr_spec="analyste@exemple.gouv.qc.ca"),)
    assert settings.email_from == Address(addr_spec="coordination@exemple.org")  # the SMTP user by default
    smtp = settings.smtp
    assert (smtp.host, smtp.port, smtp.starttls, smtp.ssl, smtp.user, smtp.timeout) == (
        "smtp.exemple.org",
        587,
        True,
        False,
        "coordination@exemple.org",
        60.0,
    )
    assert config.committee("OUEST").contact == (Address(addr_spec="comite-ouest@exemple.org"),)
    assert settings is config.delivery  # parsed once, when the configuration was loaded


def test_ssl_defaults_to_port_465_and_contacts_may_be_lists_with_names(tmp_path):
    delivery = (
        '[delivery]\nemail_to = "Analyste MTESS <analyste@exemple.gouv.qc.ca>"\n'
        'email_from = "TCPM <coordination@exemple.org>"\nsmtp = { host = "smtp.exemple.org", ssl = true }\n'
    )
    contacts = ["a@exemple.org", "Comité Est <b@exemple.org>"]
    config = load_config(config_with(tmp_path, delivery, EST={"contact": contacts}))
    settings = delivery_settings(config)
    smtp = settings.smtp
    assert (smtp.port, smtp.starttls, smtp.ssl, smtp.user) == (465, False, True, None)
    assert config.committee("EST").contact == (
        Address(addr_spec="a@exemple.org"),
        Address("Comité Est", addr_spec="b@exemple.org"),
    )
    assert str(settings.email_from) == "TCPM <coordination@exemple.org>"
    assert [a.display_name for a in settings.email_to] == ["Analyste MTESS"]


@pytest.mark.parametrize(
    "delivery, key, fragment",
    [
        (
            '[delivery]\nemail_to = ["a@exemple.org"]\nsmtp = { host = "smtp.exemple.org", starttls = false, '
            'user = "u@exemple.org" }\n',
            "delivery.smtp.starttls",
            "une connexion chiffrée est exigée vers smtp.exemple.org : starttls = true (port 587) ou ssl = true (port 465) ; "
            "sans chiffrement, seul un serveur local (localhost, 127.0.0.1, ::1) est permis",
        ),
        (
            '[delivery]\nsmtp = { host = "smtp.exemple.org", user = "u@exemple.org", password = "secret" }\n',
            "delivery.smtp.password",
            "le mot de passe SMTP ne s'écrit pas dans le fichier : retirez-le et définissez la "
            "variable d'environnement ALLIANCE_SYNC_SMTP_PASSWORD",
        ),
        (
            '[delivery]\nemail_to = ["a@exemple.org"]\n',
            "delivery.smtp",
            "un serveur SMTP est requis pour envoyer les courriels de email_to",
        ),
        (
            '[delivery]\nemail_to = ["pas une adresse"]\nsmtp = { host = "smtp.exemple.org", user = "u@exemple.org" }\n',
            "delivery.email_to",
            "adresse courriel invalide : 'pas une adresse' (attendu : nom@domaine.org)",
        ),
        (
            '[delivery]\nemail_to = ["a@exemple.org, b@exemple.org"]\nsmtp = { host = "smtp.exemple.org", user = "u@x.o" }\n',
            "delivery.email_to",
            "une seule adresse par élément de la liste",
        ),
        (
            '[delivery]\nsmtp = { host = "smtp.exemple.org", ssl = true, starttls = true, user = "u@exemple.org" }\n',
            "delivery.smtp.ssl",
            "choisissez starttls = true (port 587) ou ssl = true (port 465), pas les deux",
        ),
        (
            '[delivery]\nsmtp = { host = "smtp.exemple.org", user = "coordination" }\n',
            "delivery.email_from",
            "l'adresse de l'expéditeur est requise",
        ),
        (
            '[delivery]\nsmtp = { host = "smtp.exemple.org", port = 0 }\nemail_from = "a@exemple.org"\n',
            "delivery.smtp.port",
            "un numéro de port entre 1 et 65535 est attendu, lu : 0",
        ),
        (
            '[delivery]\ndrive_folder = "x"\ndrive_name = "rapport.pdf"\n',
            "delivery.drive_name",
            "un nom de fichier se terminant par .xlsx est attendu",
        ),
        (
            '[delivery]\ndrive_folder = "x"\ndrive_scope = "spreadsheets"\n',
            "delivery.drive_scope",
            "« drive » ou « drive.file » est attendu",
        ),
        (
            '[delivery]\ndrive_file = "1AbCdEfGhIjKlMn"\ndrive_scope = "drive.file"\n',
            "delivery.drive_scope",
            "« drive.file » ne donne accès qu'aux fichiers que l'outil a lui-même créés : le fichier de drive_file, "
            "créé par une personne, lui resterait invisible (Google répondrait 404 « File not found ») ; mettez "
            'drive_scope = "drive" (la valeur par défaut)',
        ),
        (
            '[delivery]\ndrive_folder = "0AbCdossier"\ndrive_scope = "drive.file"\n',
            "delivery.drive_scope",
            "« drive.file » ne donne accès qu'aux fichiers que l'outil a lui-même créés : le dossier de drive_folder",
        ),
        (
            '[delivery]\ndrive_file = "mon fichier.xlsx"\n',
            "delivery.drive_file",
            "l'identifiant d'un fichier Google Drive est attendu (la partie de son adresse entre /d/ et /edit), lu : "
            "'mon fichier.xlsx'",
        ),
        (
            '[delivery]\ndrive_file = "1AbCdEfGhIjKlMn"\ndrive_keep_versions = "oui"\n',
            "delivery.drive_keep_versions",
            "true ou false est attendu, lu : 'oui'",
        ),
    ],
)
def test_wrong_delivery_settings_name_their_key(tmp_path, delivery, key, fragment):
    error = error_of(config_with(tmp_path, delivery))
    assert error.key == key
    assert fragment in error.detail, error.detail


def test_a_wrong_contact_names_its_subregion(tmp_path):
    path = config_with(tmp_path, "", EST={"contact": "CONTACT"})
    # A header injection attempt, as TOML writes it.
    path.write_text(path.read_text().replace('"CONTACT"', '"comite-est@exemple.org\\nBcc: autre@exemple.org"'))
    error = error_of(path)
    assert error.key == "subregions[2].contact"
    assert error.detail.startswith("une adresse courriel ne contient pas de saut de ligne")


def test_contacts_need_an_smtp_server_once_delivery_is_configured(tmp_path):
    error = error_of(config_with(tmp_path, '[delivery]\ndrive_folder = "x"\n', OUEST={"contact": "o@exemple.org"}))
    assert error.key == "delivery.smtp"
    # Without any [delivery] table, a contact waits quietly.
    config = load_config(config_with(tmp_path / "b", "", OUEST={"contact": "o@exemple.org"}))
    assert config.delivery == DeliverySettings() and not config.delivery.configured


def test_loopback_servers_may_go_without_tls(tmp_path):
    for host in ("localhost", "127.0.0.1", "::1", "127.8.9.10"):
        delivery = f'[delivery]\nemail_from = "a@exemple.org"\nsmtp = {{ host = "{host}", starttls = false }}\n'
        smtp = delivery_settings(load_config(config_with(tmp_path / host.replace(":", "_"), delivery))).smtp
        assert (smtp.starttls, smtp.ssl, smtp.port) == (False, False, 25)


# --------------------------------------------------------------------------
# TLS for real


@pytest.fixture
def certificate(tmp_path):
    return make_certificate(tmp_path)


@pytest.mark.parametrize("implicit", [False, True], ids=["starttls", "ssl"])
def test_the_connection_is_encrypted_and_the_certificate_verified(tmp_path, certificate, monkeypatch, implicit):
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    mode = {"ssl": True, "starttls": False} if implicit else {"starttls": True}
    with SmtpServer(user=USER, password=PASSWORD, certificate=certificate, implicit_tls=implicit) as server:
        alliance = DeliveryAlliance(
            tmp_path / "alliance",
            server.port,
            drive=False,
            workbooks=clean_workbooks(),
            smtp={**mode, "ca_file": str(certificate[0])},
        )
        result = alliance.cli("run", "--deliver")
        assert result.exit_code == 0, result.output
        assert sorted(m.rcpt_tos[0] for m in server.messages) == MINISTRY
        assert all(m.encrypted and m.authenticated for m in server.messages)
        assert server.logins == [(USER, True)]


def test_an_untrusted_certificate_stops_before_the_password_is_sent(tmp_path, certificate, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    with SmtpServer(user=USER, password=PASSWORD, certificate=certificate) as server:
        alliance = DeliveryAlliance(
            tmp_path / "alliance", server.port, drive=False, workbooks=clean_workbooks(), smtp={"starttls": True}
        )  # no ca_file: the self-signed certificate is unknown
        result = alliance.cli("run", "--deliver")
        assert result.exit_code == 1
        assert (
            f"le certificat TLS de le serveur SMTP 127.0.0.1:{server.port} n'est pas valide (self-signed certificate)"
        ) in result.stderr
        assert server.logins == [] and server.messages == []


def test_starttls_required_but_not_offered(tmp_path, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    with SmtpServer(user=USER, password=PASSWORD) as server:  # no certificate: no STARTTLS
        alliance = DeliveryAlliance(
            tmp_path / "alliance", server.port, drive=False, workbooks=clean_workbooks(), smtp={"starttls": True}
        )
        result = alliance.cli("run", "--deliver")
        assert result.exit_code == 1
        assert (
            f"le serveur SMTP 127.0.0.1:{server.port} n'offre pas STARTTLS : la connexion chiffrée est exigée"
            in result.stderr
        )
        assert server.logins == [] and server.messages == []


# --------------------------------------------------------------------------
# The history's migration


def test_a_history_from_before_delivery_is_migrated_and_its_runs_can_be_delivered(tmp_path, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    with SmtpServer(user=USER, password=PASSWORD) as server:
        alliance = DeliveryAlliance(tmp_path, server.port, drive=False, workbooks=clean_workbooks(), contacts={})
        # The tool as it was: schema 1, no digest of the workbook (the columns and table
        # of later migrations taken away by hand from a run of today's tool).
        assert alliance.cli("run").exit_code == 0
        with sqlite3.connect(alliance.db) as conn:
            as_schema_5(conn)
            conn.execute("DROP TABLE deliveries")
            conn.execute("DROP TABLE closures")
            for table, column in (
                ("runs", "output_sha256"),
                ("runs", "period"),
                ("runs", "demo"),
                ("runs", "output_placed"),
                ("sources", "identity"),
                ("findings", "field"),
                ("findings", "data"),
            ):
                conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
            conn.execute("PRAGMA user_version = 1")
        with History.open(alliance.state) as history:
            assert schema.schema_version(history.conn) == len(schema.MIGRATIONS) == 6
        assert alliance.query("SELECT id, state, output, output_sha256 FROM runs") == [
            (1, "done", str(alliance.output), None)
        ]
        result = alliance.cli("deliver", "1")
        assert result.exit_code == 0, result.output
        assert len(server.messages) == 2
        assert [(json.loads(r[3]), r[4]) for r in alliance.deliveries()] == [
            ([MINISTRY[0]], "sent"),
            ([MINISTRY[1]], "sent"),
        ]


def test_drive_file_is_taken_from_its_whole_address(tmp_path):
    from sync.config import load_config
    from sync.config.delivery import delivery_settings

    address = "https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOpQrStUv/edit?usp=sharing"
    settings = delivery_settings(load_config(config_with(tmp_path, f'[delivery]\ndrive_file = "{address}"\n')))
    assert (settings.drive_file, settings.drive_folder, settings.drive, settings.drive_keep_versions) == (
        "1AbCdEfGhIjKlMnOpQrStUv",
        None,
        True,
        True,
    )


# -- values nobody planned ------------------------------------------------------------


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_an_smtp_timeout_must_be_a_finite_number_of_seconds(tmp_path, value):
    # Accepted, it ended in socket.settimeout()'s ValueError or OverflowError when delivering.
    from tests.support.builders import write_config
    from tests.support.cli import config_error

    path = write_config(
        tmp_path,
        extra=f'[delivery]\nemail_to = ["analyste@exemple.gouv.qc.ca"]\n'
        f'smtp = {{ host = "smtp.exemple.org", timeout = {value}, '
        f'user = "coordination@exemple.org" }}\n',
    )
    assert "un nombre de secondes supérieur à 0 est attendu" in config_error(path, "delivery.smtp.timeout")


@pytest.mark.parametrize(
    "typed, folder_id",
    [
        ("1AbCdEfGhIjKlMnOpQrStUvWxYz", "1AbCdEfGhIjKlMnOpQrStUvWxYz"),
        (
            "https://drive.google.com/drive/folders/1AbCdEfGhIjKlMnOpQrStUvWxYz?usp=sharing",
            "1AbCdEfGhIjKlMnOpQrStUvWxYz",
        ),
    ],
)
def test_a_drive_folder_is_its_id_or_its_address(tmp_path, typed, folder_id):
    assert (
        delivery_settings(load_config(config_with(tmp_path, f'[delivery]\ndrive_folder = "{typed}"\n'))).drive_folder
        == folder_id
    )


@pytest.mark.parametrize(
    "delivery, key, detail",
    [
        # An example's wording copied as is: refused when loaded, not when the ministry is owed its workbook.
        (
            '[delivery]\ndrive_folder = "<identifiant du dossier partagé>"\n',
            "delivery.drive_folder",
            "l'identifiant d'un dossier Google Drive est attendu (la partie de son adresse après /folders/), "
            "lu : '<identifiant du dossier partagé>'",
        ),
        (
            '[delivery]\ndrive_folder = "REMPLACER-PAR-L-ID-DU-DOSSIER"\n',
            "delivery.drive_folder",
            "« REMPLACER-PAR-L-ID-DU-DOSSIER » est un exemple à remplacer : indiquez l'identifiant du dossier Google "
            "Drive partagé avec le ministère : la partie de son adresse après /folders/.",
        ),
        (
            '[delivery]\nemail_to = ["a@exemple.org", "REMPLACER-PAR-L-ADRESSE"]\nsmtp = { host = "localhost", '
            'starttls = false, user = "a@exemple.org" }\n',
            "delivery.email_to",
            "« REMPLACER-PAR-L-ADRESSE » est un exemple à remplacer : indiquez l'adresse courriel réelle du "
            "destinataire (nom@organisme.gouv.qc.ca).",
        ),
        (
            '[delivery]\nsmtp = { host = "localhost", starttls = false, usr = "a@exemple.org" }\n',
            "delivery.smtp.usr",
            "clé inconnue « usr ». Vouliez-vous dire « user » ? Clés permises ici : ca_file, host, port, ssl, starttls, "
            "timeout, user.",
        ),
        (
            '[delivery]\nsmtp = { host = "localhost", starttls = "oui" }\n',
            "delivery.smtp.starttls",
            "true ou false est attendu, lu : 'oui'",
        ),
        (
            '[delivery]\nsmtp = { host = "localhost", port = 2.5e1 }\n',
            "delivery.smtp.port",
            "un numéro de port entre 1 et 65535 est attendu, lu : 25.0",
        ),
    ],
)
def test_a_careless_delivery_table_is_refused_with_its_key(tmp_path, delivery, key, detail):
    error = error_of(config_with(tmp_path, delivery))
    assert (error.key, error.detail) == (key, detail)


def test_the_library_refuses_an_unknown_delivery_key_too():
    from sync.config.delivery import parse_delivery

    with pytest.raises(ConfigError) as caught:
        parse_delivery({"drive_folder": "1AbC", "emial_to": "a@exemple.org"})
    assert (caught.value.key, caught.value.detail) == (
        "delivery.emial_to",
        "clé inconnue « emial_to ». Vouliez-vous dire « email_to » ? Clés permises ici : "
        "corrections_due, drive_file, drive_folder, drive_keep_versions, drive_name, drive_scope, email_from, "
        "email_to, smtp.",
    )


@pytest.mark.parametrize("contact", ["comite-ouest@exemple..org", "comité@exemple.org"])
def test_an_address_the_email_package_refuses_is_explained_in_french(tmp_path, contact):
    # « exemple..org » ended in email's HeaderParseError, a traceback; « comité@ » in its English words.
    from tests.support.cli import config_error

    smtp = '[delivery]\nsmtp = { host = "localhost", starttls = false, user = "a@exemple.org" }\n'
    path = config_with(tmp_path, smtp, OUEST={"contact": contact})
    assert config_error(path, "subregions[1].contact").endswith(
        f"adresse courriel invalide : '{contact}' (attendu : nom@domaine.org, en lettres sans accent, sans espace "
        "ni point doublé)\n"
    )
