"""Topics to defects by meaning: at the fit, later for topics left without one, and back.

A topic maps to the defect it is most like: the best cosine between the topic's centroid and
the embeddings of the defect's name and example phrases, so one close phrase is enough
evidence (``map_topics``, pure numpy). A topic below the threshold stays unmapped, a
candidate new defect for an analyst, and is never forced onto one. A topic seeded from a
defect (``topics.guided``) is that defect. Between refits, a topic with no defect of the
current taxonomy (none was alike enough, none was loaded yet, or its defect was since
removed) is tried again on every run, so a taxonomy loaded or extended after the fit counts
without a refit, while topics already mapped keep their defect. ``match_topics`` keeps topic
identities across refits; ``defect_topics`` reads a defect's topics back.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np
import polars as pl
from sqlalchemy import bindparam, func, select, update

from dumbcontacts.analysis.economics.scope import current_model_version
from dumbcontacts.analysis.topics.embedding_cache import embed_with_cache
from dumbcontacts.etl.schema import contact_topics, defects, topics
from dumbcontacts.etl.warehouse import Warehouse

if TYPE_CHECKING:  # only named in signatures: readers need not load pandas or scikit-learn
    import pandas as pd

    from dumbcontacts.analysis.topics.embeddings import Embedder
    from dumbcontacts.analysis.topics.fit import TopicFit

__all__ = [
    "defect_phrase_vectors",
    "defect_topics",
    "map_fitted_topics",
    "map_topics",
    "map_unmapped_topics",
    "match_topics",
]


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


_VECTOR = np.dtype("<f4")


def defect_phrase_vectors(warehouse: Warehouse, embedder: Embedder, taxonomy) -> list[np.ndarray]:
    """Per defect (rows of the ``defects`` table), the vectors of its name and examples."""
    phrases = [[row["name"], *json.loads(row["examples"] or "[]")] for row in taxonomy]
    if not phrases:
        return []
    vectors = embed_with_cache(warehouse, embedder, [p for group in phrases for p in group])
    bounds = np.cumsum([0] + [len(group) for group in phrases])
    return [vectors[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def map_fitted_topics(fit: TopicFit, seeded: np.ndarray, groups, taxonomy, threshold):
    """Seeded topics are their defect; found ones go to the defect they are most like: its
    phrases, or how customers worded it in its seeded topic."""
    if not groups:
        return [None] * len(fit.topics), [0.0] * len(fit.topics)
    worded = [list(group) for group in groups]
    for row, defect in enumerate(seeded.tolist()):
        if defect >= 0:
            worded[defect].append(fit.centroids[row])
    chosen, confidence = map_topics(
        fit.centroids, [np.vstack(group) for group in worded], threshold=threshold
    )
    for row, defect in enumerate(seeded.tolist()):
        if defect >= 0:
            chosen[row] = defect
    ids = [taxonomy[int(c)]["defect_id"] if c >= 0 else None for c in chosen]
    return ids, confidence.tolist()


def map_unmapped_topics(
    warehouse: Warehouse, embedder: Embedder, version: int, threshold: float
) -> int:
    """Give the version's topics without a defect of the current taxonomy the one they are
    most like (or none, below ``threshold``), as the model's own mapping; ``analyze`` then
    applies the overrides to it. Returns how many topics it newly mapped."""
    t = topics.c
    with warehouse.connect() as conn:
        taxonomy = conn.execute(select(defects)).mappings().all()
        query = select(t.topic_id, t.auto_defect_id, t.auto_confidence, t.defect_id, t.centroid)
        rows = conn.execute(query.where(t.model_version == version).order_by(t.topic_id)).all()
    known = {row["defect_id"] for row in taxonomy}
    lost = [r for r in rows if _own_defect(r) not in known]
    if not taxonomy or not lost:
        return 0
    centroids = np.stack([np.frombuffer(bytes(r.centroid), _VECTOR) for r in lost])
    groups = defect_phrase_vectors(warehouse, embedder, taxonomy)
    chosen, confidence = map_topics(centroids, groups, threshold=threshold)
    values = [
        {"row_topic_id": r.topic_id, "auto_defect_id": taxonomy[int(c)]["defect_id"] if c >= 0
         else None, "auto_confidence": float(s)}
        for r, c, s in zip(lost, chosen.tolist(), confidence.tolist(), strict=True)
    ]  # fmt: skip
    where = (t.model_version == version) & (t.topic_id == bindparam("row_topic_id"))
    with warehouse.begin() as conn:
        # A version made before auto_* existed gets its own label recorded as well.
        label = func.coalesce(t.auto_label, t.label)
        conn.execute(update(topics).where(where).values(auto_label=label), values)
    return sum(value["auto_defect_id"] is not None for value in values)


def _own_defect(row) -> str | None:
    """The model's own defect for a topic row (``defect_id`` before auto_* existed)."""
    return row.defect_id if row.auto_confidence is None else row.auto_defect_id


_SCHEMA = {"topic_key": pl.Utf8, "label": pl.Utf8, "keywords": pl.Utf8, "contacts": pl.Int64}


def defect_topics(
    warehouse: Warehouse, defect_id: str, *, as_polars: bool = False
) -> pd.DataFrame | pl.DataFrame:
    """The current model's topics mapped to ``defect_id`` (merged ones included), biggest
    first. Columns: topic_key, label, keywords (comma-separated), contacts (assigned)."""
    with warehouse.connect() as conn:
        version = current_model_version(conn)
        rows = [] if version is None else conn.execute(_query(version, defect_id)).all()
    frame = pl.DataFrame(rows, schema=_SCHEMA, orient="row")
    return frame if as_polars else frame.to_pandas()


def _query(version: int, defect_id: str):
    assigned = (
        select(contact_topics.c.topic_id, func.count().label("contacts"))
        .where(contact_topics.c.model_version == version)
        .group_by(contact_topics.c.topic_id)
        .subquery()
    )
    contacts = func.coalesce(assigned.c.contacts, 0)
    return (
        select(topics.c.topic_key, topics.c.label, topics.c.keywords, contacts)
        .outerjoin(assigned, assigned.c.topic_id == topics.c.topic_id)
        .where(topics.c.model_version == version, topics.c.defect_id == defect_id)
        .order_by(contacts.desc(), topics.c.topic_key)
    )
