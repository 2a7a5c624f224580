"""Topics from contact reasons, with the embeddings passed in: BERTopic's roles by composition.

The pipeline is: identical reasons collapsed (weighted by their count) -> each language with
enough contacts on its own -> a shared-nearest-neighbour graph clustered into communities
(``topics.communities``: deterministic, order-free, consensus over seeds, big topics split
when they have structure) -> small communities' contacts to their nearest topic, or to no
topic when they are alike to none (``outlier_similarity``) -> topics
whose centroids are near-duplicates merged -> c-TF-IDF keywords (BERTopic's
``ClassTfidfTransformer``) -> topics rolled up into categories (``topics.categories``).
Languages with fewer than ``min_language_contacts`` contacts form one "other languages"
group (``OTHER_LANGUAGES``), reported apart and never a topic. New contacts are assigned
to the nearest centroid (``assign_topics``), by the same rule: no refit, no clusterer, so it
is fast and works on a model loaded from the warehouse.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import CountVectorizer

from dumbcontacts.analysis.topics.categories import find_categories
from dumbcontacts.analysis.topics.communities import build_graph, find_communities
from dumbcontacts.analysis.topics.keywords import (
    FUNCTION_WORDS,
    keyword_document,
    keyword_stop_words,
    keyword_text,
)
from dumbcontacts.analysis.topics.short_reasons import in_context
from dumbcontacts.errors import ModelError

__all__ = [
    "CONTACT_STOP_WORDS",
    "OTHER_LANGUAGES",
    "TopicFit",
    "TopicSettings",
    "assign_topics",
    "build_vectorizer",
    "fit_topics",
    "merge_topics",
    "reassign_outliers",
]

# Words every contact says whatever its reason; as keywords they would name no defect.
CONTACT_STOP_WORDS = frozenset(
    {
        "hi", "hello", "hey", "dear", "thanks", "thank", "thx", "pls", "please", "help",
        "need", "want", "like", "know", "tell", "let", "just", "trying", "try", "could",
        "would", "ve", "ll", "im", "ive", "don", "dont", "didn", "didnt", "doesn", "doesnt",
        "isn", "isnt", "wasn", "wasnt", "can", "cant", "wont",
        "order", "orders", "customer", "service", "support", "team", "agent", "sir", "madam",
        "regards", "best", "ok", "okay", "yes", "yeah", "today", "asap", "possible",
        "assist", "assistance", "wanna", "gonna",
    }
)  # fmt: skip


# CountVectorizer's own token pattern.
_WORD = re.compile(r"(?u)\b\w\w+\b")

# The topic id of contacts in a language too rare to cluster (-1 stays "no topic").
OTHER_LANGUAGES = -2


@dataclass(frozen=True)
class TopicSettings:
    """The one default setting, measured against BERTopic and k-means in
    benchmarks/topic_panel.py."""

    # Neighbours per reason in the graph, and the link density (shared-neighbour Jaccard) a
    # topic's reasons must exceed among themselves (Leiden's constant Potts model, which
    # does not merge small reasons as a set grows, as modularity does).
    n_neighbors: int = 10
    resolution: float = 0.05
    # Leiden runs that vote on each link before the final run (3 left two seeds of the
    # Twitter support sample at ARI 0.895; 5 at 0.957)
    consensus_runs: int = 5
    # A topic over this share of contacts is clustered again on its own, and kept whole
    # unless its parts are communities with distinct centroids (else it is one reason, just
    # common).
    max_topic_share: float = 0.2
    # Communities below max(floor, share * contacts) join their nearest topic.
    min_cluster_share: float = 0.002
    min_cluster_floor: int = 5
    # Centroids at least this cosine-alike are one reason in two phrasings; a merge that
    # would make a topic over ``max_topic_share`` is made only at ``same_reason``.
    merge_similarity: float | None = 0.8
    # Parts at least this alike are one reason however big: the split guard keeps no split
    # into such parts, and they always merge.
    same_reason: float = 0.95
    # Topics roll up into one category while their centroids, less the mean of all contacts,
    # are on average at least this cosine-alike (``topics.categories``). On the panel's sets
    # with categories 0.25 to 0.5 beat BERTopic's defaults at seed 42, 0.3 and 0.4 at seeds
    # 0, 1, 2 as well (0.25 not at 2); 0.2 merges the complaint letters' products.
    category_similarity: float = 0.3
    # Contacts of communities too small to be a topic join the nearest topic when at least
    # this cosine-alike to its centroid, and have no topic otherwise (as do new contacts
    # alike to no topic, at assignment): a query unlike every topic is not made one of them.
    outlier_similarity: float | None = 0.4
    # Languages with fewer contacts go to the "other languages" group.
    min_language_contacts: int = 30
    top_n_words: int = 10
    ngram_range: tuple[int, int] = (1, 2)
    stop_words: frozenset[str] = field(default=CONTACT_STOP_WORDS)
    # The company's names, left out of what the sentence model reads; learnt by each fit
    # (``keywords.company_names``) and kept with the model, so later contacts read alike.
    company_names: frozenset[str] = frozenset()
    seed: int = 42


@dataclass(frozen=True)
class TopicFit:
    """Topics of one fit. ``topic_ids`` follow the input order; -1 is no topic,
    ``OTHER_LANGUAGES`` a contact in a language too rare to cluster."""

    topic_ids: np.ndarray
    # topic_id, label, keywords, size, language (None: not known), category_id; largest first
    topics: list[dict[str, Any]]
    centroids: np.ndarray  # unit vectors in embedding space, one row per entry of ``topics``
    categories: list[dict[str, Any]] = field(default_factory=list)  # category_id, label,
    # keywords, size; largest first

    @property
    def centroid_ids(self) -> np.ndarray:
        return np.array([t["topic_id"] for t in self.topics], dtype=int)

    @property
    def category_ids(self) -> np.ndarray:
        """Each contact's category (-1 without a topic), in input order."""
        lookup = {t["topic_id"]: t["category_id"] for t in self.topics}
        return np.array([lookup.get(t, -1) for t in self.topic_ids.tolist()], dtype=int)


