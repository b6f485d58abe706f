"""click speaks English; the coordinator reads French. Help headings and usage
errors are rendered in French here, so that sync/cli.py stays about commands."""

from __future__ import annotations

import re

import click

_METAVARS = {"INTEGER RANGE": "ENTIER", "FILE": "FICHIER", "DIRECTORY": "DOSSIER", "INTEGER": "ENTIER", "TEXT": "TEXTE",
             "PATH": "CHEMIN", "RANGE": "INTERVALLE"}
_METAVAR = re.compile(r"\b(" + "|".join(sorted(_METAVARS, key=len, reverse=True)) + r")\b")

_HEADINGS = {"Options": "Options", "Commands": "Commandes", "Arguments": "Arguments"}

# click's usage-error texts (click 8.1–8.3), in the order they are tried.
_ERRORS = [
    (r"^No such option:? '?(?P<a>[^'\s]+?)'?\.?(?: Did you mean '?(?P<b>[^'\s]+?)'?\?)?$",
     lambda m: f"option inconnue : {m['a']}" + (f" (vouliez-vous dire {m['b']} ?)" if m["b"] else "")),
    (r"^No such command '(?P<a>.*)'\.$", lambda m: f"commande inconnue : « {m['a']} »"),
    (r"^Missing argument '?(?P<a>[^']*)'?\.$", lambda m: f"argument manquant : {m['a']}"),
    (r"^Missing option '?(?P<a>[^']*)'?\.$", lambda m: f"option manquante : {m['a']}"),
    (r"^Option '(?P<a>.*)' requires an argument\.$", lambda m: f"l'option {m['a']} demande une valeur"),
    (r"^(?P<a>\S+) option requires an argument\.$", lambda m: f"l'option {m['a']} demande une valeur"),
    (r"^Got unexpected extra arguments? \((?P<a>.*)\)$", lambda m: f"argument en trop : {m['a']}"),
    (r"^Invalid value for (?P<a>.+?): (?P<b>.*)$",
     lambda m: f"valeur invalide pour {m['a'].replace(chr(39), '')} : {_value_problem(m['b'])}"),
]

_VALUE_PROBLEMS = [
    (r"^'(?P<a>.*)' is not one of (?P<b>.*)\.$", lambda m: f"« {m['a']} » n'est pas parmi {m['b']}"),
    (r"^'(?P<a>.*)' is not a valid integer( range)?\.$", lambda m: f"« {m['a']} » n'est pas un nombre entier"),
    (r"^(?P<a>.*) is not in the range (?P<b>.*)\.$", lambda m: f"{m['a']} est hors de l'intervalle {m['b']}"),
    (r"^(File|Directory|Path) '(?P<a>.*)' is a directory\.$", lambda m: f"« {m['a']} » est un dossier"),
    (r"^(File|Directory|Path) '(?P<a>.*)' is a file\.$", lambda m: f"« {m['a']} » est un fichier"),
    (r"^(File|Directory|Path) '(?P<a>.*)' does not exist\.$", lambda m: f"« {m['a']} » est introuvable"),
]


def _value_problem(text: str) -> str:
    for pattern, render in _VALUE_PROBLEMS:
        match = re.match(pattern, text)
        if match:
            return render(match)
    return text


def french_usage_error(message: str) -> str:
    for pattern, render in _ERRORS:
        match = re.match(pattern, message)
        if match:
            return render(match)
    return message


class FrenchHelpFormatter(click.HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args.replace("COMMAND [ARGS]...", "COMMANDE [ARGS]..."),
                            prefix="Utilisation : ")

    def write_heading(self, heading: str) -> None:
        super().write_heading(_HEADINGS.get(heading, heading))

    def write_dl(self, rows, *args, **kwargs) -> None:
        translated = [(_METAVAR.sub(lambda m: _METAVARS[m[1]], term),
                       text.replace("[default: ", "[par défaut : ").replace("[required]", "[requis]"))
                      for term, text in rows]
        super().write_dl(translated, *args, **kwargs)


class FrenchContext(click.Context):
    formatter_class = FrenchHelpFormatter


class FrenchHelpMixin:
    """The --help option's own text, in French."""

    def get_help_option(self, ctx: click.Context):
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = "Afficher cette aide et quitter."
        return option


class FrenchCommand(FrenchHelpMixin, click.Command):
    context_class = FrenchContext


# click ≥ 8.2 raises it for a group called without a command; its message is the help.
_NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())


def show_usage_error(exc: click.UsageError) -> None:
    """Print a usage error the way click does, in French."""
    ctx = exc.ctx
    if isinstance(exc, _NO_ARGS_IS_HELP):
        click.echo(exc.format_message(), err=True)
        return
    if ctx is not None:
        click.echo(ctx.get_usage(), err=True)
        hint = f"{ctx.command_path} {ctx.help_option_names[0]}"
        click.echo(f"Essayez « {hint} » pour l'aide.\n", err=True)
    click.echo(f"Erreur : {french_usage_error(exc.format_message())}", err=True)
