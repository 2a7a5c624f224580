"""Where CLINC150's intent scores come from: its in-scope intents and its out-of-scope queries.

CLINC150's test set has 150 intents of 30 queries each and 1,000 out-of-scope queries under
one label ("oos"). That label holds 18 % of the rows but 88 % of the pairs of rows that share
a label, so ARI over all rows mostly asks whether the out-of-scope queries were kept together.
This prints, on the panel's cached vectors, NMI / ARI over all rows and over the in-scope rows
alone for BERTopic's defaults (UMAP seeds 0, 1, 2) and for ``fit_topics`` at several
resolutions; the all-rows scores if every in-scope query were in its exact intent and the
out-of-scope ones stayed where ``fit_topics`` puts them (a ceiling for any granularity); and
the default's topics that hold the most queries of two or more intents.

    HF_HUB_OFFLINE=1 python benchmarks/clinc_scope.py
"""

from __future__ import annotations

import dataclasses

import numpy as np
from panel_sets import cached_vectors, read_panel
from topic_panel import bertopic_default

from dumbcontacts.analysis.topics.evaluate import evaluate_labels
from dumbcontacts.analysis.topics.fit import TopicSettings, fit_topics

OUT_OF_SCOPE = "oos"


def scores(labels: np.ndarray, ids: np.ndarray) -> str:
    scope = labels != OUT_OF_SCOPE
    every, inside = evaluate_labels(labels, ids), evaluate_labels(labels[scope], ids[scope])
    return (
        f"all rows {every['nmi']:.3f} / {every['ari']:.3f}, in scope {inside['nmi']:.3f} / "
        f"{inside['ari']:.3f}, {every['n_topics']} topics, out of scope as no topic "
        f"{np.mean(ids[~scope] == -1):.0%}"
    )


def shared_topics(labels: np.ndarray, ids: np.ndarray, top: int = 10) -> list[str]:
    """Topics that are the main topic of two or more intents, most intents first."""
    main: dict[int, list[str]] = {}
    for label in sorted(set(labels.tolist()) - {OUT_OF_SCOPE}):
        topics, counts = np.unique(ids[labels == label], return_counts=True)
        main.setdefault(int(topics[np.argmax(counts)]), []).append(label)
    shared = sorted(((t, ls) for t, ls in main.items() if len(ls) > 1), key=lambda x: -len(x[1]))
    lines = [
        f"{len(shared)} topics are the main topic of {sum(len(ls) for _, ls in shared)} intents"
    ]
    lines += [f"  topic {t} ({np.sum(ids == t)}): {', '.join(ls)}" for t, ls in shared[:top]]
    return lines


def main() -> None:
    panel = read_panel(["clinc150"])[0]
    vectors = cached_vectors(panel)
    labels = np.array(panel.labels["intent"])
    for seed in (0, 1, 2):
        ids = bertopic_default(panel.texts, vectors, seed)
        print(f"BERTopic defaults, UMAP seed {seed}: {scores(labels, ids)}")
    default = TopicSettings()
    fits = {}
    for resolution in (0.02, 0.05, 0.1, 0.2):
        settings = dataclasses.replace(default, resolution=resolution)
        fits[resolution] = fit_topics(panel.texts, vectors, settings).topic_ids
        print(f"fit_topics, resolution {resolution}: {scores(labels, fits[resolution])}")
    for resolution, ids in fits.items():
        # Intents as ids past the topics' own, so no intent shares an id with a topic.
        intent = np.unique(labels, return_inverse=True)[1] + ids.max() + 1
        exact = np.where(labels == OUT_OF_SCOPE, ids, intent)
        got = evaluate_labels(labels, exact)
        print(
            f"in-scope intents exact, out of scope as resolution {resolution} puts them: "
            f"{got['nmi']:.3f} / {got['ari']:.3f}"
        )
    print("\n".join(shared_topics(labels, fits[default.resolution])))


if __name__ == "__main__":
    main()
