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

# The documented shape (docs/configuration.md), verbatim.
SPEC_EXAMPLE = '''\
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
'''  # noqa: E501 (the example as a coordinator writes it)


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
        "Réserve régionale (TCPM)", 120_000_000, None)
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
    text = (SPEC_EXAMPLE
            .replace('# annual = {', 'annual = {')
            .replace('# source = { xlsx = "regional.xlsx" }', 'source = { xlsx = "regional.xlsx" }'))
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
    path = write_config(tmp_path, overrides={"EST": {"source": {"google": "1AbCdEf"}},
                                             "LONGUEUIL": {"source": None, "xlsx": "longueuil.xlsx"}})
    config = load_config(path)
    assert (config.subregions[1].source.kind, config.subregions[1].source.location) == ("google", "1AbCdEf")
    assert config.subregions[2].source.kind == "xlsx"


def test_annual_amounts_and_monteregie_defaults(tmp_path):
    path = write_config(tmp_path, annual={"OUEST": {"2019-2020": 300000.5}},
                        subregions=[{"code": "OUEST", "source": {"xlsx": "ouest.xlsx"}}])
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
    assert_config_error(path, "subregions.allocation",
                        "la somme des allocations (11 900 000,00 $, réserve régionale comprise) dépasse "
                        "l'enveloppe de l'Alliance (11 800 000,00 $)")


def test_unknown_source_kind(tmp_path):
    path = write_config(tmp_path, overrides={"EST": {"source": {"dropbox": "est.xlsx"}}})
    assert_config_error(path, "subregions[2].source.dropbox",
                        "type de source inconnu « dropbox » ; types permis : xlsx, google")


def test_source_with_two_kinds(tmp_path):
    path = write_config(tmp_path, overrides={"EST": {"source": {"xlsx": "est.xlsx", "google": "1Ab"}}})
    assert_config_error(path, "subregions[2].source", 'une source est attendue')


def test_territory_in_two_subregions(tmp_path):
    path = write_config(tmp_path, overrides={"EST": {"territories": ["Acton", "roussillon"]}})
    assert_config_error(path, "subregions[2].territories",
                        "le territoire « roussillon » est déjà attribué à la sous-région OUEST")


@pytest.mark.parametrize("period, key, fragment", [
    ({"start": dt.date(2019, 1, 1), "end": dt.date(2023, 3, 31)}, "alliance.period.start",
     "la période doit commencer un 1er avril (exercice financier québécois), lu : 2019-01-01"),
    ({"start": dt.date(2019, 4, 1), "end": dt.date(2022, 12, 31)}, "alliance.period.end",
     "la période doit finir un 31 mars après son début, lu : 2022-12-31"),
    ({"start": dt.date(2019, 4, 1), "end": dt.date(2019, 3, 31)}, "alliance.period.end",
     "la période doit finir un 31 mars après son début"),
    ({"start": "1er avril 2019", "end": dt.date(2023, 3, 31)}, "alliance.period.start",
     "une date AAAA-MM-JJ est attendue, lu : '1er avril 2019'"),
])
def test_period_that_is_not_whole_fiscal_years(tmp_path, period, key, fragment):
    assert_config_error(write_config(tmp_path, alliance={"period": period}), key, fragment)


def test_missing_workbook_file(tmp_path):
    path = write_config(tmp_path, overrides={"OUEST": {"source": {"xlsx": "comites/absent.xlsx"}}},
                        create_missing=False)
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
    assert result.stderr.startswith(f"Erreur : Configuration invalide (fichier {path}) : "
                                    "syntaxe TOML invalide à la ligne 1, colonne 10")


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
    assert result.stderr == (f"Erreur : Configuration invalide (fichier {path}) : "
                             f"fichier introuvable : {path.resolve()}\n")


