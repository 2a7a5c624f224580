"""Keyword hygiene: what a topic's keywords may not be.

A keyword should name a problem. Three kinds of words never do, and are kept out:
- masks and placeholders (``xxxx``, ``EMAIL``): ``keyword_text`` removes them from the text
  c-TF-IDF counts (BERTopic has already dropped their brackets and slashes by then);
- the company's own names, configured (``brand_names`` in the settings) or learnt from the
  brand accounts that answered (a social thread's queue): "AmazonHelp" makes ``amazon``;
- names the data says everywhere: a word written as a name (Capitalised in mostly
  lower-case text) that a good share of the contacts of many topics use, such as
  "Comcast" in complaints about Comcast. A name that belongs to one topic ("Apple Pay")
  stays: there it names the problem. A name a fifth of all contacts say
  (``company_names``) is known before any topic exists, and the sentence model reads the
  reasons without it too.

BERTopic deletes every character that is not a letter, digit or blank before counting
words, gluing "Comcast/Xfinity" into one word: ``keyword_document`` makes them blanks first.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from dumbcontacts.analysis.topics.languages import detect_languages
from dumbcontacts.analysis.topics.prepare import clean_for_embedding
from dumbcontacts.etl.reasons import name_phrases
from dumbcontacts.etl.redact import PLACEHOLDERS

__all__ = [
    "FUNCTION_WORDS",
    "company_names",
    "keyword_document",
    "keyword_stop_words",
    "keyword_text",
]

# BERTopic drops the brackets before the vectorizer sees the text, so "[EMAIL]" arrives as
# "EMAIL"; only the upper-case form is a placeholder ("my email" is a reason). Masks arrive
# as "XXXX" or, from "XX/XX/XXXX", as "XXXXXXXX".
_NOISE = re.compile(
    r"\[?\b(?:" + "|".join(re.escape(p.strip("[]")) for p in PLACEHOLDERS) + r")\b\]?"
    r"|(?i:\bx{2,}\b)"
)
# The vectorizer's own tokens: CountVectorizer's default pattern.
_TOKEN = re.compile(r"(?u)\b\w\w+\b")
# scikit-learn's English stop words but those that name what a contact is about.
FUNCTION_WORDS = ENGLISH_STOP_WORDS - {
    "bill", "call", "amount", "system", "interest", "fire", "top", "empty",
}  # fmt: skip
_SENTENCE_BREAK = re.compile(r"[.!?:;\n]")
_PUNCTUATION = re.compile(r"[^\w\s]+|_+")

# A word is written as a name when at least this share of its uses are Capitalised where
# the text around it is mostly lower case (a title-cased subject line proves nothing).
NAME_CASE_SHARE = 0.5
# Said everywhere: by at least this share of the contacts of at least this share of the
# topics (and of two topics at least). On the Comcast complaints "Comcast" is said by 10 %
# or more of the contacts of 14 of 35 topics; "Xfinity", a product, of one.
SPREAD_SHARE = 0.1
SPREAD_TOPICS = 0.25
_MIN_NAME_USES = 5
# A name said by at least this share of all contacts is the company they write to, whatever
# they write about: "Comcast" in 56 % of the cable complaints. The most said name of the
# other sets in ../shared/data is at 10 % ("Fair", of the Fair Credit Reporting Act, in the
# complaint letters), the second name of the cable complaints ("Xfinity") at 5 %.
COMPANY_SHARE = 0.2
# Texts whose language is detected to tell whether a common word is written as a name:
# lingua reads a few hundred a second outside English.
_NAME_SAMPLE = 2000
# Languages that write every noun with a capital: their texts say nothing of names.
NOUNS_CAPITALISED = frozenset({"de", "lb"})
_MIN_TOPIC_CONTACTS = 10
# A brand account's start ("sprint" of "sprintcare") is its name when at least this share of
# the contacts using the word were answered by that account.
_OWN_SHARE = 0.5


def keyword_document(text: str) -> str:
    """A text as BERTopic should get it for keywords: clean (``clean_for_embedding``), and
    punctuation as blanks, so that no two words are glued into one."""
    return " ".join(_PUNCTUATION.sub(" ", clean_for_embedding(text)).split())


def keyword_text(text: str) -> str:
    """The text as c-TF-IDF counts it: a ``keyword_document``, lower case, without what is
    left of placeholders and masks after BERTopic's own preprocessing."""
    return _NOISE.sub(" ", keyword_document(text)).lower()


