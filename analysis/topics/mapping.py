"""Topics to defects by meaning: at the fit, later for topics left without one, and back.

A topic maps to the defect it is most like: the best cosine between the topic's centroid and
the embeddings of the defect's name and example phrases, so one close phrase is enough
evidence (``map_topics``, pure numpy). The confidence shown is measured, never a
self-similarity: the share of the topic's own contacts nearer to that defect than to any
other. A topic below the threshold, one whose contacts mostly disagree (broad, mixed), or one
about as like a second defect (within ``CLEAR_MARGIN``, the margin seeding draws with) stays
unmapped, a candidate new defect for an analyst, and is never forced onto one. "Not a
defect" (praise, marketing, spam, small talk) is one more candidate, stored as the reserved
defect id ``NOT_A_DEFECT``. A topic seeded from a defect (``topics.guided``) is that defect.
Between refits, a topic with no defect of the current taxonomy (none was alike enough, none
was loaded yet, or its defect was since removed) is tried again on every run, so a taxonomy
loaded or extended after the fit counts without a refit, while topics already mapped keep
their defect. ``match_topics`` keeps topic identities across refits; ``defect_topics`` reads
a defect's topics back.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import TYPE_CHECKING

import numpy as np
import polars as pl
from sqlalchemy import Connection, bindparam, func, select, update

from dumbcontacts.analysis.economics.scope import NOT_A_DEFECT, current_model_version
from dumbcontacts.analysis.topics.embedding_cache import embed_reasons, embed_with_cache
from dumbcontacts.etl.schema import contact_topics, contacts, defects, topics
from dumbcontacts.etl.warehouse import Warehouse

if TYPE_CHECKING:  # only named in signatures: readers need not load pandas or scikit-learn
    import pandas as pd

    from dumbcontacts.analysis.topics.embeddings import Embedder
    from dumbcontacts.analysis.topics.fit import TopicFit

__all__ = [
    "CLEAR_MARGIN",
    "MIN_AGREEMENT",
    "NOT_A_DEFECT_PHRASES",
    "defect_phrase_vectors",
    "defect_similarity",
    "defect_topics",
    "map_fitted_topics",
    "current_topics",
    "map_topics",
    "map_unmapped_topics",
    "match_by_members",
    "match_topics",
    "measure_agreement",
    "not_a_defect_vectors",
    "topic_summary",
]


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


# A topic maps only if most of its own contacts are nearer its defect than any other: a
# broad or mixed topic, whose centroid may still look like one defect, stays unmapped.
MIN_AGREEMENT = 0.5
# A topic (or, when seeding, a contact) is clearly one defect's when its best cosine beats the
# runner-up's by this much; about as like two, a topic is left to the analyst and a contact to
# clustering.
CLEAR_MARGIN = 0.03
# What "not a defect" sounds like; a topic most like these is no defect, whatever the taxonomy.
NOT_A_DEFECT_PHRASES = (
    "thank you so much, great service, you are the best",
    "I love this, amazing, well done",
    "follow us for deals, discount code, promotion, giveaway",
    "win a prize, click this link, free offer",
    "happy holidays, good morning, have a nice day",
    "just saying hi, lol, what a fun day",
)


def map_topics(
    topic_centroids: np.ndarray,
    defect_vectors: list[np.ndarray],
    member_vectors: np.ndarray,
    member_topics: np.ndarray,
    *,
    threshold: float = 0.5,
) -> tuple[np.ndarray, np.ndarray]:
    """For each topic, the index of its defect (-1 = unmapped) and the measured agreement.

    A defect is represented by the embeddings of its name, description and examples; how
    alike a vector is to it is the best cosine to any of them, so one close example phrase is
    enough evidence. A topic's candidate is the defect its centroid is most like; the
    agreement is the share of the topic's own contacts (``member_vectors``, row i in topic
    ``member_topics[i]``, an index into ``topic_centroids``) that are nearer to that defect
    than to any other. It maps when the centroid is at least ``threshold`` alike, and at least
    ``CLEAR_MARGIN`` more alike than to any other defect, and at least ``MIN_AGREEMENT`` of
    its contacts agree; a topic without contacts agrees with nothing.
    """
    n_topics = len(topic_centroids)
    if n_topics == 0 or not defect_vectors:
        return np.full(n_topics, -1), np.zeros(n_topics)
    similarity = defect_similarity(topic_centroids, defect_vectors)
    choice = similarity.argmax(axis=1)
    ranked = np.sort(similarity, axis=1)
    # With one defect there is no runner-up; its agreement is 0, so nothing maps anyway.
    lead = ranked[:, -1] - (ranked[:, -2] if ranked.shape[1] > 1 else 0.0)
    agreement = measure_agreement(member_vectors, member_topics, defect_vectors, choice)
    mapped = (ranked[:, -1] >= threshold) & (lead >= CLEAR_MARGIN) & (agreement >= MIN_AGREEMENT)
    return np.where(mapped, choice, -1), agreement


def defect_similarity(vectors: np.ndarray, defect_vectors: list[np.ndarray]) -> np.ndarray:
    """Rows of ``vectors`` by defects: the best cosine to any of the defect's phrases."""
    unit = _unit(np.asarray(vectors, dtype=np.float32).reshape(-1, defect_vectors[0].shape[1]))
    return np.stack([(unit @ _unit(v).T).max(axis=1) for v in defect_vectors], axis=1)


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


