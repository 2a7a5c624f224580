"""Topic names a person would write: the topic's most central reason, kept short.

Keyword lists ("flight / amp / phone") do not go on a slide. A topic's own reasons say what
it is in the customers' words; the one nearest the topic's centre says it best. Among the
most central few, the first of a readable length wins; a long one is cut to its problem
statement. Keywords stay beside the name (``topics.keywords``).
"""

from __future__ import annotations

import re

import numpy as np

from dumbcontacts.analysis.topics.prepare import clean_for_embedding, problem_statement

__all__ = ["name_topics"]

MAX_CHARS = 70
_CANDIDATES = 10  # the most central distinct reasons considered
_WORDS = (3, 12)  # a readable name's length in words
_PLACEHOLDER = re.compile(r"\[[A-Z][A-Z_ ]*\]")  # what redaction left: "[EMAIL]", "[PHONE]"


def name_topics(
    texts: list[str], vectors: np.ndarray, topic_ids: np.ndarray, centroids: np.ndarray,
    centroid_ids: np.ndarray,
) -> list[str | None]:  # fmt: skip
    """For each centroid (row of ``centroids``, topic ``centroid_ids[row]``), a name from its
    members' ``texts``; None for a topic without one readable text."""
    norms = np.linalg.norm(vectors, axis=1)
    unit = vectors / np.where(norms == 0, 1, norms)[:, None]
    names: list[str | None] = []
    for centroid, topic in zip(centroids, centroid_ids.tolist(), strict=True):
        members = np.flatnonzero(topic_ids == topic)
        order = members[np.argsort(-(unit[members] @ centroid), kind="stable")]
        names.append(_pick(texts[i] for i in order.tolist()))
    return names


def _pick(central_first) -> str | None:
    seen: list[str] = []
    for text in central_first:
        clean = " ".join(_PLACEHOLDER.sub(" ", clean_for_embedding(text)).split())
        if clean and clean.lower() not in (s.lower() for s in seen):
            seen.append(clean)
        if len(seen) == _CANDIDATES:
            break
    for clean in seen:
        if _WORDS[0] <= len(clean.split()) <= _WORDS[1] and len(clean) <= MAX_CHARS:
            return _tidy(clean)
    return _tidy(_shorten(problem_statement(seen[0], _WORDS[1]))) if seen else None


def _shorten(text: str) -> str:
    if len(text) <= MAX_CHARS:
        return text
    cut = text[: MAX_CHARS - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-") + "…"


def _tidy(text: str) -> str:
    return text[:1].upper() + text[1:]
