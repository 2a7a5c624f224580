"""Assign new contacts to fitted topics without embedding most of them.

MiniLM is the bottleneck (~50-200 texts/s on 2 cores), so topics are fitted on a bounded
sample and every other contact goes through a fast model that imitates what MiniLM +
nearest centroid (``assign_topics``) would do:

- Features: TF-IDF over word 1-2-grams, and the static embedding (the model2vec model
  distilled from MiniLM) weighing twice as much, or without a static model character
  3-5-gram TF-IDF weighing as much; each part is scaled so the dot product of two texts is
  the weighted average of the parts' cosines. All parts are added up from rows made once
  per training word (``WordTable``).
- Targets: for each training text (texts whose MiniLM vectors are at hand, such as the fit
  sample), its cosine similarity to every topic centroid, the very scores ``assign_topics``
  takes the best of. Learning the scores rather than the labels teaches the model how close
  each text is to its runner-up topic too.
- Model: kernel ridge regression with a degree-2 polynomial kernel ``(x.y + c)^2``; the
  word pairs it adds tell apart Banking77's near-identical topics where a linear model
  cannot. On Banking77 (benchmarks/fast_path.py), 95 % agreement with the reference needs
  ~2.6 % of texts to fall back with the static part and ~8.5 % without it. Training solves
  one ``n x n`` system (``max_train`` texts, a few seconds at 5,000); predicting costs one
  product with the training texts per text (5,000 texts in ~0.3 s on 2 cores, against
  ~20 s for MiniLM).

A text is decided by the model when its predicted best topic beats the runner-up by at
least ``min_confidence`` (cosine units); the rest are embedded and go to the nearest
centroid, exactly as ``assign_topics`` would do for all of them. Exact repeats of a
training text reuse that text's own nearest-centroid topic.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

import numpy as np
from scipy.linalg import cho_factor, cho_solve
from scipy.sparse import csr_matrix, hstack, vstack
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from dumbcontacts.analysis.topics.embeddings import Embedder, normalize_rows
from dumbcontacts.analysis.topics.fit import TopicFit, assign_topics

__all__ = [
    "PREDICT_CHUNK",
    "FastAssigner",
    "WordTable",
    "assign_fast",
    "fit_word_table",
    "predict_fast",
    "train_fast_assigner",
    "word_features",
]

_KERNEL_OFFSET = 0.5  # c in (x.y + c)^2
PREDICT_CHUNK = 2048  # texts per prediction step: a (chunk x max_train) float32 kernel block
_PRUNE_FROM = 2000  # training texts from which common n-grams are left out
_TOKEN = r"(?u)\b\w+\b"  # a word token: a run of letters, digits and underscores
_STATIC_DIMS = 128  # principal directions of the static vectors kept


@dataclass(frozen=True)
class WordTable:
    """A text's features added up from rows made once per whitespace-separated word.

    Word tokens, the static model's tokens and sklearn's ``char_wb`` n-grams never cross
    whitespace, so a text's counts of word n-grams are its words' own plus one bigram per
    pair of neighbouring words, and its summed token vectors and character n-gram counts are
    sums over its words. Counting the words of a text and adding up their rows is ~1.5x
    (word n-grams), ~5x (static) and ~8x (character n-grams) faster than working on every
    text (Banking77).
    """

    words: TfidfVectorizer  # fitted word 1-2-grams: vocabulary and idf
    static: Embedder | None
    chars: TfidfVectorizer | None  # without static: fitted char_wb 3-5-grams
    rows: dict[str, int]  # training word (as written) -> its row below
    edges: list[tuple[str, str] | None]  # its first and last token (None: it has none)
    grams: csr_matrix  # (words, word n-grams) counts of the n-grams inside each word
    vectors: np.ndarray | None  # (words, dimension) its summed token vectors (embed_words)
    ngrams: csr_matrix | None  # (words, character n-grams) its char_wb counts


@dataclass(frozen=True)
class FastAssigner:
    """Kernel ridge regression from contact text to its similarity with every topic centroid."""

    table: WordTable  # word n-grams, and static vectors or character n-grams
    basis: np.ndarray | None  # (static dimension, kept) directions the static vectors keep
    train: csr_matrix  # TF-IDF features of the training texts, one row each
    train_static: np.ndarray | None  # their static vectors
    coef: np.ndarray  # (training texts, topics) dual coefficients
    offset: np.ndarray  # (topics,) mean similarity, added back to every prediction
    topic_ids: np.ndarray  # (topics,) the topic of each score column (fit.centroid_ids)
    known: dict[str, tuple[int, float]]  # training text -> its topic and centroid similarity


def train_fast_assigner(
    texts: Sequence[str],
    vectors: np.ndarray,
    fit: TopicFit,
    *,
    static: Embedder | None = None,
    alpha: float = 0.05,
    max_train: int = 6000,
    seed: int = 0,
    hold_out: Collection[str] = (),
) -> FastAssigner:
    """Learn to predict ``assign_topics(fit, vector)`` scores from text.

    ``vectors`` are the sentence-model vectors of ``texts`` (the model the fit was made
    with). At most ``max_train`` distinct texts, a seeded sample, train the model (memory
    and time grow with its square and cube); all of them are remembered as exact repeats.
    Texts in ``hold_out`` are remembered but never trained on, so the model can be measured
    on them (``fast_margin``).
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    if len(texts) != len(vectors):
        raise ValueError(f"{len(texts)} texts but {len(vectors)} vectors")
    topics, similarity = assign_topics(fit, vectors)
    first_at: dict[str, int] = {}  # a repeated text counts once, with its first vector
    for i, text in enumerate(texts):
        first_at.setdefault(text, i)
    known = {t: (int(topics[i]), float(similarity[i])) for t, i in first_at.items()}
    trained = (i for t, i in first_at.items() if t not in hold_out)
    first = np.fromiter(trained, dtype=int)
    if len(first) == 0:
        raise ValueError("no texts to learn from")
    if len(first) > max_train:
        first = np.sort(np.random.default_rng(seed).choice(first, max_train, replace=False))
    train = [texts[i] for i in first.tolist()]
    # N-grams in over 10 % of texts say little about the topic, and leaving them out makes the
    # text-by-training-text product sparse: prediction 2-3x faster at equal agreement
    # (Banking77). Small sets keep them: there "10 %" is a handful of texts.
    max_df = 0.1 if len(train) >= _PRUNE_FROM else 1.0
    table = fit_word_table(train, static, max_df=max_df)
    words, part = word_features(table, train)
    basis = None if static is None else _principal_directions(part)
    features, train_static = _weigh_parts(table, basis, words, part)
    unit = vectors[first] / np.maximum(np.linalg.norm(vectors[first], axis=1, keepdims=True), 1e-12)
    targets = unit.astype(np.float64) @ fit.centroids.T.astype(np.float64)
    offset = targets.mean(axis=0) if len(targets) else np.zeros(0)
    kernel = _kernel(features, train_static, features, train_static).astype(np.float64)
    kernel[np.diag_indices_from(kernel)] += alpha
    coef = cho_solve(cho_factor(kernel, overwrite_a=True), targets - offset)
    return FastAssigner(
        table, basis, features, train_static, coef.astype(np.float32),
        offset.astype(np.float32), fit.centroid_ids.copy(), known,
    )  # fmt: skip


