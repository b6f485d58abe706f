"""Delivery failures lose nothing (docs/exploitation.md): the workbook and the run's record are
kept, the failure is a DELIVERY_FAILED finding on standard error with exit code 1,
and ``alliance-sync deliver`` sends later what was not sent. Real peers on
loopback: aiosmtpd refusing the login, the Drive server answering 403, servers
that do not answer in time. And no password in any log, workbook or history."""

from __future__ import annotations

import base64
import hashlib

import pytest

from sync.config.sections import PASSWORD_ENV
from tests.support.delivery import (
    CONTACTS,
    FOLDER,
    MINISTRY,
    PASSWORD,
    USER,
    DeliveryAlliance,
    clean_workbooks,
)
from tests.support.smtp_server import SilentServer, SmtpServer, free_port

EST = CONTACTS["EST"]


@pytest.fixture
def smtp():
    with SmtpServer(user=USER, password=PASSWORD) as server:
        yield server


def intact(alliance: DeliveryAlliance, run_id: int = 1) -> None:
    """The run is recorded as done, and its workbook is the one it wrote."""
    [(state, output, digest)] = alliance.query("SELECT state, output, output_sha256 FROM runs WHERE id = ?", run_id)
    assert (state, output) == ("done", str(alliance.output))
    assert hashlib.sha256(alliance.output.read_bytes()).hexdigest() == digest


def test_smtp_refusing_the_login_fails_the_emails_keeps_everything_and_deliver_resends(
    tmp_path, smtp, drive_api, monkeypatch
):
    drive_api.add_folder(FOLDER)
    monkeypatch.setenv(PASSWORD_ENV, "mauvais-mot-de-passe")
    alliance = DeliveryAlliance(tmp_path, smtp.port)
    result = alliance.cli("run", "--deliver")
    assert result.exit_code == 1
    intact(alliance)
    assert smtp.messages == [] and smtp.logins == [(USER, False)]  # one attempt, not one per message
    refused = (
        f"le serveur SMTP 127.0.0.1:{smtp.port} a refusé l'identification de l'utilisateur {USER} (535 5.7.8 "
        "Authentication credentials invalid) : vérifiez l'utilisateur (delivery.smtp.user) et le mot de passe "
        "(ALLIANCE_SYNC_SMTP_PASSWORD)."
    )
    tail = (
        " Le classeur et l'historique sont conservés ; « alliance-sync deliver 1 » reprendra ce qui n'a pas été livré."
    )
    assert result.stderr.endswith(
        "Erreur : livraison incomplète de la synchronisation n° 1 (3 sur 4) :\n"
        f"  DELIVERY_FAILED : La livraison du classeur par courriel à {MINISTRY[0]} a échoué : {refused}{tail}\n"
        f"  DELIVERY_FAILED : La livraison du classeur par courriel à {MINISTRY[1]} a échoué : {refused}{tail}\n"
        f"  DELIVERY_FAILED : La livraison des constats du comité EST par courriel à {EST} a échoué : "
        f"{refused}{tail}\n"
    )
    assert "Traceback" not in result.output
    assert result.stdout.splitlines()[-1] == "Livraison de la synchronisation n° 1 : 1 dépôt Google Drive ; 3 échecs."
    assert alliance.query("SELECT channel, status FROM deliveries ORDER BY id") == [
        ("drive", "sent"),
        ("ministry", "failed"),
        ("ministry", "failed"),
        ("committee", "failed"),
    ]

    # Tried again, password still wrong: the workbook already on Drive counts among the four deliveries.
    again = alliance.cli("deliver")
    assert again.exit_code == 1
    assert "Erreur : livraison incomplète de la synchronisation n° 1 (3 sur 4) :\n" in again.stderr

    # The password fixed, `deliver` takes up exactly what failed.
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    later = alliance.cli("deliver")
    assert later.exit_code == 0, later.output
    assert later.stdout == "Livraison de la synchronisation n° 1 : 2 courriels au ministère, 1 courriel de comité.\n"
    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == sorted([*MINISTRY, EST])
    assert all(
        m.attachments == [("rapport.xlsx", alliance.output.read_bytes())]
        for m in smtp.messages
        if m.rcpt_tos[0] in MINISTRY
    )
    assert drive_api.count("create") == 1 and drive_api.count("update") == 0  # already there: not again


