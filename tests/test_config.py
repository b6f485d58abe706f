"""Configuration (docs/configuration.md): the documented shape is accepted as is; every mistake is a
French message naming the file and the key, with exit code 2 and no traceback."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from sync.cli import cli
from sync.config import load_config
from sync.errors import ConfigError
from tests.support.builders import write_committee_xlsx, write_config
from tests.support.checks import REPO
from tests.support.cli import config_error
from tests.support.sheets_server import KEYS, committee_tabs

# The documented shape (docs/configuration.md), verbatim.
SPEC_EXAMPLE = """\
[alliance]
name = "Alliance pour la solidarité en Montérégie"
mandataire = "Table de concertation des préfets de la Montérégie (TCPM)"
ministry = "MTESS"
fund = "FQIS"
envelope = 11800000
period = { start = 2019-04-01, end = 2023-03-31 }
max_fqis_share = 0.80          # FQIS_SHARE_HIGH above this
nearly_used = 0.95             # SUBREGION_ENVELOPE_NEARLY_USED from this

[regional]                     # the part of the envelope kept regional
name = "Réserve régionale (TCPM)"
allocation = 1200000
# source = { xlsx = "regional.xlsx" }   # optional: regional projects

[[subregions]]
code = "OUEST"
name = "Ouest de la Montérégie"
allocation = 2600000
territories = ["Beauharnois-Salaberry", "Le Haut-Saint-Laurent", "Les Jardins-de-Napierville", "Roussillon", "Vaudreuil-Soulanges"]
source = { xlsx = "comites/ouest.xlsx" }          # or { google = "<key>" }
# annual = { "2019-2020" = 300000, "2020-2021" = 800000 }   # optional

