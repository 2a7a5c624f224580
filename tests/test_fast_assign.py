import numpy as np
import pytest

from analysis.fast_assign import assign_fast, predict_fast, train_fast_assigner
from analysis.topics import TopicFit

TOPICS = {
    0: ["refund", "money back", "reimburse", "charge reversed"],
    1: ["parcel", "delivery", "courier", "tracking number"],
    2: ["password", "login", "locked out", "reset link"],
    3: ["invoice", "receipt", "billing address", "vat number"],
}
OPENERS = ["hi i need", "where is my", "problem with the", "question about", "please sort my",
           "still waiting on", "cannot find the", "urgent issue with"]  # fmt: skip
ENDINGS = ["today", "asap", "thanks", "for my account", "from last week", "again"]


def make_texts(n_per_topic: int, offset: int = 0) -> tuple[list[str], np.ndarray]:
    texts, ids = [], []
    for topic, words in TOPICS.items():
        for i in range(offset, offset + n_per_topic):
            texts.append(
                f"{OPENERS[i % len(OPENERS)]} {words[i % len(words)]} "
                f"{words[(i + 1) % len(words)]} {ENDINGS[i % len(ENDINGS)]}"
            )
            ids.append(topic)
    return texts, np.array(ids)


def fake_fit(dimension: int = 4) -> TopicFit:
    # Centroid i is axis i, so an "embedding" of axis k assigns topic k.
    return TopicFit(np.arange(4), [{"topic_id": t} for t in range(4)], np.eye(dimension), None)


def one_hot_embedder(topic: int, calls: list[list[str]]):
    def embed(texts: list[str]) -> np.ndarray:
        calls.append(list(texts))
        return np.tile(np.eye(4)[topic], (len(texts), 1))

    return embed


@pytest.fixture(scope="module")
def assigner():
    texts, ids = make_texts(30)
    return train_fast_assigner(texts, ids, seed=0)


def test_reproduces_labels_on_held_out_texts(assigner):
    texts, ids = make_texts(10, offset=30)
    calls: list[list[str]] = []
    got, confidence, n_fallback = assign_fast(
        assigner, texts, one_hot_embedder(0, calls), fake_fit(), min_confidence=0.0
    )
    assert np.array_equal(got, ids)
    assert n_fallback == 0 and calls == []
    assert (confidence > 0).all()


def test_ambiguous_text_falls_back_to_the_embedding(assigner):
    clear = "where is my parcel delivery courier today"
    ambiguous = "refund parcel password invoice"
    _, margins = predict_fast(assigner, [clear, ambiguous])
    threshold = float(margins.mean())
    assert margins[1] < threshold < margins[0]
    calls: list[list[str]] = []
    got, confidence, n_fallback = assign_fast(
        assigner, [clear, ambiguous], one_hot_embedder(3, calls), fake_fit(), threshold
    )
    assert n_fallback == 1 and calls == [[ambiguous]]
    assert got.tolist() == [1, 3]
    assert confidence[1] == pytest.approx(1.0)  # the centroid similarity


@pytest.mark.parametrize(
    ("topic_ids", "expected"),
    [([5] * 8, 5), ([-1, 2, -1, 2, 2, -1, 2, 2], 2)],
)
def test_single_topic_and_outliers(topic_ids, expected):
    texts, _ = make_texts(2)
    fitted = train_fast_assigner(texts, topic_ids)
    ids, margin = predict_fast(fitted, ["anything at all"])
    assert ids.tolist() == [expected] and margin.tolist() == [1.0]


def test_training_is_deterministic():
    texts, ids = make_texts(30)
    held, _ = make_texts(5, offset=40)
    first = predict_fast(train_fast_assigner(texts, ids, seed=0), held + ["refund parcel"])
    again = predict_fast(train_fast_assigner(texts, ids, seed=0), held + ["refund parcel"])
    assert np.array_equal(first[0], again[0]) and np.array_equal(first[1], again[1])


def test_mismatched_lengths_are_refused():
    with pytest.raises(ValueError, match="topic ids"):
        train_fast_assigner(["a", "b"], [0])


def test_two_topics_use_the_signed_score():
    texts, ids = make_texts(30)
    keep = ids < 2
    fitted = train_fast_assigner([t for t, k in zip(texts, keep, strict=True) if k], ids[keep])
    got, margin = predict_fast(fitted, ["where is my courier tracking number", "my refund"])
    assert got.tolist() == [1, 0] and (margin > 0).all()
