"""Topic fitting and assignment on seeded fake embeddings: gaussian blobs with matching texts.

No sentence model is loaded.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from dumbcontacts.analysis.topics import fit as topics_fit
from dumbcontacts.analysis.topics.communities import _nearest
from dumbcontacts.analysis.topics.evaluate import evaluate_labels
from dumbcontacts.analysis.topics.fit import (
    OTHER_LANGUAGES,
    TopicSettings,
    assign_topics,
    class_keywords,
    fit_topics,
    merge_topics,
    reassign_outliers,
)

DIM = 32
REASONS = [
    ("refund", "hi my refund never arrived please help [EMAIL]", "where is my refund money"),
    ("parcel", "hello my parcel is late thanks", "parcel tracking shows no update [PHONE]"),
    ("password", "cannot reset my password", "password reset link expired please"),
    ("invoice", "wrong amount on my invoice", "invoice charged twice this month"),
]


def make_blobs(seed: int = 0, per_blob: int = 40, spread: float = 0.08):
    """Texts, unit vectors and true labels: one tight blob per reason around an axis."""
    rng = np.random.default_rng(seed)
    centres = np.eye(len(REASONS), DIM)
    texts, vectors, labels = [], [], []
    for label, (_, *phrasings) in enumerate(REASONS):
        for i in range(per_blob):
            texts.append(f"{phrasings[i % len(phrasings)]} {i}")
            vectors.append(centres[label] + rng.normal(0, spread, DIM))
            labels.append(label)
    vectors = np.asarray(vectors, dtype=np.float32)
    return texts, vectors / np.linalg.norm(vectors, axis=1, keepdims=True), np.array(labels)


@pytest.fixture(scope="module")
def blobs():
    return make_blobs()


@pytest.fixture(scope="module")
def fitted(blobs):
    texts, vectors, _ = blobs
    return fit_topics(texts, vectors, TopicSettings(seed=7))


def test_blobs_are_recovered(blobs, fitted):
    scores = evaluate_labels(blobs[2], fitted.topic_ids)
    assert scores["nmi"] >= 0.9
    assert scores["n_topics"] == len(REASONS)


def test_same_seed_gives_identical_topics(blobs, fitted):
    texts, vectors, _ = blobs
    again = fit_topics(texts, vectors, TopicSettings(seed=7))
    np.testing.assert_array_equal(again.topic_ids, fitted.topic_ids)
    assert again.topics == fitted.topics
    np.testing.assert_allclose(again.centroids, fitted.centroids)


def test_topics_are_described_largest_first(blobs, fitted):
    sizes = [t["size"] for t in fitted.topics]
    assert sizes == sorted(sizes, reverse=True)
    assert sum(sizes) == len(blobs[0])
    assert [t["topic_id"] for t in fitted.topics] == list(range(len(fitted.topics)))
    assert fitted.centroids.shape == (len(fitted.topics), DIM)
    np.testing.assert_allclose(np.linalg.norm(fitted.centroids, axis=1), 1.0, rtol=1e-5)


def test_keywords_name_the_reason_not_the_small_talk(blobs, fitted):
    labels = blobs[2]
    for topic in fitted.topics:
        members = labels[fitted.topic_ids == topic["topic_id"]]
        reason = REASONS[np.bincount(members).argmax()][0]
        assert reason in topic["keywords"]
        assert reason in topic["label"]
        small_talk = {"hi", "hello", "please", "thanks", "email", "phone"}
        assert not small_talk & {w for k in topic["keywords"] for w in k.split()}


def test_keywords_never_pair_the_end_of_one_reason_with_the_start_of_the_next():
    texts = ["Billing", "Billing", "Billing issues", "Slow speed", "speed", "Slow speed"]
    words = class_keywords(texts, np.array([0, 0, 0, 1, 1, 1]), np.array([0, 1]), TopicSettings())
    assert sorted(words[0]) == ["billing", "billing issues", "issues"]
    assert "speed slow" not in words[1] and "speed speed" not in words[1]


def test_words_that_name_what_a_contact_is_about_are_keywords():
    # scikit-learn's English stop words hold "bill", "call" and "top".
    texts = ["wrong bill again", "my bill is wrong", "cannot top up", "top up failed"]
    texts += ["nobody returns my call", "call dropped"]
    words = class_keywords(texts, np.array([0, 0, 1, 1, 2, 2]), np.arange(3), TopicSettings())
    assert "bill" in words[0] and "top" in words[1] and "call" in words[2]


def test_outliers_are_reassigned_to_the_nearest_topic(blobs):
    texts, vectors, labels = blobs
    rng = np.random.default_rng(3)
    # Stragglers between blob 0 and the empty space: too few to form a topic of their own.
    stray = np.eye(len(REASONS), DIM)[0] * 0.6 + rng.normal(0, 0.3, (6, DIM))
    stray /= np.linalg.norm(stray, axis=1, keepdims=True)
    fit = fit_topics(
        [*texts, *["refund question"] * 6], np.vstack([vectors, stray]), TopicSettings(seed=7)
    )
    assert (fit.topic_ids >= 0).all()
    assert len(fit.topics) == len(REASONS)


def test_a_few_queries_unlike_every_topic_have_none(blobs):
    texts, vectors, _ = blobs
    # Six queries on an axis no blob uses: too few to form a topic, alike to none.
    odd = np.zeros((6, DIM))
    odd[:, DIM - 1] = 1.0
    odd += np.random.default_rng(4).normal(0, 0.05, odd.shape)
    odd /= np.linalg.norm(odd, axis=1, keepdims=True)
    fit = fit_topics(
        [*texts, *[f"odd {k}" for k in range(6)]],
        np.vstack([vectors, odd]),
        TopicSettings(min_cluster_floor=10),
    )
    assert (fit.topic_ids[-6:] == -1).all() and (fit.topic_ids[:-6] >= 0).all()
    # New contacts follow the same rule; without it they join the nearest topic.
    assert (assign_topics(fit, odd, 0.4)[0] == -1).all()
    assert (assign_topics(fit, odd)[0] >= 0).all()
    assert (assign_topics(fit, vectors[:5], 0.4)[0] >= 0).all()


def test_fit_sets_no_global_warning_filters(blobs):
    texts, vectors, _ = blobs
    before = list(warnings.filters)
    fit_topics(texts[:80], vectors[:80], TopicSettings(seed=1))
    assert list(warnings.filters) == before


def test_new_points_from_a_blob_are_assigned_its_topic(blobs, fitted):
    _, _, labels = blobs
    new_texts, new_vectors, new_labels = make_blobs(seed=99, per_blob=10)
    topic_of_blob = {
        label: np.bincount(fitted.topic_ids[labels == label]).argmax() for label in set(labels)
    }
    ids, confidence = assign_topics(fitted, new_vectors)
    assert ids.tolist() == [topic_of_blob[label] for label in new_labels]
    assert ((confidence > 0.8) & (confidence <= 1.0)).all()


def test_assign_topics_without_topics_gives_outliers(fitted):
    empty = type(fitted)(np.array([], int), [], np.zeros((0, DIM)))
    ids, confidence = assign_topics(empty, np.ones((3, DIM)))
    assert ids.tolist() == [-1, -1, -1]
    assert confidence.tolist() == [0, 0, 0]


@pytest.mark.parametrize(
    ("n_texts", "n_vectors", "message"),
    [(3, 2, "3 texts but 2 embeddings"), (1, 1, "need at least 2 texts, got 1")],
)
def test_fit_rejects_bad_input(n_texts, n_vectors, message):
    with pytest.raises(ValueError, match=message):
        fit_topics(["refund"] * n_texts, np.ones((n_vectors, DIM)))


def test_fit_rejects_languages_of_another_length(blobs):
    texts, vectors, _ = blobs
    with pytest.raises(ValueError, match="160 texts but 3 languages"):
        fit_topics(texts, vectors, languages=["en"] * 3)


def test_noise_without_structure_is_one_topic_not_many():
    noise = np.random.default_rng(5).normal(size=(30, DIM)).astype(np.float32)
    fit = fit_topics([f"message {i}" for i in range(30)], noise, TopicSettings(seed=7))
    assert len(fit.topics) == 1
    assert (fit.topic_ids == 0).all()


def test_the_order_of_the_contacts_does_not_move_a_topic(blobs, fitted):
    texts, vectors, _ = blobs
    order = np.random.default_rng(4).permutation(len(texts))
    shuffled = fit_topics([texts[i] for i in order], vectors[order], TopicSettings(seed=7))
    back = np.empty_like(shuffled.topic_ids)
    back[order] = shuffled.topic_ids
    np.testing.assert_array_equal(back, fitted.topic_ids)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_seed_does_not_move_a_topic(blobs, fitted, seed):
    texts, vectors, _ = blobs
    again = fit_topics(texts, vectors, TopicSettings(seed=seed))
    np.testing.assert_array_equal(again.topic_ids, fitted.topic_ids)


def test_copies_of_one_template_do_not_swallow_the_other_reasons(blobs):
    texts, vectors, labels = blobs
    # More contacts than all four reasons together: 10 near-identical variants, 24 copies each.
    rng = np.random.default_rng(6)
    variants = np.eye(1, DIM, DIM - 1) + rng.normal(0, 0.01, (10, DIM))
    variants /= np.linalg.norm(variants, axis=1, keepdims=True)
    fit = fit_topics(
        [*texts, *[f"your order {i % 10} has shipped" for i in range(240)]],
        np.vstack([vectors, variants[np.arange(240) % 10]]),
        TopicSettings(seed=7),
    )
    assert len(fit.topics) == len(REASONS) + 1
    assert evaluate_labels(labels, fit.topic_ids[: len(texts)])["ari"] == 1.0


def test_a_common_reason_in_two_phrasings_is_two_topics(blobs):
    texts, vectors, labels = blobs
    # One reason is three quarters of the contacts, in two phrasings apart.
    rng = np.random.default_rng(8)
    near = np.eye(1, DIM, DIM - 1)[0] + 0.7 * np.eye(1, DIM, DIM - 2)[0]
    far = np.eye(1, DIM, DIM - 1)[0] - 0.7 * np.eye(1, DIM, DIM - 2)[0]
    big = np.vstack([near + rng.normal(0, 0.05, (240, DIM)), far + rng.normal(0, 0.05, (240, DIM))])
    big /= np.linalg.norm(big, axis=1, keepdims=True)
    all_vectors = np.vstack([vectors, big])
    all_texts = [*texts, *[f"delivery late {i}" for i in range(480)]]
    split = fit_topics(all_texts, all_vectors, TopicSettings(seed=7, max_topic_share=0.4))
    assert len(split.topics) == len(REASONS) + 2
    assert sorted(t["size"] for t in split.topics) == [40] * 4 + [240] * 2


def test_bare_phrases_join_the_sentences_that_use_their_words(blobs, monkeypatch):
    texts, vectors, labels = blobs
    # "Password" said bare, twelve ways by 24 contacts: the sentence model reads these apart
    # from the sentences about passwords (near an axis of their own, 0.5 alike to theirs).
    said = ["Password", "Passwords", "password issue", "password issues", "password problem"]
    said += ["password problems", "password trouble", "password question", "the password"]
    said += ["password complaint", "Password!", "password?"]
    phrases = said * 2
    rng = np.random.default_rng(9)
    thin = 0.5 * np.eye(1, DIM, 2)[0] + 0.87 * np.eye(1, DIM, DIM - 1)[0]
    bare = thin + rng.normal(0, 0.05, (len(phrases), DIM))
    bare /= np.linalg.norm(bare, axis=1, keepdims=True)
    all_texts, all_vectors = [*texts, *phrases], np.vstack([vectors, bare])
    fit = fit_topics(all_texts, all_vectors, TopicSettings(seed=7))
    password = fit.topic_ids[: len(texts)][labels == 2]
    assert len(fit.topics) == len(REASONS)
    assert (fit.topic_ids[len(texts) :] == password[0]).all() and (password == password[0]).all()
    # Read as they are, the phrases are a topic of their own.
    monkeypatch.setattr(topics_fit, "in_context", lambda texts, nodes, *args: nodes)
    apart = fit_topics(all_texts, all_vectors, TopicSettings(seed=7))
    assert len(apart.topics) == len(REASONS) + 1


def test_each_language_is_clustered_apart_and_rare_ones_are_one_group(blobs):
    texts, vectors, labels = blobs
    # The same four reasons in French (same vectors, as a multilingual model would give).
    languages = ["en"] * len(texts) + ["fr"] * len(texts) + ["de"] * 12
    fit = fit_topics(
        [*texts, *[f"fr {t}" for t in texts], *[f"de {i}" for i in range(12)]],
        np.vstack([vectors, vectors, vectors[:12]]),
        TopicSettings(seed=7),
        languages=languages,
    )
    assert (fit.topic_ids[-12:] == OTHER_LANGUAGES).all()
    assert sorted(t["language"] for t in fit.topics) == ["en"] * 4 + ["fr"] * 4
    for topic in fit.topics:
        members = np.array(languages)[fit.topic_ids == topic["topic_id"]]
        assert set(members) == {topic["language"]}
    scores = evaluate_labels([*labels, *(labels + 10), *[99] * 12], fit.topic_ids)
    assert scores["ari"] == 1.0


def test_texts_of_undetermined_language_are_clustered_with_the_most_common_one(blobs):
    texts, vectors, labels = blobs
    # Every third text too short to tell its language: they are the same four reasons.
    languages = [None if i % 3 == 0 else "en" for i in range(len(texts))]
    fit = fit_topics(texts, vectors, TopicSettings(seed=7), languages=languages)
    assert [t["language"] for t in fit.topics] == ["en"] * len(REASONS)
    assert evaluate_labels(labels, fit.topic_ids)["ari"] == 1.0


def test_topics_roll_up_into_categories(blobs):
    # Two pairs of reasons: within a pair the blobs are close, the pairs are far apart.
    rng = np.random.default_rng(2)
    axes = np.eye(DIM)
    centres = [axes[0], axes[0] + 0.9 * axes[1], axes[5], axes[5] + 0.9 * axes[6]]
    vectors = np.vstack([c + rng.normal(0, 0.05, (50, DIM)) for c in centres])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    words = ["refund late", "refund wrong amount", "password reset", "password locked"]
    texts = [f"{words[i // 50]} {i}" for i in range(200)]
    # 60 neighbours for 50 contacts a reason: each reason reaches into its pair's.
    fit = fit_topics(texts, vectors, TopicSettings(seed=7, n_neighbors=60, merge_similarity=None))
    assert len(fit.topics) == 4
    assert len(fit.categories) == 2
    categories = fit.category_ids
    assert len(set(categories[:100])) == 1 and len(set(categories[100:])) == 1
    assert categories[0] != categories[100]
    assert {c["size"] for c in fit.categories} == {100}
    assert {c["label"].split(" / ")[0] for c in fit.categories} == {"refund", "password"}


AXES = np.eye(3, dtype=np.float32)
NEAR_X = np.array([[0.9, 0.1, 0]], dtype=np.float32) / np.hypot(0.9, 0.1)


@pytest.mark.parametrize(
    ("vectors", "topic_ids", "similarity", "expected"),
    [
        (np.vstack([AXES[:2], NEAR_X]), [0, 1, -1], 0.0, [0, 1, 0]),
        (np.vstack([AXES[:2], AXES[2:]]), [0, 1, -1], 0.5, [0, 1, -1]),  # too far from all
        (np.vstack([AXES[:2], AXES[2:]]), [0, 1, -1], 0.0, [0, 1, 0]),  # tie: first topic
        (AXES[:2], [0, 1], 0.0, [0, 1]),  # nothing to move
        (AXES[:2], [-1, -1], 0.0, [-1, -1]),  # no topic to move to
    ],
)
def test_reassign_outliers(vectors, topic_ids, similarity, expected):
    out = reassign_outliers(vectors, np.array(topic_ids), similarity)
    assert out.tolist() == expected


@pytest.mark.parametrize(
    ("vectors", "topic_ids", "similarity", "groups"),
    [
        (np.vstack([AXES[:1], NEAR_X, AXES[1:2]]), [0, 1, 2], 0.9, [[0, 1], [2]]),
        (np.vstack([AXES[:1], NEAR_X, AXES[1:2]]), [0, 1, 2], 0.999, [[0], [1], [2]]),
        (np.vstack([AXES[:1], NEAR_X, AXES[1:2]]), [0, 1, -1], 0.9, [[0, 1], [2]]),
        (AXES[:2], [0, 0], 0.5, [[0, 1]]),  # one topic: nothing to merge
    ],
)
def test_merge_topics(vectors, topic_ids, similarity, groups):
    out = merge_topics(vectors, np.array(topic_ids), similarity)
    for group in groups:
        assert len({out[i] for i in group}) == 1
    assert len({out[group[0]] for group in groups}) == len(groups)
    assert (out[np.array(topic_ids) == -1] == -1).all()


def test_merge_topics_makes_no_topic_bigger_than_allowed_unless_one_reason():
    vectors = np.vstack([AXES[:1], AXES[:1], NEAR_X, AXES[1:2]])
    capped = merge_topics(vectors, np.array([0, 0, 1, 2]), 0.9, max_size=2, same_reason=0.999)
    assert capped.tolist() == [0, 0, 1, 2]  # 0 and 1 are alike, but together they would be 3
    same = merge_topics(vectors, np.array([0, 0, 1, 2]), 0.9, max_size=2, same_reason=0.98)
    assert same.tolist() == [0, 0, 0, 2]  # as alike as one reason: merged whatever the size


@pytest.mark.parametrize("k", [3, 7, 10])
def test_nearest_neighbours_are_those_of_a_stable_sort_ties_included(k):
    # Seven copies of each of 40 vectors: every row has ties at its k-th neighbour.
    rng = np.random.default_rng(0)
    vectors = np.repeat(rng.normal(size=(40, 8)), 7, axis=0)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = np.vstack([vectors, rng.normal(size=(30, 8))])  # and rows without ties
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    expected = []
    for start in range(0, len(vectors), 64):  # the same products, so the same roundings
        sims = vectors[start : start + 64] @ vectors.T
        sims[np.arange(len(sims)), start + np.arange(len(sims))] = -np.inf
        expected.extend(np.argsort(-sims, axis=1, kind="stable")[:, :k].tolist())
    found = _nearest(vectors, k, block=64)
    assert [set(row) for row in found.tolist()] == [set(row) for row in expected]