def predict_fast(
    assigner: FastAssigner, texts: Sequence[str], threads: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The model's topic for each text and its predicted margin over the runner-up.

    The margin is 1.0 when there is no runner-up (a single topic), and 0.0 for a text that
    shares no n-gram with any training text and has no static vector (the model knows
    nothing). Chunks of ``PREDICT_CHUNK`` texts are scored on ``threads`` threads (None: one
    per core), each with a one-thread BLAS: a text's scores do not depend on the count.
    """
    n, k = len(texts), len(assigner.topic_ids)
    if k == 0:  # no topics: every text is an outlier, as assign_topics says
        return np.full(n, -1, dtype=int), np.ones(n, dtype=np.float32)
    ids, margin = np.zeros(n, dtype=int), np.zeros(n, dtype=np.float32)
    starts = range(0, n, PREDICT_CHUNK)
    chunks = (list(texts[start : start + PREDICT_CHUNK]) for start in starts)
    with (
        threadpool_limits(1, user_api="blas"),
        ThreadPoolExecutor(threads or os.cpu_count() or 1) as pool,
    ):  # fmt: skip
        for start, (chunk_ids, gap) in zip(
            starts, pool.map(partial(_predict_chunk, assigner), chunks), strict=True
        ):
            ids[start : start + len(gap)], margin[start : start + len(gap)] = chunk_ids, gap
    return ids, margin


def _predict_chunk(assigner: FastAssigner, chunk: list[str]) -> tuple[np.ndarray, np.ndarray]:
    k = len(assigner.topic_ids)
    features, static = _weigh_parts(
        assigner.table, assigner.basis, *word_features(assigner.table, chunk)
    )
    kernel = _kernel(features, static, assigner.train, assigner.train_static)
    scores = kernel @ assigner.coef + assigner.offset
    ids = assigner.topic_ids[np.argmax(scores, axis=1)]
    if k == 1:
        return ids, np.ones(len(chunk), dtype=np.float32)
    top_two = np.partition(scores, k - 2, axis=1)[:, -2:]
    gap = top_two.max(axis=1) - top_two.min(axis=1)
    known = features.getnnz(axis=1) > 0
    if static is not None:  # its word pieces know words no training text has
        known |= static.any(axis=1)
    gap[~known] = 0.0
    return ids, gap


def assign_fast(
    assigner: FastAssigner,
    texts: Sequence[str],
    embed_fallback: Callable[[list[str]], np.ndarray],
    fit: TopicFit,
    min_confidence: float,
    predict: Callable[[FastAssigner, Sequence[str]], tuple[np.ndarray, np.ndarray]] = predict_fast,
    min_similarity: float | None = None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Topic ids, confidence and how many texts fell back to embedding + nearest centroid.

    Confidence is the model's predicted margin where it decided, and the centroid cosine
    similarity (as ``assign_topics`` gives) where the text fell back or repeats a training
    text. ``embed_fallback`` is called once, with only the unsure texts, and not at all when
    there are none. ``predict`` is ``predict_fast`` or one that runs it elsewhere
    (``dumbcontacts.analysis.topics.cluster``). A fall-back less than ``min_similarity``
    alike to every centroid has no topic (-1), as ``assign_topics`` says.
    """
    n = len(texts)
    ids, confidence = np.zeros(n, dtype=int), np.zeros(n, dtype=np.float32)
    repeat = np.array([t in assigner.known for t in texts], dtype=bool)
    for i in np.flatnonzero(repeat).tolist():
        ids[i], confidence[i] = assigner.known[texts[i]]
    new = np.flatnonzero(~repeat)
    # Each distinct text is predicted once: contact logs repeat themselves (half the texts
    # of a million generated contacts are repeats).
    slot_of: dict[str, int] = {}
    slots = np.array([slot_of.setdefault(texts[i], len(slot_of)) for i in new.tolist()], int)
    distinct_ids, distinct_confidence = predict(assigner, list(slot_of))
    ids[new], confidence[new] = distinct_ids[slots], distinct_confidence[slots]
    unsure = new[confidence[new] < min_confidence]
    if len(unsure):
        vectors = embed_fallback([texts[i] for i in unsure.tolist()])
        ids[unsure], confidence[unsure] = assign_topics(fit, vectors, min_similarity)
    return ids, confidence, int(len(unsure))


def fit_word_table(
    texts: Sequence[str], static: Embedder | None = None, *, max_df: float = 1.0
) -> WordTable:
    """Word 1-2-gram TF-IDF of ``texts`` (sublinear tf), and static vectors or characters.

    With a static model that has ``embed_words`` (as ``StaticEmbedder`` does) its vectors
    are summed from words; other embedders embed each text. Without one, character 3-5-gram
    TF-IDF (fitted on ``texts`` too) stands in.
    """
    words = TfidfVectorizer(
        ngram_range=(1, 2), sublinear_tf=True, token_pattern=_TOKEN, max_df=max_df,
        dtype=np.float32,
    ).fit(texts)  # fmt: skip
    chars = None
    if static is None:
        chars = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, max_df=max_df
        ).fit(texts)
    rows = dict.fromkeys(word for text in texts for word in text.split())
    rows = {word: i for i, word in enumerate(rows)}
    return WordTable(words, static, chars, rows, *_word_rows(words, static, chars, list(rows)))


