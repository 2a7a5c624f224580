"""Categories of topics: average linkage on topic centroids less the mean of all contacts."""

from __future__ import annotations

import numpy as np
import pytest

from dumbcontacts.analysis.topics.categories import find_categories


def letters(spread: float = 0.02, per_topic: int = 20, seed: int = 0):
    """Four topics that share one strong direction, as long letters share their salutations:
    every two topics' centroids are over 0.85 cosine-alike, yet topics 0 and 1 differ from
    the common direction the same way (axis 1), as do 2 and 3 (axis 2)."""
    rng = np.random.default_rng(seed)
    axes = np.eye(8)
    centres = [
        3 * axes[0] + axes[1] + 0.5 * axes[3],
        3 * axes[0] + axes[1] + 0.5 * axes[4],
        3 * axes[0] + axes[2] + 0.5 * axes[5],
        3 * axes[0] + axes[2] + 0.5 * axes[6],
    ]
    vectors = np.vstack([c + rng.normal(0, spread, (per_topic, 8)) for c in centres])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors, np.repeat(np.arange(4), per_topic)


def test_topics_join_on_what_sets_them_apart_from_all_contacts():
    vectors, topic_ids = letters()
    centroids = np.stack([vectors[topic_ids == t].mean(axis=0) for t in range(4)])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    assert (centroids @ centroids.T).min() > 0.85  # raw cosine: every topic alike
    assert find_categories(vectors, topic_ids, 0.3).tolist() == [0, 0, 1, 1]


@pytest.mark.parametrize(
    ("similarity", "expected"),
    [
        (0.9, [0, 1, 2, 3]),  # centred, topics 0 and 1 are about 0.6 alike: not enough
        (0.5, [0, 0, 1, 1]),
        (-1.0, [0, 0, 0, 0]),  # any two groups join
    ],
)
def test_similarity_sets_the_granularity(similarity, expected):
    vectors, topic_ids = letters()
    assert find_categories(vectors, topic_ids, similarity).tolist() == expected


def test_contacts_without_a_topic_are_left_out():
    vectors, topic_ids = letters()
    # The unassigned contacts sit on topic 2's side: counted, they would move the mean.
    with_outliers = np.concatenate([topic_ids, [-1] * 40])
    more = np.vstack([vectors, np.tile(vectors[topic_ids == 2][:1], (40, 1))])
    assert find_categories(more, with_outliers, 0.3).tolist() == [0, 0, 1, 1]


@pytest.mark.parametrize(
    ("topic_ids", "expected"),
    [([0, 0, 0], [0]), ([-1, -1, -1], []), ([0, -1, 0], [0])],
)
def test_one_topic_or_none(topic_ids, expected):
    vectors = np.eye(3)
    assert find_categories(vectors, np.array(topic_ids), 0.3).tolist() == expected