def test_missing_password_variable_is_said_plainly(tmp_path, smtp, monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    alliance = DeliveryAlliance(tmp_path, smtp.port, drive=False, workbooks=clean_workbooks())
    result = alliance.cli("run", "--deliver")
    assert result.exit_code == 1
    assert (
        f"a échoué : la variable d'environnement ALLIANCE_SYNC_SMTP_PASSWORD n'est pas définie : elle seule "
        f"donne le mot de passe SMTP de l'utilisateur {USER}."
    ) in result.stderr
    assert smtp.logins == [] and smtp.messages == []
    intact(alliance)


def test_no_login_without_user(tmp_path, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)  # set, but never used: no user configured
    with SmtpServer() as server:
        alliance = DeliveryAlliance(
            tmp_path, server.port, drive=False, smtp={"user": None}, delivery={"email_from": "coordination@exemple.org"}
        )
        result = alliance.cli("run", "--deliver")
        assert result.exit_code == 1  # EST's errors
        assert "Livraison de la synchronisation n° 1 : 2 courriels au ministère, 1 courriel de comité." in result.stdout
        assert server.logins == [] and not any(m.authenticated for m in server.messages)


def test_a_refused_recipient_fails_alone(tmp_path, smtp, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    smtp.refused.add(MINISTRY[1])
    alliance = DeliveryAlliance(tmp_path, smtp.port, drive=False, workbooks=clean_workbooks())
    result = alliance.cli("run", "--deliver")
    assert result.exit_code == 1
    assert (
        f"La livraison du classeur par courriel à {MINISTRY[1]} a échoué : 127.0.0.1:{smtp.port} a refusé le "
        f"destinataire : {MINISTRY[1]} (550 5.1.1 Mailbox unavailable)."
    ) in result.stderr
    assert [m.rcpt_tos for m in smtp.messages] == [[MINISTRY[0]]]


def test_drive_answering_403_fails_the_upload_only_and_deliver_uploads_later(tmp_path, smtp, drive_api, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    drive_api.add_folder(FOLDER, access="read")  # shared read-only with the account
    alliance = DeliveryAlliance(tmp_path, smtp.port, workbooks=clean_workbooks())
    result = alliance.cli("run", "--deliver")
    assert result.exit_code == 1
    intact(alliance)
    assert result.stderr.endswith(
        "Erreur : livraison incomplète de la synchronisation n° 1 (1 sur 3) :\n"
        f"  DELIVERY_FAILED : La livraison du classeur dans le dossier Google Drive {FOLDER} a échoué : le serveur "
        f"refuse l'écriture dans le dossier Google Drive {FOLDER} (403 : The user does not have sufficient permissions "
        f"for file {FOLDER}.). Le classeur et l'historique sont conservés ; « alliance-sync deliver 1 » reprendra ce "
        "qui n'a pas été livré.\n"
    )
    assert drive_api.count("create") == 1  # a 403 is final: not retried
    assert len(smtp.messages) == 2  # the e-mails went out all the same
    assert drive_api.in_folder(FOLDER) == []

    drive_api.add_folder(FOLDER, access="write")  # the coordinator fixed the sharing
    later = alliance.cli("deliver")
    assert later.exit_code == 0, later.output
    assert later.stdout == "Livraison de la synchronisation n° 1 : 1 dépôt Google Drive.\n"
    [stored] = drive_api.in_folder(FOLDER)
    assert stored.content == alliance.output.read_bytes()
    assert len(smtp.messages) == 2


def test_drive_quota_answers_are_retried(tmp_path, drive_api):
    drive_api.add_folder(FOLDER)
    drive_api.fail(403, times=2, reason="userRateLimitExceeded", kind="create")
    alliance = DeliveryAlliance(
        tmp_path, free_port(), workbooks=clean_workbooks(), delivery={"email_to": []}, contacts={}
    )
    result = alliance.cli("run", "--deliver")
    assert result.exit_code == 0, result.output
    assert drive_api.count("create") == 3
    assert result.stderr.count(f"Google Drive : erreur 403 du serveur ({drive_api.url}), nouvel essai dans ") == 2
    [stored] = drive_api.in_folder(FOLDER)
    assert stored.content == alliance.output.read_bytes()


def test_drive_without_storage_quota_says_to_use_a_shared_drive(tmp_path, drive_api):
    drive_api.add_folder(FOLDER)
    drive_api.fail(403, reason="storageQuotaExceeded", kind="create")
    alliance = DeliveryAlliance(
        tmp_path, free_port(), workbooks=clean_workbooks(), delivery={"email_to": []}, contacts={}
    )
    result = alliance.cli("run", "--deliver")
    assert result.exit_code == 1
    assert (
        "l'accès anonyme (serveur local) n'a pas d'espace de stockage dans Google Drive (403 : Service Accounts "
        "do not have storage quota."
    ) in result.stderr
    assert (
        f"placez le dossier Google Drive {FOLDER} dans un Drive partagé où ce compte est Gestionnaire de contenu, "
        "ou faites créer le fichier une fois par une personne dans son Drive, partagé avec ce compte en Éditeur, "
        "et indiquez-le dans [delivery] drive_file, ou utilisez une connexion OAuth ([google] oauth_client)."
    ) in result.stderr


def test_unknown_drive_folder(tmp_path, drive_api):
    alliance = DeliveryAlliance(
        tmp_path, free_port(), workbooks=clean_workbooks(), delivery={"email_to": []}, contacts={}
    )
    result = alliance.cli("run", "--deliver")
    assert result.exit_code == 1
    assert (
        f"le dossier Google Drive {FOLDER} est introuvable pour l'accès anonyme (serveur local) (404 : File not "
        f"found: {FOLDER}.) : vérifiez delivery.drive_folder"
    ) in result.stderr


def test_drive_that_does_not_answer_in_time(tmp_path, drive_api):
    drive_api.add_folder(FOLDER)
    drive_api.slow(2.0, times=2, kind="list")
    alliance = DeliveryAlliance(
        tmp_path,
        free_port(),
        workbooks=clean_workbooks(),
        delivery={"email_to": []},
        contacts={},
        google={"timeout": 0.2, "max_attempts": 2},
    )
    result = alliance.cli("run", "--deliver")
    assert result.exit_code == 1
    assert (
        f"La livraison du classeur dans le dossier Google Drive {FOLDER} a échoué : Google Drive "
        f"({drive_api.url}) ne répond pas correctement (délai d'attente dépassé, 2 essais en "
    ) in result.stderr
    assert drive_api.count("list") == 2 and drive_api.count("create") == 0
    intact(alliance)


def test_smtp_server_that_does_not_answer_in_time(tmp_path, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    with SilentServer() as silent:
        alliance = DeliveryAlliance(tmp_path, silent.port, drive=False, smtp={"timeout": 0.3})
        result = alliance.cli("run", "--deliver")
        connections = len(silent.connections)
    assert result.exit_code == 1
    late = f"le serveur SMTP 127.0.0.1:{silent.port} n'a pas répondu dans le délai de 0.3 s (delivery.smtp.timeout)."
    assert result.stderr.count(late) == 3  # both ministry e-mails and EST's
    assert connections == 1  # the session lost, later e-mails do not wait again
    intact(alliance)


def test_smtp_server_refusing_connections(tmp_path, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    port = free_port()
    alliance = DeliveryAlliance(tmp_path, port, drive=False, workbooks=clean_workbooks())
    result = alliance.cli("run", "--deliver")
    assert result.exit_code == 1
    assert (
        f"le serveur SMTP 127.0.0.1:{port} refuse la connexion : vérifiez l'adresse et le port (delivery.smtp)."
    ) in result.stderr


def test_no_password_in_logs_history_or_workbook(tmp_path, smtp, drive_api, monkeypatch):
    drive_api.add_folder(FOLDER)
    secrets = [
        PASSWORD,
        base64.b64encode(PASSWORD.encode()).decode(),
        base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode(),
    ]
    log_file = tmp_path / "journal.log"
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    alliance = DeliveryAlliance(tmp_path, smtp.port)
    outputs = []
    from click.testing import CliRunner

    from sync.cli import cli

    for password in ("refusé-" + PASSWORD, PASSWORD):  # a refused login, then a good one
        monkeypatch.setenv(PASSWORD_ENV, password)
        secrets.append(password)
        result = CliRunner().invoke(
            cli,
            [
                "--verbose",
                "--log-file",
                str(log_file),
                "run",
                "--deliver",
                "--config",
                str(alliance.config),
                "--output",
                str(alliance.output),
                "--state-dir",
                str(alliance.state),
            ],
        )
        outputs.append(result.output)
    assert smtp.logins == [(USER, False), (USER, True)]
    places = {
        "sortie": "\n".join(outputs).encode(),
        "journal": log_file.read_bytes(),
        "historique": alliance.db.read_bytes(),
        "classeur": alliance.output.read_bytes(),
    }
    assert b"a refus\xc3\xa9 l'identification" in places["journal"]
    for name, content in places.items():
        for secret in secrets:
            assert secret.encode() not in content, (name, secret)
    # And none in the e-mails themselves.
    for message in smtp.messages:
        assert all(secret.encode() not in message.data for secret in secrets)
