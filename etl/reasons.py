"""Reason extraction: the customer's own first statement of why they got in touch.

``reason_text`` is the first substantive customer message, cleaned of what is not the
customer speaking now: quoted earlier mail, signatures, leading greetings and @handles.
Redaction runs first (``etl.redact``), so the rules also drop its ``[HANDLE]`` placeholder
and keep every other placeholder as text.

The rules are regular expressions shared by the vectorised path (``*_expr``, Rust regex via
polars) and the scalar path (Python ``re``), so both give the same answer. Each rule runs on
the text the rule before it left:
1. line ends become ``\\n``;
2. cut to the end from the first of: an "On ... wrote:" line, "-----Original Message-----",
   a "From: ... Sent: ..." header, a "-- " signature line, "Sent from my ...";
3. lines quoted with ``>`` go;
4. at the end of the text, a closing ("Thanks,", "Kind regards,", "Thanks for your help!")
   on its own line, followed only by up to three short lines that do not end a sentence
   (a name, "Mobile: [PHONE]"), goes; so does a closing ending a one-line message after a
   sentence end ("... is late. Thanks, Jo");
5. @handles and ``[HANDLE]`` go, with the blanks before them;
6. a leading greeting goes ("Hi team,", "Dear Sir/Madam,", "Hey there!", "Hi Shop
   Support,", a bare "Hi "), with a following "hope you are well." or "how are you?";
7. whitespace runs become one space, and the ends are stripped.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import polars as pl

from etl.redact import PLACEHOLDERS

__all__ = [
    "clean_message",
    "clean_message_expr",
    "first_substantive",
    "first_substantive_expr",
]


class _Rule(NamedTuple):
    # ``pattern`` can only match where ``trigger`` does. Rows matching no trigger skip
    # cleaning; a rule with ``prefilter`` runs only on the rows its trigger finds. Worth it
    # for rare, literal triggers: one regex pass costs about 0.1 s per million rows even
    # when nothing matches.
    trigger: str
    pattern: str
    replacement: str
    prefilter: bool = True


_NEWLINES = _Rule(r"\r", r"\r\n?", "\n")

# Each cuts from its marker to the end; run in turn, they cut at the earliest marker.
_QUOTED_HEADER = _Rule(
    r"wrote:|schrieb:",
    # "On Mon, 3 Mar 2026 at 10:02, Shop <[EMAIL]> wrote:", possibly wrapped onto a 2nd line
    r"(?m)^[ \t]*On\b[^\n]*(?:\n[^\n]*)?\b(?:wrote|schrieb):[ \t]*$(?s:.*)",
    "",
)
_ORIGINAL_MESSAGE = _Rule(
    r"---", r"-{3,}[ \t]*(?i:original message|forwarded message)[ \t]*-{3,}(?s:.*)", ""
)
_FORWARD_HEADER = _Rule(r"From:", r"\bFrom:[^\n]*\n?[^\n]*\b(?:Sent|Date):(?s:.*)", "")
_SIGNATURE = _Rule(r"--", r"(?m)^--[ \t]*$(?s:.*)", "")
_SENT_FROM = _Rule(
    r"Sent from |Get Outlook for",
    # Case-sensitive: "I was sent from my bank to you" is a customer talking.
    r"(?:\bSent from (?:my \S|Outlook\b|Mail for\b|Yahoo Mail\b)|\bGet Outlook for\b)(?s:.*)",
    "",
)

_QUOTED_LINES = _Rule(r">", r"(?m)^[ \t]*>[^\n]*\n?", "")

_CLOSING_WORDS = (
    r"(?i:(?:thanks(?: again| in advance| so much)?|thank you(?: very much| so much)?"
    r"|many thanks)(?: for (?:your|the|all your) (?:help|time|support|assistance|reply"
    r"|quick reply|response|understanding))?"
    r"|(?:best|kind|warm|warmest|many)? ?regards|best wishes|all the best|best|cheers"
    r"|sincerely|yours sincerely|yours truly|yours faithfully|respectfully)"
)
# After the closing: a name on the same line ("Thanks, Jo"), then up to three short lines
# that do not end a sentence ("Jane Doe", "Mobile: [PHONE]"), then the end of the text.
_CLOSING = _Rule(
    r"(?i:thank|regards|best|cheers|sincerely|yours|respectfully)",
    rf"((?m:^)|[.!?])[ \t]*{_CLOSING_WORDS}[ \t]*[,.!]*(?:[ \t]+[A-Z][\w'’-]*){{0,3}}[ \t]*[.!]*"
    r"(?:\n[ \t]*(?:[^\n]{0,39}[^\n.!?])?){0,3}\s*(?-m:$)",
    "${1}",
    # The pattern is anchored at the end and cheaper than this case-insensitive trigger.
    prefilter=False,
)

_HANDLES = _Rule(r"@|\[HANDLE\]", r"[ \t]*(?:\B@[A-Za-z0-9_]+|\[HANDLE\])", "")

_ADDRESSEE = (
    r"[ \t]+(?:(?i:team|there|all|everyone|everybody|folks|guys|support|sir|madam|sir/madam)"
    r"|[A-ZÀ-ÖØ-Þ][\w'’./&-]*)"
)
_PLEASANTRY = (
    r"(?i:(?:i )?hope (?:you(?:'re| are)|this (?:email |message )?finds you|all is)"
    r"[^.!?\n]{0,30}[.!]+|how are you(?: doing| today)?\?+)"
)
_GREETING = _Rule(
    r"\A\s*(?i:hi|hello|hey|hiya|howdy|greetings|dear|good )",
    r"\A\s*(?i:hi|hello|hey|hiya|howdy|greetings|dear|good (?:morning|afternoon|evening|day))\b"
    # With an addressee the greeting must end in punctuation or a line end, so that
    # "Hi I ordered a lamp" loses only "Hi".
    rf"(?:(?:{_ADDRESSEE}){{1,4}}[ \t]*(?:[,!.:;]+|\n|$)|[ \t]*[,!.:;]+|\s|$)"
    rf"(?:\s*{_PLEASANTRY})?",
    "",
    prefilter=False,
)

_WHITESPACE = _Rule(r"[^\S ]| {2}", r"\s{2,}|[^\S ]", " ", prefilter=False)

_RULES = (
    _NEWLINES,
    _QUOTED_HEADER,
    _ORIGINAL_MESSAGE,
    _FORWARD_HEADER,
    _SIGNATURE,
    _SENT_FROM,
    _QUOTED_LINES,
    _CLOSING,
    _HANDLES,
    _GREETING,
    _WHITESPACE,
)
# Rows matching no trigger, with no blank at either end, are already clean: in chat and
# social exports that is most of them.
_MAYBE_MESSY = "|".join([r"\A\s|\s$", *(rule.trigger for rule in _RULES)])

# A cleaned message made only of these words, placeholders and punctuation is small talk.
_SMALL_TALK_ONLY = (
    rf"(?i)\A(?:[\W_]|{'|'.join(re.escape(p) for p in PLACEHOLDERS)}"
    r"|(?:hi|hello|hey|hiya|thanks|thank|thx|ty|cheers|you|ok|okay|k|yes|yeah|yep|yup|no|nope"
    r"|sure|great|cool|good|fine|perfect|awesome|nice|bye|goodbye|morning|afternoon|evening"
    r"|there|so|much|very|a|lot|again|all|team|please|alright|right|understood|noted|got|it"
    r"|for|your|the|help|reply|that|is|was|will|do|done|appreciate|appreciated)\b)*$"
)
_MIN_CHARS = 15
# At least three words: cleaning leaves single spaces, so two spaces. A regex stops at the
# second space, where counting all spaces would read the whole text.
_THREE_WORDS = r" [^ ]* "


def clean_message_expr(expr: pl.Expr) -> pl.Expr:
    """Clean a Utf8 expression of customer messages; nulls stay null."""
    # Elementwise, so inside list.eval it runs once over all elements, not once per list.
    return expr.map_batches(_clean_series, return_dtype=pl.Utf8, is_elementwise=True)


def clean_message(text: str | None) -> str | None:
    """Clean one message by the same rules as ``clean_message_expr``."""
    if text is None:
        return None
    for pattern, replacement in _PY_RULES:
        text = pattern.sub(replacement, text)
    return text.strip()


def first_substantive_expr(turns: pl.Expr) -> pl.Expr:
    """The first cleaned message of a List[Utf8] of customer turns that says something.

    Substantive: at least three words or 15 characters, and not only greetings, thanks,
    yes/ok and placeholders. Null when no turn is.
    """
    cleaned = turns.list.eval(clean_message_expr(pl.element()))
    return cleaned.list.eval(pl.element().filter(_is_substantive_expr(pl.element()))).list.first()


def first_substantive(turns: list[str | None] | None) -> str | None:
    """The scalar twin of ``first_substantive_expr``."""
    for turn in turns or ():
        cleaned = clean_message(turn)
        if cleaned is not None and _is_substantive(cleaned):
            return cleaned
    return None


def _clean_series(texts: pl.Series) -> pl.Series:
    texts = texts.cast(pl.Utf8)
    messy = texts.str.contains(_MAYBE_MESSY).fill_null(False).arg_true()
    if messy.len() == 0:
        return texts
    cleaned = texts.gather(messy)
    for rule in _RULES:
        if not rule.prefilter:
            cleaned = cleaned.str.replace_all(rule.pattern, rule.replacement)
            continue
        rows = cleaned.str.contains(rule.trigger).arg_true()
        if rows.len():
            replaced = cleaned.gather(rows).str.replace_all(rule.pattern, rule.replacement)
            cleaned = cleaned.scatter(rows, replaced)
    # scatter works in place: a copy, so the caller's series is not changed.
    return texts.clone().scatter(messy, cleaned.str.strip_chars())


def _is_substantive_expr(cleaned: pl.Expr) -> pl.Expr:
    long_enough = (cleaned.str.len_chars() >= _MIN_CHARS) | cleaned.str.contains(_THREE_WORDS)
    return long_enough & ~cleaned.str.contains(_SMALL_TALK_ONLY)


def _is_substantive(cleaned: str) -> bool:
    long_enough = len(cleaned) >= _MIN_CHARS or _PY_THREE_WORDS.search(cleaned) is not None
    return long_enough and _PY_SMALL_TALK_ONLY.search(cleaned) is None


_PY_RULES = tuple(
    # polars writes group references as ${1}, Python's re as \g<1>.
    (re.compile(rule.pattern), re.sub(r"\$\{(\d+)\}", r"\\g<\1>", rule.replacement))
    for rule in _RULES
)
_PY_THREE_WORDS = re.compile(_THREE_WORDS)
_PY_SMALL_TALK_ONLY = re.compile(_SMALL_TALK_ONLY)