@pytest.mark.parametrize("kwargs, key, fragment", [
    ({"overrides": {"OUEST": {"allocation": "beaucoup"}}}, "subregions[1].allocation", "montant illisible"),
    ({"overrides": {"OUEST": {"allocation": -5}}}, "subregions[1].allocation", "le montant doit être positif"),
    ({"overrides": {"OUEST": {"allocation": 1.005}}}, "subregions[1].allocation", "non exact au cent"),
    ({"overrides": {"EST": {"code": "OUEST"}}}, "subregions[2].code", "le code « OUEST » est déjà utilisé"),
    ({"overrides": {"EST": {"territories": []}}}, "subregions[2].territories", "au moins un territoire"),
    ({"overrides": {"EST": {"source": None}}}, "subregions[2].source", "source manquante"),
    ({"overrides": {"OUEST": {"code": "NORD", "name": None}}}, "subregions[1].name", "valeur requise manquante"),
    ({"alliance": {"max_fqis_share": 1.5}}, "alliance.max_fqis_share", "une proportion entre 0 et 1"),
    ({"alliance": {"nearly_used": "beaucoup"}}, "alliance.nearly_used", "une proportion entre 0 et 1"),
    ({"alliance": {"envelope": True}}, "alliance.envelope", "un montant en dollars est attendu"),
    ({"alliance": {"name": ""}}, "alliance.name", "un texte non vide est attendu"),
    ({"annual": {"OUEST": {"2018-2019": 1000}}}, "subregions[1].annual.2018-2019",
     "exercice inconnu « 2018-2019 » ; exercices de la période : 2019-2020, 2020-2021"),
    ({"annual": {"OUEST": {"2019-2020": 2000000, "2020-2021": 700000}}}, "subregions[1].annual",
     "la somme des montants annuels (2 700 000,00 $) dépasse l'allocation (2 600 000,00 $)"),
    ({"regional": {"allocation": None}}, "regional.allocation", "montant requis manquant"),
])
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
# Keys no setting reads: a warning naming the key, with the closest known one


def warnings_of(path: Path) -> list[str]:
    """The configuration's warnings, as `validate` prints them (without the time stamp)."""
    result = invoke(path)
    assert result.exit_code == 0, result.output
    return [line.split("AVERTISSEMENT : ", 1)[1] for line in result.stderr.splitlines()
            if "AVERTISSEMENT : Configuration" in line]


@pytest.mark.parametrize("kwargs, warning", [
    ({"extra": "[regionl]\nallocation = 1\n"},
     "table inconnue « [regionl] », ignorée. Vouliez-vous dire « [regional] » ?"),
    ({"extra": "[[subregion]]\ncode = 'NORD'\n"},
     "table inconnue « [[subregion]] », ignorée. Vouliez-vous dire « [[subregions]] » ?"),
    ({"extra": "[googel]\nfeedback = true\n"},
     "table inconnue « [googel] », ignorée. Vouliez-vous dire « [google] » ?"),
    ({"alliance": {"enveloppe": 11800000}},
     "clé inconnue « alliance.enveloppe », ignorée. Vouliez-vous dire « envelope » ?"),
    ({"alliance": {"period": {"start": dt.date(2019, 4, 1), "end": dt.date(2023, 3, 31), "fin": 1}}},
     "clé inconnue « alliance.period.fin », ignorée."),
    ({"regional": {"alocation": 5}},
     "clé inconnue « regional.alocation », ignorée. Vouliez-vous dire « allocation » ?"),
    ({"overrides": {"EST": {"contcat": "est@exemple.org"}}},
     "clé inconnue « subregions[2].contcat », ignorée. Vouliez-vous dire « contact » ?"),
    ({"overrides": {"EST": {"Priorites": ["Logement"]}}},
     "clé inconnue « subregions[2].Priorites », ignorée. Vouliez-vous dire « priorities » ?"),
    ({"extra": "[google]\nfeedbak = true\n"},
     "clé inconnue « google.feedbak », ignorée. Vouliez-vous dire « feedback » ?"),
    ({"extra": "[delivery]\ndrive_foldr = 'x'\n"},
     "clé inconnue « delivery.drive_foldr », ignorée. Vouliez-vous dire « drive_folder » ?"),
    ({"extra": "[delivery]\nemail_from = 'a@exemple.org'\nsmtp = { host = 'localhost', starttls = false, "
               "tiemout = 5 }\n"},
     "clé inconnue « delivery.smtp.tiemout », ignorée. Vouliez-vous dire « timeout » ?"),
])
def test_every_table_announces_its_unknown_keys(tmp_path, kwargs, warning):
    path = write_config(tmp_path, **kwargs)
    assert warnings_of(path) == [f"Configuration {path} : {warning}"]