def word_features(
    table: WordTable, texts: Sequence[str]
) -> tuple[csr_matrix, csr_matrix | np.ndarray]:
    """Word TF-IDF and static vectors (or character TF-IDF), as sklearn and the model give them."""
    unseen = dict.fromkeys(w for text in texts for w in text.split() if w not in table.rows)
    edges, grams, vectors, ngrams = _word_rows(table.words, table.static, table.chars, [*unseen])
    rows = table.rows | {word: len(table.rows) + i for i, word in enumerate(unseen)}
    edges = table.edges + edges
    bigrams = table.words.vocabulary_
    columns, ends, across, across_ends = [], [0], [], [0]
    for text in texts:
        last = None  # the last token so far: words without tokens are bridged, as in sklearn
        for word in text.split():
            row = rows[word]
            columns.append(row)
            if (edge := edges[row]) is not None:
                if last is not None and (column := bigrams.get(f"{last} {edge[0]}")) is not None:
                    across.append(column)
                last = edge[1]
        ends.append(len(columns))
        across_ends.append(len(across))
    counts = _count_matrix(columns, ends, len(rows))
    word_grams = counts @ vstack([table.grams, grams], format="csr")
    word_grams += _count_matrix(across, across_ends, len(bigrams))
    words = _tfidf(word_grams, table.words)
    if table.chars is not None:
        return words, _tfidf(counts @ vstack([table.ngrams, ngrams], format="csr"), table.chars)
    if table.vectors is None:  # a static model without embed_words
        return words, np.asarray(table.static.embed(list(texts)), dtype=np.float32)
    return words, normalize_rows(counts @ np.vstack([table.vectors, vectors]))


