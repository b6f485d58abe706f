"""Montérégie defaults (docs/configuration.md): what a configuration may leave out.

The values an alliance may change; the template's statuses are vocabulary, not settings."""

from __future__ import annotations

ALLIANCE_NAME = "Alliance pour la solidarité en Montérégie"
MANDATAIRE = "Table de concertation des préfets de la Montérégie (TCPM)"
MINISTRY = "MTESS"
FUND = "FQIS"
ENVELOPE_DOLLARS = 11_800_000
PERIOD = ("2019-04-01", "2023-03-31")
MAX_FQIS_SHARE = "0.80"
NEARLY_USED = "0.95"

REGIONAL_CODE = "REGION"
REGIONAL_NAME = "Réserve régionale (TCPM)"
REGIONAL_ALLOCATION_DOLLARS = 1_200_000
# The one territory value that only the regional line's own sheet may use.
REGIONAL_TERRITORY = "Régional"

SUBREGIONS = (
    {
        "code": "OUEST",
        "name": "Ouest de la Montérégie",
        "allocation": 2_600_000,
        "territories": [
            "Beauharnois-Salaberry",
            "Le Haut-Saint-Laurent",
            "Les Jardins-de-Napierville",
            "Roussillon",
            "Vaudreuil-Soulanges",
        ],
    },
    {
        "code": "EST",
        "name": "Est de la Montérégie",
        "allocation": 3_900_000,
        "territories": [
            "Acton",
            "Brome-Missisquoi",
            "La Haute-Yamaska",
            "La Vallée-du-Richelieu",
            "Le Haut-Richelieu",
            "Les Maskoutains",
            "Marguerite-D'Youville",
            "Pierre-De Saurel",
            "Rouville",
        ],
    },
    {
        "code": "LONGUEUIL",
        "name": "Agglomération de Longueuil",
        "allocation": 4_100_000,
        "territories": [
            "Agglomération de Longueuil",
            "Boucherville",
            "Brossard",
            "Longueuil — Le Vieux-Longueuil",
            "Longueuil — Greenfield Park",
            "Longueuil — Saint-Hubert",
            "Saint-Bruno-de-Montarville",
            "Saint-Lambert",
        ],
    },
)

PRIORITIES = (
    "Sécurité alimentaire",
    "Logement",
    "Réussite éducative et sociale",
    "Transport collectif",
    "Insertion socioprofessionnelle",
    "Soutien à l'action communautaire",
)

ELIGIBLE_ORGANIZATION_TYPES = (
    "OBNL",
    "Coopérative sans but lucratif",
    "Organisme municipal ou MRC",
    "Communauté autochtone",
    "Centre de recherche ou établissement d'enseignement",
)

# Known ineligible types: reported as INELIGIBLE_ORGANIZATION, never as a typo of
# an eligible one.
INELIGIBLE_ORGANIZATION_TYPES = (
    "Entreprise privée",
    "Particulier",
    "Coopérative à but lucratif",
    "Organisme fédéral",
)
