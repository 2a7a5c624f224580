"""Topic-quality metrics on hand cases, and evaluate_file with an injected fake embedder."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dumbcontacts.analysis.topics.evaluate import evaluate_file, evaluate_labels, read_labelled
from tests.test_topics import DIM, REASONS


@pytest.mark.parametrize(
    ("labels_true", "labels_pred", "expected"),
    [
        # perfect, and perfect under renamed topic ids
        ("aabb", [0, 0, 1, 1], {"nmi": 1.0, "ari": 1.0, "n_topics": 2, "largest_share": 0.5}),
        ("aabb", [7, 7, 3, 3], {"nmi": 1.0, "ari": 1.0, "n_topics": 2, "outlier_share": 0.0}),
        # one topic for everything tells nothing
        ("aabb", [0, 0, 0, 0], {"nmi": 0.0, "ari": 0.0, "n_topics": 1, "outlier_share": 0.0}),
        # outliers count as a group of their own, and in outlier_share
        ("aabb", [0, 0, -1, -1], {"nmi": 1.0, "ari": 1.0, "n_topics": 1, "outlier_share": 0.5}),
        ("aabb", [-1, -1, -1, -1], {"nmi": 0.0, "ari": 0.0, "n_topics": 0, "outlier_share": 1.0}),
        # the "other languages" group (-2) is no topic either, and the largest group counts
        ("aabbb", [0, 0, -2, -2, -2], {"n_topics": 1, "outlier_share": 0.6, "largest_share": 0.6}),
        # split one label in two: still pure, so NMI stays high but below 1
        ("aaaabbbb", [0, 0, 1, 1, 2, 2, 2, 2], {"n_topics": 3, "outlier_share": 0.0}),
        # crossing labels: chance level
        ("aabb", [0, 1, 0, 1], {"nmi": 0.0, "ari": -0.5, "n_topics": 2, "outlier_share": 0.0}),
    ],
)
def test_evaluate_labels(labels_true, labels_pred, expected):
    scores = evaluate_labels(list(labels_true), labels_pred)
    assert set(scores) == {"nmi", "ari", "n_topics", "outlier_share", "largest_share"}
    for key, value in expected.items():
        assert scores[key] == pytest.approx(value, abs=1e-9), key


def test_split_label_scores_between_chance_and_perfect():
    scores = evaluate_labels(list("aaaabbbb"), [0, 0, 1, 1, 2, 2, 2, 2])
    assert 0.5 < scores["nmi"] < 1.0
    assert 0.0 < scores["ari"] < 1.0


@pytest.mark.parametrize(
    ("labels_true", "labels_pred", "message"),
    [("ab", [0], "2 true labels but 1 predicted"), ("", [], "no labels")],
)
def test_evaluate_labels_rejects_bad_input(labels_true, labels_pred, message):
    with pytest.raises(ValueError, match=message):
        evaluate_labels(list(labels_true), labels_pred)


def fake_embed(texts: list[str]) -> np.ndarray:
    """A seeded stand-in for MiniLM: each reason word has its own axis, plus a little noise."""
    rng = np.random.default_rng(0)
    axes = {word: i for i, (word, *_) in enumerate(REASONS)}
    vectors = np.stack(
        [np.eye(DIM)[next(axes[w] for w in t.split() if w in axes)] for t in texts]
    ) + rng.normal(0, 0.08, (len(texts), DIM))
    return vectors.astype(np.float32)


def labelled_rows(per_reason: int = 30) -> list[dict[str, str]]:
    rows = []
    for word, *phrasings in REASONS:
        for i in range(per_reason):
            rows.append({"message": f"{phrasings[i % 2]} {i}", "why": word.upper()})
    return rows


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "labelled.csv"
    lines = ["id,message,why"] + [
        f'{i},"{r["message"]}",{r["why"]}' for i, r in enumerate(labelled_rows())
    ]
    path.write_text("\n".join(lines) + "\n,,EMPTY_TEXT\n", encoding="utf-8")
    return path


@pytest.fixture
def jsonl_file(tmp_path):
    path = tmp_path / "labelled.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in labelled_rows()), encoding="utf-8")
    return path


@pytest.mark.parametrize("file_fixture", ["csv_file", "jsonl_file"])
def test_evaluate_file(file_fixture, request):
    path = request.getfixturevalue(file_fixture)
    scores = evaluate_file(path, "message", "why", fake_embed)
    assert set(scores) == {
        "nmi", "ari", "n_topics", "outlier_share", "largest_share", "n_docs", "seconds",
        "category_nmi", "category_ari", "n_categories",
    }  # fmt: skip
    assert scores["n_docs"] == 4 * 30  # the row without text is skipped
    assert scores["nmi"] >= 0.9
    assert scores["n_topics"] == 4
    assert scores["outlier_share"] == 0.0
    assert scores["seconds"] >= 0
    # Four reasons with no shared neighbourhood: each is a category of its own.
    assert (scores["n_categories"], scores["category_nmi"]) == (4, pytest.approx(scores["nmi"]))


def test_read_labelled_names_a_missing_column(csv_file):
    with pytest.raises(ValueError, match="no column reason"):
        read_labelled(csv_file, "message", "reason")
    rows = read_labelled(csv_file, "message", "why")
    assert list(rows.columns) == ["text", "label"]
