"""What a reason looks like to the sentence model: clean text, and for long texts the problem.

Runs after redaction, on stored (redacted) reasons and on the texts ``evaluate`` reads.

``clean_for_embedding`` removes what is markup or masking, not words: HTML entities are
decoded (``&amp;`` -> ``&``), and URLs, @handles and the masks regulators and exports put
over personal data (``XXXX``, ``xx/xx/xxxx``, ``{$123.00}``) go. Our own redaction
placeholders (``[PHONE]``) stay: the model has always seen them, they say "a phone number
was here", and keywords drop them (``keywords.keyword_text``).

``without_names`` takes out the names of the company the contacts are written to (learnt
from the data: ``keywords.company_names``). "Comcast billing problem" and "Billing problem"
state one problem; with the name read, the sentence model put them in two topics on the
cable complaints, one of "Comcast ..." reasons about anything and one of the rest.

``problem_statement`` bounds a long text (an e-mail, a complaint letter, call notes) to the
sentences that state the problem. A sentence scores for what it says (cue phrases of a
complaint or an ask: "charged", "not mine", "I want", "please remove"), for how much of the
whole text it shares (the words the writer keeps coming back to), and for where it stands
(the opening states the problem more often than the middle). The best sentences, up to a
word budget, are kept in their own order. Short texts pass unchanged.
"""

from __future__ import annotations

import html
import math
import re
from collections import Counter
from collections.abc import Collection
from functools import lru_cache

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

__all__ = [
    "LONG_TEXT_WORDS",
    "clean_for_embedding",
    "prepare_reason",
    "problem_statement",
    "without_names",
]

# Texts longer than this are cut to their problem statement; MiniLM reads at most 256 word
# pieces (~190 words), and a letter's first 190 words are mostly its story.
LONG_TEXT_WORDS = 80

_URL = re.compile(r"(?i)\b(?:https?://|www\.)\S+")
_HANDLE = re.compile(r"(?<![\w@])@\w+")
# XXXX, xx/xx/xxxx, XX-XX-2019: letters x only, so "xbox" and "Xmas" survive.
_MASK = re.compile(r"(?i)\b(?:x{1,4}(?:[/-](?:x{1,4}|\d{2,4}))+|x{2,})\b")
# {$123.00}: a masked amount.
_MASKED_AMOUNT = re.compile(r"\{\s*\$?\s*[\d,.]*\s*\}")
# What masks leave behind: "( )", "# ,", runs of punctuation and blanks.
_EMPTY_BRACKETS = re.compile(r"\(\s*[#,./-]*\s*\)|\[\s*\]")
_PUNCTUATION_RUN = re.compile(r"\s*[,;:](?:\s*[,;:])+")
_SPACES = re.compile(r"\s+")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([,.;:!?])")

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])|\s*\n\s*\n\s*|\s*[\r\n]+\s*")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
# Words that carry no topic: counted for length, never for how central a sentence is.
_FUNCTION_WORDS = ENGLISH_STOP_WORDS | {"also", "however", "still", "told", "said", "asked"}
# Phrases with which people state a problem or an ask.
_CUE = re.compile(
    r"(?i)\b(?:i (?:want|would like|need|am (?:requesting|asking|disputing|writing)|request"
    r"|demand|dispute|expect)|please (?:remove|delete|correct|fix|refund|stop|help|investigate)"
    r"|(?:can ?not|can't|unable to|won't|will not|refuse[sd]?|denied|never (?:received|got))"
    r"|not (?:mine|my|authori[sz]ed|responsible|owed|receiv)|(?:incorrect|inaccurate|wrong"
    r"|unauthori[sz]ed|fraudulent|duplicate|erroneous|late fees?|overcharged|charged twice)"
    r"|my (?:complaint|problem|issue|concern) is|the (?:problem|issue) is|complain(?:t|ing)? about"
    r"|harass\w*|identity theft|stole\w*|(?:keep|kept) (?:calling|charging|sending))"
)
# Weights of the three signals; the centrality and the cue are on a 0-1 scale.
_CUE_WEIGHT = 1.0
_CENTRAL_WEIGHT = 1.0
_FIRST_SENTENCES = (0.6, 0.3)  # bonus of the first, second sentence


def clean_for_embedding(text: str | None) -> str:
    """``text`` without markup, links, handles, placeholders and masks; blanks collapsed."""
    if not text:
        return ""
    for _ in range(2):  # "&amp;amp;" is escaped twice
        decoded = html.unescape(text)
        if decoded == text:
            break
        text = decoded
    for pattern in (_URL, _HANDLE, _MASK, _MASKED_AMOUNT, _EMPTY_BRACKETS):
        text = pattern.sub(" ", text)
    text = _SPACE_BEFORE_PUNCTUATION.sub(r"\1", _SPACES.sub(" ", text))
    text = _PUNCTUATION_RUN.sub(",", text)
    return text.strip(" ,;:")


def problem_statement(text: str, max_words: int = LONG_TEXT_WORDS) -> str:
    """The sentences of ``text`` that state its problem, at most ``max_words`` words.

    A text of at most ``max_words`` words is returned as it is.
    """
    sentences = [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]
    lengths = [len(s.split()) for s in sentences]
    if sum(lengths) <= max_words:
        return text
    scores = _score_sentences(sentences)
    chosen: list[int] = []
    budget = max_words
    for index in sorted(range(len(sentences)), key=lambda i: (-scores[i], i)):
        if lengths[index] <= budget or not chosen:
            chosen.append(index)
            budget -= lengths[index]
        if budget <= 0:
            break
    words = " ".join(sentences[i] for i in sorted(chosen)).split()
    return " ".join(words[:max_words])


def without_names(text: str, names: Collection[str]) -> str:
    """``text`` without the words ``names`` (lower case; any case in the text, and their
    possessive); ``text`` as it is when nothing else would be left ("Comcast" alone)."""
    if not names:
        return text
    left = _names_pattern(frozenset(names)).sub(" ", text)
    left = _SPACE_BEFORE_PUNCTUATION.sub(r"\1", _SPACES.sub(" ", left)).strip(" ,;:/&-")
    return left if _WORD.search(left) else text


@lru_cache(maxsize=8)
def _names_pattern(names: frozenset[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n)))
    return re.compile(rf"(?i)\b(?:{alternatives})(?:'s)?\b")


def prepare_reason(
    text: str | None, max_words: int = LONG_TEXT_WORDS, names: Collection[str] = ()
) -> str:
    """What the sentence model embeds for a reason: cleaned, without the company's
    ``names``, and bounded if long."""
    return problem_statement(without_names(clean_for_embedding(text), names), max_words)


def _score_sentences(sentences: list[str]) -> list[float]:
    words = [[w.lower() for w in _WORD.findall(s)] for s in sentences]
    content = [[w for w in ws if w not in _FUNCTION_WORDS and len(w) > 2] for ws in words]
    counts = Counter(w for ws in content for w in set(ws))
    scores = []
    for index, (sentence, own) in enumerate(zip(sentences, content, strict=True)):
        # The share of the sentence's words that other sentences use too, damped for length
        # so that one run-on sentence does not win on size alone.
        shared = sum(1 for w in set(own) if counts[w] > 1)
        central = shared / math.sqrt(len(set(own))) / 3 if own else 0.0
        cue = min(len(_CUE.findall(sentence)), 2) / 2
        position = _FIRST_SENTENCES[index] if index < len(_FIRST_SENTENCES) else 0.0
        scores.append(_CUE_WEIGHT * cue + _CENTRAL_WEIGHT * min(central, 1.0) + position)
    return scores