def _word_rows(
    words: TfidfVectorizer, static: Embedder | None, chars: TfidfVectorizer | None, new: list[str]
) -> tuple[list, csr_matrix, np.ndarray | None, csr_matrix | None]:
    """Each new word's first and last token, own word n-grams, and static token vectors (if
    the model gives them) or character n-grams."""
    tokenize = words.build_tokenizer()
    edges = [(t[0], t[-1]) if (t := tokenize(word.lower())) else None for word in new]
    grams = CountVectorizer(
        ngram_range=words.ngram_range, token_pattern=_TOKEN, vocabulary=words.vocabulary_,
        dtype=np.float32,
    ).transform(new)  # fmt: skip
    if chars is not None:
        ngrams = CountVectorizer(
            analyzer="char_wb", ngram_range=chars.ngram_range, vocabulary=chars.vocabulary_,
            dtype=np.float32,
        ).transform(new)  # fmt: skip
        return edges, grams, None, ngrams
    embed_words = getattr(static, "embed_words", None)
    return edges, grams, (None if embed_words is None else embed_words(new)), None


def _count_matrix(columns: list[int], ends: list[int], width: int) -> csr_matrix:
    ones = np.ones(len(columns), dtype=np.float32)
    return csr_matrix((ones, columns, ends), shape=(len(ends) - 1, width))


def _tfidf(counts: csr_matrix, vectorizer: TfidfVectorizer) -> csr_matrix:
    """What ``TfidfTransformer`` makes of counts: sublinear tf, idf, unit length."""
    counts.data = np.log(counts.data) + 1
    return normalize(counts.multiply(vectorizer.idf_.astype(np.float32)[np.newaxis, :]).tocsr())


def _principal_directions(vectors: np.ndarray, dims: int = _STATIC_DIMS) -> np.ndarray | None:
    """The ``dims`` directions the rows vary most along, or None if they have no more.

    The static vectors of the training texts kept along their 128 main directions (of
    256) agree as often, and halve the dense part of the kernel (Banking77).
    """
    if vectors.shape[1] <= dims:
        return None
    return np.linalg.svd(vectors - vectors.mean(axis=0), full_matrices=False)[2][:dims].T


def _weigh_parts(
    table: WordTable, basis: np.ndarray | None, words: csr_matrix, part: csr_matrix | np.ndarray
) -> tuple[csr_matrix, np.ndarray | None]:
    """Word TF-IDF and the table's part, each of unit length, weighted so that x.y is at most 1.

    The static vectors weigh twice the words: on Banking77 that needs ~0.2 points less
    fallback for equal agreement than equal weights, and character n-grams on top add
    nothing while costing a third of prediction time. Without a static model the character
    n-grams weigh as much as the words (worth ~1.5 points of agreement on Banking77).
    """
    if table.static is None:
        return (hstack([words, part]) * np.float32(np.sqrt(1 / 2))).tocsr(), None
    if basis is not None:
        part = normalize_rows(part @ basis)
    return words * np.float32(np.sqrt(1 / 3)), part * np.float32(np.sqrt(2 / 3))


def _kernel(left, left_static, right, right_static) -> np.ndarray:
    """(x.y + c)^2 between two sets of texts: their mean cosine over parts, plus c, squared."""
    kernel = (left @ right.T).toarray()
    if left_static is not None:
        kernel += left_static @ right_static.T
    kernel += _KERNEL_OFFSET
    return np.square(kernel, out=kernel)
