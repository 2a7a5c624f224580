"""Personal numbers that their shape alone cannot tell from business numbers.

A *run* is a maximal sequence of digit groups joined by separators (spaces, dots, dashes,
slashes, parentheses): ``4111 1111 1111 1111``, ``+44 (0)20 7946 0958``, ``555-1234``.
Windows of a run's groups are checked, longest first, by what a pattern cannot know:
- payment cards: 13-19 digits with an issuer's first digit (2-6), one kind of separator
  throughout, passing the Luhn check and not an EAN-13 barcode -> ``[CARD]``; a Luhn-invalid
  4-4-4-4 number is still a mistyped card -> ``[NUMBER]``;
- phone numbers (``phonenumbers``, Google's libphonenumber metadata): with a ``+``, ``00``
  or ``011`` prefix, a possible number of its country; without, 9-12 digits not shaped like
  a date that are valid in one of ``REGIONS``, or laid out as North American numbers are
  ("(555) 123-4567"), or grouped behind a trunk 0 ("06 12 34 56 78"); after a cue ("my
  number is", "call me on", "mobile:") any 6-15 digits, so seven-digit local numbers go
  too -> ``[PHONE]``.
IBANs (two letters, two check digits, up to 30 letters and digits) pass ISO 13616's mod-97
check at their country's length -> ``[IBAN]``.

Every pattern is linear in the length of its input: possessive quantifiers and bounded
repetitions, so no backtracking can multiply.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

import phonenumbers

__all__ = ["REGIONS", "redact_cards", "redact_ibans", "redact_phones"]

# Where a number written without its country code is most likely from (its metadata
# decides validity); ordered by how often they occur in English-language support traffic.
REGIONS = ("US", "GB", "CA", "IN", "AU", "IE", "NZ", "ZA", "FR", "DE", "ES", "IT", "NL")
# Italy keeps its 0 from abroad; India's mobiles (6-9) and Australia's 1300/1800 numbers
# are written without one.
_WITH_TRUNK_ZERO = tuple(r for r in REGIONS if r not in ("US", "CA", "ES"))
_WITHOUT_TRUNK_ZERO = ("US", "CA", "ES", "IT", "IN")

_DASHES = "\\-\u2010-\u2015\u2212"
_GROUP = r"(?:\([ ]?[0-9]{1,6}+[ ]?\)|[0-9]{1,19}+)"


# Not glued to a word, an amount, a decimal or a reference ("ORD-123", "#123", "$1,299").
def _run(not_after: str) -> re.Pattern[str]:
    return re.compile(
        rf"(?<![\w+.,/{not_after}$£€%&@{_DASHES}\ue000-\uefff])(?:\+[ ]?)?{_GROUP}"
        rf"(?:(?:[ \t.{_DASHES}/]{{1,3}}+)?{_GROUP}){{0,11}}+"
    )


_RUN = _run("#")
# A card may follow "#": the shield has already hidden the short "#" references.
_CARD_RUN = _run("")
_GROUP_IN_RUN = re.compile(r"\([ ]?([0-9]{1,6})[ ]?\)|([0-9]{1,19})")
_PHONE_CUE = re.compile(
    r"(?i:(?:phone|tel|telephone|mobile|cell|cellphone|landline|fax|whats?app|contact|home"
    r"|work|direct)(?:[ ](?:number|no\.?|#))?|(?:my|the|your|our|his|her|their)[ ]"
    r"(?:(?:phone|mobile|cell|contact|home|work|direct)[ ])?(?:number|no\.?)"
    r"|(?:call|ring|text|reach|phone|contact)(?:[ ](?:me|us|him|her|them|back))?"
    r"(?:[ ](?:on|at))?|dial|ext\.?|extension|number)[ \t]{0,3}(?:is|was|:|-|=|#)?[ \t]{0,3}\Z"
)
_CUE_WINDOW = 40
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}[0-9]{2}(?:[ \-]?[A-Za-z0-9]){11,32}+")
# ISO 13616 registry lengths; a country not listed may have any length from 15 to 34.
_IBAN_LENGTHS = {
    code[:2]: int(code[2:])
    for code in [
        "AD24",
        "AE23",
        "AL28",
        "AT20",
        "AZ28",
        "BA20",
        "BE16",
        "BG22",
        "BH22",
        "BI27",
        "BR29",
        "BY28",
        "CH21",
        "CR22",
        "CY28",
        "CZ24",
        "DE22",
        "DJ27",
        "DK18",
        "DO28",
        "EE20",
        "EG29",
        "ES24",
        "FI18",
        "FK18",
        "FO18",
        "FR27",
        "GB22",
        "GE22",
        "GI23",
        "GL18",
        "GR27",
        "GT28",
        "HR21",
        "HU28",
        "IE22",
        "IL23",
        "IQ23",
        "IS26",
        "IT27",
        "JO30",
        "KW30",
        "KZ20",
        "LB28",
        "LC32",
        "LI21",
        "LT20",
        "LU20",
        "LV21",
        "LY25",
        "MC27",
        "MD24",
        "ME22",
        "MK19",
        "MN20",
        "MR27",
        "MT31",
        "MU30",
        "NI28",
        "NL18",
        "NO15",
        "OM23",
        "PK24",
        "PL28",
        "PS29",
        "PT25",
        "QA29",
        "RO24",
        "RS22",
        "RU33",
        "SA24",
        "SC31",
        "SD18",
        "SE24",
        "SI19",
        "SK24",
        "SM27",
        "SO23",
        "ST25",
        "SV28",
        "TL23",
        "TN24",
        "TR26",
        "UA29",
        "VA22",
        "VG24",
        "XK20",
        "YE30",
    ]
}


class _Group(NamedTuple):
    digits: str
    start: int  # in the text
    end: int
    paren: bool
    separator: str  # the text between this group and the one before it


def redact_cards(text: str) -> str:
    return _CARD_RUN.sub(lambda run: _redact_run(run, _card_placeholder), text)


def redact_phones(text: str) -> str:
    return _RUN.sub(lambda run: _redact_run(run, _phone_placeholder), text)


def redact_ibans(text: str) -> str:
    out: list[str] = []
    at = 0
    while match := _IBAN.search(text, at):
        length = _iban_length(match.group())
        if length is None:  # look again from the next word
            out.append(text[at : match.start() + 1])
            at = match.start() + 1
        else:
            out += [text[at : match.start()], "[IBAN]"]
            at = match.start() + length
    return "".join(out) + text[at:]


def _redact_run(run: re.Match[str], placeholder: Callable) -> str:
    """Replace the windows of one run that ``placeholder`` names; keep the rest as written."""
    text = run.string
    groups = _groups(run)
    dated = _date_groups(groups)
    out: list[str] = []
    at, start = run.start(), 0
    while start < len(groups):
        found = None
        for end in range(len(groups), start, -1):
            window = groups[start:end]
            found = placeholder(window, text, start == 0, dated & set(range(start, end)))
            if found:
                break
        if found:
            # The first window takes the run's "+" with it.
            begin = run.start() if start == 0 else groups[start].start
            out += [text[at:begin], found]
            at = groups[end - 1].end
            start = end
        else:
            start += 1
    return "".join(out) + text[at : run.end()]


def _groups(run: re.Match[str]) -> list[_Group]:
    groups = []
    previous = run.start()
    for match in _GROUP_IN_RUN.finditer(run.string, run.start(), run.end()):
        paren = match.group(1) is not None
        groups.append(
            _Group(
                match.group(1) if paren else match.group(2),
                match.start(),
                match.end(),
                paren,
                run.string[previous : match.start()],
            )
        )
        previous = match.end()
    # A last group glued to a word ("2x", "0199abc") is not part of the number.
    if run.end() < len(run.string) and _is_word(run.string[run.end()]):
        groups.pop()
    return groups


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _date_groups(groups: list[_Group]) -> set[int]:
    """Indexes of the groups that spell a date (a phone number never runs through one)."""
    dated: set[int] = set()
    for first in range(len(groups) - 2):
        three = groups[first : first + 3]
        joined = three[1].separator
        # "04 05 03 55 07" goes on in the same way: a phone number, not a date.
        longer = (first > 0 and three[0].separator == joined) or (
            first + 3 < len(groups) and groups[first + 3].separator == joined
        )
        if three[2].separator == joined and not longer and _is_date(three):
            dated.update(range(first, first + 3))
    return dated


def _card_placeholder(
    groups: list[_Group], text: str, at_run_start: bool, dates: set[int]
) -> str | None:
    digits = "".join(g.digits for g in groups)
    plus = groups[0].separator.startswith("+")
    if plus or any(g.paren for g in groups) or not 13 <= len(digits) <= 19:
        return None
    separators = {_separator_kind(g.separator) for g in groups[1:]}
    if len(separators) > 1 or "/" in separators:
        return None
    if digits[0] in "23456" and _passes_luhn(digits) and not _is_ean13(digits):
        return "[CARD]"
    if [len(g.digits) for g in groups] == [4, 4, 4, 4]:
        return "[NUMBER]"
    return None


def _separator_kind(separator: str) -> str:
    return separator.strip() or " "


def _phone_placeholder(
    groups: list[_Group], text: str, at_run_start: bool, dates: set[int]
) -> str | None:
    plus = groups[0].separator.startswith("+")
    if plus:
        # "+44 (0)20 ...": the trunk 0 in brackets is not dialled from abroad.
        groups = [g for g in groups if not (g.paren and g.digits == "0")]
    digits = "".join(g.digits for g in groups)
    if not 6 <= len(digits) <= 17:
        return None
    international = plus or (digits[:2] == "00" and digits[2] != "0") or digits[:3] == "011"
    if international:
        number = digits if plus else digits[3:] if digits[:3] == "011" else digits[2:]
        return "[PHONE]" if _is_possible(number) else None
    if dates:
        return None
    start = groups[0].start
    if at_run_start and _PHONE_CUE.search(text, max(0, start - _CUE_WINDOW), start):
        return "[PHONE]" if len(digits) <= 15 else None
    one_piece = len(groups) == 1
    if not (10 if one_piece else 9) <= len(digits) <= 12:
        return None
    sizes = [len(g.digits) for g in groups]
    if sizes in ([3, 3, 4], [1, 3, 3, 4]) and groups[-3].digits[0] not in "01":
        return "[PHONE]"  # the North American layout, (555) 123-4567 too
    if not one_piece and digits[0] == "0":
        return "[PHONE]"  # a national number with its trunk 0, from any country
    return "[PHONE]" if any(_is_valid(digits, region) for region in _regions(digits)) else None


def _regions(national: str) -> tuple[str, ...]:
    # Where numbers are written with a trunk 0, one without it is some other number.
    if national[0] == "0":
        return _WITH_TRUNK_ZERO
    if national[0] == "1":
        return ("AU", *_WITHOUT_TRUNK_ZERO[:-1])  # 1300 and 1800 numbers
    return _WITHOUT_TRUNK_ZERO if national[0] in "6789" else _WITHOUT_TRUNK_ZERO[:-1]


def _is_possible(international: str) -> bool:
    try:
        return phonenumbers.is_possible_number(phonenumbers.parse("+" + international))
    except phonenumbers.NumberParseException:  # a country code the metadata does not know
        return 8 <= len(international) <= 15


@lru_cache(maxsize=4096)
def _is_valid(national: str, region: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(national, region))
    except phonenumbers.NumberParseException:
        return False


def _is_date(groups: list[_Group]) -> bool:
    """12/03/2026, 2026-09-01, 1.2.85: three groups that read as a calendar date."""
    if len(groups) != 3:
        return False
    sizes = [len(g.digits) for g in groups]
    values = [int(g.digits) for g in groups]
    if sizes[0] == 4:
        return 1 <= values[1] <= 12 and 1 <= values[2] <= 31
    return sizes[2] in (2, 4) and values[0] <= 31 and values[1] <= 31 and min(values[:2]) <= 12


def _passes_luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _is_ean13(digits: str) -> bool:
    """A product barcode (weights 1 and 3): a 13-digit SKU, not an old 13-digit Visa."""
    if len(digits) != 13:
        return False
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits[:12]))
    return (10 - total % 10) % 10 == int(digits[12])


def _iban_length(written: str) -> int | None:
    """How many characters of ``written`` are a valid IBAN; None when no prefix is."""
    chars = [(i, c) for i, c in enumerate(written) if c.isalnum()]
    country = written[:2].upper()
    lengths = [_IBAN_LENGTHS[country]] if country in _IBAN_LENGTHS else range(34, 14, -1)
    for length in lengths:
        if length > len(chars):
            continue
        last = chars[length - 1][0]
        # It must end where a group ends, not in the middle of the next word.
        if length < len(chars) and chars[length][0] == last + 1:
            continue
        if _passes_mod97("".join(c for _, c in chars[:length]).upper()):
            return last + 1
    return None


def _passes_mod97(iban: str) -> bool:
    rearranged = iban[4:] + iban[:4]
    if not rearranged.isascii() or not rearranged.isalnum():
        return False
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1
