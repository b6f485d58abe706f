"""No network at all: every Google host (the token endpoint, Sheets, Drive) is tried
the documented number of times only, the committees at the same time, and the message
names the host that failed and why (DNS, TLS), never advising to share anything."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import requests
from click.testing import CliRunner
from urllib3.util import connection

from sync.cli import cli
from sync.google.http import service_at
from tests.support.delivery import DeliveryAlliance, clean_workbooks
from tests.support.sheets_server import google_config
from tests.support.smtp_server import free_port
from tests.test_google_resilience import fill, service_account_file

COMMITTEES = ("Ouest de la Montérégie", "Est de la Montérégie", "Agglomération de Longueuil")


class NoNetwork:
    """urllib3's connections, each a failed DNS lookup after ``delay`` seconds; records
    the host of each lookup and how many were under way at once."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.hosts: list[str] = []
        self.running = self.most = 0
        self._lock = threading.Lock()

    def __call__(self, address, *args, **kwargs):
        with self._lock:
            self.hosts.append(address[0])
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(self.delay)
        with self._lock:
            self.running -= 1
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


@pytest.fixture(name="no_network")
def no_network_fixture(monkeypatch):
    cut = NoNetwork(delay=0.3)
    monkeypatch.setattr(connection, "create_connection", cut)
    return cut


def test_check_access_tries_the_token_server_three_times_per_committee_all_at_once(tmp_path, monkeypatch, no_network):
    service_account_file(tmp_path / "cle.json", "https://oauth2.invalid/token")
    monkeypatch.setenv("ALLIANCE_SYNC_SHEETS_URL", "https://sheets.invalid")
    config = google_config(tmp_path, feedback=True, google={"credentials": "cle.json"})
    result = CliRunner().invoke(cli, ["check-access", "--config", str(config), "--state-dir", str(tmp_path / "etat")])
    assert result.exit_code == 3, result.output
    # 3 tries per committee, each one lookup (google-auth's own session would make it 4 per try).
    assert no_network.hosts == ["oauth2.invalid"] * 9
    assert no_network.most == 3  # the three committees at the same time
    for name in COMMITTEES:
        assert (
            f"le serveur d'authentification Google (https://oauth2.invalid) est injoignable pour le chiffrier "
            f"Google du comité {name}"
        ) in result.output
    assert result.output.count("adresse introuvable : le nom oauth2.invalid n'a pu être résolu (DNS), 3 essais") == 3
    assert "vérifiez la connexion Internet de ce poste" in result.output
    assert "Partagez" not in result.output and "partagez" not in result.output
    assert "Error" not in result.output and "Traceback" not in result.output


def test_a_tls_failure_at_the_token_server_is_named_and_tried_three_times(tmp_path, sheets_api):
    """A server that does not speak TLS where https is expected (an intercepting proxy
    answers likewise): the TLS session cannot be made, which no retry cures."""
    port = sheets_api.url.rsplit(":", 1)[1]
    service_account_file(tmp_path / "cle.json", f"https://127.0.0.1:{port}/token")
    config = google_config(tmp_path, codes=("EST",), google={"credentials": "cle.json"})
    # The Sheets address is Google's: the token endpoint is the one that fails.
    result = CliRunner().invoke(
        cli, ["validate", "--config", str(config)], env={"ALLIANCE_SYNC_SHEETS_URL": "https://sheets.googleapis.com"}
    )
    assert result.exit_code == 3, result.output
    assert (
        f"le serveur d'authentification Google (https://127.0.0.1:{port}) est injoignable pour le chiffrier "
        "Google du comité Est de la Montérégie"
    ) in result.output
    assert (
        f"négociation TLS impossible (https://127.0.0.1:{port}) (certificat refusé ou connexion interceptée), 3 essais"
        in result.output
    )
    assert "n'intercepte pas les connexions chiffrées" in result.output
    assert "partagez" not in result.output and "SSLError" not in result.output


