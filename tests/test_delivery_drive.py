"""Drive for an ordinary organisation, through the local Drive server that refuses
what Drive refuses: a service account creates nothing outside a shared drive, a
file made by a person is updated by its id, uploads resume after a lost connection
and never create twice, delivered versions are kept forever, and ``deliver
--dry-run`` says which way is configured and whether it will work."""

from __future__ import annotations

import datetime as dt
import functools
import json
from pathlib import Path

import requests

from sync.delivery import drive
from tests.support.delivery import FOLDER, DeliveryAlliance, clean_workbooks
from tests.support.smtp_server import free_port

ROBOT = "alliance-sync@projet-tcpm.iam.gserviceaccount.com"
FILE_ID = "1FiChIeRpartagePaRuNePersonne"
NAME = "rapport-fqis-2019-2023.xlsx"
AUTH_ERRORS = Path(__file__).resolve().parent / "fixtures" / "google" / "auth_errors.json"
DRIVE_ERRORS = AUTH_ERRORS.with_name("drive_errors.json")


def alliance_for(tmp_path, **delivery) -> DeliveryAlliance:
    """An alliance delivering to Drive only (no e-mail)."""
    folder = delivery.pop("folder", True)
    google = delivery.pop("google", None)
    return DeliveryAlliance(
        tmp_path,
        free_port(),
        workbooks=clean_workbooks(),
        drive=folder,
        contacts={},
        delivery={"email_to": [], **delivery},
        google=google,
    )


def drive_waits(monkeypatch) -> list[float]:
    """The waits of the Drive client, recorded instead of slept."""
    waits: list[float] = []
    monkeypatch.setattr(drive, "DriveHTTPClient", functools.partial(drive.DriveHTTPClient, sleep=waits.append))
    return waits


def as_service_account(server) -> None:
    server.caller, server.email = "service_account", ROBOT


# -- the three ways of an organisation


def test_a_service_account_cannot_create_in_a_my_drive_folder(tmp_path, drive_api):
    as_service_account(drive_api)
    drive_api.add_folder(FOLDER)  # a folder of someone's « Mon Drive », shared with the account
    alliance = alliance_for(tmp_path)
    result = alliance.cli("run", "--deliver")
    assert result.exit_code == 1
    assert (
        "n'a pas d'espace de stockage dans Google Drive (403 : Service Accounts do not have storage quota."
        in result.stderr
    )
    assert "indiquez-le dans [delivery] drive_file" in result.stderr
    assert drive_api.files == {}


def test_a_service_account_delivers_into_a_shared_drive(tmp_path, drive_api):
    as_service_account(drive_api)
    drive_api.add_folder(FOLDER, drive_id="0ADrivePartage9PVA")
    alliance = alliance_for(tmp_path)
    assert alliance.cli("run", "--deliver").exit_code == 0
    assert alliance.cli("run", "--deliver").exit_code == 0
    [stored] = drive_api.in_folder(FOLDER)
    assert (stored.name, stored.version, stored.drive_id) == (NAME, 2, "0ADrivePartage9PVA")
    # The file of a shared drive is found again only with the shared-drive flags.
    [listing] = drive_api.of_kind("list")[-1:]
    assert (
        listing.params["corpora"],
        listing.params["includeItemsFromAllDrives"],
        listing.params["supportsAllDrives"],
    ) == (["allDrives"], ["true"], ["true"])
    assert drive_api.count("create") == 1 and drive_api.count("update") == 1


def test_a_file_made_by_a_person_is_updated_by_its_id_and_never_created(tmp_path, drive_api):
    as_service_account(drive_api)  # no storage quota needed: the person's file holds the versions
    shared = drive_api.add_file("Rapport FQIS.xlsx", b"version de la personne", file_id=FILE_ID)
    alliance = alliance_for(tmp_path, folder=False, drive_file=f"https://docs.google.com/spreadsheets/d/{FILE_ID}/edit")
    first = alliance.cli("run", "--deliver")
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines()[-1] == "Livraison de la synchronisation n° 1 : 1 dépôt Google Drive."
    assert (
        f"Livraison : Google Drive, fichier {FILE_ID} — « Rapport FQIS.xlsx » nouvelle version, version 2, "
        f"fichier {FILE_ID}" in first.stderr
    )
    assert alliance.cli("run", "--deliver").exit_code == 0
    assert len(shared.revisions) == 3 and shared.content == alliance.output.read_bytes()
    assert (shared.version, shared.name, shared.kept_forever) == (3, "Rapport FQIS.xlsx", [False, True, True])
    assert drive_api.count("create") == 0 and drive_api.count("list") == 0
    assert alliance.deliveries()[0][:4] == (1, "drive", "", json.dumps([FILE_ID]))


