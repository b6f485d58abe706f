"""click speaks English; the coordinator reads French.

click marks every text it prints for translation: each of its modules calls
``_`` and ``ngettext``, imported by name from the standard ``gettext`` module.
:func:`install` puts a French catalogue behind those names, in click's modules
only (the process's default gettext domain is left alone), so that help
headings, usage errors and their hints come out in French from click itself.
``tests/test_cli_french.py`` checks the catalogue against the installed click:
every entry is a text click still asks for, and every text click can show a
coordinator has its entry.

What gettext cannot reach is set here too: the help's command list is not cut
with « … » (:class:`FrenchCommand`), a range is described in words
(:class:`Count`), and a misspelt command or option gets the shared
« Vouliez-vous dire » suggestion (:func:`show_usage_error`).
"""

from __future__ import annotations

import gettext
import importlib

import click

from sync.wording import did_you_mean

# click's text → the coordinator's. ``{value!r}`` in click's text is Python's quoting;
# the French text shows the value between guillemets instead.
CATALOGUE: dict[str, str] = {
    # help
    "Usage:": "Utilisation :",
    # click adds the colon right after a heading; French puts a space before it.
    "Options": "Options ",
    "Positional arguments": "Arguments ",
    "Commands": "Commandes ",
    "Show this message and exit.": "Afficher cette aide et quitter.",
    "Show the version and exit.": "Afficher la version et quitter.",
    "%(prog)s, version %(version)s": "%(prog)s, version %(version)s",
    "default: {default}": "par défaut : {default}",
    "required": "requis",
    "env var: {var}": "variable d'environnement : {var}",
    "(dynamic)": "(calculé)",
    "deprecated": "obsolète",
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}": (
        "Avertissement : la commande « {name} » est obsolète.{extra_message}"
    ),
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}": (
        "Avertissement : le paramètre « {name} » est obsolète.{extra_message}"
    ),
    # errors and their hint
    "Error: {message}": "Erreur : {message}",
    "Try '{command} {option}' for help.": "Essayez « {command} {option} » pour l'aide.",
    "Aborted!": "Interrompu.",
    "Missing command.": "commande manquante.",
    "No such command {name!r}.": "commande inconnue : « {name} ».",
    "No such option {name!r}.": "option inconnue : {name}.",
    "Missing argument": "argument manquant :",
    "Missing option": "option manquante :",
    "Missing parameter": "paramètre manquant :",
    "Missing {param_type}": "{param_type} manquant :",
    "Missing parameter: {param_name}": "paramètre manquant : {param_name}",
    "Invalid value for {param_hint}: {message}": "valeur invalide pour {param_hint} : {message}",
    "Invalid value: {message}": "valeur invalide : {message}",
    "Option {name!r} does not take a value.": "l'option {name} ne prend pas de valeur.",
    "Argument {name!r} takes {nargs} values.": "l'argument {name} prend {nargs} valeurs.",
    "Invalid start character for option ({option})": "caractère initial invalide pour une option ({option})",
    "Value must be an iterable.": "une liste de valeurs est attendue.",
    "Could not open file {filename!r}: {message}": "impossible d'ouvrir le fichier « {filename} » : {message}",
    "unknown error": "erreur inconnue",
    # values
    "file": "fichier",
    "directory": "dossier",
    "path": "chemin",
    "{name} {filename!r} does not exist.": "{name} « {filename} » introuvable.",
    "{name} {filename!r} is a file.": "{name} « {filename} » : c'est un fichier.",
    "{name} {filename!r} is a directory.": "{name} « {filename} » : c'est un dossier.",
    "{name} {filename!r} is not readable.": "{name} « {filename} » : lecture non permise.",
    "{name} {filename!r} is not writable.": "{name} « {filename} » : écriture non permise.",
    "{name} {filename!r} is not executable.": "{name} « {filename} » : exécution non permise.",
    "{value!r} is not a valid {number_type}.": "« {value} » n'est pas un nombre valide.",
    "{value} is not in the range {range}.": "{value} n'est pas permis ({range}).",
    "{value!r} is not a valid boolean. Recognized values: {states}": (
        "« {value} » n'est ni oui ni non. Valeurs reconnues : {states}"
    ),
    "{value!r} is not a valid UUID.": "« {value} » n'est pas un UUID valide.",
    "Choose from:\n\t{choices}": "Choisissez parmi :\n\t{choices}",
    "Choice({choices})": "Choix({choices})",
    # prompts
    "Repeat for confirmation": "Répétez pour confirmer",
    "Error: The two entered values do not match.": "Erreur : les deux valeurs saisies diffèrent.",
    "Error: invalid input": "Erreur : saisie invalide",
    "Press any key to continue...": "Appuyez sur une touche pour continuer…",
    "Do you want to continue?": "Voulez-vous continuer ?",
    "Confirm the action without prompting.": "Confirmer sans poser la question.",
    "{editor}: Editing failed": "{editor} : échec de l'édition",
    "{editor}: Editing failed: {e}": "{editor} : échec de l'édition : {e}",
    "Windows error: {error}": "erreur Windows : {error}",
    "Shell completion is not supported for Bash versions older than 4.4.": (
        "La complétion n'est pas offerte pour Bash avant la version 4.4."
    ),
    "Couldn't detect Bash version, shell completion is not supported.": (
        "Version de Bash inconnue : la complétion n'est pas offerte."
    ),
}

