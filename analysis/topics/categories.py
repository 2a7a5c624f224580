"""Categories: topics rolled up by what their contacts say beyond what every contact says.

Each topic is its contacts' mean vector less the mean of all the contacts clustered with it.
What every contact shares ("I am writing about my account" in complaint letters, "can you"
in short requests) would otherwise set how alike topics look: a median topic is 0.86
cosine-alike to its nearest in the letters, 0.54 in short requests (0.30 and 0.42 centred),
so no one similarity could hold on both. Topics then join by average linkage (UPGMA) while
the two groups are on average at least ``similarity`` cosine-alike. Modularity on the
topics' summed graph links instead merges too much on sets it was not tuned on (2 categories
for the complaint letters' 12 products, 7 for CLINC150's 11 domains; see
benchmarks/topic_panel.py). Deterministic: no seed, and the topics come in a canonical order
(by size).
"""

from __future__ import annotations

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

from dumbcontacts.analysis.topics.communities import renumber_by_first_appearance

__all__ = ["find_categories"]


def find_categories(vectors: np.ndarray, topic_ids: np.ndarray, similarity: float) -> np.ndarray:
    """A category id per topic ``0..topic_ids.max()`` (contacts with ``topic_ids`` < 0 are
    left out), numbered in order of the topics' first appearance."""
    kept = topic_ids >= 0
    n_topics = int(topic_ids[kept].max()) + 1 if kept.any() else 0
    if n_topics < 2:
        return np.zeros(n_topics, dtype=int)
    centred = vectors[kept] - vectors[kept].mean(axis=0)
    sums = np.zeros((n_topics, vectors.shape[1]))
    np.add.at(sums, topic_ids[kept], centred)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    centroids = sums / np.where(norms == 0, 1, norms)
    distance = np.clip(1.0 - centroids @ centroids.T, 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="average")
    labels = fcluster(tree, t=1.0 - similarity, criterion="distance")
    return renumber_by_first_appearance(labels)  # in order of each category's first topic
