"""Topic quality against labelled contacts: NMI and ARI, topic count, outlier share, and the
same for the upper level (categories), scored against the same labels.

``evaluate_labels`` is pure; ``evaluate_file`` only adds reading a labelled CSV or JSONL
file and takes the embedding function as a parameter, so no model is loaded here.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from dumbcontacts.analysis.topics.fit import TopicSettings, fit_topics
from dumbcontacts.analysis.topics.keywords import company_names
from dumbcontacts.analysis.topics.prepare import prepare_reason
from dumbcontacts.errors import InputError, first_line

__all__ = ["evaluate_file", "evaluate_labels", "read_labelled"]


def evaluate_labels(labels_true: Sequence[Any], labels_pred: Sequence[int]) -> dict[str, float]:
    """NMI and ARI of predicted topics (-1 = outlier) against true labels.

    Outliers (and the "other languages" group, -2) count as one more cluster each, as the
    metrics are usually reported for BERTopic: a model that leaves half its contacts
    unassigned must not look better for it. ``largest_share`` is the biggest group's share,
    whatever it is.
    """
    true = np.asarray(labels_true)
    pred = np.asarray(labels_pred, dtype=int)
    if len(true) != len(pred):
        raise ValueError(f"{len(true)} true labels but {len(pred)} predicted")
    if len(true) == 0:
        raise ValueError("no labels to evaluate")
    return {
        "nmi": float(normalized_mutual_info_score(true, pred)),
        "ari": float(adjusted_rand_score(true, pred)),
        "n_topics": int(len(set(pred[pred >= 0].tolist()))),
        "outlier_share": float(np.mean(pred < 0)),
        "largest_share": float(np.unique(pred, return_counts=True)[1].max() / len(pred)),
    }


def read_labelled(path: str | Path, text_column: str, label_column: str) -> pd.DataFrame:
    """Rows with a non-empty text and a label, from a .csv, .tsv, .jsonl or .json file."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix in {".jsonl", ".ndjson"}:
            frame = pd.read_json(path, lines=True, dtype=False)
        elif suffix == ".json":
            frame = pd.read_json(path, dtype=False)
        else:
            frame = pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",", dtype=str)
    except (OSError, ValueError) as error:  # unreadable, or not the format its name says
        raise InputError(f"{path}: cannot read: {first_line(error)}") from None
    missing = [c for c in (text_column, label_column) if c not in frame.columns]
    if missing:
        have = ", ".join(map(str, frame.columns))
        raise InputError(f"{path}: no column {', '.join(missing)} (have {have})")
    frame = frame[[text_column, label_column]].dropna()
    frame = frame[frame[text_column].astype(str).str.strip() != ""]
    return frame.rename(columns={text_column: "text", label_column: "label"}).reset_index(drop=True)


def evaluate_file(
    path: str | Path,
    text_column: str,
    label_column: str,
    embed: Callable[[list[str]], np.ndarray],
    settings: TopicSettings | None = None,
) -> dict[str, float]:
    """Fit topics on a labelled file and score them and their categories against the labels;
    ``seconds`` covers embedding and fitting.

    Texts are embedded as ``analyze`` embeds reasons: cleaned, without the company names the
    file says throughout, and long ones cut to the sentences that state the problem
    (``prepare_reason``).
    """
    rows = read_labelled(path, text_column, label_column)
    if rows.empty:
        raise InputError(f"{path}: no rows with both {text_column} and {label_column}")
    texts = rows["text"].astype(str).tolist()
    started = time.perf_counter()
    names = company_names(texts)
    vectors = embed([prepare_reason(t, names=names) for t in texts])
    settings = dataclasses.replace(settings or TopicSettings(), company_names=names)
    fit = fit_topics(texts, vectors, settings)
    seconds = time.perf_counter() - started
    labels = rows["label"].astype(str).tolist()
    scores = evaluate_labels(labels, fit.topic_ids)
    upper = evaluate_labels(labels, fit.category_ids)
    return {
        **scores,
        "n_docs": len(texts),
        "seconds": round(seconds, 3),
        "category_nmi": upper["nmi"],
        "category_ari": upper["ari"],
        "n_categories": upper["n_topics"],
    }
