"""Delivery (docs/exploitation.md) end to end, with real protocol peers on loopback: aiosmtpd
receives the e-mails, the local Drive API v3 server the uploads.

Done when: after a nightly run with --deliver, the SMTP server holds one message
per ministry recipient with the exact workbook attached, plus one per committee
that has errors listing exactly its findings; a second run with no change sends
no committee message again."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from sync.cli import cli
from sync.config import load_config
from sync.config.sections import PASSWORD_ENV
from sync.errors import ConfigError
from sync.pipeline import build_report
from tests.support.builders import project, write_alliance
from tests.support.delivery import (
    CONTACTS,
    FOLDER,
    MINISTRY,
    PASSWORD,
    USER,
    DeliveryAlliance,
)
from tests.support.smtp_server import SmtpServer

EST = CONTACTS["EST"]


@pytest.fixture
def smtp(monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    with SmtpServer(user=USER, password=PASSWORD) as server:
        yield server


@pytest.fixture
def alliance(tmp_path, smtp, drive_api):
    drive_api.add_folder(FOLDER)
    return DeliveryAlliance(tmp_path, smtp.port)


def ministry_messages(smtp):
    return [m for m in smtp.messages if m.rcpt_tos[0] in MINISTRY]


def committee_messages(smtp):
    return [m for m in smtp.messages if m.rcpt_tos[0] not in MINISTRY]


def started(alliance, run_id: int) -> str:
    [(when,)] = alliance.query("SELECT started_at FROM runs WHERE id = ?", run_id)
    return when


def test_nightly_run_delivers_the_workbook_and_each_committees_own_findings(alliance, smtp, drive_api):
    result = alliance.cli("run", "--deliver")
    assert result.exit_code == 1, result.output  # EST's errors; the delivery itself went through
    assert result.stdout.splitlines()[-1] == (
        "Livraison de la synchronisation n° 1 : 1 dépôt Google Drive, 2 courriels au ministère, 1 courriel de comité."
    )
    workbook = alliance.output.read_bytes()
    day = started(alliance, 1)[:10]

    # One message per ministry recipient, the workbook attached byte for byte.
    ministry = ministry_messages(smtp)
    assert sorted(m.rcpt_tos for m in ministry) == [[MINISTRY[0]], [MINISTRY[1]]]
    for message in ministry:
        assert message.mail_from == USER and message.authenticated
        assert message.message["To"] == message.rcpt_tos[0]
        assert message.message["Subject"] == (
            f"Alliance pour la solidarité en Montérégie — classeur FQIS du {day} : 2 erreurs à corriger"
        )
        assert message.attachments == [("rapport.xlsx", workbook)]
        body = message.body
        assert "Conformité : 2 erreurs à corriger — voir l'onglet Validation.\n" in body
        assert "Constats : 2 erreurs, 0 avertissement.\n" in body
        assert (
            "Engagé et versé par sous-région :\n"
            "- OUEST — Ouest de la Montérégie : engagé 60 000,00 $ sur 2 600 000,00 $ (2,3 %), versé 10 000,00 $\n"
            "- EST — Est de la Montérégie : engagé 60 000,00 $ sur 3 900 000,00 $ (1,5 %), versé 20 000,00 $\n"
            "- LONGUEUIL — Agglomération de Longueuil : engagé 60 000,00 $ sur 4 100 000,00 $ (1,5 %), "
            "versé 0,00 $\n"
            "- REGION — Réserve régionale (TCPM) : engagé 0,00 $ sur 1 200 000,00 $ (0,0 %), versé 0,00 $\n"
            "- Ensemble de l'Alliance : engagé 180 000,00 $ sur l'enveloppe de 11 800 000,00 $ (1,5 %), "
            "versé 30 000,00 $\n"
        ) in body
        assert "Pièce jointe : rapport.xlsx\n" in body

    # One committee message, to EST only (OUEST is clean, LONGUEUIL has no contact), listing exactly its findings.
    [committee] = committee_messages(smtp)
    assert committee.rcpt_tos == [EST]
    assert committee.message["Subject"] == (
        f"FQIS — Est de la Montérégie : 2 erreurs à corriger dans votre chiffrier (synchronisation du {day})"
    )
    report = build_report(load_config(alliance.config))
    amount, unknown = report.findings_of("EST")
    assert (amount.code, amount.cell, unknown.code, unknown.cell) == (
        "INVALID_AMOUNT",
        "K3",
        "PAYMENT_UNKNOWN_PROJECT",
        "A3",
    )
    when = started(alliance, 1)
    assert committee.body == (
        "Bonjour,\n\n"
        f"Voici les constats de la synchronisation du {when[:10]} à {when[11:16]} sur le chiffrier du comité "
        "Est de la Montérégie (EST) — Alliance pour la solidarité en Montérégie.\n\n"
        "Bilan : 2 erreurs à corriger, 0 avertissement.\n\n"
        "Erreurs à corriger :\n\n"
        "1. Onglet Projets, cellule K3, projet EST-2020-002 — Montant invalide\n"
        f"   {amount.message}\n"
        "2. Onglet Versements, cellule A3, projet EST-2020-009 — Versement à un projet inconnu\n"
        f"   {unknown.message}\n\n"
        "Engagé par votre comité : 60 000,00 $ sur 3 900 000,00 $ (1,5 %), versé 20 000,00 $.\n\n"
        # A workbook committee sends its corrected workbook back; the address is the sender's.
        "Corrigez votre classeur est.xlsx, puis renvoyez-le à la coordination de l'Alliance, Table de "
        "concertation des préfets de la Montérégie (TCPM), à coordination@exemple.org (une réponse à ce "
        "courriel, avec le classeur corrigé en pièce jointe) : la synchronisation qui suivra sa réception "
        "vérifiera vos corrections.\n\n"
        "--\n"
        "Message envoyé automatiquement par alliance-sync 0.1.0 (Table de concertation des préfets de la "
        "Montérégie (TCPM)). Il n'est envoyé que lorsque vos constats changent.\n"
    )
    assert committee.attachments == []

    # Drive: the period's file created in the folder, with the workbook's bytes.
    [stored] = drive_api.in_folder(FOLDER)
    assert (stored.name, stored.version, stored.content) == ("rapport-fqis-2019-2023.xlsx", 1, workbook)
    [create] = drive_api.of_kind("create")
    assert create.metadata == {
        "description": f"Alliance pour la solidarité en Montérégie — synchronisation n° 1 "
        f"du {when[:10]} {when[11:16]} : 2 erreurs à corriger.",
        "name": "rapport-fqis-2019-2023.xlsx",
        "parents": [FOLDER],
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    # Loopback: a placeholder token, never Google credentials; the version kept forever.
    assert create.headers["authorization"] == "Bearer alliance-sync-serveur-local"
    assert create.params["uploadType"] == ["resumable"] and create.params["keepRevisionForever"] == ["true"]
    assert stored.kept_forever == [True]

    # The history says what was sent to whom.
    assert alliance.deliveries() == [
        (1, "drive", "", json.dumps([FOLDER]), "sent"),
        (1, "ministry", "", json.dumps([MINISTRY[0]]), "sent"),
        (1, "ministry", "", json.dumps([MINISTRY[1]]), "sent"),
        (1, "committee", "EST", json.dumps([EST]), "sent"),
    ]

    # Second night, nothing changed: the ministry gets the new workbook, Drive a new
    # version of the same file, and no committee is written to again.
    second = alliance.cli("run", "--deliver")
    assert second.exit_code == 1, second.output
    assert second.stdout.splitlines()[-1] == (
        "Livraison de la synchronisation n° 2 : 1 dépôt Google Drive, 2 courriels au ministère."
    )
    assert (
        "Livraison : courriel au comité EST (comite-est@exemple.org) — aucun envoi : 2 erreurs à corriger, "
        "0 avertissement ; constats inchangés depuis le courriel du " in second.stderr
    )
    assert len(ministry_messages(smtp)) == 4 and len(committee_messages(smtp)) == 1
    newer = alliance.output.read_bytes()
    assert all(m.attachments == [("rapport.xlsx", newer)] for m in ministry_messages(smtp)[2:])
    [again] = drive_api.in_folder(FOLDER)
    assert (again.id, again.version, again.revisions) == (stored.id, 2, [workbook, newer])
    [update] = drive_api.of_kind("update")
    assert update.path == f"/upload/drive/v3/files/{stored.id}" and update.method == "PATCH"
    assert "parents" not in update.metadata


def test_fixed_findings_are_announced_once_then_nothing(alliance, smtp):
    assert alliance.cli("run", "--deliver").exit_code == 1
    alliance.rewrite("EST", projects=[project("EST-2020-001"), project("EST-2020-002")], payments=[])
    fixed = alliance.cli("run", "--deliver")
    assert fixed.exit_code == 0, fixed.output
    [_first, news] = committee_messages(smtp)
    assert news.rcpt_tos == [EST]
    assert news.message["Subject"].startswith("FQIS — Est de la Montérégie : aucune erreur dans votre chiffrier")
    earlier = started(alliance, 1)
    assert "Bilan : conforme, aucun constat.\n" in news.body
    assert f"Les constats transmis le {earlier[:10]} " in news.body and "sont tous réglés. Merci !" in news.body
    assert alliance.cli("run", "--deliver").exit_code == 0
    assert len(committee_messages(smtp)) == 2


def test_changed_findings_are_sent_again(alliance, smtp):
    assert alliance.cli("run", "--deliver").exit_code == 1
    alliance.rewrite(
        "EST", projects=[project("EST-2020-001"), project("EST-2020-002", total_cost="douze mille")], payments=[]
    )
    assert alliance.cli("run", "--deliver").exit_code == 1
    [_, changed] = committee_messages(smtp)
    assert "Bilan : 1 erreur à corriger, 0 avertissement.\n" in changed.body
    assert "Ces constats ont changé depuis le courriel du " in changed.body
    assert "Versement à un projet inconnu" not in changed.body and "— Montant invalide\n" in changed.body


def test_dry_run_lists_what_would_be_sent_and_sends_nothing(alliance, smtp, drive_api):
    assert alliance.cli("run").exit_code == 1
    before = alliance.query("SELECT COUNT(*) FROM deliveries")
    result = alliance.cli("deliver", "--dry-run")
    assert result.exit_code == 0, result.output
    when = started(alliance, 1)
    size = f"{alliance.output.stat().st_size:,}".replace(",", " ")
    subject = f"Alliance pour la solidarité en Montérégie — classeur FQIS du {when[:10]} : 2 erreurs à corriger"
    assert result.stdout == (
        f"Livraison de la synchronisation n° 1 du {when[:10]} {when[11:16]} — simulation : rien n'est envoyé ni "
        "enregistré.\n"
        f"Classeur : {alliance.output} ({size} octets)\n"
        f"Serveur SMTP : 127.0.0.1:{smtp.port}, sans chiffrement (serveur local), utilisateur {USER} ; mot de passe : "
        f"ALLIANCE_SYNC_SMTP_PASSWORD définie ; expéditeur {USER}.\n"
        "\n"
        "Google Drive :\n"
        f"  dossier {FOLDER}, fichier « rapport-fqis-2019-2023.xlsx » : déposerait — nouvelle version du fichier "
        "s'il est déjà dans le dossier, sinon création.\n"
        f"  Voie : dossier {FOLDER} (drive_folder) : le fichier de la période y est créé puis mis à jour.\n"
        "  Vérification (lectures seules) :\n"
        f"    identifiants : compte Google coordination@exemple.org (serveur local {drive_api.url}, "
        "ALLIANCE_SYNC_DRIVE_URL) ;\n"
        "    dossier « Rapports FQIS » (Mon Drive) : dépôt permis ;\n"
        "    fichier « rapport-fqis-2019-2023.xlsx » : absent, il serait créé ;\n"
        "    → le dépôt fonctionnerait.\n"
        "\n"
        "Courriels au ministère :\n"
        f"  {MINISTRY[0]} : enverrait « {subject} » — classeur en pièce jointe (rapport.xlsx, {size} octets).\n"
        f"  {MINISTRY[1]} : enverrait « {subject} » — classeur en pièce jointe (rapport.xlsx, {size} octets).\n"
        "\n"
        "Courriels aux comités :\n"
        "  OUEST (comite-ouest@exemple.org) : aucun envoi — conforme, aucun constat ; rien à signaler.\n"
        f"  EST ({EST}) : enverrait « FQIS — Est de la Montérégie : 2 erreurs à corriger dans votre chiffrier "
        f"(synchronisation du {when[:10]}) » — 2 erreurs à corriger, 0 avertissement ; premiers constats transmis "
        "à ce comité.\n"
        "  LONGUEUIL (aucun contact) : aucun envoi — conforme, aucun constat ; aucun contact configuré.\n"
        "\n"
        "À envoyer : 4 éléments ; 2 éléments sans envoi.\n"
    )
    assert smtp.messages == []
    # Drive was only read: who the account is, the folder, the file looked for.
    assert [(r.method, r.kind) for r in drive_api.requests] == [("GET", "about"), ("GET", "get"), ("GET", "list")]
    assert alliance.query("SELECT COUNT(*) FROM deliveries") == before == [(0,)]


def test_run_deliver_dry_run_runs_but_only_lists_the_delivery(alliance, smtp, drive_api):
    result = alliance.cli("run", "--deliver", "--dry-run")
    assert result.exit_code == 1
    assert "Classeur écrit" in result.stdout and "simulation : rien n'est envoyé ni enregistré" in result.stdout
    assert smtp.messages == [] and {r.method for r in drive_api.requests} == {"GET"}
    assert alliance.query("SELECT state FROM runs") == [("done",)]
    assert alliance.deliveries() == []


def test_dry_run_needs_deliver(alliance):
    result = alliance.cli("run", "--dry-run")
    assert result.exit_code == 2
    assert "--dry-run ne s'emploie qu'avec --deliver" in result.stderr


def test_deliver_later_sends_what_was_not_sent_and_nothing_twice(alliance, smtp, drive_api):
    assert alliance.cli("run").exit_code == 1
    first = alliance.cli("deliver")
    assert first.exit_code == 0, first.output
    assert len(smtp.messages) == 3 and drive_api.count("create") == 1
    again = alliance.cli("deliver", "1")
    assert again.exit_code == 0
    assert again.stdout == "Livraison de la synchronisation n° 1 : rien envoyé.\n"
    assert "courriel au ministère (analyste@exemple.gouv.qc.ca) — aucun envoi : déjà envoyé le " in again.stderr
    assert len(smtp.messages) == 3 and drive_api.count("create") + drive_api.count("update") == 1
    forced = alliance.cli("deliver", "--force")
    assert forced.exit_code == 0
    # --force: everything again, the clean committee with a contact included.
    assert forced.stdout == (
        "Livraison de la synchronisation n° 1 : 1 dépôt Google Drive, 2 courriels au ministère, "
        "2 courriels de comité.\n"
    )
    assert len(smtp.messages) == 7 and drive_api.count("update") == 1
    assert "Bilan : conforme, aucun constat.\n" in smtp.to(CONTACTS["OUEST"])[0].body


def test_a_replaced_workbook_is_never_sent_in_an_older_runs_name(alliance, smtp, drive_api):
    assert alliance.cli("run").exit_code == 1
    assert alliance.cli("run").exit_code == 1  # same --output: run 1's workbook is replaced
    result = alliance.cli("deliver", "1")
    assert result.exit_code == 1
    assert (
        f"le classeur {alliance.output} a été remplacé par celui de la synchronisation n° 2 depuis la "
        "synchronisation n° 1"
    ) in result.stderr
    assert ministry_messages(smtp) == [] and drive_api.count("create") == 0
    # The committee still hears of its findings, which do not depend on the file.
    assert [m.rcpt_tos for m in committee_messages(smtp)] == [[EST]]
    assert alliance.query("SELECT channel, status FROM deliveries ORDER BY id") == [
        ("drive", "failed"),
        ("ministry", "failed"),
        ("ministry", "failed"),
        ("committee", "sent"),
    ]


def test_strict_run_without_workbook_still_tells_the_committees(alliance, smtp, drive_api):
    result = alliance.cli("run", "--strict", "--deliver")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == "Livraison de la synchronisation n° 1 : 1 courriel de comité."
    assert [m.rcpt_tos for m in smtp.messages] == [[EST]] and drive_api.requests == []


def test_deliver_without_delivery_configuration_is_a_configuration_error(tmp_path):
    config = write_alliance(tmp_path)
    result = CliRunner().invoke(
        cli,
        [
            "run",
            "--deliver",
            "--config",
            str(config),
            "--state-dir",
            str(tmp_path / "etat"),
            "--output",
            str(tmp_path / "r.xlsx"),
        ],
    )
    assert result.exit_code == 2
    assert result.stderr == (
        f"Erreur : Configuration invalide (fichier {config.resolve()}, clé « delivery ») : aucune "
        "livraison configurée : ajoutez une table [delivery] (drive_folder ou drive_file, "
        "email_to, smtp) à la configuration ; voir le README, section Livraison.\n"
    )
    assert not (tmp_path / "r.xlsx").exists()  # refused before the sync


def test_a_google_committee_gets_links_to_its_cells(tmp_path, smtp, sheets_api):
    from tests.support.builders import payment
    from tests.support.sheets_server import KEYS, committee_tabs, google_config

    key = KEYS["EST"]
    sheets_api.add_spreadsheet(
        key,
        committee_tabs(
            [project("EST-2020-001"), project("EST-2020-002", total_cost="douze mille")], [payment("EST-2020-009")]
        ),
        sheet_ids={"Projets": 0, "Versements": 1_234_567},
    )
    delivery = f'[delivery]\nsmtp = {{ host = "127.0.0.1", port = {smtp.port}, starttls = false, user = "{USER}" }}\n'
    config = google_config(tmp_path, codes=("EST",), extra=delivery, overrides={"EST": {"contact": EST}})
    result = CliRunner().invoke(
        cli,
        [
            "run",
            "--deliver",
            "--config",
            str(config),
            "--output",
            str(tmp_path / "rapport.xlsx"),
            "--state-dir",
            str(tmp_path / "etat"),
        ],
    )
    assert result.exit_code == 1, result.output
    [message] = smtp.messages
    assert message.rcpt_tos == [EST]
    link = f"https://docs.google.com/spreadsheets/d/{key}/edit"
    assert (
        "1. Onglet Projets, cellule K3, projet EST-2020-002 — Montant invalide\n   « Coût total » : "
    ) in message.body
    # A Google committee corrects in place: nothing to send back.
    assert message.body.endswith(
        "Corrigez directement dans votre chiffrier Google : rien à renvoyer, la prochaine synchronisation "
        "vérifiera vos corrections.\n\n--\n"
        "Message envoyé automatiquement par alliance-sync 0.1.0 (Table de concertation des préfets de la "
        "Montérégie (TCPM)). Il n'est envoyé que lorsque vos constats changent.\n"
    )
    assert "INVALID_AMOUNT" not in message.body and "PAYMENT_UNKNOWN_PROJECT" not in message.body
    assert f"   Ouvrir la cellule : {link}#gid=0&range=K3\n" in message.body
    assert f"   Ouvrir la cellule : {link}#gid=1234567&range=A2\n" in message.body
    assert message.body.count("Ouvrir la cellule : ") == 2


def test_dry_run_of_a_workbook_deleted_since_the_run_says_it_would_fail_and_exits_1(alliance, smtp, drive_api):
    assert alliance.cli("run").exit_code == 1  # EST's errors
    alliance.output.unlink()  # tidied away by the coordinator before the delivery
    result = alliance.cli("deliver", "--dry-run")
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    missing = f" — ÉCHOUERAIT : le classeur de la synchronisation n° 1 est introuvable : {alliance.output}"
    failing = [line.split(" : ")[0].strip() for line in lines if missing in line]
    assert failing == [f"dossier {FOLDER}, fichier « rapport-fqis-2019-2023.xlsx »", MINISTRY[0], MINISTRY[1]]
    # Only the committee e-mail would reach its recipient: the upload and the ministry's two e-mails would fail.
    assert lines[-1] == "À envoyer : 1 élément ; 3 éléments ÉCHOUERAIENT ; 2 éléments sans envoi."
    assert result.stderr == (
        "Erreur : la livraison de la synchronisation n° 1 échouerait pour 3 éléments sur 4 "
        "(« ÉCHOUERAIT » ci-dessus) ; simulation : rien n'a été envoyé.\n"
    )
    assert smtp.messages == [] and alliance.deliveries() == []


def test_run_deliver_dry_run_of_a_clean_alliance_exits_1_when_the_mail_would_fail(
    tmp_path, smtp, drive_api, monkeypatch
):
    from tests.support.delivery import clean_workbooks

    drive_api.add_folder(FOLDER)
    alliance = DeliveryAlliance(tmp_path, smtp.port, workbooks=clean_workbooks())
    monkeypatch.delenv(PASSWORD_ENV)  # cron's environment lacks the SMTP password
    result = alliance.cli("run", "--deliver", "--dry-run")
    assert result.exit_code == 1, result.output  # no error in the workbooks: the delivery would fail
    lines = result.stdout.splitlines()
    assert lines[0] == f"Conforme — 0 erreur, 0 avertissement. Classeur écrit : {alliance.output}"
    assert lines[-1] == "À envoyer : 1 élément ; 2 éléments ÉCHOUERAIENT ; 3 éléments sans envoi."
    size = f"{alliance.output.stat().st_size:,}".replace(",", " ")
    assert [line for line in lines if "ÉCHOUERAIT" in line] == [
        f"  {address} : enverrait « Alliance pour la solidarité en Montérégie — classeur FQIS du "
        f"{started(alliance, 1)[:10]} : conforme » — classeur en pièce jointe (rapport.xlsx, {size} octets) — "
        f"ÉCHOUERAIT : la variable d'environnement {PASSWORD_ENV} n'est pas définie."
        for address in MINISTRY
    ]
    assert result.stderr.endswith(
        "Erreur : la livraison de la synchronisation n° 1 échouerait pour 2 éléments sur "
        "3 (« ÉCHOUERAIT » ci-dessus) ; simulation : rien n'a été envoyé.\n"
    )
    assert smtp.messages == [] and alliance.deliveries() == []
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    again = alliance.cli("deliver", "--dry-run")
    assert (again.exit_code, again.stderr) == (0, "")
    assert again.stdout.splitlines()[-1] == "À envoyer : 3 éléments ; 3 éléments sans envoi."


def test_a_run_reloaded_from_the_history_reads_as_the_live_one(tmp_path):
    """The e-mails written from tonight's report and from the same run reloaded later
    (`deliver 1` next week) are the same words: one read model (sync/report.py)."""
    from sync.delivery import messages
    from sync.delivery.content import load_content
    from sync.history import History
    from sync.report import SyncReadModel
    from sync.runner import run_sync

    alliance = DeliveryAlliance(tmp_path, 1, drive=False)
    config = load_config(alliance.config)
    live = run_sync(config, output=alliance.output, state_dir=alliance.state)
    with History.open(alliance.state) as store:
        reloaded = load_content(config, store, store.run(1))
    models: list[SyncReadModel] = [live.report, reloaded]
    est = config.committee("EST")
    subjects, figures, bodies = (
        {messages.ministry_subject(m) for m in models},
        {tuple(messages.figures_lines(m)) for m in models},
        {messages.committee_body(m, est, m.findings_of("EST")) for m in models},
    )
    assert len(subjects) == len(figures) == len(bodies) == 1
    assert subjects.pop().endswith(" : 2 erreurs à corriger")
    (body,) = bodies
    assert "Onglet Projets, cellule K3, projet EST-2020-002" in body and "Onglet Versements, cellule A3" in body
    assert [(s.committee, s.kind, s.current) for s in reloaded.sources.values()] == [
        (s.committee, s.kind, s.current) for s in live.report.sources.values()
    ]


def test_the_committees_are_told_when_their_corrections_are_due(tmp_path):
    """``[delivery] corrections_due``: said in the committee's e-mail, after its return path."""
    from sync.delivery.messages import committee_body

    alliance = DeliveryAlliance(tmp_path, 1, drive=False, delivery={"corrections_due": "le 5 de chaque mois"})
    config = load_config(alliance.config)
    report = build_report(config)
    body = committee_body(report, config.committee("EST"), report.findings_of("EST"))
    assert (
        "\nCorrigez votre classeur est.xlsx, puis renvoyez-le à la coordination de l'Alliance, Table de "
        "concertation des préfets de la Montérégie (TCPM), à coordination@exemple.org, au plus tard le 5 de "
        "chaque mois (une réponse à ce courriel, avec le classeur corrigé en pièce jointe) : la synchronisation "
        "qui suivra sa réception vérifiera vos corrections.\n"
    ) in body
    blank = DeliveryAlliance(tmp_path / "vide", 1, drive=False, delivery={"corrections_due": " "})
    with pytest.raises(ConfigError, match=r"clé « delivery.corrections_due »\) : un texte non vide est attendu"):
        load_config(blank.config)
