"""Assign new contacts to fitted topics without embedding most of them.

MiniLM is the bottleneck (~50-200 texts/s on 2 cores), so topics are fitted on a bounded
sample and every other contact goes through a fast text classifier trained on the fitted
labels: TF-IDF over word 1-2-grams and character 2-5-grams, with a linear SVM (trains in
about a second on 5k texts, where logistic regression took 15-25 s for the same agreement).
Only the texts it is unsure of (margin between its best and second-best topic below
``min_confidence``) are embedded and go to the nearest centroid, as ``assign_topics`` would
do for all of them. Train it on ``assign_topics(fit, sample_vectors)`` rather than on
``fit.topic_ids`` when the aim is to reproduce nearest-centroid assignment.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from analysis.topics import TopicFit, assign_topics

__all__ = ["FastAssigner", "assign_fast", "predict_fast", "train_fast_assigner"]


@dataclass(frozen=True)
class FastAssigner:
    """A text classifier from contact text to fitted topic id."""

    words: TfidfVectorizer
    chars: TfidfVectorizer
    model: LinearSVC | None  # None when the fit had a single topic
    topic_ids: np.ndarray  # the classes, in the order of the model's decision columns


def train_fast_assigner(
    texts: Sequence[str], topic_ids: Sequence[int] | np.ndarray, seed: int = 0, c: float = 0.5
) -> FastAssigner:
    """Learn ``topic_ids`` (-1 outliers are left out) from ``texts``; deterministic for a seed."""
    labels = np.asarray(topic_ids, dtype=int)
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} topic ids")
    kept = labels != -1
    train = [t for t, k in zip(texts, kept.tolist(), strict=True) if k]
    labels = labels[kept]
    if len(train) == 0:
        raise ValueError("no texts with a topic to learn from")
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, lowercase=True)
    chars = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2, lowercase=True
    )
    features = hstack([words.fit_transform(train), chars.fit_transform(train)]).tocsr()
    classes = np.unique(labels)
    if len(classes) == 1:
        return FastAssigner(words, chars, None, classes)
    model = LinearSVC(C=c, random_state=seed)
    with warnings.catch_warnings():
        # liblinear may warn that it stopped short of its tolerance; the labels are still
        # right, and the warning must not become an error in callers' tests.
        warnings.simplefilter("ignore")
        model.fit(features, labels)
    return FastAssigner(words, chars, model, model.classes_.astype(int))


def predict_fast(assigner: FastAssigner, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The classifier's topic for each text and its margin over the runner-up (no fallback)."""
    if len(texts) == 0:
        return np.zeros(0, dtype=int), np.zeros(0, dtype=np.float32)
    if assigner.model is None:
        n = len(texts)
        return np.full(n, assigner.topic_ids[0], dtype=int), np.ones(n, dtype=np.float32)
    features = hstack(
        [assigner.words.transform(list(texts)), assigner.chars.transform(list(texts))]
    ).tocsr()
    scores = assigner.model.decision_function(features)
    if scores.ndim == 1:  # two topics: one signed score for the second
        scores = np.column_stack([-scores, scores])
    best = np.argmax(scores, axis=1)
    top_two = np.sort(scores, axis=1)[:, -2:]
    return assigner.topic_ids[best], (top_two[:, 1] - top_two[:, 0]).astype(np.float32)


def assign_fast(
    assigner: FastAssigner,
    texts: Sequence[str],
    embed_fallback: Callable[[list[str]], np.ndarray],
    fit: TopicFit,
    min_confidence: float,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Topic ids, confidence and how many texts fell back to embedding + nearest centroid.

    Confidence is the classifier's margin where it decided, and the centroid cosine
    similarity (as ``assign_topics`` gives) where the text fell back. ``embed_fallback`` is
    called once, with only the unsure texts, and not at all when there are none.
    """
    ids, confidence = predict_fast(assigner, texts)
    unsure = np.flatnonzero(confidence < min_confidence)
    if len(unsure):
        vectors = embed_fallback([texts[i] for i in unsure.tolist()])
        ids[unsure], confidence[unsure] = assign_topics(fit, vectors)
    return ids, confidence, int(len(unsure))
