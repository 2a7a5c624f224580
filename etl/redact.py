"""PII redaction: replace personal data in free text with typed placeholders.

Runs before anything is stored, on every text column that can hold customer words. The
rules are regular expressions shared by the vectorised path (``redact_expr``, Rust regex
via polars) and the scalar path (``redact_text``, Python ``re``), so both agree. The one
decision a regex cannot make, the Luhn check, runs in Python on the few rows that hold 13
digits close together.

Rules, in this order (a placeholder hides its text from the later rules):
1. e-mail addresses -> ``[EMAIL]``;
2. social @handles (an ``@`` not glued to a word), numeric ones too as in the public
   Twitter support dataset ("@115712") -> ``[HANDLE]``;
3. 13-19 digits, in one piece or in groups of 3+ digits split by single spaces or hyphens,
   passing the Luhn check -> ``[CARD]``;
4. phone numbers: +1 415 555 0199, (415) 555-0199, 415-555-0199, 415.555.0199,
   +44 20 7946 0958, +44 (0)20 7946 0958, 020 7946 0958, 07700 900123, +14155550199
   -> ``[PHONE]``;
5. any other run of 8+ digits (an account number, a Luhn-invalid card) and any card-shaped
   4-4-4-4 number -> ``[NUMBER]``;
6. house number + one to three capitalised words + a street suffix (Street/St, Road/Rd,
   Avenue/Ave, Lane/Ln, Drive/Dr, Boulevard/Blvd, Way, Court/Ct, Place/Pl, any case)
   -> ``[ADDRESS]``.

Digit rules only start at a word boundary, so digits glued to letters ("A12345678") and
order references (``ORD-12345678``, any length) are kept. Shorter numbers survive: order
numbers ("order 1234567"), amounts ("$1,299.00"), dates ("12/03/2026", "2026-09-01"),
times ("10:30") and quantities.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

import polars as pl

from dumbcontacts.etl.ascii_regex import python_regex, python_replacement, rust_regex

__all__ = ["PLACEHOLDERS", "redact_expr", "redact_series", "redact_text"]

PLACEHOLDERS = ("[EMAIL]", "[CARD]", "[PHONE]", "[NUMBER]", "[ADDRESS]", "[HANDLE]")


class _Rule(NamedTuple):
    pattern: str
    replacement: str  # group references as ${1}, as polars writes them

    def apply(self, texts: pl.Series) -> pl.Series:
        return texts.str.replace_all(rust_regex(self.pattern), self.replacement)

    def apply_one(self, text: str) -> str:
        return python_regex(self.pattern).sub(python_replacement(self.replacement), text)


# Rust's \w takes combining marks (a decomposed "é"), Python's does not: name them.
_MARKS = "\u0300-\u036f"
_EMAIL = _Rule(
    rf"[\w{_MARKS}.%+-]+@[\w{_MARKS}-]+(?:\.[\w{_MARKS}-]+)*\.(?:[^\W\d_]|[{_MARKS}]){{2,}}",
    "[EMAIL]",
)

# \B before "@": the previous character is not a word character, so "user@host" is left.
_HANDLE = _Rule(r"\B@[A-Za-z0-9_]+", "[HANDLE]")

# Rust regex has no lookbehind, so order references are shielded instead: an underscore
# after "ORD-" glues the digits to a word, and every digit rule starts at a word boundary.
# Underscores already there are counted in, so unshielding restores any text exactly.
_SHIELD_ORDER = _Rule(r"(?i)\b(ORD-)(_*[0-9])", "${1}_${2}")
_UNSHIELD_ORDER = _Rule(r"(?i)\b(ORD-)_(_*[0-9])", "${1}${2}")

# A cheap superset of "has a card": 13 digits with optional single separators.
_CARD_CANDIDATE = r"[0-9](?:[ -]?[0-9]){12}"
# Maximal runs of digit groups split by single spaces or hyphens, holding 13+ digits
# (Python's re has lookahead); windows of them get Luhn-checked.
_LONG_DIGIT_RUN = python_regex(r"\b(?=(?:[0-9][ -]?){13})[0-9]+(?:[ -][0-9]+)*")
_SEPARATOR = re.compile(r"([ -])")

_PHONE = _Rule(
    r"(?:"
    # +14155550199, +44 7700900123
    r"\+[0-9]{1,3}[ .-]?[0-9]{6,12}"
    # (415) 555-0199, +1 (415) 555 0199, +44 (0)20 7946 0958
    r"|(?:\+[0-9]{1,3}[ .-]?)?\([0-9]{1,5}\)[ .-]?(?:[0-9]{1,5}[ .-])?[0-9]{3,4}[ .-]?[0-9]{3,4}"
    # +1 415 555 0199, +44 20 7946 0958
    r"|\+[0-9]{1,3}[ .-]?[0-9]{1,5}[ .-][0-9]{3,4}[ .-]?[0-9]{3,4}"
    # 415-555-0199, 415.555.0199, 020 7946 0958, 07700 900123; a US area code starts 2-9
    # and a national one with 0, which keeps "100 200 300" and dates out.
    r"|\b(?:0[0-9]{2,4}|[2-9][0-9]{2})[ .-][0-9]{3,4}[ .-]?[0-9]{3,4}"
    r")\b",
    "[PHONE]",
)

# Also a card-shaped 4-4-4-4 number that failed Luhn: a mistyped card is still a card.
_NUMBER = _Rule(r"\b(?:[0-9]{8,}|[0-9]{4}(?:[ -][0-9]{4}){3})\b", "[NUMBER]")

# Capitalised street names only: "12 oak lane" is missed, but "2 weeks on the way" and
# "3 days on the road" are everyday complaint text and must survive.
_STREET_WORD = rf"(?:[A-ZÀ-ÖØ-Þ][\w{_MARKS}'’-]*|[0-9]+(?:st|nd|rd|th))"
_STREET_SUFFIX = (
    r"(?i:street|st|road|rd|avenue|ave|lane|ln|drive|dr|boulevard|blvd|way|court|ct|place|pl)"
)
_ADDRESS = _Rule(
    rf"\b[0-9]{{1,5}}[A-Za-z]?(?:[ \t]+{_STREET_WORD}){{1,3}}[ \t]+{_STREET_SUFFIX}\b\.?",
    "[ADDRESS]",
)

# The shield brackets exactly the digit rules.
_BEFORE_CARDS = (_EMAIL, _HANDLE, _SHIELD_ORDER)
_AFTER_CARDS = (_PHONE, _NUMBER, _ADDRESS, _UNSHIELD_ORDER)

# The vectorised path runs each rule only on rows that can need it, because one regex pass
# costs about 0.1 s per million rows even when nothing matches. E-mails and handles need
# an "@" (a cheap literal scan); one scan for all digit rules, after those are gone, finds
# the rows for the rest.
_DIGIT_PII = rust_regex(
    "|".join(
        f"(?:{p})" for p in (_CARD_CANDIDATE, _PHONE.pattern, _NUMBER.pattern, _ADDRESS.pattern)
    )
)


def redact_expr(expr: pl.Expr) -> pl.Expr:
    """Redact a Utf8 expression; nulls stay null."""
    # Elementwise, so inside list.eval it runs once over all elements, not once per list.
    return expr.map_batches(redact_series, return_dtype=pl.Utf8, is_elementwise=True)


def redact_text(text: str | None) -> str | None:
    """Redact one string by the same rules as ``redact_expr``."""
    if text is None:
        return None
    for rule in _BEFORE_CARDS:
        text = rule.apply_one(text)
    if python_regex(_CARD_CANDIDATE).search(text):
        text = _mask_cards(text)
    for rule in _AFTER_CARDS:
        text = rule.apply_one(text)
    return text


def redact_series(texts: pl.Series) -> pl.Series:
    """Redact a Utf8 series by the same rules; nulls stay null."""
    # scatter works in place: a copy, so the caller's series is not changed.
    texts = texts.cast(pl.Utf8).clone()
    at_rows = texts.str.contains("@", literal=True).fill_null(False).arg_true()
    texts = _replace_rows(texts, at_rows, _redact_at_signs)
    digit_rows = texts.str.contains(_DIGIT_PII).fill_null(False).arg_true()
    return _replace_rows(texts, digit_rows, _redact_digits)


def _replace_rows(
    texts: pl.Series, rows: pl.Series, redact: Callable[[pl.Series], pl.Series]
) -> pl.Series:
    if rows.len() == 0:
        return texts
    return texts.scatter(rows, redact(texts.gather(rows)))


def _redact_at_signs(texts: pl.Series) -> pl.Series:
    return _HANDLE.apply(_EMAIL.apply(texts))


def _redact_digits(texts: pl.Series) -> pl.Series:
    texts = _SHIELD_ORDER.apply(texts)
    # Python (for Luhn) only on the rows with a 13-digit candidate.
    texts = _replace_rows(texts, texts.str.contains(_CARD_CANDIDATE).arg_true(), _mask_cards_series)
    for rule in _AFTER_CARDS:
        texts = rule.apply(texts)
    return texts


def _mask_cards_series(texts: pl.Series) -> pl.Series:
    return pl.Series([_mask_cards(text) for text in texts.to_list()], dtype=pl.Utf8)


def _mask_cards(text: str) -> str:
    return _LONG_DIGIT_RUN.sub(_mask_cards_in_run, text)


def _mask_cards_in_run(match: re.Match[str]) -> str:
    """Replace the Luhn-valid 13-19 digit windows of one run of digit groups."""
    parts = _SEPARATOR.split(match.group())
    groups, separators = parts[0::2], parts[1::2]
    out: list[str] = []
    start = 0
    while start < len(groups):
        end = _longest_card_end(groups, start)
        if end is None:
            out.append(groups[start])
            start += 1
        else:
            out.append("[CARD]")
            start = end + 1
        if start < len(groups):
            out.append(separators[start - 1])
    return "".join(out)


def _longest_card_end(groups: list[str], start: int) -> int | None:
    best = None
    digits = ""
    for end in range(start, len(groups)):
        # Cards are written in groups of 4-6 (or not split); a 2-digit group is a date
        # ("2026-09-01 2026-09-05") or a quantity, never part of a card.
        if len(groups[end]) < 3:
            break
        digits += groups[end]
        if len(digits) > 19:
            break
        if len(digits) >= 13 and _passes_luhn(digits):
            best = end
    return best


def _passes_luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0