def fit_topics(
    texts: list[str],
    embeddings: np.ndarray,
    settings: TopicSettings | None = None,
    languages: Sequence[str | None] | None = None,
) -> TopicFit:
    """Cluster ``texts`` (one row of ``embeddings`` each) into topics and categories.

    ``languages`` gives each text's language code (None: unknown); without it, all texts
    are clustered together.
    """
    settings = settings or TopicSettings()
    if len(texts) != len(embeddings):
        raise ValueError(f"{len(texts)} texts but {len(embeddings)} embeddings")
    if languages is not None and len(languages) != len(texts):
        raise ValueError(f"{len(texts)} texts but {len(languages)} languages")
    if len(texts) < 2:
        raise ModelError(f"need at least 2 texts, got {len(texts)}")
    vectors = _unit_rows(np.asarray(embeddings, dtype=np.float32))
    min_size = max(settings.min_cluster_floor, round(settings.min_cluster_share * len(texts)))
    max_size = settings.max_topic_share * len(texts)
    topic_ids = np.full(len(texts), -1)
    category_ids: dict[int, int] = {}
    topic_language: dict[int, str | None] = {}
    for language, rows in _language_groups(languages, len(texts), settings):
        if language is OTHER_LANGUAGES:
            topic_ids[rows] = OTHER_LANGUAGES
            continue
        found, categories = _cluster_group(
            [texts[i] for i in rows], vectors[rows], settings, min_size, max_size
        )
        offset = max(topic_ids.max() + 1, 0)
        topic_ids[rows] = np.where(found >= 0, found + offset, -1)
        category_offset = max(category_ids.values(), default=-1) + 1
        for topic, category in enumerate(categories.tolist()):
            category_ids[topic + offset] = category + category_offset
            topic_language[topic + offset] = language
    renumbered = _renumber_by_size(topic_ids)
    new_of = dict(zip(topic_ids.tolist(), renumbered.tolist(), strict=False))
    category_ids = {new_of[t]: c for t, c in category_ids.items() if t in new_of}
    topic_language = {new_of[t]: lang for t, lang in topic_language.items() if t in new_of}
    ids, centroids = _centroids(vectors, renumbered)
    return _describe(texts, renumbered, centroids, ids, category_ids, topic_language, settings)


