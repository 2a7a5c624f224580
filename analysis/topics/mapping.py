"""Map a model's topics to the taxonomy's defects: at the fit, and later for topics left
without one.

A topic maps to the defect it is most like, by the embeddings of the defect's name and
example phrases (``topics.defect_map``). A topic seeded from a defect (``topics.guided``)
is that defect. Between refits, a topic with no defect of the current taxonomy (none was
alike enough, none was loaded yet, or its defect was since removed) is tried again on every
run, so a taxonomy loaded or extended after the fit counts without a refit, while topics
already mapped keep their defect.
"""

from __future__ import annotations

import json

import numpy as np
from sqlalchemy import bindparam, func, select, update

from dumbcontacts.analysis.topics.defect_map import map_topics
from dumbcontacts.analysis.topics.embedding_cache import embed_with_cache
from dumbcontacts.analysis.topics.embeddings import Embedder
from dumbcontacts.analysis.topics.fit import TopicFit
from dumbcontacts.etl.schema import defects, topics
from dumbcontacts.etl.warehouse import Warehouse

__all__ = ["defect_phrase_vectors", "map_fitted_topics", "map_unmapped_topics"]

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
