"""Bounds on the work one record can cost: long text is cut before it is redacted or searched.

Redaction and reason extraction run regular expressions over text a stranger wrote, so an
absurd value (a megabyte in one field, twenty thousand turns in one chat) must cost no more
than its share of the file. Text is cut *before* redaction, so the cut must never split a
piece of personal data into a part the redactor no longer recognises ("jo.bloggs@exa",
"call 07700"): it falls between whitespace-separated tokens, and the last tokens go too when
one of them is a number (a phone number in groups, a house number before its street).
"""

from __future__ import annotations

import re

import polars as pl

__all__ = [
    "EXCERPT_CHARS",
    "MAX_TURNS",
    "TRANSCRIPT_CHARS",
    "TURN_CHARS",
    "cut_at_token",
    "cut_series",
    "excerpt_of",
    "storable_text",
]

# A reject's excerpt: enough to find the record in its file.
EXCERPT_CHARS = 200
# One customer message: the longest real complaint narratives run to about 14,000 characters.
TURN_CHARS = 20_000
# Customer turns searched for the first substantive one: who has not said why in a hundred
# messages never will, and each turn looked at costs a pass over the file's sessions.
MAX_TURNS = 100
# A stored transcript (``--keep-transcripts``).
TRANSCRIPT_CHARS = 1_000_000

_TOKEN = re.compile(r"\S+")
# A group of a phone number ("+44", "(0)20", "7946") or a house number ("12", "12b").
_NUMBER = re.compile(r"[+(]?[0-9][0-9()./-]*[A-Za-z]?[,.]?")
# A number in groups ("+44 20 7946 0958") or an address ("12 Old Oak Road") spans at most
# this many tokens from its first number.
_TAIL_TOKENS = 4


def cut_at_token(text: str, limit: int) -> str:
    """``text`` if it is at most ``limit`` characters; else a prefix of it ending at a token
    boundary, without a trailing number or address that the cut may have split."""
    if len(text) <= limit:
        return text
    head = text[: limit + 1]  # one more: is the character at the cut a blank?
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(head)]
    if tokens and tokens[-1][1] > limit:
        tokens.pop()  # the cut runs through it
    end = len(tokens)
    numbers = [i for i in range(max(0, end - _TAIL_TOKENS), end) if _is_number(tokens[i][2])]
    if numbers:
        end = numbers[0]
        while end > 0 and _is_number(tokens[end - 1][2]):
            end -= 1
    return head[: tokens[end - 1][1]] if end else ""


def _is_number(token: str) -> bool:
    return _NUMBER.fullmatch(token) is not None


def cut_series(texts: pl.Series, limit: int) -> pl.Series:
    """``cut_at_token`` on every value longer than ``limit``; the others are left as they are."""
    long = (texts.str.len_chars() > limit).fill_null(False).arg_true()
    if long.len() == 0:
        return texts
    cut = pl.Series([cut_at_token(t, limit) for t in texts.gather(long).to_list()], dtype=pl.Utf8)
    # scatter works in place: a copy, so the caller's series is not changed.
    return texts.clone().scatter(long, cut)


def excerpt_of(raw: str | bytes, *, cut_short: bool = False) -> str:
    """The start of a raw record as storable text, cut at a token boundary to
    ``EXCERPT_CHARS``. Not yet redacted. A record ``cut_short`` (the file ends inside it)
    loses its last token too: the file's end may have split it like any cut."""
    # Only as much as fills an excerpt and shows whether the cut splits a token (a character
    # is at most four bytes); NUL goes first, or the text would look shorter than it is.
    if isinstance(raw, bytes):
        raw = raw.replace(b"\x00", b"")[: (EXCERPT_CHARS + 1) * 4]
    else:
        raw = raw.replace("\x00", "")[: EXCERPT_CHARS + 1]
    text = storable_text(raw)
    if cut_short and len(text) <= EXCERPT_CHARS:
        text = text.rstrip()
        return cut_at_token(text + "-", len(text))  # as if the text went on past its end
    return cut_at_token(text, EXCERPT_CHARS).rstrip()


def storable_text(raw: str | bytes) -> str:
    """Text every warehouse accepts: undecodable bytes replaced, no NUL (PostgreSQL refuses
    it; DuckDB would keep it, and both must store the same)."""
    if isinstance(raw, str):
        try:  # undecodable bytes read with surrogateescape arrive as lone surrogates
            raw = raw.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:  # another lone surrogate (a JSON escape)
            raw = raw.encode("utf-8", "replace")
    return raw.decode("utf-8", "replace").replace("\x00", "")