def test_every_documented_google_key_is_known(tmp_path):
    path = write_config(tmp_path, extra=(
        '[google]\ncredentials = "cle.json"\nfeedback = true\nreads_per_minute = 30\noauth_client = "client.json"\n'
        "max_attempts = 3\nretry_deadline = 10\nbackoff_initial = 0.5\nbackoff_max = 2\ntimeout = 5\n"))
    assert warnings_of(path) == []
    google = load_config(path).google
    assert (google.credentials, google.oauth_client) == ((tmp_path / "cle.json").resolve(),
                                                         (tmp_path / "client.json").resolve())
    assert (google.feedback, google.reads_per_minute, google.max_attempts, google.retry_deadline,
            google.backoff_initial, google.backoff_max, google.timeout) == (True, 30, 3, 10.0, 0.5, 2.0, 5.0)


def test_google_defaults_are_the_settings_own(tmp_path):
    from sync.config import GoogleSettings

    assert load_config(write_config(tmp_path)).google == GoogleSettings()


# -- values nobody planned ------------------------------------------------------------


@pytest.mark.parametrize("value", [float("inf"), 1e30, 10_000_000_000_000])
def test_an_envelope_too_big_or_infinite_is_a_configuration_error(tmp_path, value):
    # inf ended in an OverflowError; 1e30 $ in SQLite's OverflowError at the end of the run.
    from tests.support.cli import config_error

    path = write_config(tmp_path, alliance={"envelope": value})
    assert "trop grand (au plus 9 999 999 999 999,99 $)" in config_error(path, "alliance.envelope")


@pytest.mark.parametrize("key", ["max_fqis_share", "nearly_used"])
def test_a_ratio_that_is_nan_is_a_configuration_error(tmp_path, key):
    from tests.support.cli import config_error

    path = write_config(tmp_path, alliance={key: float("nan")})
    assert "une proportion entre 0 et 1" in config_error(path, f"alliance.{key}")


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_google_delays_must_be_finite(tmp_path, value):
    from tests.support.cli import config_error

    path = write_config(tmp_path, extra=f"[google]\ntimeout = {value}\n")
    assert "un nombre de secondes" in config_error(path, "google.timeout")


def test_an_unknown_top_level_table_is_announced(tmp_path):
    # « [googel] feedback = true » silently ignored is write-back silently off.
    from tests.support.cli import invoke as invoke_cli

    path = write_config(tmp_path, extra="[googel]\nfeedback = true\n")
    result = invoke_cli("validate", "--config", str(path))
    assert result.exit_code == 0, result.output
    assert (f"AVERTISSEMENT : Configuration {path} : table inconnue « [googel] », ignorée. "
            "Vouliez-vous dire « [google] » ?\n") in result.stderr


def test_a_configuration_saved_with_a_byte_order_mark_loads(tmp_path):
    # Windows' Notepad saves UTF-8 with a BOM; tomllib rejects it at line 1, column 1.
    path = write_config(tmp_path)
    path.write_bytes("\ufeff".encode() + path.read_bytes())
    assert load_config(path).name == "Alliance pour la solidarité en Montérégie"


def test_a_configuration_path_that_is_a_folder_is_explained_in_french(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert caught.value.message == (f"Configuration invalide (fichier {tmp_path}) : fichier illisible "
                                    "(le chemin désigne un dossier, pas un fichier)")


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
    from tests.support.cli import config_error

    path = write_config(tmp_path, alliance={key: []})
    assert "au moins une valeur est requise" in config_error(path, f"alliance.{key}")


def test_a_broken_presentation_file_is_explained_like_the_configuration(tmp_path):
    from sync.outputs.ministry.style import load_presentation

    config = load_config(write_config(tmp_path))
    presentation = tmp_path / "rapport-ministere.toml"
    presentation.write_text("[couleurs\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_presentation(config, dt.datetime(2026, 1, 5, 2, 0))
    assert caught.value.message.startswith(f"Configuration invalide (fichier {presentation}) : syntaxe TOML "
                                           "invalide à la ligne 1, colonne 10 ; vérifiez les guillemets")