# (singular, plural) of click → (singular, plural) in French; French takes the
# singular for 0 and 1.
PLURALS: dict[tuple[str, str], tuple[str, str]] = {
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"): (
        "argument en trop : {args}",
        "arguments en trop : {args}",
    ),
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."): (
        "l'option {name} demande une valeur.",
        "l'option {name} demande {nargs} valeurs.",
    ),
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."): (
        "{nargs} valeurs attendues, 1 donnée.",
        "{nargs} valeurs attendues, {len} données.",
    ),
    (
        "{len_type} values are required, but {len_value} was given.",
        "{len_type} values are required, but {len_value} were given.",
    ): ("{len_type} valeurs attendues, {len_value} donnée.", "{len_type} valeurs attendues, {len_value} données."),
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"): (
        "Vouliez-vous dire {possibility} ?",
        "(Vouliez-vous dire l'une de : {possibilities} ?)",
    ),
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."): (
        "« {value} » n'est pas {choice}.",
        "« {value} » n'est pas parmi {choices}.",
    ),
    ("{value!r} does not match the format {format}.", "{value!r} does not match the formats {formats}."): (
        "« {value} » ne suit pas le format {format}.",
        "« {value} » ne suit aucun des formats {formats}.",
    ),
}

# Texts click raises only at a programmer's mistake in the declaration of a command,
# never before a coordinator: left in English on purpose.
FOR_DEVELOPERS = {
    "Name '{name}' defined twice",
    "Boolean option {decl!r} cannot use the same flag for true/false.",
    "Could not determine name for option with declarations {decls!r}",
    (
        "No options defined but a name was passed ({name}). Did you mean to declare an argument instead? "
        "Did you mean to pass '--{name}'?"
    ),
    "Arguments take exactly one parameter declaration, got {length}: {decls}.",
    "Unknown color {colour!r}",
    "Unknown standard stream '{name}'",
    "d",  # a format letter of the progress bar's time, not a word
}

# click's modules that import ``_`` or ``ngettext`` from gettext.
CLICK_MODULES = (
    "core",
    "decorators",
    "exceptions",
    "formatting",
    "parser",
    "shell_completion",
    "termui",
    "types",
    "utils",
    "_termui_impl",
)


class FrenchCatalogue(gettext.NullTranslations):
    """The French texts of :data:`CATALOGUE` and :data:`PLURALS`; an unknown text is kept as is."""

    def gettext(self, message: str) -> str:
        return CATALOGUE.get(message, message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        singular, plural = PLURALS.get((msgid1, msgid2), (msgid1, msgid2))
        return singular if n in (0, 1) else plural


def install() -> None:
    """Route the ``_`` and ``ngettext`` of click's modules to the French catalogue.

    Called at import, before any command is declared: a few texts are translated
    when an option is declared (the type of a path, « fichier » or « dossier »)."""
    catalogue = FrenchCatalogue()
    for name in CLICK_MODULES:
        try:
            module = importlib.import_module(f"click.{name}")
        except ImportError:  # _winconsole and the like exist on one platform only
            continue
        if hasattr(module, "_"):
            module._ = catalogue.gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = catalogue.ngettext  # type: ignore[attr-defined]


install()


class Count(click.IntRange):
    """A whole number of at least ``min``, described in French in the help
    (« au moins 1 ») instead of click's ``x>=1``."""

    def __init__(self, minimum: int) -> None:
        super().__init__(min=minimum)

    def _describe_range(self) -> str:
        return f"au moins {self.min}"


class FrenchCommand(click.Command):
    def get_short_help_str(self, limit: int = 45) -> str:
        """The first sentence of the help, whole: click cuts it at ``limit`` with « … »."""
        return super().get_short_help_str(limit=1000)


def show_usage_error(exc: click.UsageError) -> None:
    """Print a usage error the way click does (in French through the catalogue), a
    misspelt command or option followed by « Vouliez-vous dire »."""
    if isinstance(exc, click.exceptions.NoArgsIsHelpError):
        click.echo(exc.format_message(), err=True)  # its message is the help
        return
    message = exc.format_message()
    if isinstance(exc, (click.NoSuchOption, click.exceptions.NoSuchCommand)) and exc.possibilities:
        message = exc.message + did_you_mean(exc.possibilities[0])
    elif type(exc) is click.BadParameter and exc.param is not None and exc.param_hint is None:
        # click quotes each name ('--limit' / '-n'); the options as the coordinator types them.
        param = exc.param
        names = " / ".join(param.opts) if isinstance(param, click.Option) else param.human_readable_name
        message = CATALOGUE["Invalid value for {param_hint}: {message}"].format(param_hint=names, message=exc.message)
    ctx = exc.ctx
    if ctx is not None:
        click.echo(ctx.get_usage(), err=True)
        hint = CATALOGUE["Try '{command} {option}' for help."].format(
            command=ctx.command_path, option=max(ctx.help_option_names, key=len)
        )
        click.echo(f"{hint}\n", err=True)
    click.echo(CATALOGUE["Error: {message}"].format(message=message), err=True)