def match_by_members(old_keys: list[str | None], new_ids: np.ndarray) -> dict[int, str]:
    """For a refit: new topic id -> the old topic key it continues, by who is in it.

    ``old_keys`` and ``new_ids`` are each fitted contact's old topic key (None: had none) and
    new topic id (< 0: none). Each old topic passes its key, and with it the analyst's
    decisions on it, to the new topic that holds most of its contacts; one key per topic,
    the biggest shares first.
    """
    counts: dict[tuple[str, int], int] = {}
    for key, new in zip(old_keys, new_ids.tolist(), strict=True):
        if key is not None and new >= 0:
            counts[key, new] = counts.get((key, new), 0) + 1
    best: dict[str, tuple[int, int]] = {}
    for (key, new), n in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        best.setdefault(key, (new, n))
    inherited: dict[int, str] = {}
    for key, (new, _) in sorted(best.items(), key=lambda item: (-item[1][1], item[0])):
        inherited.setdefault(new, key)
    return inherited


_VECTOR = np.dtype("<f4")


def defect_phrase_vectors(warehouse: Warehouse, embedder: Embedder, taxonomy) -> list[np.ndarray]:
    """Per defect (rows of the ``defects`` table), the vectors of its name and examples."""
    phrases = [[row["name"], *json.loads(row["examples"] or "[]")] for row in taxonomy]
    if not phrases:
        return []
    vectors = embed_with_cache(warehouse, embedder, [p for group in phrases for p in group])
    bounds = np.cumsum([0] + [len(group) for group in phrases])
    return [vectors[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def not_a_defect_vectors(warehouse: Warehouse, embedder: Embedder) -> np.ndarray:
    """The vectors of ``NOT_A_DEFECT_PHRASES``: one more candidate for every topic."""
    return embed_with_cache(warehouse, embedder, list(NOT_A_DEFECT_PHRASES))


def map_fitted_topics(
    fit: TopicFit, vectors: np.ndarray, seeded: np.ndarray, groups, taxonomy, threshold,
    not_a_defect: np.ndarray,
):  # fmt: skip
    """Each topic's defect id (None = unmapped, ``NOT_A_DEFECT`` = no defect) and agreement.

    Seeded topics are their defect; their agreement is measured against the defects'
    phrases. Found topics go to the defect they are most like: its phrases, or how
    customers worded it in its seeded topic.
    """
    row_of = {t: row for row, t in enumerate(fit.centroid_ids.tolist())}
    clustered = fit.topic_ids >= 0
    members = np.asarray(vectors)[clustered]
    member_rows = np.array([row_of[t] for t in fit.topic_ids[clustered].tolist()], dtype=int)
    worded = [list(group) for group in groups] + [[*not_a_defect]]
    for row, defect in enumerate(seeded.tolist()):
        if defect >= 0:
            worded[defect].append(fit.centroids[row])
    chosen, agreement = map_topics(
        fit.centroids, [np.vstack(g) for g in worded], members, member_rows, threshold=threshold
    )
    if (seeded >= 0).any():
        own = measure_agreement(members, member_rows, [*groups, not_a_defect], seeded)
        chosen = np.where(seeded >= 0, seeded, chosen)
        agreement = np.where(seeded >= 0, own, agreement)
    ids = [row["defect_id"] for row in taxonomy] + [NOT_A_DEFECT]
    return [ids[int(c)] if c >= 0 else None for c in chosen], agreement.tolist()


def measure_agreement(member_vectors, member_topics, defect_vectors, defect_of_topic):
    """Per topic, the share of its members nearer to ``defect_of_topic[t]`` than to any other
    defect (0 for a topic without members or without a defect, and 0 for every topic when
    there is only one defect: with nothing to be nearer than, nothing is measured)."""
    defect_of_topic = np.asarray(defect_of_topic, dtype=int)
    n_topics = len(defect_of_topic)
    if len(member_vectors) == 0 or len(defect_vectors) < 2:
        return np.zeros(n_topics)
    nearest = defect_similarity(member_vectors, defect_vectors).argmax(axis=1)
    member_topics = np.asarray(member_topics, dtype=int)
    agrees = (nearest == defect_of_topic[member_topics]) & (defect_of_topic[member_topics] >= 0)
    counts = np.bincount(member_topics, minlength=n_topics)
    return np.bincount(member_topics, weights=agrees, minlength=n_topics) / np.maximum(counts, 1)


# Contacts per topic read back to measure a later mapping's agreement: plenty for a share.
_MEMBERS_PER_TOPIC = 200


def map_unmapped_topics(
    warehouse: Warehouse,
    embedder: Embedder,
    version: int,
    threshold: float,
    names: Collection[str] = (),
) -> int:
    """Give the version's topics without a defect of the current taxonomy the one they are
    most like (or none), as the model's own mapping; ``analyze`` then applies the overrides
    to it. ``names``: the company names the version reads reasons without. Returns how many
    topics it newly mapped."""
    t = topics.c
    with warehouse.connect() as conn:
        taxonomy = conn.execute(select(defects)).mappings().all()
        query = select(t.topic_id, t.auto_defect_id, t.auto_confidence, t.defect_id, t.centroid)
        rows = conn.execute(query.where(t.model_version == version).order_by(t.topic_id)).all()
    known = {row["defect_id"] for row in taxonomy} | {NOT_A_DEFECT}
    lost = [r for r in rows if _own_defect(r) not in known]
    if not taxonomy or not lost:
        return 0
    centroids = np.stack([np.frombuffer(bytes(r.centroid), _VECTOR) for r in lost])
    groups = defect_phrase_vectors(warehouse, embedder, taxonomy)
    groups.append(not_a_defect_vectors(warehouse, embedder))
    texts, member_rows = _member_reasons(warehouse, version, [r.topic_id for r in lost])
    members = embed_reasons(warehouse, embedder, texts, names=names)
    chosen, agreement = map_topics(centroids, groups, members, member_rows, threshold=threshold)
    ids = [row["defect_id"] for row in taxonomy] + [NOT_A_DEFECT]
    values = [
        {"row_topic_id": r.topic_id, "auto_defect_id": ids[int(c)] if c >= 0 else None,
         "auto_confidence": float(s)}
        for r, c, s in zip(lost, chosen.tolist(), agreement.tolist(), strict=True)
    ]  # fmt: skip
    where = (t.model_version == version) & (t.topic_id == bindparam("row_topic_id"))
    with warehouse.begin() as conn:
        # A version made before auto_* existed gets its own label recorded as well.
        label = func.coalesce(t.auto_label, t.label)
        conn.execute(update(topics).where(where).values(auto_label=label), values)
    return sum(value["auto_defect_id"] is not None for value in values)


def _member_reasons(warehouse: Warehouse, version: int, topic_ids: list[int]):
    """Up to ``_MEMBERS_PER_TOPIC`` reasons of each topic, and each one's index in
    ``topic_ids``."""
    ct = contact_topics.c
    ranked = (
        select(
            ct.topic_id,
            contacts.c.reason_text,
            func.row_number().over(partition_by=ct.topic_id, order_by=ct.contact_id).label("n"),
        )
        .join(contacts, contacts.c.contact_id == ct.contact_id)
        .where(ct.model_version == version, ct.topic_id.in_(topic_ids))
        .subquery()
    )
    query = select(ranked.c.topic_id, ranked.c.reason_text).where(
        ranked.c.n <= _MEMBERS_PER_TOPIC, ranked.c.reason_text.is_not(None)
    )
    with warehouse.connect() as conn:
        rows = conn.execute(query.order_by(ranked.c.topic_id, ranked.c.reason_text)).all()
    index = {t: i for i, t in enumerate(topic_ids)}
    return [r.reason_text for r in rows], np.array([index[r.topic_id] for r in rows], dtype=int)


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


def _assigned_counts(version: int, topic_ids=None):
    """Contacts assigned to each topic of model ``version`` (only ``topic_ids``, a select of
    them, when given): topic_id, contacts."""
    query = select(contact_topics.c.topic_id, func.count().label("contacts")).where(
        contact_topics.c.model_version == version
    )
    if topic_ids is not None:  # counts a defect's members only, not the model's
        query = query.where(contact_topics.c.topic_id.in_(topic_ids))
    return query.group_by(contact_topics.c.topic_id).subquery()


def _query(version: int, defect_id: str):
    of_defect = select(topics.c.topic_id).where(
        topics.c.model_version == version, topics.c.defect_id == defect_id
    )
    assigned = _assigned_counts(version, of_defect)
    contacts = func.coalesce(assigned.c.contacts, 0)
    return (
        select(topics.c.topic_key, topics.c.label, topics.c.keywords, contacts)
        .outerjoin(assigned, assigned.c.topic_id == topics.c.topic_id)
        .where(topics.c.model_version == version, topics.c.defect_id == defect_id)
        .order_by(contacts.desc(), topics.c.topic_key)
    )


def current_topics(warehouse: Warehouse) -> pl.DataFrame:
    """``topic_summary`` of the current model (no rows before the first)."""
    with warehouse.connect() as conn:
        version = current_model_version(conn)
        return topic_summary(conn, -1 if version is None else version)


def topic_summary(conn: Connection, version: int) -> pl.DataFrame:
    """Every topic of model ``version``, biggest first: topic_key, label, contacts (assigned),
    defect_id, mapping_confidence, keywords, mapped_by, merged_into, language, category."""
    assigned = _assigned_counts(version)
    query = (
        select(
            topics.c.topic_key,
            topics.c.label,
            func.coalesce(assigned.c.contacts, 0).label("contacts"),
            topics.c.defect_id,
            topics.c.mapping_confidence,
            topics.c.keywords,
            topics.c.mapped_by,
            topics.c.merged_into,
            topics.c.language,
            topics.c.category,
        )
        .outerjoin(assigned, assigned.c.topic_id == topics.c.topic_id)
        .where(topics.c.model_version == version)
        .order_by(func.coalesce(assigned.c.contacts, 0).desc(), topics.c.topic_key)
    )
    rows = conn.execute(query).all()
    names = ["topic_key", "label", "contacts", "defect_id", "mapping_confidence", "keywords"]
    schema = dict.fromkeys([*names, "mapped_by", "merged_into", "language", "category"], pl.Utf8)
    schema |= {"contacts": pl.Int64, "mapping_confidence": pl.Float64}
    return pl.DataFrame(rows, schema=schema, orient="row")
