"""Business references keep their digits: the shield that hides them from every rule.

A reference is a value holding a digit after a business cue ("order", "ORD-", "tracking
number", "SKU", "invoice #", "ref", "ticket", "version", ...) or after ``#``. The shield
moves its ASCII characters into the private-use block U+E000.., where no rule looks, and
``unshield`` moves them back. The vectorised path removes the same references with Rust
before it looks for rows that could hold personal data (``REFERENCE_RUST``): one pattern,
spelled for both engines, so the two always agree on what a reference is.
"""

from __future__ import annotations

import re

__all__ = ["REFERENCE_KEPT", "REFERENCE_RUST", "shield", "unshield"]

_CUE = (
    r"order|ord|purchase[ \t]order|tracking|track|trk|sku|item|product|model|part|article"
    r"|invoice|inv|receipt|ref|reference|case|ticket|incident|complaint|booking|reservation"
    r"|confirmation|conf|shipment|consignment|parcel|package|awb|waybill|rma|voucher|coupon"
    r"|promo|serial|s/n|batch|lot|flight|transaction|txn|quote|claim|version|ver|build"
    r"|firmware|release|ean|upc|isbn|asin|gtin|barcode|po"
)
# {start} is "not after a letter, digit or underscore", spelled per engine.
_REFERENCE = (
    r"{start}(?P<cue>(?i:" + _CUE + r")s?(?:[ \t](?i:number|num|no\.?|nr\.?|id|code|ref))?"
    r"[ \t]{{0,3}}(?:is|was|:|=|#|-)?[ \t]{{0,3}}(?:#[ \t]?)?)"
    r"(?P<value>[A-Za-z]{{0,4}}[0-9][A-Za-z0-9/_.-]{{0,40}}(?:[ ][0-9]{{2,40}}){{0,7}})"
    # "#7307145": up to 12 characters and not followed by more digits, so "# 4111111111111111"
    # and "#4111 1111 1111 1111" are still cards.
    r"|{hash_start}(?P<hash>#[ \t]?)(?P<hashed>[0-9][A-Za-z0-9/_.-]{{2,11}}){hash_end}"
)
_HASHED = "A-Za-z0-9/_.-"  # what a "#" reference is made of
_PYTHON = re.compile(
    _REFERENCE.format(
        start=r"(?<![\w])",
        hash_start=r"(?<![\w&#])",
        # Not followed by its own characters, nor by blanks and a digit (the next group).
        hash_end=rf"(?![{_HASHED}]|[ \t]{{1,3}}[0-9])",
    )
)
# Rust has no lookaround: the characters around are matched, and kept.
REFERENCE_RUST = _REFERENCE.format(
    start=r"(?P<lead>^|[^\p{L}\p{N}_])",
    hash_start=r"(?P<lead2>^|[^\p{L}\p{N}_&#])",
    hash_end=rf"(?P<after>$|[^ \t{_HASHED}]|[ \t]{{1,3}}(?:$|[^0-9 \t])|[ \t]{{4}})",
)
# What the Rust removal keeps of a match: everything but the value.
REFERENCE_KEPT = "${lead}${cue}${lead2}${hash}${after}"

_SHIELD = {code: 0xE000 + code for code in range(128)}
_UNSHIELD = {0xE000 + code: code for code in range(128)}


def shield(text: str) -> str:
    """``text`` with every reference's value moved out of the rules' sight."""
    return _PYTHON.sub(_shield_match, text)


def unshield(text: str) -> str:
    return text.translate(_UNSHIELD)


def _shield_match(match: re.Match[str]) -> str:
    group = "value" if match.group("value") is not None else "hashed"
    start, end = match.span(group)
    offset = match.start()
    whole = match.group()
    return whole[: start - offset] + match.group(group).translate(_SHIELD) + whole[end - offset :]
