"""Map topics to defects by meaning, and keep topic identities across refits.

Pure numpy: vectors in, assignments out. A topic whose best defect is below the threshold
stays unmapped — a candidate new defect for an analyst — and is never forced onto one.
"""

from __future__ import annotations

import numpy as np

__all__ = ["map_topics", "match_topics"]


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


def map_topics(
    topic_centroids: np.ndarray,
    defect_vectors: list[np.ndarray],
    *,
    threshold: float = 0.5,
) -> tuple[np.ndarray, np.ndarray]:
    """For each topic, the index of its defect (-1 = unmapped) and the confidence.

    A defect is represented by the embeddings of its name, description and examples; a
    topic's similarity to it is the best cosine between the topic centroid and any of them,
    so one close example phrase is enough evidence.
    """
    if len(topic_centroids) == 0 or not defect_vectors:
        return np.full(len(topic_centroids), -1), np.zeros(len(topic_centroids))
    centroids = _unit(np.asarray(topic_centroids, dtype=np.float32))
    best = np.stack([(centroids @ _unit(v).T).max(axis=1) for v in defect_vectors], axis=1)
    choice = best.argmax(axis=1)
    confidence = best[np.arange(len(centroids)), choice]
    return np.where(confidence >= threshold, choice, -1), confidence


def match_topics(
    new_centroids: np.ndarray, old_centroids: np.ndarray, *, threshold: float = 0.85
) -> np.ndarray:
    """For each new topic, the index of the old topic it continues (-1 = a new topic).

    Greedy on cosine similarity, best pairs first, one-to-one: after a refit, a topic that
    still means the same thing keeps its key, its defect and its overrides.
    """
    matches = np.full(len(new_centroids), -1)
    if len(new_centroids) == 0 or len(old_centroids) == 0:
        return matches
    similarity = _unit(np.asarray(new_centroids)) @ _unit(np.asarray(old_centroids)).T
    taken: set[int] = set()
    for flat in np.argsort(similarity, axis=None)[::-1]:
        new, old = np.unravel_index(flat, similarity.shape)
        if similarity[new, old] < threshold:
            break
        if matches[new] == -1 and old not in taken:
            matches[new] = old
            taken.add(int(old))
    return matches