def test_deliver_dry_run_names_the_unreachable_token_server_not_drive(tmp_path, monkeypatch):
    service_account_file(tmp_path / "cle.json", "https://oauth2.invalid/token")
    alliance = DeliveryAlliance(
        tmp_path,
        free_port(),
        workbooks=clean_workbooks(),
        contacts={},
        delivery={"email_to": []},
        google={"credentials": str(tmp_path / "cle.json")},
    )
    assert alliance.cli("run").exit_code == 0  # the committees' workbooks are local
    cut = NoNetwork()
    monkeypatch.setattr(connection, "create_connection", cut)
    monkeypatch.setenv("ALLIANCE_SYNC_DRIVE_URL", "https://drive.invalid")
    result = alliance.cli("deliver", "--dry-run")
    assert result.exit_code == 1, result.output
    assert cut.hosts == ["oauth2.invalid"] * 3
    assert (
        "le dépôt ÉCHOUERAIT : le serveur d'authentification Google (https://oauth2.invalid) est injoignable "
        "(adresse introuvable : le nom oauth2.invalid n'a pu être résolu (DNS), 3 essais en 0 s) : vérifiez la "
        "connexion Internet de ce poste (et son serveur mandataire)"
    ) in result.output
    assert "drive.invalid" not in result.output and "partagez" not in result.output
    retries = [line for line in result.output.splitlines() if "nouvel essai" in line]
    assert len(retries) == 2 and all("AVERTISSEMENT : Le serveur d'authentification Google : " in r for r in retries)
    assert "Google Drive : " not in result.output


def test_a_failure_is_named_by_the_host_that_failed():
    def cut(url: str) -> requests.ConnectionError:
        return requests.ConnectionError("coupé", request=requests.Request("POST", url).prepare())

    drive = "https://www.googleapis.com"
    assert service_at(cut("https://oauth2.googleapis.com/token"), drive, "Google Drive") == (
        "le serveur d'authentification Google"
    )
    assert service_at(cut(f"{drive}/drive/v3/files"), drive + "/", "Google Drive") == "Google Drive"
    assert service_at(None, "https://sheets.googleapis.com", "Google Sheets") == "Google Sheets"


def test_run_deliver_after_reads_found_google_unreachable_tries_drive_once(tmp_path, sheets_api, monkeypatch):
    """The night's reads proved the token server unreachable (3 tries per committee): the
    delivery that follows tries it once, says why, and the whole command ends in time."""
    monkeypatch.chdir(tmp_path)  # the workbook's default path
    fill(sheets_api)
    service_account_file(tmp_path / "cle.json", "https://oauth2.invalid/token")
    drive = '[delivery]\ndrive_folder = "0ABCdossier"\n'
    config = google_config(tmp_path, google={"credentials": "cle.json"}, extra=drive)
    state = str(tmp_path / "etat")
    first = CliRunner().invoke(cli, ["run", "--config", str(config), "--state-dir", state])
    assert first.exit_code == 0, first.output  # the local server, no credentials asked: a last good copy
    cut = NoNetwork()
    monkeypatch.setattr(connection, "create_connection", cut)
    monkeypatch.setenv("ALLIANCE_SYNC_SHEETS_URL", "https://sheets.invalid")
    monkeypatch.setenv("ALLIANCE_SYNC_DRIVE_URL", "https://drive.invalid")
    result = CliRunner().invoke(cli, ["run", "--deliver", "--config", str(config), "--state-dir", state])
    assert result.exit_code == 1, result.output
    assert cut.hosts == ["oauth2.invalid"] * 10  # 3 per committee, then Drive's token once
    assert (
        "La livraison du classeur dans le dossier Google Drive 0ABCdossier a échoué : le serveur "
        "d'authentification Google (https://oauth2.invalid) est injoignable (adresse introuvable : le nom "
        "oauth2.invalid n'a pu être résolu (DNS), 1 essai en 0 s, pas davantage : https://oauth2.invalid était "
        "déjà injoignable plus tôt dans cette commande) : vérifiez la connexion Internet de ce poste"
    ) in result.output
    assert "drive.invalid" not in result.output and "partagez" not in result.output


def test_a_retry_log_line_names_the_token_server_not_sheets(tmp_path, monkeypatch, no_network):
    service_account_file(tmp_path / "cle.json", "https://oauth2.invalid/token")
    monkeypatch.setenv("ALLIANCE_SYNC_SHEETS_URL", "https://sheets.invalid")
    config = google_config(tmp_path, codes=("EST",), google={"credentials": "cle.json"})
    result = CliRunner().invoke(cli, ["validate", "--config", str(config)])
    assert result.exit_code == 3, result.output
    retries = [line for line in result.output.splitlines() if "nouvel essai" in line]
    assert len(retries) == 2, result.output
    for line in retries:
        assert (
            "AVERTISSEMENT : Le serveur d'authentification Google : adresse introuvable : le nom oauth2.invalid "
            "n'a pu être résolu (DNS), nouvel essai dans "
        ) in line, line
    assert "Google Sheets :" not in result.output