def test_a_file_not_shared_or_read_only_says_what_to_do(tmp_path, drive_api):
    drive_api.add_file("Rapport FQIS.xlsx", b"x", file_id=FILE_ID, access="read")
    alliance = alliance_for(tmp_path, folder=False, drive_file=FILE_ID)
    result = alliance.cli("run", "--deliver")
    assert result.exit_code == 1
    assert (
        f"La livraison du classeur dans le fichier {FILE_ID} de Google Drive a échoué : le serveur refuse "
        f"l'écriture dans le fichier Google Drive {FILE_ID} (403 : The user does not have sufficient "
        f"permissions for file {FILE_ID}.)"
    ) in result.stderr
    missing = alliance_for(tmp_path / "b", folder=False, drive_file="1InConnuAbCdEfGh").cli("run", "--deliver")
    assert (
        "le fichier Google Drive 1InConnuAbCdEfGh est introuvable pour l'accès anonyme (serveur local) (404 : "
        "File not found: 1InConnuAbCdEfGh.) : vérifiez delivery.drive_file"
    ) in missing.stderr


def test_drive_file_and_drive_folder_exclude_each_other(tmp_path, drive_api):
    alliance = alliance_for(tmp_path, drive_file=FILE_ID)
    result = alliance.cli("run")
    assert result.exit_code == 2
    assert "clé « delivery.drive_file ») : drive_file et drive_folder s'excluent" in result.output


def test_the_versions_kept_forever_can_be_turned_off(tmp_path, drive_api):
    drive_api.add_folder(FOLDER)
    alliance = alliance_for(tmp_path, drive_keep_versions=False)
    assert alliance.cli("run", "--deliver").exit_code == 0
    [stored] = drive_api.in_folder(FOLDER)
    assert stored.kept_forever == [False]
    assert "keepRevisionForever" not in drive_api.of_kind("create")[0].params


# -- uploads done right


def test_an_upload_cut_midway_resumes_from_what_drive_kept(tmp_path, drive_api, monkeypatch):
    monkeypatch.setattr(drive, "CHUNK", 10_000)  # several chunks for a small workbook
    drive_api.chunk_unit = 10_000  # the fake's 256 KiB rule, scaled to the chunks
    drive_api.add_folder(FOLDER)
    drive_api.drop_upload(keep=4_000)  # the first chunk: 4,000 bytes reach Drive, then the line drops
    alliance = alliance_for(tmp_path)
    result = alliance.cli("run", "--deliver")
    assert result.exit_code == 0, result.output
    data = alliance.output.read_bytes()
    [stored] = drive_api.in_folder(FOLDER)
    assert stored.content == data
    puts = [r for r in drive_api.requests if r.kind in ("upload", "status")]
    ranges = [(r.kind, r.headers["content-range"], r.status) for r in puts]
    size = len(data)
    assert ranges[:3] == [
        ("upload", f"bytes 0-9999/{size}", 0),
        ("status", f"bytes */{size}", 308),
        ("upload", f"bytes 4000-13999/{size}", 308),
    ]
    assert ranges[-1][2] == 200
    assert sum(len(r.media or b"") for r in puts if r.status != 0) == size - 4_000
    assert "pendant le dépôt, reprise dans" in result.stderr
    assert drive_api.count("create") == 1