def _language_groups(languages, n: int, settings: TopicSettings):
    """(language, rows) to cluster apart, then (OTHER_LANGUAGES, rows) of the rare ones.

    The most common language is always clustered, however few its contacts, and takes the
    texts whose language is undetermined (mostly short reasons such as "Billing", which
    belong with the long ones that say the same)."""
    if languages is None:
        yield None, np.arange(n)
        return
    codes = np.array([code or "" for code in languages], dtype=object)
    names, counts = np.unique(codes, return_counts=True)
    order = [i for i in np.lexsort((names, -counts)) if names[i]] or [0]
    enough = [names[i] for i in order if counts[i] >= settings.min_language_contacts]
    enough = enough or [names[order[0]]]
    for name in enough:
        rows = np.isin(codes, [name, ""]) if name == enough[0] else codes == name
        yield name or None, np.flatnonzero(rows)
    rare = np.flatnonzero(~np.isin(codes, [*enough, ""]))
    if len(rare):
        yield OTHER_LANGUAGES, rare


def _cluster_group(texts, vectors, settings: TopicSettings, min_size: int, max_size: float):
    """Topic ids (-1: none) for one language's contacts, and each topic's category."""
    # Identical reasons (up to case and spacing) are one node weighted by their count, and
    # nodes are ordered by text: the order contacts arrive in cannot move a topic.
    keys = [" ".join(text.lower().split()) for text in texts]
    uniques, node_of, counts = np.unique(keys, return_inverse=True, return_counts=True)
    nodes = np.zeros((len(counts), vectors.shape[1]), dtype=np.float32)
    np.add.at(nodes, node_of, vectors)
    nodes = _unit_rows(nodes)
    if len(nodes) < 2:
        return np.zeros(len(texts), dtype=int), np.zeros(1, dtype=int)
    # Bare phrases take their place in the graph by the longer reasons that use their words.
    placed = in_context(uniques, nodes, counts, settings.stop_words, settings.company_names)
    graph = build_graph(placed, settings.n_neighbors)
    community = find_communities(
        graph,
        counts.astype(np.float64),
        nodes,
        resolution=settings.resolution,
        seed=settings.seed,
        runs=settings.consensus_runs,
        max_share=max_size / counts.sum(),
        min_size=min_size,
        distinct_below=settings.same_reason,
    )
    sizes = np.bincount(community, weights=counts)
    topic_ids = np.where(sizes[community] >= min_size, community, -1)[node_of]
    if (topic_ids == -1).all():  # no community is big enough: one reason, or none
        return np.zeros(len(texts), dtype=int), np.zeros(1, dtype=int)
    if settings.outlier_similarity is not None:
        topic_ids = reassign_outliers(vectors, topic_ids, settings.outlier_similarity)
    if settings.merge_similarity is not None:
        topic_ids = merge_topics(
            vectors, topic_ids, settings.merge_similarity, max_size, settings.same_reason
        )
    topic_ids = _renumber_by_size(topic_ids)
    return topic_ids, find_categories(vectors, topic_ids, settings.category_similarity)


