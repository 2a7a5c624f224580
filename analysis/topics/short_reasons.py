"""Short reasons read through the longer reasons that use their words.

A bare phrase ("Speed", "Data caps", "Slow internet") is a reason, but the sentence model
reads it thinly: its nearest neighbours are other bare phrases, not the sentences that
state the same problem, so phrases and sentences about one reason fall into two topics
(in the cable complaints, "Speed" and "Speed issues" apart from "Slow internet speed").
The data says what such a phrase means there: in the graph that finds topics, a phrase of
at most ``MAX_PHRASE_WORDS`` words sits at the mean of its own contacts and of those whose
longer reasons say all its words. Only reasons of a sentence or so tell: a long letter says
most common words, so a mean of letters means nothing in particular and, near everything,
would crowd every letter's neighbours. Only the graph reads phrases so; topic centroids,
merging and the assignment of later contacts use each phrase's own vector.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Sequence

import numpy as np

from dumbcontacts.analysis.topics.keywords import FUNCTION_WORDS

__all__ = ["MAX_PHRASE_WORDS", "in_context"]

# A phrase: at most this many words (the company's names left out), one or two of them
# saying something ("Speed issues", "Slow internet", "No internet service").
MAX_PHRASE_WORDS = 3
_MAX_SUBJECT_WORDS = 2
# Contacts of longer reasons (of at most MAX_CONTEXT_WORDS words) a phrase needs before
# they say what it means.
MIN_CONTEXT = 5
MAX_CONTEXT_WORDS = 12
# Words that name no subject: a phrase of only these has no context to read it by.
_NO_SUBJECT = FUNCTION_WORDS | {"issue", "problem", "complaint", "question", "trouble"}
_WORD = re.compile(r"(?u)\b\w\w+\b")


def in_context(
    texts: Sequence[str],
    vectors: np.ndarray,
    counts: np.ndarray,
    stop_words: Collection[str] = (),
    names: Collection[str] = (),
) -> np.ndarray:
    """``vectors`` (unit rows, one per distinct reason in ``texts``, which ``counts``
    contacts have), each phrase's row moved to the mean of its own contacts and of the
    contacts whose longer reasons say all its words."""
    skip = {_singular(w.lower()) for w in (*_NO_SUBJECT, *stop_words)}
    named = {w.lower() for w in names}
    words = [_words(text, named) for text in texts]
    subjects = [frozenset(w for w in said if w not in skip) for said in words]
    n_words = np.array([len(said) for said in words])
    n_subject = np.array([len(subject) for subject in subjects])
    postings: dict[str, list[int]] = defaultdict(list)
    for row, subject in enumerate(subjects):
        for word in subject:
            postings[word].append(row)
    phrases: dict[frozenset[str], list[int]] = defaultdict(list)
    for row, subject in enumerate(subjects):
        if n_words[row] <= MAX_PHRASE_WORDS and 0 < len(subject) <= _MAX_SUBJECT_WORDS:
            phrases[subject].append(row)
    weighted = vectors * counts[:, None]
    out = vectors.copy()
    for subject, rows in phrases.items():
        context = _rows_saying(subject, postings)
        context = context[
            (n_subject[context] > len(subject)) & (n_words[context] <= MAX_CONTEXT_WORDS)
        ]
        if counts[context].sum() < MIN_CONTEXT:
            continue
        pooled = weighted[context].sum(axis=0)
        for row in rows:
            mean = weighted[row] + pooled
            out[row] = mean / np.linalg.norm(mean)
    return out


def _words(text: str, names: Collection[str]) -> list[str]:
    """Lower-case words of ``text`` but the ``names``, a plural read as its singular."""
    return [_singular(w) for w in _WORD.findall(text.lower()) if w not in names]


def _singular(word: str) -> str:
    # Crude but symmetric: "speeds" and "speed", "caps" and "cap" meet; both sides fold alike.
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _rows_saying(words: frozenset[str], postings: dict[str, list[int]]) -> np.ndarray:
    """Rows whose subject holds every one of ``words`` (at least one)."""
    rarest, *rest = sorted(words, key=lambda w: len(postings[w]))
    rows = np.asarray(postings[rarest])
    for word in rest:
        rows = np.intersect1d(rows, postings[word], assume_unique=True)
    return rows