def keyword_stop_words(
    texts: Sequence[str],
    *,
    topics: Sequence[int] | None = None,
    sources: Sequence[str | None] | None = None,
    extra: Iterable[str] = (),
    languages: Sequence[str | None] | None = None,
) -> frozenset[str]:
    """Lower-case words to keep out of keywords, learnt from ``texts`` and given in ``extra``.

    ``extra``: names to exclude (the configured brand names); each word of a name counts,
    except English stop words ("Bank of America" gives ``bank`` and ``america``).
    ``topics``: each text's topic (negative = none): names said across most topics are learnt.
    ``sources``: each text's brand account (a social queue), or None: account names are
    learnt.
    ``languages``: each text's language (None: unknown); a text in one that capitalises its
    nouns says nothing of which words are names.
    """
    words = {w for name in extra for w in _TOKEN.findall(name.lower())} - ENGLISH_STOP_WORDS
    if sources is not None:
        words |= _account_words(texts, sources)
    if topics is not None:
        words |= _spread_names(texts, topics, languages)
    return frozenset(words)


def company_names(
    texts: Sequence[str], languages: Sequence[str | None] | None = None
) -> frozenset[str]:
    """Lower-case words written as names that at least ``COMPANY_SHARE`` of ``texts`` use:
    the company's own, learnt before any topic exists (``prepare.without_names``).

    Only texts in a known language that does not capitalise its nouns show how a word is
    written (German writes "Rechnung", the bill, with a capital); ``languages`` gives each
    text's code (None: unknown). Without it, the languages of up to ``_NAME_SAMPLE`` of the
    texts that say a candidate are detected.
    """
    names = _written_as_names(texts)
    said_by = Counter(w for text in texts for w in names & set(_TOKEN.findall(text.lower())))
    candidates = {w for w, n in said_by.items() if n >= COMPANY_SHARE * len(texts)}
    if not candidates:
        return frozenset()
    if languages is None:
        saying = [t for t in texts if candidates & set(_TOKEN.findall(t.lower()))]
        texts = saying[:: -(-len(saying) // _NAME_SAMPLE)]  # evenly spread, at most the sample
        languages = detect_languages(texts)
    telling = [
        t
        for t, code in zip(texts, languages, strict=True)
        if code and code not in NOUNS_CAPITALISED
    ]
    return frozenset(candidates & _written_as_names(telling))


def _account_words(texts: Sequence[str], sources: Sequence[str | None]) -> set[str]:
    accounts = sorted({s for s in sources if s})
    words = {p for p in name_phrases(accounts) if " " not in p}
    # "sprintcare" is one token: its start is the name if its contacts are the ones using it.
    used_by: dict[str, Counter[str]] = defaultdict(Counter)
    for text, source in zip(texts, sources, strict=True):
        for word in set(_TOKEN.findall(text.lower())):
            used_by[word][source] += 1
    squashed = {a: re.sub(r"[\W_]", "", a.lower()) for a in accounts}
    for word, by_source in used_by.items():
        if len(word) < 3 or word in words:
            continue
        for account, name in squashed.items():
            share = by_source[account] / sum(by_source.values())
            if name.startswith(word) and share >= _OWN_SHARE:
                words.add(word)
    return words


def _spread_names(
    texts: Sequence[str], topics: Sequence[int], languages: Sequence[str | None] | None
) -> set[str]:
    codes = [None] * len(texts) if languages is None else languages
    names = _written_as_names(
        [t for t, code in zip(texts, codes, strict=True) if code not in NOUNS_CAPITALISED]
    )
    if not names:
        return set()
    sizes = Counter(t for t in topics if t >= 0)  # no topic, or a rare language
    large = {t for t, n in sizes.items() if n >= _MIN_TOPIC_CONTACTS} or set(sizes)
    using: dict[str, Counter[int]] = defaultdict(Counter)
    for text, topic in zip(texts, topics, strict=True):
        if topic in large:
            for word in names & set(_TOKEN.findall(text.lower())):
                using[word][topic] += 1
    spread = set()
    for word, per_topic in using.items():
        common_in = sum(1 for t in large if per_topic[t] >= SPREAD_SHARE * sizes[t])
        if common_in >= max(2, SPREAD_TOPICS * len(large)):
            spread.add(word)
    return spread


def _written_as_names(texts: Sequence[str]) -> set[str]:
    """Words mostly Capitalised (not all capitals) inside mostly lower-case text."""
    capitalised: Counter[str] = Counter()
    uses: Counter[str] = Counter()
    for text in texts:
        tokens = _TOKEN.findall(text)
        lower = sum(1 for t in tokens if t[0].islower())
        if lower * 2 < len(tokens):
            continue  # a title or a shout
        end = None
        for match in _TOKEN.finditer(text):
            token = match.group()
            # The first word of a sentence is capitalised whatever it is.
            if end is not None and not _SENTENCE_BREAK.search(text, end, match.start()):
                key = token.lower()
                uses[key] += 1
                capitalised[key] += token[0].isupper() and not token.isupper()
            end = match.end()
    return {
        w for w, n in uses.items() if n >= _MIN_NAME_USES and capitalised[w] >= NAME_CASE_SHARE * n
    }
