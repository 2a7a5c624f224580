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
4. at the end of the text, a closing ("Thanks,", "Kind Regards,", "THANK YOU!", "Thanks
   for your help!"; each word lower, Capitalised or UPPER case) on its own line, followed
   only by up to three short lines that do not end a sentence (a name, "Mobile: [PHONE]"),
   goes; so does a closing ending a one-line message after a sentence end ("... is late.
   Thanks, Jo");
5. @handles and ``[HANDLE]`` go, with the blanks before them;
6. a leading greeting goes ("Hi team,", "Dear Sir/Madam,", "Hey there!", "Hi Shop
   Support,", "To whom it may concern,", a bare "Hi "), with a following "hope you are
   well." or "how are you?", and spoken fillers around it ("Yeah hi, um, ...");
7. whitespace runs become one space, and the ends are stripped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache, partial
from typing import NamedTuple

import polars as pl

from dumbcontacts.etl.ascii_regex import python_regex, python_replacement, rust_regex
from dumbcontacts.etl.redact import PLACEHOLDERS

__all__ = [
    "clean_message",
    "clean_message_expr",
    "first_substantive",
    "first_substantive_expr",
    "name_phrases",
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

# Quoted earlier mail and signatures: cut from the first marker to the end.
_QUOTED_OR_SIGNED = _Rule(
    r"wrote:|schrieb:|--|From:|Sent from |Get Outlook for",
    r"(?m)(?:"
    # "On Mon, 3 Mar 2026 at 10:02, Shop <[EMAIL]> wrote:", possibly wrapped onto a 2nd line
    r"^[ \t]*On\b[^\n]*(?:\n[^\n]*)?\b(?:wrote|schrieb):[ \t]*$"
    r"|-{3,}[ \t]*(?i:original message|forwarded message)[ \t]*-{3,}"
    r"|\bFrom:[^\n]*\n?[^\n]*\b(?:Sent|Date):"
    r"|^--[ \t]*$"
    # Case-sensitive: "I was sent from my bank to you" is a customer talking.
    r"|\bSent from (?:my \S|Outlook\b|Mail for\b|Yahoo Mail\b)"
    r"|\bGet Outlook for\b"
    r")(?s:.*)",
    "",
)

_QUOTED_LINES = _Rule(r">", r"(?m)^[ \t]*>[^\n]*\n?", "")


def _cased(*phrases: str) -> str:
    """Phrases as people type them: each word lower, Capitalised or UPPER ("Kind Regards").

    Not (?i), which would make the trigger below slow; nobody signs off "tHaNkS".
    """
    return "(?:" + "|".join(" ".join(map(_cased_word, p.split())) for p in phrases) + ")"


def _cased_word(word: str) -> str:
    return f"(?:{word}|{word.capitalize()}|{word.upper()})"


_THANKS = _cased(
    "thanks again",
    "thanks in advance",
    "thanks so much",
    "thanks",
    "thank you very much",
    "thank you so much",
    "thank you",
    "many thanks",
)
_FOR_HELP = _cased(
    *(
        f"for {whose} {what}"
        for whose in ("your", "the", "all your")
        for what in ("help", "time", "support", "assistance", "reply", "quick reply", "response")
    )
)
_SIGN_OFF = _cased(
    "best regards",
    "kind regards",
    "warm regards",
    "warmest regards",
    "regards",
    "best wishes",
    "all the best",
    "best",
    "cheers",
    "yours sincerely",
    "yours truly",
    "yours faithfully",
    "sincerely",
    "respectfully",
)
# After the closing: a name on the same line ("Thanks, Jo"), then up to three short lines
# that do not end a sentence ("Jane Doe", "Mobile: [PHONE]"), then the end of the text.
_CLOSING = _Rule(
    # Every closing holds one of these words.
    _cased("thank", "regards", "best", "cheers", "sincerely", "yours", "respectfully"),
    rf"((?m:^)|[.!?])[ \t]*(?:{_THANKS}(?: {_FOR_HELP})?|{_SIGN_OFF})[ \t]*[,.!]*"
    r"(?:[ \t]+(?:[A-ZÀ-ÖØ-Þ][\w\u0300-\u036f'’-]*|\[NAME\])){0,3}[ \t]*[.!]*"
    r"(?:\n[ \t]*(?:[^\n]{0,39}[^\n.!?])?){0,3}\s*(?-m:$)",
    "${1}",
)

_HANDLES = _Rule(r"@|\[HANDLE\]", r"[ \t]*(?:\B@[A-Za-z0-9_]+|\[HANDLE\])", "")

_ADDRESSEE = (
    r"[ \t]+(?:(?i:team|there|all|everyone|everybody|folks|guys|support|sir or madam"
    r"|sir/madam|sir|madam)|[A-ZÀ-ÖØ-Þ][\w\u0300-\u036f'’./&-]*)"
)
_GREETING_WORD = (
    r"(?i:hi|hello|hey|hiya|howdy|greetings|dear|good (?:morning|afternoon|evening|day)"
    r"|to whom it may concern)\b"
    # With an addressee the greeting must end in punctuation or a line end, so that
    # "Hi I ordered a lamp" loses only "Hi".
    rf"(?:(?:{_ADDRESSEE}){{1,4}}[ \t]*(?:[,!.:;]+|\n|$)|[ \t]*[,!.:;]+|\s|$)"
)
_PLEASANTRY = (
    r"(?i:(?:i )?hope (?:you(?:'re| are)|this (?:email |message )?finds you|all is)"
    r"[^.!?\n]{0,30}[.!]+|how are you(?: doing| today)?\?+)"
)
# Spoken fillers around a greeting in call transcripts: "Yeah hi, um, my parcel is lost".
_FILLER = r"(?i:yeah|yes|yep|um+|uh+|erm|so|ok|okay|oh)(?:[ \t]*[,.!]+\s*|\s+)"
_GREETING = _Rule(
    r"\A\s*(?i:hi|hello|hey|hiya|howdy|greetings|dear|good |to whom|yeah|yes|yep|um|uh|er|so"
    r"|ok|oh)",
    rf"\A\s*(?:{_FILLER})*(?:{_GREETING_WORD}(?:\s*{_PLEASANTRY})?\s*(?:{_FILLER})*)?",
    "",
    prefilter=False,
)

_WHITESPACE = _Rule(r"[^\S ]| {2}", r"\s{2,}|[^\S ]", " ", prefilter=False)

_RULES = (
    _NEWLINES,
    _QUOTED_OR_SIGNED,
    _QUOTED_LINES,
    _CLOSING,
    _HANDLES,
    _GREETING,
    _WHITESPACE,
)
# Rows matching no trigger, with no blank at either end, are already clean: in chat and
# social exports that is most of them.
_MAYBE_MESSY = "|".join([r"\A\s|\s$", *(rule.trigger for rule in _RULES)])

# A cleaned message made only of these words, placeholders, punctuation and the company's own
# names is small talk. Combining marks are word characters here, as in Rust's \w (Python's
# \W would match them). "n/a", "test" and a bare "issue" or "complaint" say nothing either.
_SMALL_TALK_WORDS = (
    r"hi|hello|hey|hiya|thanks|thank|thx|ty|cheers|you|ok|okay|k|yes|yeah|yep|yup|no|nope"
    r"|sure|great|cool|good|fine|perfect|awesome|nice|bye|goodbye|morning|afternoon|evening"
    r"|there|so|much|very|a|lot|again|all|team|please|alright|right|understood|noted|got|it"
    r"|for|your|the|help|reply|that|is|was|will|do|done|appreciate|appreciated"
    r"|n|na|none|nothing|test|testing|issue|issues|problem|problems|complaint|complaints"
    r"|question|questions|inquiry|enquiry|my|me|i"
)
# Asking for a human (often the answer to an IVR prompt) says nothing about the reason.
_ASK_FOR_HUMAN = (
    r"(?i)\A(?:i (?:want|need|would like|'d like) to |can i |could i |let me |please )?"
    r"(?:(?:speak|talk) (?:to|with) )?(?:a |an |the |someone|somebody)?"
    r"(?:real |live |human )?(?:person|human|agent|representative|rep|operator|advisor"
    r"|someone|somebody|customer service)?[ .!?,]*(?:please)?[ .!?]*$"
)
# A reason needs a word: two letters in a row ("TV", "Billing", "Data Caps"). A short
# phrase is a reason; only what says nothing (greetings, thanks, yes/ok, a bare company
# name, "n/a") is not.
_A_WORD = r"(?:[^\W\d_]|[\u0300-\u036f]){2}"
# A long reason: at least three words (cleaning leaves single spaces, so two spaces; a regex
# stops at the second space, where counting all spaces would read the whole text) or 15
# characters.
_THREE_WORDS = r" [^ ]* "
_MIN_CHARS = 15
# Brand accounts are written as one token ("AmazonHelp", "British_Airways"); customers
# write the parts.
_NAME_PARTS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")


def name_phrases(names: Iterable[str]) -> frozenset[str]:
    """The phrases that name a company: each name, and the parts of a one-token account name.

    ``AmazonHelp`` gives ``amazonhelp``, ``amazon`` and ``help``; ``Bank of America`` stays
    one phrase (``bank`` alone names nothing). Lower case; parts of under 3 letters dropped.
    """
    phrases: set[str] = set()
    for name in names:
        name = " ".join(name.split())
        if not name:
            continue
        phrases.add(name.lower())
        if " " not in name:
            phrases.update(p.lower() for p in _NAME_PARTS.findall(name) if len(p) >= 3)
    return frozenset(phrases)


def clean_message_expr(expr: pl.Expr) -> pl.Expr:
    """Clean a Utf8 expression of customer messages; nulls stay null."""
    # Elementwise, so inside list.eval it runs once over all elements, not once per list.
    return expr.map_batches(_clean_series, return_dtype=pl.Utf8, is_elementwise=True)


def clean_message(text: str | None) -> str | None:
    """Clean one message by the same rules as ``clean_message_expr``."""
    if text is None:
        return None
    for rule in _RULES:
        text = python_regex(rule.pattern).sub(python_replacement(rule.replacement), text)
    return text.strip()


def first_substantive_expr(
    turns: pl.Expr,
    *,
    prepare: Callable[[pl.Series], pl.Series] | None = None,
    names: frozenset[str] = frozenset(),
) -> pl.Expr:
    """The first cleaned message of a List[Utf8] of customer turns that says something.

    Substantive: holds a word of two letters or more, and is not only greetings, thanks,
    yes/ok, placeholders and ``names`` (the company's own, from ``name_phrases``). A turn of
    at least three words or 15 characters wins over an earlier short one: a caller's answer
    to the phone menu ("billing") is the reason only when nothing longer follows. Null when
    no turn is. ``prepare`` (redaction) runs on each turn before it is cleaned, and only on
    the turns that are looked at.
    """
    first = partial(_first_substantive_series, prepare=prepare, names=names)
    return turns.map_batches(first, return_dtype=pl.Utf8, is_elementwise=True)


def first_substantive(
    turns: list[str | None] | None, names: frozenset[str] = frozenset()
) -> str | None:
    """The scalar twin of ``first_substantive_expr``."""
    for short in (False, True):
        for turn in turns or ():
            cleaned = clean_message(turn)
            if cleaned is not None and _is_substantive(cleaned, names, short=short):
                return cleaned
    return None


def _first_substantive_series(
    turns: pl.Series, prepare: Callable[[pl.Series], pl.Series] | None, names: frozenset[str]
) -> pl.Series:
    # Turn by turn, and only for the rows still without a reason: most rows are settled by
    # their first or second turn, so later turns are never redacted or cleaned. Then the
    # few rows without a long reason are read again for a short one.
    reasons = pl.repeat(None, turns.len(), dtype=pl.Utf8, eager=True).alias(turns.name)
    everything = turns
    rows = pl.int_range(turns.len(), eager=True)
    for short in (False, True):
        position = 0
        while not turns.is_empty():
            texts = turns.list.get(position, null_on_oob=True)
            cleaned = _clean_series(texts if prepare is None else prepare(texts))
            found = cleaned.to_frame("text").select(
                _is_substantive_expr(pl.col("text"), names, short=short)
            )
            found = found.to_series().fill_null(False)
            reasons.scatter(rows.filter(found), cleaned.filter(found))  # in place
            pending = ~found & (turns.list.len() > position + 1)
            rows, turns = rows.filter(pending), turns.filter(pending)
            position += 1
        rows = reasons.is_null().arg_true()
        turns = everything.gather(rows)
    return reasons


def _clean_series(texts: pl.Series) -> pl.Series:
    texts = texts.cast(pl.Utf8)
    messy = texts.str.contains(rust_regex(_MAYBE_MESSY)).fill_null(False).arg_true()
    if messy.len() == 0:
        return texts
    cleaned = texts.gather(messy)
    for rule in _RULES:
        if not rule.prefilter:
            cleaned = cleaned.str.replace_all(rust_regex(rule.pattern), rule.replacement)
            continue
        rows = cleaned.str.contains(rust_regex(rule.trigger)).arg_true()
        if rows.len():
            replaced = cleaned.gather(rows).str.replace_all(
                rust_regex(rule.pattern), rule.replacement
            )
            cleaned = cleaned.scatter(rows, replaced)
    # scatter works in place: a copy, so the caller's series is not changed.
    return texts.clone().scatter(messy, cleaned.str.strip_chars())


@cache
def _small_talk_only(names: frozenset[str]) -> str:
    """Matches a cleaned message made only of small talk, placeholders and ``names``."""
    # Longest first, so "bank of america" is tried before "bank".
    spelled = [r"\s+".join(map(re.escape, n.split())) for n in sorted(names, key=len, reverse=True)]
    words = "|".join([*spelled, _SMALL_TALK_WORDS])
    placeholders = "|".join(re.escape(p) for p in PLACEHOLDERS)
    return rf"(?i)\A(?:[^\w\u0300-\u036f]|_|{placeholders}|(?:{words})\b)*$"


def _is_substantive_expr(cleaned: pl.Expr, names: frozenset[str], *, short: bool) -> pl.Expr:
    long_enough = cleaned.str.contains(rust_regex(_A_WORD))
    if not short:
        long_enough &= (cleaned.str.len_chars() >= _MIN_CHARS) | cleaned.str.contains(_THREE_WORDS)
    small_talk = cleaned.str.contains(rust_regex(_small_talk_only(names)))
    return long_enough & ~small_talk & ~cleaned.str.contains(rust_regex(_ASK_FOR_HUMAN))


def _is_substantive(cleaned: str, names: frozenset[str], *, short: bool) -> bool:
    long_enough = python_regex(_A_WORD).search(cleaned) is not None
    if not short:
        long_enough &= (
            len(cleaned) >= _MIN_CHARS or python_regex(_THREE_WORDS).search(cleaned) is not None
        )
    return (
        long_enough
        and python_regex(_small_talk_only(names)).search(cleaned) is None
        and python_regex(_ASK_FOR_HUMAN).search(cleaned) is None
    )
