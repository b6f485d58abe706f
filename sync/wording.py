"""The French phrases every output shares: counts with their plural, the verdict
on conformity, the « Vouliez-vous dire » suggestion, the Québec date formats, and
committee text made safe to print on a terminal or in a log.

One home so that the console, the ministry workbook, the committees' Validation
tab, the e-mails and the history say the same thing the same way. It imports
nothing of the package: every stage may use it.
"""

from __future__ import annotations

import datetime as dt
import re


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """« 0 erreur », « 1 erreur », « 2 erreurs » (French: 0 and 1 take the singular)."""
    return f"{count} {singular if count in (0, 1) else (plural_form or singular + 's')}"


def errors_to_fix(errors: int, warnings: int) -> str:
    """« 3 erreurs à corriger, 1 avertissement »: the verdict every output gives when errors remain."""
    return f"{plural(errors, 'erreur')} à corriger, {plural(warnings, 'avertissement')}"


def summary_line(errors: int, warnings: int) -> str:
    """The console's last line: « Conforme — 0 erreur, 1 avertissement. »"""
    if errors:
        return f"{errors_to_fix(errors, warnings)}."
    return f"Conforme — 0 erreur, {plural(warnings, 'avertissement')}."


def conformity(errors: int, warnings: int) -> str:
    """The Sommaire's and the ministry e-mail's verdict: « Conforme » or
    « N erreurs à corriger », the warnings if any, and where to look."""
    verdict = f"{plural(errors, 'erreur')} à corriger" if errors else "Conforme"
    if warnings:
        verdict += f" ({plural(warnings, 'avertissement')})"
    if errors or warnings:
        verdict += " — voir l'onglet Validation"
    return verdict


def short_verdict(errors: int) -> str:
    """« conforme » or « 2 erreurs à corriger »: subjects and one-line summaries."""
    return f"{plural(errors, 'erreur')} à corriger" if errors else "conforme"


def committee_verdict(errors: int, warnings: int) -> str:
    """What a committee is told of its own spreadsheet (Validation tab, its e-mail)."""
    if errors:
        return errors_to_fix(errors, warnings)
    if warnings:
        return f"aucune erreur, {plural(warnings, 'avertissement')}"
    return "conforme, aucun constat"


def sentence_start(text: str) -> str:
    """``text`` opening a sentence or a line: its first letter in capitals, the rest as it is
    (« le serveur d'authentification Google » → « Le serveur… »; str.capitalize would lower the rest)."""
    return text[:1].upper() + text[1:]


def did_you_mean(closest: str | None) -> str:
    """« Vouliez-vous dire « X » ? », with its leading space, or nothing without a suggestion."""
    return f" Vouliez-vous dire « {closest} » ?" if closest else ""


def day(value: dt.date) -> str:
    """2020-04-01: the Québec (ISO) date."""
    return f"{value:%Y-%m-%d}"


def moment(value: dt.datetime) -> str:
    """2020-04-01 06:17: a date and time to the minute."""
    return f"{value:%Y-%m-%d %H:%M}"


def moment_at(value: dt.datetime) -> str:
    """2020-04-01 à 06:17: a date and time in a sentence."""
    return f"{value:%Y-%m-%d à %H:%M}"


# Characters a terminal obeys instead of showing: C0 controls but the line feed and the
# tab, DEL, C1 controls (0x9B opens a sequence on some terminals), and the bidirectional
# overrides that reorder what follows them.
TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    # C0 controls have a picture of their own (␛ for ESC, ␇ for BEL, ␍ for CR).
    return chr(0x2400 + code) if code < 0x20 else "\u2421" if code == 0x7F else f"<U+{code:04X}>"


def printable(text: str) -> str:
    """Text from committees, safe to print on a terminal or in a log: every control
    character shown as a visible sign, never obeyed (a committee's ESC sequence
    cannot clear the coordinator's screen nor hide a line)."""
    return TERMINAL_CONTROLS.sub(_shown, text)