# [[subregions]] EST and LONGUEUIL likewise; fiscal years follow from the period.
"""


def spec_example(tmp_path: Path, text: str = SPEC_EXAMPLE) -> Path:
    write_committee_xlsx(tmp_path / "comites" / "ouest.xlsx")
    path = tmp_path / "alliance.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_spec_example_is_accepted_as_is(tmp_path):
    config = load_config(spec_example(tmp_path))
    assert config.name == "Alliance pour la solidarité en Montérégie"
    assert config.mandataire == "Table de concertation des préfets de la Montérégie (TCPM)"
    assert (config.ministry, config.fund) == ("MTESS", "FQIS")
    assert config.envelope == 1_180_000_000
    assert (config.period_start, config.period_end) == (dt.date(2019, 4, 1), dt.date(2023, 3, 31))
    assert [y.label for y in config.fiscal_years] == ["2019-2020", "2020-2021", "2021-2022", "2022-2023"]
    assert config.fiscal_years[1].start == dt.date(2020, 4, 1)
    assert config.fiscal_years[1].end == dt.date(2021, 3, 31)
    assert (config.max_fqis_share, config.nearly_used) == (Decimal("0.80"), Decimal("0.95"))
    assert (config.regional.name, config.regional.allocation, config.regional.source) == (
        "Réserve régionale (TCPM)",
        120_000_000,
        None,
    )
    (ouest,) = config.subregions
    assert (ouest.code, ouest.name, ouest.allocation) == ("OUEST", "Ouest de la Montérégie", 260_000_000)
    assert ouest.territories[3] == "Roussillon"
    assert ouest.source.kind == "xlsx"
    assert Path(ouest.source.location) == (tmp_path / "comites" / "ouest.xlsx").resolve()
    assert ouest.annual == {}
    # Montérégie defaults for what the file leaves out (docs/configuration.md).
    assert "Logement" in config.priorities
    assert "OBNL" in config.eligible_types


def test_spec_example_with_its_optional_lines(tmp_path):
    text = SPEC_EXAMPLE.replace("# annual = {", "annual = {").replace(
        '# source = { xlsx = "regional.xlsx" }', 'source = { xlsx = "regional.xlsx" }'
    )
    write_committee_xlsx(tmp_path / "regional.xlsx")
    config = load_config(spec_example(tmp_path, text))
    assert config.subregions[0].annual == {"2019-2020": 30_000_000, "2020-2021": 80_000_000}
    assert config.regional.source.kind == "xlsx"
    assert [c.code for c in config.committees] == ["OUEST", "REGION"]


def test_spec_example_validates_through_the_command(tmp_path):
    result = CliRunner().invoke(cli, ["validate", "--config", str(spec_example(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "Conforme — 0 erreur, 0 avertissement." in result.stdout


def test_google_source_and_flat_source_forms(tmp_path):
    path = write_config(
        tmp_path,
        overrides={"EST": {"source": {"google": "1AbCdEf"}}, "LONGUEUIL": {"source": None, "xlsx": "longueuil.xlsx"}},
    )
    config = load_config(path)
    assert (config.subregions[1].source.kind, config.subregions[1].source.location) == ("google", "1AbCdEf")
    assert config.subregions[2].source.kind == "xlsx"


def test_annual_amounts_and_monteregie_defaults(tmp_path):
    path = write_config(
        tmp_path,
        annual={"OUEST": {"2019-2020": 300000.5}},
        subregions=[{"code": "OUEST", "source": {"xlsx": "ouest.xlsx"}}],
    )
    config = load_config(path)
    (ouest,) = config.subregions
    assert ouest.annual == {"2019-2020": 30_000_050}
    # A known code takes its name, allocation and territories from docs/configuration.md.
    assert (ouest.name, ouest.allocation, len(ouest.territories)) == ("Ouest de la Montérégie", 260_000_000, 5)


def invoke(path: Path):
    result = CliRunner().invoke(cli, ["validate", "--config", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def assert_config_error(path: Path, key: str, *fragments: str) -> str:
    result = invoke(path)
    assert result.exit_code == 2, result.output
    message = result.stderr
    assert message.startswith(f"Erreur : Configuration invalide (fichier {path}, clé « {key} ») : "), message
    for fragment in fragments:
        assert fragment in message
    assert result.stdout == ""
    return message


def test_allocations_above_the_envelope(tmp_path):
    path = write_config(tmp_path, overrides={"LONGUEUIL": {"allocation": 4200000}})
    assert_config_error(
        path,
        "subregions.allocation",
        "la somme des allocations (11 900 000,00 $, réserve régionale comprise) dépasse "
        "l'enveloppe de l'Alliance (11 800 000,00 $)",
    )


def test_unknown_source_kind(tmp_path):
    path = write_config(tmp_path, overrides={"EST": {"source": {"dropbox": "est.xlsx"}}})
    assert_config_error(
        path, "subregions[2].source.dropbox", "type de source inconnu « dropbox ». Types permis : xlsx, google"
    )


def test_source_with_two_kinds(tmp_path):
    path = write_config(tmp_path, overrides={"EST": {"source": {"xlsx": "est.xlsx", "google": "1Ab"}}})
    assert_config_error(path, "subregions[2].source", "une source est attendue")


def test_territory_in_two_subregions(tmp_path):
    path = write_config(tmp_path, overrides={"EST": {"territories": ["Acton", "roussillon"]}})
    assert_config_error(
        path, "subregions[2].territories", "le territoire « roussillon » est déjà attribué à la sous-région OUEST"
    )


@pytest.mark.parametrize(
    "period, key, fragment",
    [
        (
            {"start": dt.date(2019, 1, 1), "end": dt.date(2023, 3, 31)},
            "alliance.period.start",
            "la période doit commencer un 1er avril (exercice financier québécois), lu : 2019-01-01",
        ),
        (
            {"start": dt.date(2019, 4, 1), "end": dt.date(2022, 12, 31)},
            "alliance.period.end",
            "la période doit finir un 31 mars (fin d'un exercice financier québécois), lu : 2022-12-31",
        ),
        (
            {"start": dt.date(2019, 4, 1), "end": dt.date(2019, 3, 31)},
            "alliance.period.end",
            "la fin de la période (2019-03-31) précède son début (2019-04-01)",
        ),
        (
            {"start": dt.date(2024, 4, 1), "end": dt.date(2019, 3, 31)},
            "alliance.period.end",
            "la fin de la période (2019-03-31) précède son début (2024-04-01)",
        ),
        # A typo of the year: 7980 fiscal years, 30 000 findings and 30 seconds on main.
        (
            {"start": dt.date(2019, 4, 1), "end": dt.date(9999, 3, 31)},
            "alliance.period.end",
            "la période du 2019-04-01 au 9999-03-31 compterait 7980 exercices financiers ; une entente en compte au "
            "plus 10 (vérifiez l'année de fin)",
        ),
        (
            {"start": dt.date(2019, 4, 1), "end": dt.date(2030, 3, 31)},
            "alliance.period.end",
            "la période du 2019-04-01 au 2030-03-31 compterait 11 exercices financiers",
        ),
        (
            {"start": dt.date(9999, 4, 1), "end": dt.date(9999, 3, 31)},
            "alliance.period.end",
            "la fin de la période (9999-03-31) précède son début (9999-04-01)",
        ),
        ({"start": "2019-04-01", "end": 2023}, "alliance.period.end", "une date AAAA-MM-JJ est attendue, lu : 2023"),
        (
            {"start": "1er avril 2019", "end": dt.date(2023, 3, 31)},
            "alliance.period.start",
            "une date AAAA-MM-JJ est attendue, lu : '1er avril 2019'",
        ),
    ],
)
def test_period_that_is_not_whole_fiscal_years(tmp_path, period, key, fragment):
    assert_config_error(write_config(tmp_path, alliance={"period": period}), key, fragment)


def test_missing_workbook_file(tmp_path):
    path = write_config(
        tmp_path, overrides={"OUEST": {"source": {"xlsx": "comites/absent.xlsx"}}}, create_missing=False
    )
    for name in ("est.xlsx", "longueuil.xlsx"):
        write_committee_xlsx(tmp_path / name)
    message = assert_config_error(path, "subregions[1].source.xlsx", "classeur introuvable : ")
    assert str((tmp_path / "comites" / "absent.xlsx").resolve()) in message


def test_missing_regional_workbook_file(tmp_path):
    path = write_config(tmp_path, regional={"source": {"xlsx": "regional.xlsx"}}, create_missing=False)
    for name in ("ouest.xlsx", "est.xlsx", "longueuil.xlsx"):
        write_committee_xlsx(tmp_path / name)
    assert_config_error(path, "regional.source.xlsx", "classeur introuvable")


def test_bad_toml(tmp_path):
    path = tmp_path / "alliance.toml"
    path.write_text('[alliance\nname = "Alliance"\n', encoding="utf-8")
    result = invoke(path)
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"Erreur : Configuration invalide (fichier {path}) : syntaxe TOML invalide à la ligne 1, colonne 10"
    )


def test_bad_toml_value_at_end_of_file(tmp_path):
    path = tmp_path / "alliance.toml"
    path.write_text('[alliance]\nname = "Alliance\n', encoding="utf-8")
    result = invoke(path)
    assert result.exit_code == 2
    assert "syntaxe TOML invalide" in result.stderr and str(path) in result.stderr


def test_missing_configuration_file(tmp_path):
    path = tmp_path / "absente.toml"
    result = invoke(path)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Erreur : Configuration invalide (fichier {path}) : fichier introuvable : {path.resolve()}\n"
    )


@pytest.mark.parametrize(
    "kwargs, key, fragment",
    [
        ({"overrides": {"OUEST": {"allocation": "beaucoup"}}}, "subregions[1].allocation", "montant illisible"),
        ({"overrides": {"OUEST": {"allocation": -5}}}, "subregions[1].allocation", "le montant doit être positif"),
        ({"overrides": {"OUEST": {"allocation": 1.005}}}, "subregions[1].allocation", "non exact au cent"),
        (
            {"overrides": {"EST": {"code": "OUEST"}}},
            "subregions[2].code",
            "le code « OUEST » est déjà celui de subregions[1]",
        ),
        ({"overrides": {"EST": {"territories": []}}}, "subregions[2].territories", "au moins un territoire"),
        ({"overrides": {"EST": {"source": None}}}, "subregions[2].source", "source manquante"),
        ({"overrides": {"OUEST": {"code": "NORD", "name": None}}}, "subregions[1].name", "valeur requise manquante"),
        ({"alliance": {"max_fqis_share": 1.5}}, "alliance.max_fqis_share", "une proportion entre 0 et 1"),
        ({"alliance": {"nearly_used": "beaucoup"}}, "alliance.nearly_used", "une proportion entre 0 et 1"),
        ({"alliance": {"envelope": True}}, "alliance.envelope", "un montant en dollars est attendu"),
        ({"alliance": {"name": ""}}, "alliance.name", "un texte non vide est attendu"),
        (
            {"annual": {"OUEST": {"2018-2019": 1000}}},
            "subregions[1].annual.2018-2019",
            "exercice inconnu « 2018-2019 » ; exercices de la période : 2019-2020, 2020-2021",
        ),
        (
            {"annual": {"OUEST": {"2019-2020": 2000000, "2020-2021": 700000}}},
            "subregions[1].annual",
            "la somme des montants annuels (2 700 000,00 $) dépasse l'allocation (2 600 000,00 $)",
        ),
        ({"regional": {"allocation": None}}, "regional.allocation", "montant requis manquant"),
    ],
)
def test_wrong_values_name_their_key(tmp_path, kwargs, key, fragment):
    assert_config_error(write_config(tmp_path, **kwargs), key, fragment)


def test_no_subregions_section(tmp_path):
    path = tmp_path / "alliance.toml"
    path.write_text('[alliance]\nname = "Alliance"\n', encoding="utf-8")
    assert_config_error(path, "subregions", "au moins une section [[subregions]] est requise")


def test_config_error_names_file_and_key_for_the_library_too(tmp_path):
    path = write_config(tmp_path, overrides={"EST": {"source": {"dropbox": "x"}}})
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert (caught.value.path, caught.value.key) == (str(path), "subregions[2].source.dropbox")


# --------------------------------------------------------------------------
# Keys no setting reads: a configuration error naming the key, with the closest known one

SUBREGION_KEYS = "allocation, annual, code, contact, google, name, priorities, source, support, territories, xlsx"


@pytest.mark.parametrize(
    "kwargs, key, message",
    [
        (
            {"extra": "[regionl]\nallocation = 1\n"},
            "regionl",
            "table inconnue « [regionl] ». Vouliez-vous dire « [regional] » ? Tables permises : [alliance], "
            "[regional], [[subregions]], [google], [delivery].",
        ),
        (
            {"extra": "[[subregion]]\ncode = 'NORD'\n"},
            "subregion",
            "table inconnue « [[subregion]] ». Vouliez-vous dire « [[subregions]] » ? Tables permises : [alliance], "
            "[regional], [[subregions]], [google], [delivery].",
        ),
        (
            {"extra": "[googel]\nfeedback = true\n"},
            "googel",
            "table inconnue « [googel] ». Vouliez-vous dire « [google] » ? Tables permises : [alliance], "
            "[regional], [[subregions]], [google], [delivery].",
        ),
        (
            {"alliance": {"enveloppe": 11800000}},
            "alliance.enveloppe",
            "clé inconnue « enveloppe ». Vouliez-vous dire « envelope » ? Clés permises ici : envelope, fund, "
            "ineligible_organization_types, mandataire, max_fqis_share, ministry, name, nearly_used, "
            "organization_types, period, priorities, state_dir.",
        ),
        (
            {"alliance": {"period": {"start": dt.date(2019, 4, 1), "end": dt.date(2023, 3, 31), "fin": 1}}},
            "alliance.period.fin",
            "clé inconnue « fin ». Clés permises ici : end, start.",
        ),
        (
            {"regional": {"alocation": 5}},
            "regional.alocation",
            "clé inconnue « alocation ». Vouliez-vous dire « allocation » ? Clés permises ici : allocation, annual, "
            "code, contact, google, name, source, territories, xlsx.",
        ),
        (
            {"overrides": {"EST": {"contcat": "est@exemple.org"}}},
            "subregions[2].contcat",
            f"clé inconnue « contcat ». Vouliez-vous dire « contact » ? Clés permises ici : {SUBREGION_KEYS}.",
        ),
        (
            {"overrides": {"EST": {"Priorites": ["Logement"]}}},
            "subregions[2].Priorites",
            f"clé inconnue « Priorites ». Vouliez-vous dire « priorities » ? Clés permises ici : {SUBREGION_KEYS}.",
        ),
        (
            {"extra": "[google]\nfeedbak = true\n"},
            "google.feedbak",
            "clé inconnue « feedbak ». Vouliez-vous dire « feedback » ? Clés permises ici : backoff_initial, "
            "backoff_max, credentials, deadline, feedback, max_attempts, oauth_client, reads_per_minute, "
            "retry_deadline, timeout.",
        ),
        (
            {"extra": "[delivery]\ndrive_foldr = 'x'\n"},
            "delivery.drive_foldr",
            "clé inconnue « drive_foldr ». Vouliez-vous dire « drive_folder » ? Clés permises ici : "
            "corrections_due, drive_file, drive_folder, drive_keep_versions, drive_name, drive_scope, email_from, email_to, smtp.",
        ),
        (
            {
                "extra": "[delivery]\nemail_from = 'a@exemple.org'\nsmtp = { host = 'localhost', starttls = false, "
                "tiemout = 5 }\n"
            },
            "delivery.smtp.tiemout",
            "clé inconnue « tiemout ». Vouliez-vous dire « timeout » ? Clés permises ici : ca_file, host, port, ssl, "
            "starttls, timeout, user.",
        ),
        (
            {"overrides": {"EST": {"source": {"xslx": "est.xlsx"}}}},
            "subregions[2].source.xslx",
            "type de source inconnu « xslx ». Vouliez-vous dire « xlsx » ? Types permis : xlsx, google",
        ),
    ],
)
def test_every_table_refuses_its_unknown_keys(tmp_path, kwargs, key, message):
    path = write_config(tmp_path, **kwargs)
    result = invoke(path)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"Erreur : Configuration invalide (fichier {path}, clé « {key} ») : {message}\n"


def test_every_unknown_key_is_named_at_once(tmp_path):
    # Fixing one typo to meet the next at the following run wastes the coordinator's night.
    path = write_config(
        tmp_path,
        regional={"alocation": 5},
        overrides={"EST": {"contcat": "est@exemple.org"}},
        extra="[googel]\nfeedback = true\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.key == "googel"  # the tables first, then the keys of each table
    assert caught.value.detail.endswith(" Autres clés inconnues : « regional.alocation », « subregions[2].contcat ».")


def test_a_key_written_above_every_table_is_sent_to_its_table(tmp_path):
    path = tmp_path / "alliance.toml"
    path.write_text("envelope = 11800000\n" + write_config(tmp_path).read_text(encoding="utf-8"), encoding="utf-8")
    result = invoke(path)
    assert (result.exit_code, result.stderr) == (
        2,
        (
            f"Erreur : Configuration invalide (fichier {path}, clé « envelope ») : clé « envelope » placée avant "
            "toute table : elle appartient à la table [alliance] ; placez-la sous cette ligne.\n"
        ),
    )


def test_a_key_of_several_tables_written_above_them_names_them(tmp_path):
    path = tmp_path / "alliance.toml"
    path.write_text('code = "NORD"\n' + write_config(tmp_path).read_text(encoding="utf-8"), encoding="utf-8")
    assert config_error(path, "code").endswith(
        "clé « code » placée avant toute table : elle appartient à l'une des tables [regional], [[subregions]] ; "
        "placez-la sous la bonne.\n"
    )


def test_a_password_in_delivery_keeps_its_own_message(tmp_path):
    # « password » is no typo: it is refused because the password comes from the environment.
    path = write_config(tmp_path, extra="[delivery]\npassword = 'secret'\n")
    assert "le mot de passe SMTP ne s'écrit pas dans le fichier" in config_error(path, "delivery.password")


def test_every_documented_google_key_is_known(tmp_path):
    path = write_config(
        tmp_path,
        extra=(
            '[google]\ncredentials = "cle.json"\nfeedback = true\nreads_per_minute = 30\noauth_client = "client.json"\n'
            "max_attempts = 3\nretry_deadline = 10\nbackoff_initial = 0.5\nbackoff_max = 2\ntimeout = 5\n"
        ),
    )
    google = load_config(path).google
    assert (google.credentials, google.oauth_client) == (
        (tmp_path / "cle.json").resolve(),
        (tmp_path / "client.json").resolve(),
    )
    assert (
        google.feedback,
        google.reads_per_minute,
        google.max_attempts,
        google.retry_deadline,
        google.backoff_initial,
        google.backoff_max,
        google.timeout,
    ) == (True, 30, 3, 10.0, 0.5, 2.0, 5.0)


def test_google_defaults_are_the_settings_own(tmp_path):
    from sync.config import GoogleSettings

    assert load_config(write_config(tmp_path)).google == GoogleSettings()


# -- values nobody planned ------------------------------------------------------------


@pytest.mark.parametrize("value", [float("inf"), 1e30, 10_000_000_000_000])
def test_an_envelope_too_big_or_infinite_is_a_configuration_error(tmp_path, value):
    # inf ended in an OverflowError; 1e30 $ in SQLite's OverflowError at the end of the run.

    path = write_config(tmp_path, alliance={"envelope": value})
    assert "trop grand (au plus 9 999 999 999 999,99 $)" in config_error(path, "alliance.envelope")


@pytest.mark.parametrize("key", ["max_fqis_share", "nearly_used"])
def test_a_ratio_that_is_nan_is_a_configuration_error(tmp_path, key):

    path = write_config(tmp_path, alliance={key: float("nan")})
    assert "une proportion entre 0 et 1" in config_error(path, f"alliance.{key}")


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_google_delays_must_be_finite(tmp_path, value):

    path = write_config(tmp_path, extra=f"[google]\ntimeout = {value}\n")
    assert "un nombre de secondes" in config_error(path, "google.timeout")


@pytest.mark.parametrize(
    "key, value, expected",
    [
        ("timeout", "-1", "un nombre de secondes supérieur à 0 est attendu, lu : -1"),
        ("timeout", "0", "un nombre de secondes supérieur à 0 est attendu, lu : 0"),
        ("deadline", "-0.5", "un nombre de secondes supérieur à 0 est attendu, lu : -0.5"),
        ("backoff_max", "-1", "un nombre de secondes positif est attendu, lu : -1"),
        ("backoff_initial", "true", "un nombre de secondes positif est attendu, lu : true"),
        ("reads_per_minute", "0", "un entier positif est attendu, lu : 0"),
        ("max_attempts", "2.5", "un entier positif est attendu, lu : 2.5"),
        ("feedback", '"oui"', "true ou false est attendu, lu : 'oui'"),
        ("credentials", '""', "un texte non vide est attendu, lu : ''"),
    ],
)
def test_each_google_setting_says_its_own_bound(tmp_path, key, value, expected):
    """Read by the kinds declared in sync/config/sections.py: a wait that must be longer
    than 0 says so, whatever the sign of the value typed."""
    path = write_config(tmp_path, extra=f"[google]\n{key} = {value}\n")
    assert config_error(path, f"google.{key}").endswith(f"« google.{key} ») : {expected}\n")


def test_a_configuration_saved_with_a_byte_order_mark_loads(tmp_path):
    # Windows' Notepad saves UTF-8 with a BOM; tomllib rejects it at line 1, column 1.
    path = write_config(tmp_path)
    path.write_bytes("\ufeff".encode() + path.read_bytes())
    assert load_config(path).name == "Alliance pour la solidarité en Montérégie"


def test_a_configuration_path_that_is_a_folder_is_explained_in_french(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert caught.value.message == (
        f"Configuration invalide (fichier {tmp_path}) : fichier illisible "
        "(le chemin désigne un dossier, pas un fichier)"
    )


def test_a_configuration_that_is_not_utf8_is_explained_in_french(tmp_path):
    path = write_config(tmp_path)
    path.write_bytes(path.read_bytes().replace("Montérégie".encode(), "Montérégie".encode("latin-1"), 1))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "ce n'est pas du texte UTF-8" in caught.value.message
    assert "codec" not in caught.value.message


@pytest.mark.parametrize("key", ["priorities", "organization_types"])
def test_an_empty_list_of_priorities_or_types_is_a_configuration_error(tmp_path, key):
    # Accepted, every project's value was « inconnue » with « Valeurs permises : » and nothing after.

    path = write_config(tmp_path, alliance={key: []})
    assert "au moins une valeur est requise" in config_error(path, f"alliance.{key}")


def test_a_broken_presentation_file_is_explained_like_the_configuration(tmp_path):
    from sync.outputs.ministry.style import load_presentation

    config = load_config(write_config(tmp_path))
    presentation = tmp_path / "rapport-ministere.toml"
    presentation.write_text("[couleurs\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_presentation(config, dt.datetime(2026, 1, 5, 2, 0))
    assert caught.value.message.startswith(
        f"Configuration invalide (fichier {presentation}) : syntaxe TOML "
        "invalide à la ligne 1, colonne 10 ; vérifiez les guillemets"
    )


# --------------------------------------------------------------------------
# The shipped configuration with one mistake of a careless coordinator: refused before
# anything is read (no request to Google) or written (no state folder, no workbook)

SHIPPED = REPO / "config" / "monteregie.toml"


def shipped(tmp_path: Path, *edits: tuple[str, str], keys: bool = True) -> Path:
    """A copy of config/monteregie.toml as a coordinator makes it: the spreadsheet keys
    filled in (``keys``: those of the local Sheets server), then each ``(old, new)`` edit."""
    text = SHIPPED.read_text(encoding="utf-8")
    if keys:
        for code, key in KEYS.items():
            text = text.replace(f"REMPLACER-PAR-LA-CLE-DU-CHIFFRIER-{code}", key)
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "monteregie.toml"
    path.write_text(text, encoding="utf-8")
    return path


def run_refused(tmp_path: Path, sheets_api, path: Path) -> str:
    """``run`` on ``path``: exit 2, nothing on standard output, no request to Google, no
    state folder nor workbook; the message on standard error, without « Erreur : … : »."""
    state, output = tmp_path / "etat", tmp_path / "rapport.xlsx"
    result = CliRunner().invoke(cli, ["run", "--config", str(path), "--state-dir", str(state), "--output", str(output)])
    assert (result.exit_code, result.stdout) == (2, ""), result.output
    assert sheets_api.requests == []
    assert not state.exists() and not output.exists()
    prefix = f"Erreur : Configuration invalide (fichier {path}, "
    assert result.stderr.startswith(prefix), result.stderr
    return result.stderr.removeprefix(prefix)


def test_the_shipped_configuration_with_its_keys_filled_in_runs(tmp_path, sheets_api):
    # The baseline of the tests below: the same copy, without its mistake, reaches Google.
    for key in KEYS.values():
        sheets_api.add_spreadsheet(key, committee_tabs())
    result = CliRunner().invoke(cli, ["validate", "--config", str(shipped(tmp_path))])
    assert result.exit_code == 0, result.output
    assert sheets_api.reads() == 3


@pytest.mark.parametrize(
    "edit, refusal",
    [
        # On main: a warning, the built-in 2 600 000 $, « Conforme » and exit 0.
        (
            ("allocation = 2600000", "alocation = 2700000"),
            "clé « subregions[1].alocation ») : clé inconnue « alocation ». Vouliez-vous dire « allocation » ? "
            f"Clés permises ici : {SUBREGION_KEYS}.\n",
        ),
        (
            ("[google]", "[googel]"),
            "clé « googel ») : table inconnue « [googel] ». Vouliez-vous dire « [google] » ? Tables permises : "
            "[alliance], [regional], [[subregions]], [google], [delivery].\n",
        ),
        (
            ("feedback = false", "feedbak = true"),
            "clé « google.feedbak ») : clé inconnue « feedbak ». Vouliez-vous dire « feedback » ? Clés permises ici : "
            "backoff_initial, backoff_max, credentials, deadline, feedback, max_attempts, oauth_client, "
            "reads_per_minute, retry_deadline, timeout.\n",
        ),
        (
            ("period = { start = 2019-04-01, end = 2023-03-31 }", "period = { start = 2019-04-01, fin = 2023-03-31 }"),
            "clé « alliance.period.fin ») : clé inconnue « fin ». Clés permises ici : end, start.\n",
        ),
        (
            ('source = { google = "1Ouest', 'source = { gogle = "1Ouest'),
            "clé « subregions[1].source.gogle ») : type de source inconnu « gogle ». Vouliez-vous dire « google » ? "
            "Types permis : xlsx, google\n",
        ),
        (
            ("end = 2023-03-31", "end = 9999-03-31"),
            "clé « alliance.period.end ») : la période du 2019-04-01 au 9999-03-31 compterait 7980 exercices "
            "financiers ; une entente en compte au plus 10 (vérifiez l'année de fin)\n",
        ),
        (
            ("start = 2019-04-01", "start = 2023-04-01"),
            "clé « alliance.period.end ») : la fin de la période (2023-03-31) précède son début (2023-04-01)\n",
        ),
        (
            ('code = "OUEST"', 'code = "../../x"'),
            "clé « subregions[1].code ») : un code de 1 à 30 caractères est attendu, fait de lettres sans accent, "
            "de chiffres, de « - » et de « _ » (ex. OUEST), lu : '../../x'\n",
        ),
        (
            ('code = "OUEST"', 'code = "OU\\u0000EST"'),
            "clé « subregions[1].code ») : un code de 1 à 30 caractères est attendu, fait de lettres sans accent, "
            "de chiffres, de « - » et de « _ » (ex. OUEST), lu : 'OU\\x00EST'\n",
        ),
        (
            ('code = "OUEST"', 'code = "SUD OUEST"'),
            "clé « subregions[1].code ») : un code de 1 à 30 caractères est attendu, fait de lettres sans accent, "
            "de chiffres, de « - » et de « _ » (ex. OUEST), lu : 'SUD OUEST'\n",
        ),
        (
            ('code = "EST"', 'code = "ouest"'),
            "clé « subregions[2].code ») : le code « ouest » ne diffère de « OUEST », celui de subregions[1], que "
            "par les majuscules : deux lignes doivent avoir des codes différents\n",
        ),
        (
            ('code = "EST"', 'code = "REGION"'),
            "clé « subregions[2].code ») : le code « REGION » est déjà celui de la ligne régionale ([regional])\n",
        ),
        (
            ('name = "Est de la Montérégie"', 'name = "OUEST DE LA MONTÉRÉGIE"'),
            "clé « subregions[2].name ») : le nom « OUEST DE LA MONTÉRÉGIE » ne diffère de « Ouest de la "
            "Montérégie », celui de subregions[1], que par les majuscules : deux lignes doivent avoir des noms "
            "différents\n",
        ),
        (
            ('name = "Est de la Montérégie"', 'name = " "'),
            "clé « subregions[2].name ») : un texte non vide est attendu, lu : ' '\n",
        ),
        (
            ('name = "Est de la Montérégie"', 'name = "Est\\nde la Montérégie"'),
            "clé « subregions[2].name ») : un texte d'une seule ligne, sans caractère de contrôle, est attendu, "
            "lu : 'Est\\nde la Montérégie'\n",
        ),
        (
            ("max_fqis_share = 0.80", "max_fqis_share = 80"),
            "clé « alliance.max_fqis_share ») : une proportion entre 0 et 1 est attendue (ex. 0.80), lu : 80 ; pour "
            "80 %, écrivez 0.8\n",
        ),
        (
            ("nearly_used = 0.95", "nearly_used = 95"),
            "clé « alliance.nearly_used ») : une proportion entre 0 et 1 est attendue (ex. 0.80), lu : 95 ; pour "
            "95 %, écrivez 0.95\n",
        ),
        (
            ("allocation = 3900000", "allocation = 0"),
            "clé « subregions[2].allocation ») : l'allocation d'une sous-région doit être supérieure à 0 $, lu : 0\n",
        ),
        (
            ("allocation = 3900000", "allocation = -3900000"),
            "clé « subregions[2].allocation ») : le montant doit être positif, lu : -3900000\n",
        ),
        (
            ("envelope = 11800000", "envelope = 0"),
            "clé « alliance.envelope ») : l'enveloppe de l'Alliance doit être supérieure à 0 $, lu : 0\n",
        ),
        (
            ("allocation = 4100000", "allocation = 41000000"),
            "clé « subregions.allocation ») : la somme des allocations (48 700 000,00 $, réserve régionale comprise) "
            "dépasse l'enveloppe de l'Alliance (11 800 000,00 $)\n",
        ),
        (
            ("envelope = 11800000", "envelope = 2019-04-01"),
            "clé « alliance.envelope ») : un montant en dollars est attendu, lu : la date 2019-04-01\n",
        ),
        (
            ('name = "Alliance pour la solidarité en Montérégie"', "name = { fr = 'Alliance' }"),
            "clé « alliance.name ») : un texte non vide est attendu, lu : une table { … }\n",
        ),
        (
            ("feedback = false", 'feedback = "oui"'),
            "clé « google.feedback ») : true ou false est attendu, lu : 'oui'\n",
        ),
        (
            (
                "max_fqis_share = 0.80",
                'ineligible_organization_types = ["Entreprise privée", "obnl"]\nmax_fqis_share = 0.80',
            ),
            "clé « alliance.ineligible_organization_types ») : « obnl » est aussi dans organization_types : un type "
            "d'organisme est admissible ou non admissible, pas les deux\n",
        ),
        # The default workbook rapport-<fund>-<date>.xlsx would have been written in another folder.
        (
            ('fund = "FQIS"', 'fund = "FQIS/../../x"'),
            "clé « alliance.fund ») : le nom du fonds donne le nom des fichiers du rapport (rapport-fqis-…) : il ne "
            "contient aucun de ces signes / \\ : * ? \" < > |, lu : 'FQIS/../../x'\n",
        ),
        (
            ('territories = ["Acton",', 'territories = ["régional", "Acton",'),
            "clé « subregions[2].territories ») : le territoire « régional » est celui de la ligne régionale "
            "([regional]) ; une sous-région ne peut pas le prendre\n",
        ),
        (
            ("reads_per_minute = 60", "reads_per_minute = true"),
            "clé « google.reads_per_minute ») : un entier positif est attendu, lu : true\n",
        ),
        (
            ('source = { google = "1Ouest', 'source = { google = "1AbC…XyZ" }\n# "1Ouest'),
            "clé « subregions[1].source.google ») : clé de chiffrier Google invalide « 1AbC…XyZ » : indiquez la partie "
            "de l'adresse du chiffrier entre /d/ et /edit (lettres, chiffres, - et _), ou son adresse complète\n",
        ),
    ],
)
def test_one_mistake_in_the_shipped_configuration_is_refused_before_anything(tmp_path, sheets_api, edit, refusal):
    assert run_refused(tmp_path, sheets_api, shipped(tmp_path, edit)) == refusal


def test_the_shipped_placeholders_are_refused_before_google_is_asked(tmp_path, sheets_api):
    # On main, the coordinator waited for Google to refuse « REMPLACER-PAR-LA-CLE-… ».
    path = shipped(tmp_path, keys=False)
    assert run_refused(tmp_path, sheets_api, path) == (
        "clé « subregions[1].source.google ») : « REMPLACER-PAR-LA-CLE-DU-CHIFFRIER-OUEST » est un exemple à "
        "remplacer : indiquez la clé du chiffrier Google du comité : la partie de son adresse entre /d/ et /edit "
        "(ou l'adresse complète du chiffrier). Autres valeurs à remplacer : « subregions[2].source.google », "
        "« subregions[3].source.google ».\n"
    )


def test_one_placeholder_left_is_named_with_what_to_put_there(tmp_path, sheets_api):
    path = shipped(tmp_path, ("1EstAbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd", "remplacer-par-la-cle-est"))
    assert run_refused(tmp_path, sheets_api, path) == (
        "clé « subregions[2].source.google ») : « remplacer-par-la-cle-est » est un exemple à remplacer : indiquez "
        "la clé du chiffrier Google du comité : la partie de son adresse entre /d/ et /edit (ou l'adresse complète "
        "du chiffrier).\n"
    )


def test_the_delivery_lines_uncommented_as_shipped_are_refused(tmp_path, sheets_api):
    # Uncommented without replacing its values, [delivery] would send the ministry's workbook nowhere.
    path = shipped(
        tmp_path,
        ("# [delivery]", "[delivery]"),
        ("# drive_folder", "drive_folder"),
        ("# email_to", "email_to"),
        ("# smtp", "smtp"),
        ("# contact", "contact"),
    )
    assert run_refused(tmp_path, sheets_api, path) == (
        "clé « delivery.drive_folder ») : « REMPLACER-PAR-L-ID-DU-DOSSIER-DRIVE-PARTAGE-AVEC-LE-MINISTERE » est un "
        "exemple à remplacer : indiquez l'identifiant du dossier Google Drive partagé avec le ministère : la partie "
        "de son adresse après /folders/. Autres valeurs à remplacer : « delivery.email_to », « delivery.smtp.host », "
        "« delivery.smtp.user », « subregions[1].contact ».\n"
    )


@pytest.mark.parametrize(
    "edit",
    [
        ("allocation = 1200000", "allocation = 0"),  # an Alliance may keep no regional reserve
        ("allocation = 4100000", "allocation = 3000000"),  # part of the envelope not yet shared out
        ('code = "OUEST"', 'code = "Sud-Ouest_2"'),
        ("max_fqis_share = 0.80", "max_fqis_share = 1"),
    ],
)
def test_what_is_legitimate_stays_accepted(tmp_path, sheets_api, edit):
    for key in KEYS.values():
        sheets_api.add_spreadsheet(key, committee_tabs())
    result = CliRunner().invoke(cli, ["validate", "--config", str(shipped(tmp_path, edit))])
    assert result.exit_code == 0, result.output


def test_a_type_eligible_elsewhere_leaves_the_default_ineligible_list(tmp_path):
    eligible = 'organization_types = ["OBNL", "Entreprise privée"]\n'
    config = load_config(shipped(tmp_path, ("max_fqis_share = 0.80", eligible + "max_fqis_share = 0.80")))
    assert (config.eligible_types, config.ineligible_types) == (
        ("OBNL", "Entreprise privée"),
        ("Particulier", "Coopérative à but lucratif", "Organisme fédéral"),
    )


def test_an_agreement_of_ten_fiscal_years_is_accepted(tmp_path):
    config = load_config(shipped(tmp_path, ("end = 2023-03-31", "end = 2029-03-31")))
    assert [y.label for y in config.fiscal_years][::9] == ["2019-2020", "2028-2029"]
    assert len(config.fiscal_years) == 10


def test_a_credentials_file_without_a_type_is_said_in_french(tmp_path):
    from sync.google.auth import READ_SCOPES, load_credentials

    (tmp_path / "cle.json").write_text('{"client_email": "x@y"}', encoding="utf-8")
    config = load_config(write_config(tmp_path, extra='[google]\ncredentials = "cle.json"\n'))
    with pytest.raises(ConfigError) as caught:
        load_credentials(config.google, scopes=READ_SCOPES)
    assert caught.value.detail == (
        f"{(tmp_path / 'cle.json').resolve()} n'est pas une clé de compte de service "
        "(aucun champ « type ») : téléchargez la clé JSON du compte de service (console "
        "Google Cloud, IAM, Comptes de service, Clés)."
    )


@pytest.mark.parametrize(
    "text, key, refusal",
    [
        (
            '[colors]\nheder_fill = "7030A0"\n',
            "colors.heder_fill",
            "clé inconnue « heder_fill ». Vouliez-vous dire « header_fill » ? Clés permises ici : chart, computed_fill, "
            "conforming, error, excluded_text, header_fill, header_text, link, not_conforming, title, total_fill, "
            "warning.\n",
        ),
        (
            '[couleurs]\nheader_fill = "7030A0"\n',
            "couleurs",
            "table inconnue « [couleurs] ». Vouliez-vous dire « [colors] » ? Tables permises : [cover], [font], "
            "[colors], [formats], [page].\n",
        ),
        (
            '[colors]\nheader_fill = "violet"\n',
            "colors.header_fill",
            "une couleur RRGGBB est attendue (ex. 1F4E78), lu : 'violet'\n",
        ),
    ],
)
def test_a_wrong_presentation_file_is_refused_before_anything(tmp_path, sheets_api, text, key, refusal):
    # On main, a typo in the presentation file was a warning: the bundled colour was used.
    path = shipped(tmp_path)
    presentation = tmp_path / "rapport-ministere.toml"
    presentation.write_text(text, encoding="utf-8")
    state, output = tmp_path / "etat", tmp_path / "rapport.xlsx"
    result = CliRunner().invoke(cli, ["run", "--config", str(path), "--state-dir", str(state), "--output", str(output)])
    assert (result.exit_code, result.stdout, sheets_api.requests) == (2, "", [])
    assert result.stderr == f"Erreur : Configuration invalide (fichier {presentation}, clé « {key} ») : {refusal}"
    assert not state.exists() and not output.exists()


def test_quiet_still_shows_a_misspelt_key(tmp_path, sheets_api):
    # On main, under --quiet (cron), the warning went only to the log and the run said nothing.
    path = shipped(tmp_path, ("allocation = 2600000", "alocation = 2700000"))
    result = CliRunner().invoke(cli, ["--quiet", "run", "--config", str(path), "--state-dir", str(tmp_path / "etat")])
    assert (result.exit_code, result.stdout, sheets_api.requests) == (2, "", [])
    assert result.stderr.startswith(
        f"Erreur : Configuration invalide (fichier {path}, clé « subregions[1].alocation "
        "») : clé inconnue « alocation ». Vouliez-vous dire « allocation » ?"
    )
    assert not (tmp_path / "etat").exists()


# -- the environment, resolved when the file is loaded ---------------------------------


def test_the_environment_is_read_once_when_the_file_is_loaded(tmp_path, monkeypatch):
    """A variable changed after loading (another thread, a test) changes nothing: the
    sections carry the values read at load time, and where the state folder came from."""
    from sync.config.state import state_folder

    path = write_config(tmp_path, alliance={"state_dir": "etat"}, extra='[delivery]\ndrive_folder = "dossier-id"\n')
    monkeypatch.setenv("ALLIANCE_SYNC_SHEETS_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("ALLIANCE_SYNC_DRIVE_URL", "http://127.0.0.1:8")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", "  cles/compte.json ")
    monkeypatch.setenv("ALLIANCE_SYNC_SMTP_PASSWORD", "secret-de-nuit")
    monkeypatch.setenv("ALLIANCE_SYNC_STATE_DIR", str(tmp_path / "par-variable"))
    monkeypatch.setenv("ALLIANCE_SYNC_INCONNUE", "ignorée")
    config = load_config(path)
    for name in (
        "ALLIANCE_SYNC_SHEETS_URL",
        "ALLIANCE_SYNC_DRIVE_URL",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "ALLIANCE_SYNC_SMTP_PASSWORD",
        "ALLIANCE_SYNC_STATE_DIR",
    ):
        monkeypatch.setenv(name, "changée après le chargement")

    assert (config.google.sheets_url, config.google.credentials_variable) == (
        "http://127.0.0.1:9",
        Path("cles/compte.json"),
    )
    assert (config.delivery.drive_url, config.delivery.smtp_password) == ("http://127.0.0.1:8", "secret-de-nuit")
    assert sorted(config.environment) == [
        "ALLIANCE_SYNC_DRIVE_URL",
        "ALLIANCE_SYNC_SHEETS_URL",
        "ALLIANCE_SYNC_SMTP_PASSWORD",
        "ALLIANCE_SYNC_STATE_DIR",
        "GOOGLE_APPLICATION_CREDENTIALS",
    ]
    assert "secret-de-nuit" not in repr(config)  # a configuration printed while debugging shows no secret
    assert str(state_folder(None, config, demo=False)) == (
        f"{tmp_path}/par-variable (variable ALLIANCE_SYNC_STATE_DIR)"
    )
    assert str(state_folder("ici", config, demo=False)) == f"{Path('ici').absolute()} (option --state-dir)"


def test_the_state_folder_without_the_variable(tmp_path):
    from sync.config.state import state_folder

    keyed = load_config(write_config(tmp_path / "a", alliance={"state_dir": "etat"}), environ={})
    bare = load_config(write_config(tmp_path / "b"), environ={"ALLIANCE_SYNC_STATE_DIR": ""})  # empty: not set
    assert str(state_folder(None, keyed, demo=True)) == (
        f"{tmp_path}/a/etat (clé state_dir de {tmp_path}/a/alliance.toml)"
    )
    assert str(state_folder(None, bare, demo=False)) == (
        f"{Path('.alliance-sync').absolute()} (par défaut, dans le dossier courant)"
    )
    assert str(state_folder(None, bare, demo=True)) == (
        f"{Path('.alliance-sync-demo').absolute()} (par défaut pour la démonstration intégrée, dans le dossier courant)"
    )
    assert (bare.environment, bare.google.sheets_url, bare.delivery.smtp_password) == ({}, "", "")


def test_an_address_variable_refused_at_use_is_still_named(tmp_path, monkeypatch):
    """Read at load time, checked where it is used: a validate of local workbooks never
    fails on a Sheets address it does not need; a Google source does, naming the variable."""
    monkeypatch.setenv("ALLIANCE_SYNC_SHEETS_URL", "http://proxy.exemple.org:3128")
    assert CliRunner().invoke(cli, ["validate", "--config", str(write_config(tmp_path / "local"))]).exit_code == 0
    from sync.google.client import GoogleClients

    config = load_config(write_config(tmp_path / "google"))
    monkeypatch.delenv("ALLIANCE_SYNC_SHEETS_URL")  # read at load time: the loaded value is the one checked
    with pytest.raises(ConfigError) as caught:
        GoogleClients(tmp_path / "etat").sheets(config)
    assert caught.value.message == (
        "Configuration invalide (clé « ALLIANCE_SYNC_SHEETS_URL ») : adresse « http://proxy.exemple.org:3128 » "
        "refusée : une adresse https://… est attendue (http:// seulement vers cette machine : localhost, 127.0.0.1, "
        "[::1]), car les requêtes portent le jeton d'accès Google"
    )
