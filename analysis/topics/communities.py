"""Topics as communities of a shared-nearest-neighbour graph: deterministic and order-free.

Each distinct reason is a node; two reasons are linked by how many nearest neighbours they
share (Jaccard), so a link means "the same neighbourhood", not "one close pair". Leiden
splits that graph into communities without being told how many there are, as single-cell
biology does with cells. What makes it hold on data it has never seen:

- the objective is the constant Potts model: a community is a set of reasons whose links
  are denser than ``resolution`` (Traag et al. 2011). Its scale is a density, not a share of
  the whole graph, so a reason of 30 contacts is found among 5,000 as among 50,000 (at
  modularity's resolution limit, CLINC150's 150 intents came out as 96 topics);
- the graph is built on the reasons in a canonical order (sorted), so the order contacts
  arrive in cannot move topics, and float noise in the vectors only matters at exact ties;
- several Leiden runs with different seeds vote, and a final run on the links they agree on
  decides (consensus clustering, Lancichinetti and Fortunato 2012), so a split is a property
  of the data and not of a seed;
- a community holding more than ``max_share`` of the contacts is clustered again on its own,
  at its own density, when it has internal structure: a split whose every part keeps more
  of its links inside than it sends out (a community in the weak sense of Radicchi et al.
  2004) and whose parts' centroids are less alike than ``distinct_below`` (the merge rule:
  two phrasings of one reason are not two topics). So a few near-identical templates or
  one dominant subject cannot swallow the rest, while a reason that is simply common stays
  whole.

The upper level, categories of topics, is ``topics.categories``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

__all__ = ["Graph", "build_graph", "find_communities", "renumber_by_first_appearance"]


@dataclass(frozen=True)
class Graph:
    """An undirected weighted graph: edges ``(source[i], target[i])`` with ``weight[i]``."""

    n_nodes: int
    source: np.ndarray
    target: np.ndarray
    weight: np.ndarray

    def subgraph(self, nodes: np.ndarray) -> Graph:
        """The graph induced by ``nodes`` (sorted), renumbered 0..len(nodes)-1."""
        index = np.full(self.n_nodes, -1)
        index[nodes] = np.arange(len(nodes))
        keep = (index[self.source] >= 0) & (index[self.target] >= 0)
        return Graph(
            len(nodes), index[self.source[keep]], index[self.target[keep]], self.weight[keep]
        )


def build_graph(vectors: np.ndarray, n_neighbors: int, *, min_jaccard: float = 1 / 15) -> Graph:
    """The shared-nearest-neighbour graph of unit ``vectors`` (cosine), exact neighbours."""
    n = len(vectors)
    k = max(1, min(n_neighbors, n - 1))
    neighbours = _nearest(vectors, k)
    rows = np.repeat(np.arange(n), k)
    member = sp.csr_matrix((np.ones(n * k), (rows, neighbours.ravel())), shape=(n, n))
    member = member + sp.identity(n, format="csr")  # a node is in its own neighbourhood
    shared = (member @ member.T).tocoo()
    jaccard = shared.data / (2 * (k + 1) - shared.data)
    keep = (shared.row < shared.col) & (jaccard >= min_jaccard)
    return Graph(n, shared.row[keep], shared.col[keep], jaccard[keep])


def find_communities(
    graph: Graph,
    weights: np.ndarray,
    vectors: np.ndarray,
    *,
    resolution: float,
    seed: int,
    runs: int,
    max_share: float,
    min_size: int,
    distinct_below: float,
) -> np.ndarray:
    """A community id per node; ``weights`` (contacts per node) decide shares and sizes,
    ``vectors`` (unit, one per node) whether the parts of a split are distinct."""
    labels = _consensus(graph, resolution, seed, runs)
    total = float(weights.sum())
    queue = list(range(labels.max() + 1)) if len(labels) else []
    while queue:
        community = queue.pop()
        nodes = np.flatnonzero(labels == community)
        if weights[nodes].sum() <= max_share * total or len(nodes) < 2 * min_size:
            continue
        sub = graph.subgraph(nodes)
        # Parts denser than the community as a whole: at its own density, or the same
        # partition would come back.
        parts = _consensus(sub, max(resolution, _density(sub)), seed, runs)
        sizes = np.bincount(parts, weights=weights[nodes])
        if (
            (sizes >= min_size).sum() < 2
            or not _all_communities(sub, parts)
            or not _distinct(vectors[nodes], weights[nodes], parts, distinct_below)
        ):
            continue  # no internal structure: a big topic that is one reason
        fresh = labels.max() + 1 + parts
        labels[nodes] = np.where(parts == 0, community, fresh)
        queue.extend([community, *np.unique(fresh[parts > 0]).tolist()])
    return renumber_by_first_appearance(labels)


def _nearest(vectors: np.ndarray, k: int, block: int = 2048) -> np.ndarray:
    """Each row's ``k`` most cosine-alike other rows, as a set (ties broken by the lower
    index)."""
    n = len(vectors)
    out = np.empty((n, k), dtype=np.int64)
    for start in range(0, n, block):
        sims = vectors[start : start + block] @ vectors.T
        rows = np.arange(len(sims))
        sims[rows, start + rows] = -np.inf
        # A partial sort finds the k most alike in linear time; it picks arbitrarily among
        # values tied with the k-th, so rows with such ties take a stable full sort, in
        # which equal vectors order by index, always.
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        kth = sims[rows[:, None], top].min(axis=1, keepdims=True)
        tied = (sims >= kth).sum(axis=1) > k
        top[tied] = np.argsort(-sims[tied], axis=1, kind="stable")[:, :k]
        out[start : start + block] = top
    return out


def _leiden(graph: Graph, resolution: float, seed: int) -> np.ndarray:
    import random

    import igraph

    g = igraph.Graph(n=graph.n_nodes, edges=np.column_stack([graph.source, graph.target]))
    # igraph draws from Python's random module; a private generator keeps the caller's.
    igraph.set_random_number_generator(random.Random(seed))
    try:
        found = g.community_leiden(
            objective_function="CPM",
            weights=graph.weight,
            resolution=resolution,
            n_iterations=-1,  # until no node moves: a fixed point, not a budget
        )
    finally:
        igraph.set_random_number_generator(random)
    return np.asarray(found.membership, dtype=int)


def _consensus(graph: Graph, resolution: float, seed: int, runs: int) -> np.ndarray:
    """Leiden over ``runs`` seeds, then once more on the links weighted by how often the
    runs put both ends together."""
    if graph.n_nodes == 0:
        return np.zeros(0, dtype=int)
    if len(graph.weight) == 0:
        return np.arange(graph.n_nodes)
    votes = np.zeros(len(graph.weight))
    for run in range(runs):
        labels = _leiden(graph, resolution, seed + run)
        votes += labels[graph.source] == labels[graph.target]
    agreed = votes / runs
    keep = agreed > 0
    voted = Graph(
        graph.n_nodes, graph.source[keep], graph.target[keep], graph.weight[keep] * agreed[keep]
    )
    return _leiden(voted, resolution, seed) if len(voted.weight) else np.arange(graph.n_nodes)


def _density(graph: Graph) -> float:
    """Link weight per pair of nodes."""
    pairs = graph.n_nodes * (graph.n_nodes - 1) / 2
    return float(graph.weight.sum() / pairs) if pairs else 0.0


def _all_communities(graph: Graph, labels: np.ndarray) -> bool:
    """Whether every part has more link weight inside it than to the other parts."""
    a, b = labels[graph.source], labels[graph.target]
    n = labels.max() + 1
    inside = np.bincount(a[a == b], weights=graph.weight[a == b], minlength=n)
    across = np.bincount(
        np.concatenate([a[a != b], b[a != b]]),
        weights=np.concatenate([graph.weight[a != b]] * 2),
        minlength=n,
    )
    return bool((2 * inside > across).all())


def _distinct(vectors, weights, labels, below: float) -> bool:
    """Whether every two parts' (weighted) centroids are less than ``below`` cosine-alike."""
    sums = np.zeros((labels.max() + 1, vectors.shape[1]))
    np.add.at(sums, labels, vectors * weights[:, None])
    centroids = sums / np.linalg.norm(sums, axis=1, keepdims=True)
    alike = centroids @ centroids.T
    np.fill_diagonal(alike, -1.0)
    return bool(alike.max() < below)


def renumber_by_first_appearance(labels: np.ndarray) -> np.ndarray:
    """Ids 0.. in order of first appearance, so the same partition has the same ids."""
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.argsort(np.argsort(first))
    return rank[inverse]
