"""Topics from contact reasons: BERTopic by composition, with the embeddings passed in.

The pipeline is reducer -> clusterer -> c-TF-IDF keywords, then two steps of our own:
topics whose centroids are near-duplicates are merged, and HDBSCAN's outliers are moved to
the nearest topic centroid (cosine), so every contact gets a reason. New contacts are
assigned to the nearest centroid too (``assign_topics``): it needs no refit, no reducer and
no clusterer, so it is fast and works on a model loaded from the warehouse.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

from dumbcontacts.analysis.topics.keywords import (
    keyword_document,
    keyword_stop_words,
    keyword_text,
)
from dumbcontacts.errors import ModelError

__all__ = [
    "CONTACT_STOP_WORDS",
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


@dataclass(frozen=True)
class TopicSettings:
    """Knobs for short contact reasons; the defaults were tuned in benchmarks/topics_quality.py."""

    # 50 neighbours (not UMAP's 15) see past one phrasing template to the whole intent.
    n_neighbors: int = 50
    n_components: int = 5
    min_dist: float = 0.0
    # min_cluster_size = max(floor, share * n): a fixed 10 shatters 4.5k contacts into 160+
    # topics; 0.5 % still keeps a reason that is 1 in 200 contacts.
    min_cluster_share: float = 0.005
    min_cluster_floor: int = 5
    # 10 rather than 5: fewer thin fringe clusters; the fringe becomes outliers, then joins
    # its nearest topic.
    min_samples: int | None = 10
    cluster_selection: str = "eom"
    # Centroids at least this cosine-alike are one reason in two phrasings: merging lifts ARI
    # where HDBSCAN splits phrasings (DSTC11 +0.13, Bitext +0.05); 0.75 and below start fusing
    # Banking77's near-identical reasons (card arrival vs card delivery estimate).
    merge_similarity: float | None = 0.8
    # Outliers at least this alike to a centroid join it; 0.0 leaves no outliers at all.
    outlier_similarity: float | None = 0.0
    top_n_words: int = 10
    ngram_range: tuple[int, int] = (1, 2)
    stop_words: frozenset[str] = field(default=CONTACT_STOP_WORDS)
    seed: int = 42


@dataclass(frozen=True)
class TopicFit:
    """Topics of one fit. ``topic_ids`` follow the input order; -1 is an outlier."""

    topic_ids: np.ndarray
    topics: list[dict[str, Any]]  # topic_id, label, keywords, size; largest first
    centroids: np.ndarray  # unit vectors in embedding space, one row per entry of ``topics``
    model: Any  # the fitted BERTopic, for persistence and its own ``transform``

    @property
    def centroid_ids(self) -> np.ndarray:
        return np.array([t["topic_id"] for t in self.topics], dtype=int)


def fit_topics(
    texts: list[str], embeddings: np.ndarray, settings: TopicSettings | None = None
) -> TopicFit:
    """Cluster ``texts`` (one row of ``embeddings`` each) into topics with keywords."""
    settings = settings or TopicSettings()
    if len(texts) != len(embeddings):
        raise ValueError(f"{len(texts)} texts but {len(embeddings)} embeddings")
    if len(texts) <= settings.n_components + 1:
        # UMAP's spectral start needs more points than dimensions.
        raise ModelError(f"need more than {settings.n_components + 1} texts, got {len(texts)}")
    vectors = _unit_rows(np.asarray(embeddings, dtype=np.float32))
    model = _build_model(settings, len(texts))
    with warnings.catch_warnings():
        # UMAP and HDBSCAN warn about things we decided (seeded single thread, etc.).
        warnings.simplefilter("ignore")
        # Keywords come from clean text: BERTopic strips "&amp;" to "amp" before we see it.
        documents = [keyword_document(t) for t in texts]
        found, _ = model.fit_transform(documents, vectors)
    found = np.asarray(found, dtype=int)
    topic_ids = found
    if settings.merge_similarity is not None:
        topic_ids = merge_topics(vectors, topic_ids, settings.merge_similarity)
    if settings.outlier_similarity is not None:
        topic_ids = reassign_outliers(vectors, topic_ids, settings.outlier_similarity)
    topic_ids = _renumber_by_size(topic_ids)
    with warnings.catch_warnings(), _quiet_logger("BERTopic"):
        # It logs a warning about custom topics: assigning them is our deliberate last step.
        warnings.simplefilter("ignore")
        model.update_topics(
            documents,
            topics=topic_ids.tolist(),
            top_n_words=settings.top_n_words,
            vectorizer_model=build_vectorizer(
                settings, keyword_stop_words(texts, topics=topic_ids.tolist())
            ),
            ctfidf_model=model.ctfidf_model,
        )
    # So the model's own transform (UMAP + HDBSCAN) answers in our merged, renumbered ids.
    kept = found != -1
    model.topic_mapper_.add_mappings(
        dict(zip(found[kept].tolist(), topic_ids[kept].tolist(), strict=True)), model
    )
    ids, centroids = _centroids(vectors, topic_ids)
    model.topic_embeddings_ = _with_outlier_row(model, ids, centroids)
    return TopicFit(topic_ids, _describe_topics(model, ids, topic_ids), centroids, model)


def assign_topics(fit: TopicFit, embeddings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearest topic centroid by cosine for new documents; the similarity is the confidence."""
    if len(fit.centroids) == 0:
        n = len(embeddings)
        return np.full(n, -1, dtype=int), np.zeros(n, dtype=np.float32)
    sims = _unit_rows(np.asarray(embeddings, dtype=np.float32)) @ fit.centroids.T
    best = np.argmax(sims, axis=1)
    return fit.centroid_ids[best], np.clip(sims[np.arange(len(best)), best], 0.0, 1.0)