def test_a_server_error_midway_and_a_lost_status_question_resume_without_resending(tmp_path, drive_api):
    drive_api.add_folder(FOLDER)
    drive_api.fail(503, kind="upload")  # Drive's backend fails the content…
    drive_api.fail(0, kind="status")  # …and the first « where are you? » gets no answer
    alliance = alliance_for(tmp_path)
    result = alliance.cli("run", "--deliver")
    assert result.exit_code == 0, result.output
    size = alliance.output.stat().st_size
    assert [
        (r.kind, r.headers["content-range"], r.status) for r in drive_api.requests if r.kind in ("upload", "status")
    ] == [
        ("upload", f"bytes 0-{size - 1}/{size}", 503),
        ("status", f"bytes */{size}", 0),
        ("status", f"bytes */{size}", 308),
        ("upload", f"bytes 0-{size - 1}/{size}", 200),
    ]
    [stored] = drive_api.in_folder(FOLDER)
    assert stored.content == alliance.output.read_bytes()
    assert result.stderr.count("pendant le dépôt, reprise dans") == 2


def test_a_create_whose_answer_is_lost_is_asked_of_the_session_not_repeated(tmp_path, drive_api):
    drive_api.add_folder(FOLDER)
    drive_api.lose_answer("upload")  # the file is created, the answer never arrives
    alliance = alliance_for(tmp_path)
    result = alliance.cli("run", "--deliver")
    assert result.exit_code == 0, result.output
    assert len(drive_api.in_folder(FOLDER)) == 1
    assert [(r.kind, r.status) for r in drive_api.requests if r.kind in ("create", "upload", "status")] == [
        ("create", 200),
        ("upload", 0),
        ("status", 200),
    ]


def test_a_create_whose_session_is_gone_is_looked_up_before_creating_again(tmp_path, drive_api, monkeypatch):
    drive_api.add_folder(FOLDER)
    drive_api.lose_answer("upload")  # the file is created, the answer never arrives…
    drive_api.fail(404, kind="status", body={"error": {"code": 404, "message": "Not Found"}})  # …nor the session
    alliance = alliance_for(tmp_path)
    result = alliance.cli("run", "--deliver")
    assert result.exit_code == 0, result.output
    assert len(drive_api.in_folder(FOLDER)) == 1  # found by name and checksum: no second create
    assert drive_api.count("create") == 1
    assert "a bien été créé malgré la réponse perdue" in result.stderr


def test_a_lost_create_whose_look_up_fails_too_is_never_created_again(tmp_path, drive_api, monkeypatch):
    """The outcome of the create stays unknown: the delivery fails and says so; a second create
    could leave two files of the same name in the ministry's folder."""
    drive_waits(monkeypatch)
    drive_api.add_folder(FOLDER)
    drive_api.lose_answer("upload")  # the file is created, the answer never arrives…
    drive_api.fail(404, kind="status", body={"error": {"code": 404, "message": "Not Found"}})  # …nor the session
    drive_api.fail(500, times=10, kind="list", skip=1)  # …and the look-up after it fails (not the first listing)
    alliance = alliance_for(tmp_path)
    result = alliance.cli("run", "--deliver")
    assert result.exit_code == 1, result.output
    assert drive_api.count("create") == 1
    assert len(drive_api.in_folder(FOLDER)) == 1  # the one file the lost create made
    assert [r.kind for r in drive_api.requests][:4] == ["list", "create", "upload", "status"]
    assert drive_api.count("list") >= 2
    assert result.stderr.endswith(
        "ne répond pas correctement (erreur 500 du serveur, 3 essais en 0 s) : réessayez plus tard. Le classeur et "
        "l'historique sont conservés ; « alliance-sync deliver 1 » reprendra ce qui n'a pas été livré.\n"
    )
    # Delivered again once Drive answers: the file the lost create made is found and updated, not doubled.
    drive_api.clear_faults()
    again = alliance.cli("deliver", "1")
    assert again.exit_code == 0, again.output
    assert drive_api.count("create") == 1 and drive_api.count("update") == 1
    assert len(drive_api.in_folder(FOLDER)) == 1


# -- the local server refuses what Drive refuses


