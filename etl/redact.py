"""PII redaction: replace personal data in free text with typed placeholders.

Runs before anything is stored, on every text column that can hold customer words, on the
decoded text (the readers undo HTML entities, MIME encodings and JSON escapes) and before
any tidying that could change what the rules see (reasons.py collapses whitespace after).
One implementation, in Python, applied line by line. The vectorised path (``redact_series``,
``redact_expr``) first finds with Rust regex passes which lines of which rows a step's
trigger matches (etl/pii_triggers.py), and runs only those steps on only those lines;
``redact_text`` runs every step on every line. Triggers are supersets, so both agree.

Steps, in this order (a placeholder hides its text from the later steps):
1. each line is read as NFKC without invisible characters (zero-width spaces, soft
   hyphens), so full-width digits and non-breaking spaces are seen as what they show;
2. business references keep their digits: the value after "order", "tracking", "SKU",
   "invoice", "ref", "ticket", "version", ... and ``#12345`` is shielded (etl/pii_shield.py);
3. e-mail addresses, also written out -> ``[EMAIL]``; @handles -> ``[HANDLE]``;
4. IBANs (mod-97) -> ``[IBAN]``;
5. IPv4/IPv6 -> ``[IP]``; dates of birth after a cue -> ``[DOB]``; US SSNs -> ``[SSN]``;
   UK National Insurance numbers -> ``[NI]``;
6. payment cards (Luhn) -> ``[CARD]``, a Luhn-invalid 4-4-4-4 number -> ``[NUMBER]``;
7. values after a cue ("account", "sort code", "passport", "SSN", "CVV", "postcode") ->
   ``[NUMBER]`` or the cue's type;
8. street addresses and PO boxes -> ``[ADDRESS]``; postcodes -> ``[POSTCODE]``;
9. phone numbers (``phonenumbers``) -> ``[PHONE]``; names after a cue -> ``[NAME]``.
The rules are in etl/pii_patterns.py, pii_numbers.py, pii_addresses.py and pii_names.py;
every pattern is linear in the length of its input (bounded or possessive repetition).

A text in which nothing is found comes back exactly as it went in; a line with a finding
comes back in its NFKC form. Ordinary dates, times, amounts, quantities, order numbers,
tracking numbers and SKUs are kept: the types that look like them are recognised by their
context ("born on", "my number is", "account").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection

import polars as pl

from dumbcontacts.etl.ascii_regex import rust_regex
from dumbcontacts.etl.pii_addresses import redact_addresses
from dumbcontacts.etl.pii_names import redact_names
from dumbcontacts.etl.pii_numbers import redact_cards, redact_ibans, redact_phones
from dumbcontacts.etl.pii_patterns import RULES
from dumbcontacts.etl.pii_shield import REFERENCE_KEPT, REFERENCE_RUST, shield, unshield
from dumbcontacts.etl.pii_triggers import HINT, TRIGGERS

__all__ = ["PLACEHOLDERS", "redact_expr", "redact_series", "redact_text"]

PLACEHOLDERS = (
    "[EMAIL]",
    "[CARD]",
    "[PHONE]",
    "[NUMBER]",
    "[ADDRESS]",
    "[HANDLE]",
    "[IBAN]",
    "[SSN]",
    "[NI]",
    "[IP]",
    "[POSTCODE]",
    "[DOB]",
    "[NAME]",
)

# (trigger name, step) in the order they run. The vectorised path runs a step only on the
# rows its trigger matches (etl/pii_triggers.py); ``redact_text`` runs them all.
_STEPS = (
    ("email", RULES["email"]),
    ("written email", RULES["written email"]),
    ("handle", RULES["handle"]),
    ("iban", redact_ibans),
    *((name, RULES[name]) for name in ("ipv6", "ipv4", "dob", "ssn", "ni")),
    ("card", redact_cards),
    *((name, RULES[name]) for name in ("cue", "postcode cue")),
    # Before the other postcodes: in "..., 1600 Amphitheatre Pkwy" the number is a house's.
    ("address", redact_addresses),
    *((name, RULES[name]) for name in ("postcode", "state code")),
    ("code and town", RULES["code and town"]),
    ("phone", redact_phones),
    ("name", redact_names),
)
_EVERY_STEP = frozenset(TRIGGERS)
# Invisible characters, and the private-use block the shield borrows.
_INVISIBLE = "[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\ue000-\uefff]"
_INVISIBLE_RE = re.compile(_INVISIBLE)
_DIGIT = re.compile("[0-9]")
_NOT_ASCII = "[^\\x00-\\x7f]"


def redact_expr(expr: pl.Expr) -> pl.Expr:
    """Redact a Utf8 expression; nulls stay null."""
    # Elementwise, so inside list.eval it runs once over all elements, not once per list.
    return expr.map_batches(redact_series, return_dtype=pl.Utf8, is_elementwise=True)


def redact_text(text: str | None) -> str | None:
    """Redact one string; a string with nothing to redact comes back unchanged."""
    return None if text is None else _redact(text, None)


def redact_series(texts: pl.Series) -> pl.Series:
    """Redact a Utf8 series by the same rules; nulls stay null."""
    # One chunk: polars compiles each pattern once per chunk.
    # scatter works in place: a copy, so the caller's series is not changed.
    texts = texts.cast(pl.Utf8).rechunk().clone()
    # What the rules would see: Rust's NFKC where a character is not ASCII.
    seen = texts.clone()
    unusual = texts.str.contains(_NOT_ASCII).fill_null(False).arg_true()
    if unusual.len():
        normal = texts.gather(unusual).str.normalize("NFKC").str.replace_all(_INVISIBLE, "")
        seen = seen.scatter(unusual, normal)
    rows = seen.str.contains(HINT).fill_null(False).arg_true()
    if rows.len() == 0:
        return texts
    # Line by line, as the rules work: most lines of a transcript need no rule at all.
    lines = (
        pl.DataFrame({"row": rows, "line": seen.gather(rows).str.split("\n")})
        .with_columns(number=pl.int_ranges(pl.col("line").list.len()))
        .explode("line", "number", empty_as_null=False)
    )
    # Without the references the shield hides, then which steps could find anything: one
    # pass per trigger costs a third of one pass of their union.
    probe = lines["line"].str.replace_all(rust_regex(REFERENCE_RUST), REFERENCE_KEPT)
    hits = [probe.str.contains(rust_regex(regex)).alias(name) for name, regex in TRIGGERS.items()]
    flags = lines.select("row", "number", *hits, (probe != lines["line"]).alias("reference"))
    flags = flags.filter(pl.any_horizontal(list(TRIGGERS)))
    plans: dict[int, dict[int, tuple[set[str], bool]]] = {}
    names = list(TRIGGERS)
    for row, number, *hits, reference in flags.iter_rows():
        steps = {name for name, hit in zip(names, hits, strict=True) if hit}
        plans.setdefault(row, {})[number] = (steps, reference)
    if not plans:
        return texts
    found_rows = pl.Series(list(plans), dtype=pl.UInt32)
    redacted = [_redact(text, plan) for text, plan in zip(
        texts.gather(found_rows).to_list(), plans.values(), strict=True
    )]  # fmt: skip
    return texts.scatter(found_rows, pl.Series(redacted, dtype=pl.Utf8))


def _redact(text: str, plan: dict[int, tuple[Collection[str], bool]] | None) -> str:
    """Redact ``text`` line by line: every step on every line, or those ``plan`` names for
    each line number (and whether the line holds a reference to shield)."""
    lines = _prepare(text).split("\n")
    changed = False
    for number, line in enumerate(lines):
        steps, reference = (_EVERY_STEP, True) if plan is None else plan.get(number, ((), False))
        if steps:
            redacted = _redact_line(line, steps, reference)
            if redacted is not None:
                lines[number], changed = redacted, True
    return "\n".join(lines) if changed else text


def _redact_line(line: str, steps: Collection[str], reference: bool) -> str | None:
    """The line redacted, or None when no step changed it."""
    seen = shield(line) if reference and _DIGIT.search(line) else line
    redacted = seen
    for name, step in _STEPS:
        if name in steps:
            redacted = step(redacted)
    return None if redacted == seen else unshield(redacted)


def _prepare(text: str) -> str:
    """NFKC without invisible characters: full-width digits and odd spaces read as such."""
    if text.isascii():
        return text
    return _INVISIBLE_RE.sub("", unicodedata.normalize("NFKC", text))