def merge_topics(vectors: np.ndarray, topic_ids: np.ndarray, similarity: float) -> np.ndarray:
    """Join topics whose centroids are at least ``similarity`` alike (average linkage)."""
    from sklearn.cluster import AgglomerativeClustering

    ids, centroids = _centroids(vectors, topic_ids)
    if len(ids) < 2:
        return topic_ids
    merged = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=1 - similarity
    ).fit_predict(centroids)
    lookup = dict(zip(ids.tolist(), merged.tolist(), strict=True))
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


def _build_model(settings: TopicSettings, n_docs: int) -> Any:
    # Imported here, under catch_warnings: bertopic sets global warning filters on import and
    # umap warns that TensorFlow is missing; neither may leak into the caller's filters.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from bertopic import BERTopic
        from bertopic.vectorizers import ClassTfidfTransformer
        from hdbscan import HDBSCAN
        from umap import UMAP

    min_cluster = max(settings.min_cluster_floor, round(settings.min_cluster_share * n_docs))
    reducer = UMAP(
        n_neighbors=min(settings.n_neighbors, max(2, n_docs - 1)),
        n_components=settings.n_components,
        min_dist=settings.min_dist,
        metric="cosine",
        random_state=settings.seed,  # also forces one thread: reproducible, see ARCHITECTURE
        low_memory=True,
    )
    clusterer = HDBSCAN(
        min_cluster_size=min_cluster,
        min_samples=None if settings.min_samples is None else min(settings.min_samples, n_docs - 1),
        cluster_selection_method=settings.cluster_selection,
        metric="euclidean",
        prediction_data=True,
    )
    return BERTopic(
        umap_model=reducer,
        hdbscan_model=clusterer,
        vectorizer_model=build_vectorizer(settings),
        ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True),
        top_n_words=settings.top_n_words,
    )


@contextmanager
def _quiet_logger(name: str) -> Iterator[None]:
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def build_vectorizer(
    settings: TopicSettings, learnt_stop_words: frozenset[str] = frozenset()
) -> CountVectorizer:
    """Counts keyword candidates; ``learnt_stop_words`` from ``keyword_stop_words``."""
    return CountVectorizer(
        preprocessor=keyword_text,
        stop_words=sorted(ENGLISH_STOP_WORDS | settings.stop_words | learnt_stop_words),
        ngram_range=settings.ngram_range,
    )


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


def _centroids(vectors: np.ndarray, topic_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ids = np.array(sorted(set(topic_ids.tolist()) - {-1}), dtype=int)
    if len(ids) == 0:
        return ids, np.zeros((0, vectors.shape[1]), dtype=vectors.dtype)
    sums = np.stack([vectors[topic_ids == t].sum(axis=0) for t in ids])
    return ids, _unit_rows(sums)


def _renumber_by_size(topic_ids: np.ndarray) -> np.ndarray:
    # BERTopic's convention: 0 is the largest topic; ties break on the old id, so it is stable.
    ids, counts = np.unique(topic_ids[topic_ids != -1], return_counts=True)
    order = sorted(zip(-counts, ids, strict=True))
    lookup = {old: new for new, (_, old) in enumerate(order)}
    return np.array([lookup.get(t, -1) for t in topic_ids.tolist()], dtype=int)


def _with_outlier_row(model: Any, ids: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    # BERTopic keeps a row for -1 first when outliers remain; keep its layout.
    if -1 in model.topic_sizes_:
        return np.vstack([np.zeros((1, centroids.shape[1]), centroids.dtype), centroids])
    return centroids


def _describe_topics(model: Any, ids: np.ndarray, topic_ids: np.ndarray) -> list[dict[str, Any]]:
    sizes = np.bincount(topic_ids[topic_ids != -1], minlength=len(ids))
    topics = []
    for t in ids.tolist():
        keywords = [word for word, _ in (model.get_topic(t) or []) if word]
        label = _label_from(keywords) or f"topic {t}"
        topics.append({"topic_id": t, "label": label, "keywords": keywords, "size": int(sizes[t])})
    return topics


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