def test_the_local_drive_server_is_as_strict_as_drive(drive_api):
    drive_api.add_folder(FOLDER, drive_id="0ADrivePartage9PVA")
    files = f"{drive_api.url}/drive/v3/files"
    assert requests.get(files, timeout=10).status_code == 401
    token = {"Authorization": "Bearer ya29.jeton"}
    refused = requests.get(
        files, params={"corpora": "allDrives", "supportsAllDrives": "true"}, headers=token, timeout=10
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == (
        "The includeItemsFromAllDrives parameter must be set to true when "
        "driveId is specified or corpora contains drive or allDrives."
    )
    # An item of a shared drive is « not found » without supportsAllDrives.
    assert requests.get(f"{files}/{FOLDER}", headers=token, timeout=10).status_code == 404
    assert (
        requests.get(f"{files}/{FOLDER}", params={"supportsAllDrives": "true"}, headers=token, timeout=10).status_code
        == 200
    )


# -- the resumable upload, as Google's own client does it


def test_a_308_is_resume_incomplete_never_a_redirect(tmp_path, drive_api, monkeypatch):
    """The fake's 308s carry a Location header every other time, as Drive's may: it is
    not followed (the chunk would go elsewhere), the next chunk goes to the session."""
    monkeypatch.setattr(drive, "CHUNK", 10_000)
    drive_api.chunk_unit = 10_000
    drive_api.add_folder(FOLDER)
    alliance = alliance_for(tmp_path)
    assert alliance.cli("run", "--deliver").exit_code == 0
    [stored] = drive_api.in_folder(FOLDER)
    assert stored.content == alliance.output.read_bytes()
    assert [r.status for r in drive_api.of_kind("upload")][:2] == [308, 308]
    assert drive_api.count("redirected") == 0


def test_the_retry_budget_is_per_failure_not_per_upload(tmp_path, drive_api, monkeypatch):
    """Five dropped connections, each after Drive kept more: with max_attempts = 3, a
    budget per upload would give up at the third; each failure has its own."""
    monkeypatch.setattr(drive, "CHUNK", 10_000)
    drive_api.chunk_unit = 10_000
    drive_api.add_folder(FOLDER)
    drive_api.drop_upload(keep=4_000, times=5)
    alliance = alliance_for(tmp_path)
    result = alliance.cli("run", "--deliver")
    assert result.exit_code == 0, result.output
    [stored] = drive_api.in_folder(FOLDER)
    assert stored.content == alliance.output.read_bytes()
    assert [r.status for r in drive_api.of_kind("upload")][:5] == [0, 0, 0, 0, 0]
    assert drive_api.count("status") == 5


def test_a_rate_limited_chunk_waits_as_drive_asks_then_goes_on(tmp_path, drive_api, monkeypatch):
    waits = drive_waits(monkeypatch)
    drive_api.add_folder(FOLDER)
    drive_api.fail(403, reason="userRateLimitExceeded", kind="upload", retry_after="2")
    drive_api.fail(429, reason="rateLimitExceeded", kind="upload")
    alliance = alliance_for(tmp_path, google={"backoff_initial": 0.5, "backoff_max": 5})
    result = alliance.cli("run", "--deliver")
    assert result.exit_code == 0, result.output
    assert waits[0] == 2.0  # Retry-After: 2
    assert 1.0 <= waits[1] <= 1.5  # second failure: 2 × 0.5 s, plus up to 0.5 s of jitter
    assert [r.status for r in drive_api.of_kind("upload")] == [403, 429, 200]
    assert drive_api.in_folder(FOLDER)[0].content == alliance.output.read_bytes()


def test_a_whole_delivery_goes_through_a_drive_that_rate_limits_by_itself(tmp_path, drive_api, monkeypatch):
    """Every third request refused, in turn 403 userRateLimitExceeded and 429 with
    Retry-After: lists, sessions, chunks and status queries alike; all waited out."""
    waits = drive_waits(monkeypatch)
    monkeypatch.setattr(drive, "CHUNK", 10_000)  # several chunks for a small workbook
    drive_api.chunk_unit = 10_000
    drive_api.add_folder(FOLDER)
    drive_api.rate_limit_every = 3
    drive_api.rate_limit_retry_after = "2"
    alliance = alliance_for(tmp_path, google={"backoff_initial": 0.5, "backoff_max": 5})
    result = alliance.cli("run", "--deliver")
    assert result.exit_code == 0, result.output
    [stored] = drive_api.in_folder(FOLDER)
    assert stored.content == alliance.output.read_bytes() and stored.version == 1
    statuses = [r.status for r in drive_api.requests]
    assert statuses.count(403) >= 2 and statuses.count(429) >= 2
    refused = {r.kind for r in drive_api.requests if r.status in (403, 429)}
    assert "upload" in refused or "status" in refused  # chunks were refused too, and resumed
    assert waits.count(2.0) == statuses.count(429)  # each 429's Retry-After: 2, honoured
    assert drive_api.count("redirected") == 0
    assert "partagez" not in result.stderr


def test_a_rate_limit_that_lasts_says_to_try_later_not_to_share(tmp_path, drive_api, monkeypatch):
    drive_waits(monkeypatch)
    drive_api.add_folder(FOLDER)
    drive_api.fail(403, reason="userRateLimitExceeded", kind="upload", times=10)
    result = alliance_for(tmp_path).cli("run", "--deliver")
    assert result.exit_code == 1, result.output
    assert (
        "Google Drive limite le rythme des requêtes de l'accès anonyme (serveur local) (erreur 403 "
        "userRateLimitExceeded), encore après les attentes : relancez la livraison plus tard (alliance-sync deliver)"
    ) in result.stderr
    assert "partagez" not in result.stderr


def test_a_full_drive_of_the_files_owner_is_not_blamed_on_the_account(tmp_path, drive_api):
    """Google's answer when the person who owns the shared file has no storage left."""
    as_service_account(drive_api)
    drive_api.add_file("Rapport FQIS.xlsx", b"version de la personne", file_id=FILE_ID)
    recorded = json.loads(DRIVE_ERRORS.read_text(encoding="utf-8"))["owner_storage_quota_403"]["body"]
    message = recorded["error"]["message"]
    assert message == "The user's Drive storage quota has been exceeded."
    drive_api.fail(403, kind="update", body=recorded)  # Google's answer as recorded (ShareX#7488)
    result = alliance_for(tmp_path, folder=False, drive_file=FILE_ID).cli("run", "--deliver")
    assert result.exit_code == 1, result.output
    assert (
        f"le fichier Google Drive {FILE_ID} appartient à une personne dont l'espace de stockage Google Drive "
        f"est plein (403 : {message}) : cette personne doit libérer de l'espace"
    ) in result.stderr
    assert "n'a pas d'espace de stockage" not in result.stderr and "partagez" not in result.stderr


# -- the revision policy: Drive keeps at most 200 revisions of a file forever


def test_only_the_first_delivery_of_a_month_is_kept_forever(tmp_path, drive_api):
    drive_api.epoch = dt.datetime.now(dt.UTC)  # the file's changes are this month's
    drive_api.add_folder(FOLDER)
    alliance = alliance_for(tmp_path)
    for _ in range(3):
        assert alliance.cli("run", "--deliver").exit_code == 0
    [stored] = drive_api.in_folder(FOLDER)
    assert stored.kept_forever == [True, False, False]  # created this month, then Drive's 30 days
    assert [r.params.get("keepRevisionForever") for r in drive_api.of_kind("update")] == [None, None]


def test_a_file_last_changed_in_an_earlier_month_gets_its_version_kept(tmp_path, drive_api):
    shared = drive_api.add_file("Rapport FQIS.xlsx", b"version de la personne", file_id=FILE_ID)  # 2024-01
    alliance = alliance_for(tmp_path, folder=False, drive_file=FILE_ID)
    assert alliance.cli("run", "--deliver").exit_code == 0
    assert shared.kept_forever == [False, True]


def test_the_201st_pinned_revision_is_delivered_unpinned_with_a_warning(tmp_path, drive_api):
    shared = drive_api.add_file("Rapport FQIS.xlsx", b"version de la personne", file_id=FILE_ID)
    shared.kept_forever = [True] * 200
    alliance = alliance_for(tmp_path, folder=False, drive_file=FILE_ID)
    result = alliance.cli("run", "--deliver")
    assert result.exit_code == 0, result.output
    assert shared.kept_forever[-1] is False and shared.content == alliance.output.read_bytes()
    sessions = drive_api.of_kind("update")
    assert [(r.status, r.params.get("keepRevisionForever")) for r in sessions] == [(403, ["true"]), (200, None)]
    assert (
        "Google Drive refuse de garder une version de plus pour toujours (au plus 200 par fichier) : version "
        "déposée sans être épinglée, Drive la gardera 30 jours"
    ) in result.stderr


# -- deliver --dry-run: the way configured, checked with reads only


def dry_run(alliance: DeliveryAlliance, *, works: bool = True) -> list[str]:
    """The Google Drive lines of ``deliver --dry-run``; an upload that would fail is the
    delivery's failure (exit 1, said on standard error), never counted as « to send »."""
    assert alliance.cli("run").exit_code == 0
    result = alliance.cli("deliver", "--dry-run")
    lines = result.stdout.splitlines()
    if works:
        assert (result.exit_code, result.stderr) == (0, ""), result.output
        assert lines[-1] == "À envoyer : 1 élément ; 3 éléments sans envoi."
    else:
        assert result.exit_code == 1, result.output
        assert lines[-1] == "À envoyer : 0 élément ; 1 élément ÉCHOUERAIT ; 3 éléments sans envoi."
        assert result.stderr == (
            "Erreur : la livraison de la synchronisation n° 1 échouerait pour 1 élément sur 1 "
            "(« ÉCHOUERAIT » ci-dessus) ; simulation : rien n'a été envoyé.\n"
        )
    start = lines.index("Google Drive :")
    return lines[start + 1 : lines.index("", start)]


def test_dry_run_of_a_service_account_in_a_my_drive_folder_says_it_would_fail(tmp_path, drive_api):
    as_service_account(drive_api)
    drive_api.add_folder(FOLDER)
    lines = dry_run(alliance_for(tmp_path), works=False)
    assert lines[0] == (
        f"  dossier {FOLDER}, fichier « {NAME} » : déposerait — nouvelle version du fichier s'il est "
        "déjà dans le dossier, sinon création — ÉCHOUERAIT : voir la vérification ci-dessous."
    )
    assert lines[2:] == [
        "  Vérification (lectures seules) :",
        f"    identifiants : compte de service {ROBOT} (serveur local {drive_api.url}, ALLIANCE_SYNC_DRIVE_URL) ;",
        "    dossier « Rapports FQIS » (Mon Drive) : dépôt permis ;",
        f"    fichier « {NAME} » : absent, il serait créé ;",
        "    → le dépôt ÉCHOUERAIT : un compte de service n'a pas d'espace de stockage : il ne peut pas créer de "
        "fichier hors d'un Drive partagé (Google répondrait 403 storageQuotaExceeded) ; faites créer le fichier une "
        "fois par une personne, partagé avec ce compte en Éditeur, et indiquez-le dans [delivery] drive_file, ou "
        "utilisez un Drive partagé ou une connexion OAuth ([google] oauth_client).",
    ]
    assert {r.method for r in drive_api.requests} == {"GET"} and drive_api.files == {}


def test_dry_run_of_a_file_updated_by_its_id(tmp_path, drive_api):
    as_service_account(drive_api)
    drive_api.add_file("Rapport FQIS.xlsx", b"x", file_id=FILE_ID)
    lines = dry_run(alliance_for(tmp_path, folder=False, drive_file=FILE_ID))
    assert lines == [
        f"  fichier {FILE_ID} : déposerait — nouvelle version du fichier, jamais de création.",
        f"  Voie : fichier {FILE_ID} mis à jour par son identifiant (drive_file) : une nouvelle version à chaque "
        "livraison, jamais de création.",
        "  Vérification (lectures seules) :",
        f"    identifiants : compte de service {ROBOT} (serveur local {drive_api.url}, ALLIANCE_SYNC_DRIVE_URL) ;",
        "    fichier « Rapport FQIS.xlsx » (le Drive d'une personne) : modifiable ;",
        "    → le dépôt fonctionnerait.",
    ]


def test_dry_run_with_the_drive_api_disabled(tmp_path, drive_api):
    drive_api.add_folder(FOLDER)
    recorded = json.loads(AUTH_ERRORS.read_text(encoding="utf-8"))["drive_api_disabled"]
    drive_api.fail(recorded["status"], kind="about", body=recorded["response_json"])
    lines = dry_run(alliance_for(tmp_path), works=False)
    assert lines[-1] == (
        "    → le dépôt ÉCHOUERAIT : l'API Google Drive n'est pas activée dans le projet Google Cloud du compte "
        "(projet n° 123456789) : activez « Google Drive API » (console Google Cloud, API et services, Bibliothèque), "
        "attendez quelques minutes, puis relancez."
    )


def test_drive_refusing_the_scope_says_so_not_to_share_the_folder(tmp_path, drive_api):
    drive_api.add_folder(FOLDER)
    recorded = json.loads(AUTH_ERRORS.read_text(encoding="utf-8"))["drive_insufficient_scopes"]
    drive_api.fail(recorded["status"], kind="list", body=recorded["response_json"])
    result = alliance_for(tmp_path).cli("run", "--deliver")
    assert result.exit_code == 1
    assert (
        "a échoué : les identifiants de l'accès anonyme (serveur local) n'ont pas les autorisations (scopes) "
        "demandées pour Google Drive (403 : Request had insufficient authentication scopes.) ; un fichier "
        "« authorized_user » de gcloud n'a que celles demandées à la connexion : vérifiez [delivery] drive_scope "
        "(« drive » pour un dossier ou un fichier existant)."
    ) in result.stderr
    assert "partagez le dossier" not in result.stderr


def test_the_local_drive_is_as_strict_as_drive_on_resumable_uploads(drive_api):
    """The session needs the content's length; every chunk but the last is a multiple of
    256 KiB; a 308 may carry a Location header (Google's real answers do)."""
    drive_api.add_folder(FOLDER)
    auth = {"Authorization": "Bearer jeton"}
    url = f"{drive_api.url}/upload/drive/v3/files?uploadType=resumable"
    metadata = {"name": NAME, "parents": [FOLDER]}
    no_length = requests.post(url, json=metadata, headers=auth, timeout=5)
    assert (no_length.status_code, no_length.json()["error"]["message"]) == (
        400,
        "X-Upload-Content-Length header is required.",
    )
    session = requests.post(url, json=metadata, headers={**auth, "X-Upload-Content-Length": "600000"}, timeout=5)
    put = functools.partial(requests.put, session.headers["Location"], allow_redirects=False, timeout=5)
    odd = put(data=b"x" * 100_000, headers={**auth, "Content-Range": "bytes 0-99999/600000"})
    assert odd.status_code == 400
    assert "contained a chunk that is not a multiple of 262144 bytes" in odd.json()["error"]["message"]
    first = put(data=b"x" * 262_144, headers={**auth, "Content-Range": "bytes 0-262143/600000"})
    assert (first.status_code, first.headers["Range"], first.headers["Location"]) == (
        308,
        "bytes=0-262143",
        f"{drive_api.url}/redirected",
    )
    assert drive.CHUNK % 262_144 == 0  # the client's chunks are whole multiples


def test_the_local_drive_pins_the_200th_revision_and_refuses_the_201st(drive_api):
    shared = drive_api.add_file("Rapport FQIS.xlsx", b"version de la personne", file_id=FILE_ID)
    url = f"{drive_api.url}/upload/drive/v3/files/{FILE_ID}"
    params = {"uploadType": "resumable", "keepRevisionForever": "true"}
    headers = {"Authorization": "Bearer jeton", "X-Upload-Content-Length": "3"}

    def open_session() -> requests.Response:
        return requests.patch(url, params=params, json={}, headers=headers, timeout=5)

    shared.kept_forever = [True] * 199 + [False]
    assert open_session().status_code == 200  # the 200th pinned revision is allowed
    shared.kept_forever = [True] * 200
    refused = open_session()
    assert refused.status_code == 403
    assert refused.json()["error"]["errors"][0]["reason"] == "revisionLimitExceeded"
