"""The normalisation and matching rules stated as the properties they promise
(docs/gabarit.md), checked by Hypothesis on generated inputs, with the examples of
the docs kept as explicit cases (``@example``).

- Project numbers: two spellings a person reads as the same number (case, spaces
  and dashes, invisible characters of every kind, full-width forms, Cyrillic or
  Greek look-alikes) fold together; two different numbers never do.
- Tab names: Projets and Versements are found whatever the case, accents or
  surrounding spaces; « (suite) », a number, a plural or singular, « Copie de »
  make a tab that looks like one; another word never does.
- Headers: every synonym, however typed (case, accents, spaces, punctuation,
  straight or curly apostrophe, N° for No), finds its column; the first copy of
  a column typed twice is read, the other is reported.
- Money and dates: a value written as committees write it reads exactly; a value
  that cannot be read exactly is never a number.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from sync.money import MAX_CENTS, format_cents
from sync.parsing.identifiers import _LOOK_ALIKES, clean_project_id, project_key, visible
from sync.parsing.values import Unreadable, parse_cents, parse_date
from sync.vocabulary.template import (
    PAYMENT_COLUMNS,
    PAYMENTS_TAB,
    PROJECTS_TAB,
    duplicate_headers,
    find_tab,
    looks_like_tab,
    match_headers,
    project_columns,
)

# ---------------------------------------------------------------- project numbers

# Characters nobody sees, of every category the rule covers: format characters
# (Cf: zero-width space and joiners, word joiner, soft hyphen, byte order mark,
# left-to-right mark), Hangul fillers and the combining grapheme joiner.
INVISIBLE = [
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\u00ad",
    "\ufeff",
    "\u200e",
    "\u115f",
    "\u1160",
    "\u3164",
    "\uffa0",
    "\u034f",
]
# A Latin letter → the letters of other alphabets drawn like it.
LOOK_ALIKES: dict[str, list[str]] = {}
for _other, _latin in _LOOK_ALIKES.items():
    LOOK_ALIKES.setdefault(_latin, []).append(_other)

TOKEN = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=6)
NUMBER = st.lists(TOKEN, min_size=1, max_size=4)  # « OUE-2020-003 » as ["OUE", "2020", "003"]


@st.composite
def spelled(draw, tokens: list[str]) -> str:
    """The number of ``tokens`` as a person may have typed or pasted it."""
    separator = draw(st.sampled_from(["-", " ", " - ", "_", "/", ".", "–"]))
    out = []
    for ch in separator.join(tokens):
        choice = draw(st.sampled_from(["keep", "lower", "wide", "look", "hidden"]))
        if choice == "lower":
            ch = ch.lower()
        elif choice == "wide" and ch.isalnum():
            ch = chr(ord(ch) + 0xFEE0)  # its full-width form (U+FF21 for A, U+FF10 for 0)
        elif choice == "look" and LOOK_ALIKES.get(ch):
            ch = draw(st.sampled_from(LOOK_ALIKES[ch]))
        elif choice == "hidden":
            ch = draw(st.sampled_from(INVISIBLE)) + ch
        out.append(ch)
    padding = st.sampled_from(["", " ", "\u00a0", "\t"])
    return draw(padding) + "".join(out) + draw(padding)


@given(data=st.data(), tokens=NUMBER)
def test_two_spellings_of_one_number_fold_together(data, tokens):
    typed = data.draw(spelled(tokens))
    assert project_key(typed) == project_key("-".join(tokens)) == " ".join(t.lower() for t in tokens)


@pytest.mark.parametrize(
    "typed",
    [
        "OUE-2020-003",
        "oue-2020-003 ",
        "OUE 2020 003",
        "OUE-2020-0\u200b03",  # a zero-width space (docs/gabarit.md)
        "\u041eU\u0415-2020-003",  # Cyrillic O and E
        "".join(chr(ord(ch) + 0xFEE0) for ch in "OUE-2020-003"),  # full width
    ],
)
def test_the_documented_spellings_fold_together(typed):
    assert project_key(typed) == project_key("OUE-2020-003") == "oue 2020 003"


@given(a=NUMBER, b=NUMBER)
@example(a=["OUE", "2020", "003"], b=["OUE", "2020", "03"])
@example(a=["OUE", "2020", "003"], b=["OUE", "20200", "03"])
@example(a=["OUE2020", "003"], b=["OUE", "2020", "003"])
def test_two_different_numbers_never_fold_together(a, b):
    # Different tokens (a digit more or less, a separator moved) are different numbers.
    same = [t.lower() for t in a] == [t.lower() for t in b]
    assert (project_key("-".join(a)) == project_key("-".join(b))) == same


@given(a=NUMBER, b=NUMBER, greek=st.booleans())
def test_letters_of_other_alphabets_are_not_punctuation(a, b, greek):
    # A number written wholly in another alphabet is kept apart, not folded to nothing.
    letter = "Ω" if greek else "Ж"
    assert project_key(letter + "-".join(a)) != project_key("-".join(a))
    assert project_key(letter) != project_key("Ψ" if not greek else "Щ")


@given(data=st.data(), tokens=NUMBER)
def test_a_cleaned_number_is_clean_and_its_changes_are_said(data, tokens):
    typed = data.draw(spelled(tokens))
    clean, changes = clean_project_id(typed)
    assert clean_project_id(clean) == (clean, {})  # cleaning twice changes nothing
    hidden = [ch for ch in typed if ch in INVISIBLE or ch == "\t"]  # a tab is a control character
    assert changes.get("invisible", []) == sorted({f"U+{ord(ch):04X}" for ch in hidden})
    assert bool(changes.get("look_alikes")) == any(ch in _LOOK_ALIKES for ch in typed)
    assert not any(ch in INVISIBLE or ch in _LOOK_ALIKES or ch == "\t" for ch in clean)
    assert clean == unicodedata.normalize("NFKC", clean)


# ---------------------------------------------------------------- tab names

ACCENTED = {"e": "éèêë", "o": "ôö", "a": "àâ"}


@st.composite
def retyped(draw, name: str) -> str:
    """``name`` with another case, accents on its vowels and spaces around it."""
    out = ""
    for ch in name:
        choice = draw(st.sampled_from(["keep", "swap", "accent"]))
        if choice == "swap":
            ch = ch.swapcase()
        elif choice == "accent" and ch.lower() in ACCENTED:
            ch = draw(st.sampled_from(ACCENTED[ch.lower()]))
        out += ch
    return draw(st.sampled_from(["", " ", "  "])) + out + draw(st.sampled_from(["", " ", "\u00a0"]))


@given(data=st.data(), wanted=st.sampled_from([PROJECTS_TAB, PAYMENTS_TAB]))
def test_a_tab_is_found_whatever_its_case_accents_or_spaces(data, wanted):
    title = data.draw(retyped(wanted))
    others = ["Instructions", "Listes", "Validation"]
    assert find_tab([*others, title], wanted) == title
    # The exact name wins over a look-alike, wherever it is.
    assert find_tab([title, wanted], wanted) == wanted


@given(
    data=st.data(),
    wanted=st.sampled_from([PROJECTS_TAB, PAYMENTS_TAB]),
    form=st.sampled_from(["{} (suite)", "{} 2", "{} 12", "Copie de {}", "{}-suite", "{} bis"]),
    plural=st.booleans(),
)
@example(data=None, wanted=PROJECTS_TAB, form="{} (suite)", plural=True)  # docs/gabarit.md
@example(data=None, wanted=PROJECTS_TAB, form="{} 2", plural=True)
def test_a_continuation_or_a_copy_looks_like_the_tab(data, wanted, form, plural):
    name = wanted if plural else wanted.removesuffix("s")
    if data is not None:
        name = data.draw(retyped(name))
    assert looks_like_tab(form.format(name), wanted)


@given(word=st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=1, max_size=20))
@example(word="projection")
@example(word="projetsx")
@example(word="versementsuite")
@example(word="instructions")
def test_another_word_never_looks_like_the_tab(word):
    for wanted in (PROJECTS_TAB, PAYMENTS_TAB):
        stem = wanted.lower().removesuffix("s")
        words = word.split()
        if stem in words or f"{stem}s" in words:
            continue  # the word itself
        assert not looks_like_tab(word, wanted)
        assert find_tab([word], wanted) is None


# ---------------------------------------------------------------- headers

# Each tab's columns, and every (tab's columns, column, spelling) of their headers and synonyms.
TABS = [project_columns("FQIS", ["2019-2020", "2020-2021"]), list(PAYMENT_COLUMNS)]
SYNONYMS = [
    (index, column, spelling)
    for index, columns in enumerate(TABS)
    for column in columns
    for spelling in (column.header, *column.aliases)
]


@st.composite
def header_typed(draw, spelling: str) -> str:
    """A header as a committee may type it: case, accents dropped or added, spaces
    doubled, curly apostrophe, N° for No, punctuation at its ends."""
    text = spelling.replace("'", draw(st.sampled_from(["'", "’"])))
    if draw(st.booleans()):
        text = re.sub(r"\bNo\b", "N°", text)
    if draw(st.booleans()):
        text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    text = text.replace(" ", draw(st.sampled_from([" ", "  ", "\u00a0"])))
    case = draw(st.sampled_from([str, str.upper, str.lower, str.title]))
    return draw(st.sampled_from(["", " "])) + case(text) + draw(st.sampled_from(["", " ", " :", "*"]))


@given(data=st.data(), synonym=st.sampled_from(SYNONYMS), position=st.integers(min_value=0, max_value=5))
def test_every_synonym_however_typed_finds_its_column(data, synonym, position):
    tab, column, spelling = synonym
    typed = data.draw(header_typed(spelling))
    row = ["Colonne perso"] * position + [typed]
    found, _missing = match_headers(row, TABS[tab])
    assert found.get(column.field) == position, (typed, column.field)


@given(data=st.data(), synonym=st.sampled_from(SYNONYMS), gap=st.integers(min_value=0, max_value=4))
def test_of_a_column_typed_twice_the_first_is_read_and_the_other_reported(data, synonym, gap):
    tab, column, spelling = synonym
    first, second = data.draw(header_typed(spelling)), data.draw(header_typed(spelling))
    row = [first, *(["Colonne perso"] * gap), second]
    found, _ = match_headers(row, TABS[tab])
    assert found[column.field] == 0
    assert duplicate_headers(row, TABS[tab]) == [(column, 0, gap + 1)]


# ---------------------------------------------------------------- money and dates


@given(cents=st.integers(min_value=0, max_value=MAX_CENTS))
@example(cents=260_000_000)  # 2 600 000,00 $ (docs/gabarit.md)
@example(cents=MAX_CENTS)
def test_an_amount_as_the_product_writes_it_reads_back_exactly(cents):
    assert parse_cents(format_cents(cents)) == cents


@given(whole=st.integers(min_value=1, max_value=999), part=st.integers(min_value=1, max_value=999))
@example(whole=12, part=500)  # « 12,500 » : 12 500 $ or 12,50 $? refused (docs/gabarit.md)
def test_one_separator_and_three_digits_is_never_guessed(whole, part):
    for mark in (",", "."):
        with pytest.raises(Unreadable):
            parse_cents(f"{whole}{mark}{part:03d}")


@given(whole=st.integers(min_value=0, max_value=10**9), tenths=st.integers(min_value=1, max_value=9))
@example(whole=12, tenths=5)
def test_a_fraction_of_a_cent_is_never_a_number(whole, tenths):
    for text in (f"{whole},00{tenths}", f"{whole} $ ,12{tenths}".replace(" $ ", "")):
        with pytest.raises(Unreadable):
            parse_cents(text)
    with pytest.raises(Unreadable) as caught:
        parse_cents(whole + tenths / 1000)
    assert caught.value.reason == "fraction"


# Characters that are no part of an amount however it is written.
FOREIGN = st.characters(
    exclude_characters="0123456789 .,$+-()\u00a0\u202f\u2009\u2007\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\u2028\u2029",
    exclude_categories=["Zs"],
)


@given(cents=st.integers(min_value=0, max_value=10**11), intruder=FOREIGN, at=st.integers(min_value=0, max_value=20))
@example(cents=1_250_000, intruder="O", at=3)  # a letter O for a zero
@example(cents=1_250_000, intruder="l", at=0)  # a letter l for a one
def test_an_amount_with_any_other_character_is_never_a_number(cents, intruder, at):
    text = format_cents(cents)
    at = min(at, len(text))
    with pytest.raises(Unreadable):
        parse_cents(text[:at] + intruder + text[at:])


@given(day=st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)))
@example(day=dt.date(2020, 4, 1))  # 2020-04-01 (docs/gabarit.md)
def test_a_date_written_every_accepted_way_is_that_date(day):
    for text in (day.isoformat(), f"{day:%Y/%m/%d}", f"{day:%d/%m/%Y}", f"{day:%d-%m-%Y}", f"{day.isoformat()} 00:00"):
        assert parse_date(text) == day


@given(
    year=st.integers(min_value=1000, max_value=9999),
    month=st.integers(min_value=0, max_value=99),
    day=st.integers(min_value=0, max_value=99),
)
@example(year=2020, month=2, day=30)
@example(year=2021, month=2, day=29)
@example(year=2020, month=13, day=1)
def test_a_date_that_does_not_exist_is_never_a_date(year, month, day):
    try:
        dt.date(year, month, day)
    except ValueError:
        for text in (f"{year}-{month:02d}-{day:02d}", f"{day:02d}/{month:02d}/{year}"):
            with pytest.raises(Unreadable):
                parse_date(text)
    else:
        assert parse_date(f"{year}-{month:02d}-{day:02d}") == dt.date(year, month, day)


@given(tokens=NUMBER, accents=st.lists(st.sampled_from("ÉÈÊÀÂÎÔÛÇéèêàâîôûç"), min_size=1, max_size=3))
@example(tokens=["OUE", "2020", "003"], accents=["É"])
def test_accents_are_ignored_and_nothing_after_them_is_lost(tokens, accents):
    accented = "".join(accents) + "-".join(tokens)
    plain = unicodedata.normalize("NFKD", "".join(accents))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    assert project_key(accented) == project_key(plain + "-".join(tokens))
    assert project_key(accented).endswith(" ".join(t.lower() for t in tokens))


@given(tokens=NUMBER, wide=st.booleans())
def test_special_forms_are_said_only_when_there_are_some(tokens, wide):
    text = "-".join(tokens)
    typed = "".join(chr(ord(ch) + 0xFEE0) if ch.isalnum() else ch for ch in text) if wide else text
    clean, changes = clean_project_id(typed)
    assert clean == text
    assert changes == ({"special_forms": True} if wide else {})


@given(text=st.text(alphabet=[*"AB-12 ", *INVISIBLE, "\t"], max_size=12))
@example(text="OUE-2020-0\u200b03")
def test_visible_shows_each_invisible_character_by_its_code_point(text):
    shown = visible(text)
    expected = "".join(f"⟨U+{ord(ch):04X}⟩" if ch in INVISIBLE or ch == "\t" else ch for ch in text)
    assert shown == expected
