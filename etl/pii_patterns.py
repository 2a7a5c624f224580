"""Personal data that a pattern recognises by its shape or by the words in front of it.

Shapes: e-mail addresses (also ``name@localhost``, ``"john smith"@example.com``,
``user@[192.168.1.10]``, and written out: ``john dot smith at gmail dot com``), @handles,
IPv4 and IPv6 addresses, US social security numbers (``123-45-6789``), UK National
Insurance numbers (``QQ 12 34 56 C``) and postcodes whose form is distinctive (UK, Canada,
Ireland, US ZIP+4, a US state or Australian state followed by its code, a code and town
after a comma, ``〒100-0001``).

Cues: a value that looks like business data is personal only because of what precedes it.
"born on" / "DOB" + a date -> ``[DOB]``; "account" / "sort code" / "passport" / ... + a
number with 4+ digits -> ``[NUMBER]``; "postcode" / "ZIP" / "PLZ" + a code ->
``[POSTCODE]``; "SSN" / "NI number" / "IBAN" / "card number" + a value -> its type. The cue
stays, so the sentence still reads ("my DOB is [DOB]").

Every pattern is linear: bounded or possessive repetition, fixed-width lookbehind.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import NamedTuple

__all__ = ["RULES", "Rule"]

_MARKS = "\u0300-\u036f"
_DASH = "\\-\u2010-\u2015\u2212"
_SEP = rf"[ \t]{{0,3}}(?:is|was|are|:|=|#|{_DASH})?[ \t]{{0,3}}(?:#[ \t]?)?"


def _value(placeholder: str, *groups: str) -> Callable[[re.Match[str]], str]:
    """Replace only the value group of a match (``value``, else the first of ``groups``
    that matched): the cue in front of it stays."""

    def replace(match: re.Match[str]) -> str:
        group = next(g for g in ("value", *groups) if match.group(g) is not None)
        start, end = match.span(group)
        offset = match.start()
        return match.group()[: start - offset] + placeholder + match.group()[end - offset :]

    return replace


# --- e-mail and handles ----------------------------------------------------------------
_LOCAL_CHAR = rf"[\w{_MARKS}.%+'’=~!#$&*/?^`{{|}}-]"
_LABEL = rf"[\w{_MARKS}-]{{1,63}}+"
_EMAIL = re.compile(
    rf"(?:(?<!{_LOCAL_CHAR}){_LOCAL_CHAR}{{1,64}}+|\"[^\"\n\ue000-\uefff]{{1,64}}\")"
    rf"(?:@(?:\[(?:IPv6:)?[0-9A-Fa-f:.]{{2,45}}\]|{_LABEL}(?:\.{_LABEL}){{0,10}}+)"
    # "john @ example.com": spaced out, the domain must have a dot and a top-level domain.
    rf"|[ \t]@[ \t]?{_LABEL}(?:\.{_LABEL}){{0,9}}\.[^\W\d_]{{2,24}}+(?![\w-]))"
)
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{1,50}+")


def _spelled(word: str) -> str:
    """ " at ", "(at)", " [ at ] ": a word standing for "@" or "."."""
    bracketed = rf"[ \t]{{0,2}}[\[(<{{][ \t]{{0,2}}(?i:{word})[ \t]{{0,2}}[\])>}}][ \t]{{0,2}}"
    return rf"(?:{bracketed}|[ \t]{{1,2}}(?i:{word})[ \t]{{1,2}})"


_SPELLED_AT = _spelled("at")
_SPELLED_DOT = _spelled("dot")
_NAME_PART = rf"[\w{_MARKS}%+-]{{1,40}}+"
_JOIN = rf"(?:{_SPELLED_DOT}|\.|[ \t]{{1,2}}(?i:underscore|dash|hyphen)[ \t]{{1,2}}|_)"
_TLD = (
    r"(?:com|net|org|edu|gov|info|biz|io|co|me|us|uk|ca|au|nz|ie|in|de|fr|es|it|nl|be|ch|at"
    r"|se|no|dk|fi|pl|pt|br|mx|jp|cn|ru|za|sg|hk|eu|email|online|mail)"
)
_PROVIDER = r"(?i:gmail|googlemail|yahoo|hotmail|outlook|live|msn|icloud|aol|proton(?:mail)?|gmx)"
_WRITTEN_EMAIL = re.compile(
    rf"(?<![\w{_MARKS}.%+-]){_NAME_PART}(?:{_JOIN}{_NAME_PART}){{0,4}}"
    rf"(?P<at>{_SPELLED_AT})(?P<domain>{_NAME_PART}(?:(?:{_SPELLED_DOT}|\.){_NAME_PART}){{0,3}}"
    rf"(?:{_SPELLED_DOT}|\.)(?i:{_TLD})|{_PROVIDER})(?!\w|\.\w)"
)
_SPELLED = re.compile(r"(?i)\bdot\b|[\[(<{]")


def _redact_written_email(match: re.Match[str]) -> str:
    # "I am at home.com" is no address: a spelled "dot", a bracketed "(at)" or a mail
    # provider's name must say so.
    spelled = _SPELLED.search(match.group()) or _SPELLED.search(match.group("at"))
    provider = re.fullmatch(_PROVIDER, match.group("domain"))
    return "[EMAIL]" if spelled or provider else match.group()


# --- network addresses -----------------------------------------------------------------
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_IPV4 = re.compile(rf"(?<![\w.]){_OCTET}(?:\.{_OCTET}){{3}}(?![\w]|\.[0-9])")
_IPV6 = re.compile(
    r"(?<![\w:.])[0-9A-Fa-f]{0,4}+(?::[0-9A-Fa-f]{0,4}+){2,7}+(?:\.[0-9]{1,3}+){0,3}+(?![\w:])"
)


def _redact_ipv6(match: re.Match[str]) -> str:
    text = match.group()
    if "::" not in text and text.count(":") < 7:
        return text  # 10:30:00 is a time
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return text
    return "[IP]"


# --- national identifiers --------------------------------------------------------------
_SSN = re.compile(
    rf"(?<![\w{_DASH}.])[0-9]{{3}}([{_DASH} .])[0-9]{{2}}\1[0-9]{{4}}(?![\w]|[{_DASH}][0-9])"
)
_NI = re.compile(
    r"(?<![\w])(?i:(?!BG|GB|KN|NK|NT|TN|ZZ)[A-Z]{2})"
    r"[ -]?[0-9]{2}[ -]?[0-9]{2}[ -]?[0-9]{2}[ -]?(?i:[A-D])(?![\w])"
)

# --- dates of birth --------------------------------------------------------------------
_MONTH = (
    r"(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"[0-9]{1,2}(?i:st|nd|rd|th)?"
_DATE = (
    rf"(?:[0-9]{{1,4}}[/.{_DASH} ][0-9]{{1,2}}[/.{_DASH} ][0-9]{{2,4}}"
    rf"|{_DAY}(?:[ \t]of)?[ \t/.{_DASH}]{{1,2}}{_MONTH},?(?:[ \t/.{_DASH}]{{1,2}}[0-9]{{2,4}})?"
    rf"|{_MONTH}[ \t/.{_DASH}]{{1,2}}{_DAY},?(?:[ \t/.{_DASH}]{{1,2}}[0-9]{{2,4}})?"
    rf"|{_MONTH},?[ \t]{{1,2}}(?:19|20)[0-9]{{2}}|(?:19|20)[0-9]{{2}}"
    rf"|[0-9]{{1,2}}[/.{_DASH}][0-9]{{1,2}})(?![\w])"
)
_DOB = re.compile(
    r"(?i:\bborn(?:[ \t](?:on|in))?|\bd\.?o\.?b\b\.?|date[ \t]of[ \t]birth|birth[ \t]?date"
    r"|\bbirthday)"
    rf"{_SEP}(?:on[ \t])?(?:the[ \t])?(?P<value>{_DATE})"
)

# --- values after a cue ----------------------------------------------------------------
# Letters, digits and single separators before a digit: "12-345-678", "GB12345678", "POL-12".
_NUMBER_TOKEN = rf"[A-Za-z]{{0,4}}+[{_DASH}/]?[0-9](?:[0-9A-Za-z]|[ .{_DASH}/](?=[0-9])){{1,34}}+"
_NUMBER = r"(?:[ \t](?:number|no\.?|num|nr|#|id))?"  # "account number", "acct no."
# (cue, placeholder, digits the value needs), longest cue first where one starts another.
_CUES = (
    (r"ssn|social[ \t]security|ss#", "[SSN]", 4),
    (r"nino|national[ \t]insurance|ni", "[NI]", 4),
    (r"iban", "[IBAN]", 4),
    (r"cvv2?|cvc2?|cv2|csc|security[ \t]code", "[CARD]", 3),
    # A card number that failed the Luhn check (cards that pass are gone by now).
    (r"(?:credit[ \t]|debit[ \t]|bank[ \t])?card", "[NUMBER]", 12),
    (
        r"(?:(?:bank|savings|checking|current|customer|member(?:ship)?|loyalty|client|policy"
        r"|billing)[ \t])?(?:account|acct|a/c|acc)|sort[ \t]?code|routing|aba|bsb|swift|bic"
        r"|(?:customer|member(?:ship)?|client|policy|loyalty|patient)[ \t](?:number|no\.?|id)"
        r"|passport|(?:driver'?s?[ \t])?licen[cs]e|national[ \t]id|tax[ \t](?:id|number|code)"
        r"|tin|nhs|medicare|sin|pps|personnummer|bsn",
        "[NUMBER]",
        4,
    ),
)
_CUED = re.compile(
    r"(?<![\w])(?:"
    + "|".join(f"(?P<cue{n}>(?i:{cue}))" for n, (cue, _, _) in enumerate(_CUES))
    + rf"){_NUMBER}{_SEP}(?P<value>{_NUMBER_TOKEN})"
)


def _redact_cued(match: re.Match[str]) -> str:
    """The value after the cue, when it has enough digits to be an identifier."""
    number = next(n for n in range(len(_CUES)) if match.group(f"cue{n}"))
    _, placeholder, min_digits = _CUES[number]
    if sum(c.isdigit() for c in match.group("value")) < min_digits:
        return match.group()
    return _value(placeholder)(match)


# --- postcodes -------------------------------------------------------------------------
_US_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV"
    "|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR"
)
_POSTCODE = re.compile(
    r"(?<![\w])(?:"
    r"[A-Z]{1,2}[0-9][A-Z0-9]?[ \t]?[0-9][ABD-HJLNP-UW-Z]{2}|GIR[ \t]?0AA"  # UK
    r"|[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z][ \t]?[0-9][ABCEGHJ-NPRSTV-Z][0-9]"  # Canada
    r"|(?:[AC-FHKNPRTV-Y][0-9]{2}|D6W)[ \t][0-9AC-FHKNPRTV-Y]{4}"  # Ireland (Eircode)
    # US ZIP+4, Brazil's CEP; not the end of a phone number ("+55 11 91234-5678")
    rf"|(?<![0-9][ \t.)])[0-9]{{5}}[{_DASH}](?:[0-9]{{4}}|[0-9]{{3}})"
    r"|〒[ \t]?[0-9]{3}-?[0-9]{4}"  # Japan
    r")(?![\w])"
)
_STATE_CODE = re.compile(
    rf"(?<![\w])(?:(?:{_US_STATES})\.?,?[ \t]{{1,2}}(?P<value>[0-9]{{5}}(?:-[0-9]{{4}})?)"
    r"|(?:NSW|VIC|QLD|WA|SA|TAS|ACT|NT)[ \t]{1,2}(?P<state>[0-9]{4}))(?![\w-])"
)
# "..., 75001 Paris", "..., 00-950 Warszawa", "..., 114 55 Stockholm", "in 1012 AB Amsterdam",
# "Mumbai - 400001"
_CODE_AND_TOWN = re.compile(
    r"(?:(?<=,)|(?<=, )|(?<=,  )|(?<=\bin ))(?P<value>[0-9]{2}-[0-9]{3}|[0-9]{3} [0-9]{2}"
    r"|[0-9]{4} ?[A-Z]{2}|[0-9]{4,6})(?=[ \t]{1,2}[A-ZÀ-Þ][\w'-]{1,30}+)"
    r"|(?<![\w])[A-Z][a-z]{2,20}+[ \t]?(?:-[ \t]?)?(?P<town>[1-9][0-9]{5})(?![\w])"
)
_POSTCODE_CUE = re.compile(
    r"(?<![\w])(?i:post[ \t]?code|postal[ \t]?code|zip(?:[ \t]?code)?|pin[ \t]?code|pin|plz"
    r"|postleitzahl|cep|eircode|code[ \t]postal|c[oó]digo[ \t]postal|cap|postnummer|postnr"
    r"|c\.?p\.?)"
    rf"{_SEP}(?P<value>(?=[A-Za-z]{{0,3}}[0-9])[A-Za-z0-9]{{2,8}}+"
    rf"(?:[ {_DASH}](?:(?=[A-Za-z]{{0,2}}[0-9])[A-Za-z0-9]{{2,4}}+|[A-Z]{{2}}))?)(?![\w])"
)


class Rule(NamedTuple):
    pattern: re.Pattern[str]
    replacement: str | Callable[[re.Match[str]], str]

    def __call__(self, text: str) -> str:
        return self.pattern.sub(self.replacement, text)


# By name, in the order they run; each name is also its trigger's (etl/pii_triggers.py).
RULES = {
    "email": Rule(_EMAIL, "[EMAIL]"),
    "written email": Rule(_WRITTEN_EMAIL, _redact_written_email),
    "handle": Rule(_HANDLE, "[HANDLE]"),
    "ipv6": Rule(_IPV6, _redact_ipv6),
    "ipv4": Rule(_IPV4, "[IP]"),
    "dob": Rule(_DOB, _value("[DOB]")),
    "ssn": Rule(_SSN, "[SSN]"),
    "ni": Rule(_NI, "[NI]"),
    "postcode cue": Rule(_POSTCODE_CUE, _value("[POSTCODE]")),
    "postcode": Rule(_POSTCODE, "[POSTCODE]"),
    "state code": Rule(_STATE_CODE, _value("[POSTCODE]", "state")),
    "code and town": Rule(_CODE_AND_TOWN, _value("[POSTCODE]", "town")),
    "cue": Rule(_CUED, _redact_cued),
}