def assign_topics(
    fit: TopicFit, embeddings: np.ndarray, min_similarity: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest topic centroid by cosine for new documents; the similarity is the confidence.
    A document less than ``min_similarity`` alike to every centroid has no topic (-1)."""
    if len(fit.centroids) == 0:
        n = len(embeddings)
        return np.full(n, -1, dtype=int), np.zeros(n, dtype=np.float32)
    sims = _unit_rows(np.asarray(embeddings, dtype=np.float32)) @ fit.centroids.T
    best = np.argmax(sims, axis=1)
    similarity = sims[np.arange(len(best)), best]
    ids = fit.centroid_ids[best]
    if min_similarity is not None:
        ids = np.where(similarity >= min_similarity, ids, -1)
    return ids, np.clip(similarity, 0.0, 1.0)


def merge_topics(
    vectors: np.ndarray,
    topic_ids: np.ndarray,
    similarity: float,
    max_size: float = np.inf,
    same_reason: float = 1.0,
) -> np.ndarray:
    """Join topics whose centroids are at least ``similarity`` alike, most alike first (the
    joined topic's centroid is recomputed before the next pair), never into a topic of more
    than ``max_size`` contacts unless they are at least ``same_reason`` alike."""
    ids, centroids = _centroids(vectors, topic_ids)
    sums = np.stack([vectors[topic_ids == t].sum(axis=0) for t in ids]) if len(ids) else None
    sizes = np.array([(topic_ids == t).sum() for t in ids], dtype=float)
    group = np.arange(len(ids))
    alive = np.ones(len(ids), dtype=bool)
    while alive.sum() > 1:
        live = np.flatnonzero(alive)
        alike = centroids[live] @ centroids[live].T
        alike[np.tril_indices(len(live))] = -np.inf  # each pair once, never a topic itself
        too_big = sizes[live][:, None] + sizes[live][None, :] > max_size
        alike[too_big & (alike < same_reason)] = -np.inf
        a, b = np.unravel_index(np.argmax(alike), alike.shape)
        if alike[a, b] < similarity:
            break
        keep, gone = live[a], live[b]
        sums[keep] += sums[gone]
        sizes[keep] += sizes[gone]
        centroids[keep] = sums[keep] / np.linalg.norm(sums[keep])
        alive[gone] = False
        group[group == gone] = keep
    lookup = dict(zip(ids.tolist(), group.tolist(), strict=True))
    return np.array([lookup.get(t, -1) for t in topic_ids.tolist()], dtype=int)


def reassign_outliers(vectors: np.ndarray, topic_ids: np.ndarray, similarity: float) -> np.ndarray:
    """Move outliers to their nearest topic centroid when at least ``similarity`` alike."""
    outliers = topic_ids == -1
    ids, centroids = _centroids(vectors, topic_ids)
    if not outliers.any() or len(ids) == 0:
        return topic_ids
    sims = vectors[outliers] @ centroids.T
    best = np.argmax(sims, axis=1)
    moved = np.where(sims[np.arange(len(best)), best] >= similarity, ids[best], -1)
    out = topic_ids.copy()
    out[outliers] = moved
    return out


def build_vectorizer(
    settings: TopicSettings, learnt_stop_words: frozenset[str] = frozenset()
) -> CountVectorizer:
    """Counts keyword candidates; ``learnt_stop_words`` from ``keyword_stop_words``."""
    words = FUNCTION_WORDS | settings.stop_words | learnt_stop_words
    # Stop words pass the same preprocessing as the text ("doordash_help" is "doordash" and
    # "help" there), or they would miss, and scikit-learn warns about it.
    stop_words = {token for word in words for token in _WORD.findall(keyword_text(word))}
    return CountVectorizer(
        preprocessor=keyword_text,
        stop_words=sorted(stop_words),
        ngram_range=settings.ngram_range,
    )


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


def _centroids(vectors: np.ndarray, topic_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ids = np.array(sorted(set(topic_ids.tolist()) - {-1, OTHER_LANGUAGES}), dtype=int)
    if len(ids) == 0:
        return ids, np.zeros((0, vectors.shape[1]), dtype=vectors.dtype)
    sums = np.stack([vectors[topic_ids == t].sum(axis=0) for t in ids])
    return ids, _unit_rows(sums)


def _renumber_by_size(topic_ids: np.ndarray) -> np.ndarray:
    # BERTopic's convention: 0 is the largest topic; ties break on the old id, so it is stable.
    ids, counts = np.unique(topic_ids[topic_ids >= 0], return_counts=True)
    order = sorted(zip(-counts, ids, strict=True))
    lookup = {old: new for new, (_, old) in enumerate(order)}
    return np.array([lookup.get(t, t if t < 0 else -1) for t in topic_ids.tolist()], dtype=int)


def _describe(texts, topic_ids, centroids, ids, category_of, language_of, settings) -> TopicFit:
    """Keywords and labels of the topics and of their categories (renumbered by size)."""
    old_category = np.array([category_of.get(t, -1) for t in topic_ids.tolist()])
    old_category[topic_ids < 0] = -1
    category_ids = _renumber_by_size(old_category)
    category_of_topic = {
        t: int(category_ids[np.flatnonzero(topic_ids == t)[0]]) for t in ids.tolist()
    }
    # Clean text, punctuation as blanks; names said across most topics are no keyword.
    documents = [keyword_document(t) for t in texts]
    languages = [language_of.get(t) for t in topic_ids.tolist()]  # a topic has one
    learnt = keyword_stop_words(texts, topics=topic_ids.tolist(), languages=languages)
    topic_words = class_keywords(documents, topic_ids, ids, settings, learnt)
    topics = [
        {
            "topic_id": t,
            "label": _label_from(words) or f"topic {t}",
            "keywords": words,
            "size": int((topic_ids == t).sum()),
            "language": language_of.get(t),
            "category_id": category_of_topic[t],
        }
        for t, words in zip(ids.tolist(), topic_words, strict=True)
    ]
    category_list = np.unique(category_ids[category_ids >= 0])
    category_words = class_keywords(documents, category_ids, category_list, settings, learnt)
    categories = [
        {
            "category_id": int(c),
            "label": _label_from(words, parts=2) or f"category {c}",
            "keywords": words,
            "size": int((category_ids == c).sum()),
        }
        for c, words in zip(category_list.tolist(), category_words, strict=True)
    ]
    return TopicFit(topic_ids, topics, centroids, categories)


def class_keywords(
    texts, class_ids, classes, settings: TopicSettings, learnt_stop_words=frozenset()
) -> list[list[str]]:
    """Each class's top c-TF-IDF words (BERTopic's ``ClassTfidfTransformer``)."""
    if len(classes) == 0:
        return []
    with warnings.catch_warnings():
        # bertopic sets global warning filters on import; they must not leak to the caller.
        warnings.simplefilter("ignore")
        from bertopic.vectorizers import ClassTfidfTransformer

    # Each text counted on its own, then summed by class: joining a class's texts first would
    # make bigrams across them ("Billing" then "Billing" gives "billing billing").
    row_of = {c: row for row, c in enumerate(np.asarray(classes).tolist())}
    rows = np.array([row_of.get(c, -1) for c in np.asarray(class_ids).tolist()], dtype=int)
    members = np.flatnonzero(rows >= 0)
    vectorizer = build_vectorizer(settings, learnt_stop_words)
    try:
        text_counts = vectorizer.fit_transform([texts[i] for i in members.tolist()])
    except ValueError:  # only stop words: nothing to say
        return [[] for _ in classes]
    membership = csr_matrix(
        (np.ones(len(members)), (rows[members], np.arange(len(members)))),
        shape=(len(classes), len(members)),
    )
    counts = membership @ text_counts
    weights = ClassTfidfTransformer(reduce_frequent_words=True).fit_transform(counts)
    words = vectorizer.get_feature_names_out()
    out = []
    for row in weights.toarray():
        top = np.argsort(-row, kind="stable")[: settings.top_n_words]
        out.append([str(words[i]) for i in top if row[i] > 0])
    return out


def _label_from(keywords: list[str], parts: int = 3) -> str:
    # "claim / car insurance / quote", skipping keywords whose words are already shown.
    shown: list[str] = []
    seen: set[str] = set()
    for keyword in keywords:
        words = set(keyword.split())
        if words <= seen:
            continue
        shown.append(keyword)
        seen |= words
        if len(shown) == parts:
            break
    return " / ".join(shown)
