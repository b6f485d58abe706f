"""Project numbers as they must be compared, whatever was pasted into the cell.

A number copied from an e-mail or a web page can carry characters nobody sees
(zero-width space, soft hyphen, word joiner), full-width forms, or letters of
another alphabet that look Latin (Cyrillic « О », Greek « Ρ »). Compared as typed,
« OUE-2020-003 » and « OUE-2020-0\u200b03 » are two projects, counted twice.

:func:`clean_project_id` gives the number as it must be read (Unicode NFKC, the
invisible characters removed, look-alike letters made Latin) and says what it
changed, so that the number is flagged; :func:`project_key` compares numbers without
case, accents or punctuation, and keeps the letters of every alphabet apart (a
number written in Greek is not a number written in Cyrillic).
"""

from __future__ import annotations

import unicodedata
from typing import Any

# Letters of other alphabets drawn like Latin capitals or small letters
# (the Cyrillic and Greek rows of Unicode's confusables that matter for A–Z).
_LOOK_ALIKES = {
    # Cyrillic
    "А": "A",
    "В": "B",
    "Е": "E",
    "К": "K",
    "М": "M",
    "Н": "H",
    "О": "O",
    "Р": "P",
    "С": "C",
    "Т": "T",
    "У": "Y",
    "Х": "X",
    "І": "I",
    "Ј": "J",
    "Ѕ": "S",
    "Ԛ": "Q",
    "Ԝ": "W",
    "а": "a",
    "е": "e",
    "о": "o",
    "р": "p",
    "с": "c",
    "у": "y",
    "х": "x",
    "і": "i",
    "ј": "j",
    "ѕ": "s",
    "ԛ": "q",
    "ԝ": "w",
    "һ": "h",
    # Greek
    "Α": "A",
    "Β": "B",
    "Ε": "E",
    "Ζ": "Z",
    "Η": "H",
    "Ι": "I",
    "Κ": "K",
    "Μ": "M",
    "Ν": "N",
    "Ο": "O",
    "Ρ": "P",
    "Τ": "T",
    "Υ": "Y",
    "Χ": "X",
    "ο": "o",
    "ν": "v",
}
# Invisible but not in category Cf (format characters): fillers that render as nothing.
_INVISIBLE_OTHERS = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u034f"}


def _invisible(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category == "Cf" or ch in _INVISIBLE_OTHERS or category == "Cc"


def visible(text: str) -> str:
    """The text with each invisible character shown as its code point (« ⟨U+200B⟩ »)."""
    return "".join(f"⟨U+{ord(ch):04X}⟩" if _invisible(ch) else ch for ch in text)


def clean_project_id(text: str) -> tuple[str, dict[str, Any]]:
    """The number as it must be read, and what was changed (empty when nothing was):
    ``invisible``, the code points of invisible characters taken out (``U+200B``);
    ``special_forms``, special forms made plain (full width, superscripts, ligatures);
    ``look_alikes``, Cyrillic or Greek letters read as the Latin ones they imitate.
    The values of a PROJECT_ID_CHARACTERS finding (sync/findings.py words them)."""
    changes: dict[str, Any] = {}
    invisible = sorted({f"U+{ord(ch):04X}" for ch in text if _invisible(ch)})
    if invisible:
        changes["invisible"] = invisible
    kept = "".join(ch for ch in text if not _invisible(ch))
    normal = unicodedata.normalize("NFKC", kept)
    if normal != kept:
        changes["special_forms"] = True
    look_alikes = [ch for ch in normal if ch in _LOOK_ALIKES]
    if look_alikes:
        changes["look_alikes"] = look_alikes
    clean = "".join(_LOOK_ALIKES.get(ch, ch) for ch in normal).strip()
    return clean, changes


def project_key(project_id: str) -> str:
    """``"oue-2020-003 "``, ``"OUE 2020 003"`` and ``"OUE-2020-003"`` → one key; letters of
    every alphabet are kept (not dropped as punctuation), accents are not."""
    clean, _ = clean_project_id(project_id)
    folded = unicodedata.normalize("NFKD", clean.casefold())
    out: list[str] = []
    for ch in folded:
        if unicodedata.combining(ch):
            continue
        out.append(ch if ch.isalnum() else " ")
    return " ".join("".join(out).split())
