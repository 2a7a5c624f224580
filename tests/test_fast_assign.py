import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from dumbcontacts.analysis.topics.embeddings import FakeEmbedder, StaticEmbedder
from dumbcontacts.analysis.topics.fast_assign import (
    assign_fast,
    fit_word_table,
    predict_fast,
    train_fast_assigner,
    word_features,
)
from dumbcontacts.analysis.topics.fit import TopicFit, assign_topics
from tests.test_embeddings import write_tiny_static_model

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


def fake_vectors(topic_ids: np.ndarray, seed: int = 0) -> np.ndarray:
    """Seeded stand-ins for sentence vectors: near axis k for topic k."""
    noise = np.random.default_rng(seed).normal(0, 0.15, (len(topic_ids), 4))
    return np.eye(4)[topic_ids] + noise


def fake_fit(n_topics: int = 4) -> TopicFit:
    # Centroid i is axis i, so an "embedding" of axis k assigns topic k.
    ids = np.arange(n_topics)
    return TopicFit(ids, [{"topic_id": t} for t in ids.tolist()], np.eye(4)[:n_topics])


def one_hot_embedder(topic: int, calls: list[list[str]]):
    def embed(texts: list[str]) -> np.ndarray:
        calls.append(list(texts))
        return np.tile(np.eye(4)[topic], (len(texts), 1))

    return embed


def train(n_per_topic: int = 30, **options):
    texts, ids = make_texts(n_per_topic)
    return train_fast_assigner(texts, fake_vectors(ids), fake_fit(), **options)


@pytest.fixture(scope="module")
def assigner():
    return train()


def test_reproduces_nearest_centroid_on_held_out_texts(assigner):
    texts, ids = make_texts(10, offset=30)
    calls: list[list[str]] = []
    got, confidence, n_fallback = assign_fast(
        assigner, texts, one_hot_embedder(0, calls), fake_fit(), min_confidence=0.0
    )
    assert np.array_equal(got, ids)
    assert n_fallback == 0 and calls == []
    assert (confidence > 0).all()


def test_predicts_each_distinct_text_once_and_gives_repeats_its_answer(assigner):
    texts, ids = make_texts(5, offset=30)
    texts = [f"{text} please" for text in texts]  # no training text ends so: all are new
    predicted: list[list[str]] = []

    def counting_predict(model, some):
        predicted.append(list(some))
        return predict_fast(model, some)

    repeated = texts + texts[::-1] + texts[:3]
    got, confidence, _ = assign_fast(
        assigner, repeated, one_hot_embedder(0, []), fake_fit(), 0.0, counting_predict
    )
    assert predicted == [texts]  # one call, each text once, in first-seen order
    alone, alone_confidence = predict_fast(assigner, texts)
    order = [texts.index(t) for t in repeated]
    assert np.array_equal(got, alone[order]) and np.array_equal(got[: len(ids)], ids)
    assert np.array_equal(confidence, alone_confidence[order])


def test_chunks_scored_on_several_threads_give_the_same_answers(assigner):
    texts, ids = make_texts(1100, offset=30)  # 4,400 texts: three chunks
    texts = [f"{text} {i}" for i, text in enumerate(texts)]
    one = predict_fast(assigner, texts, threads=1)
    three = predict_fast(assigner, texts, threads=3)
    assert np.array_equal(one[0], three[0]) and np.array_equal(one[1], three[1])
    assert (one[0] == ids).mean() > 0.95


def test_learns_the_centroid_topic_of_its_vectors_not_a_label():
    # Every training text's vector sits at the next topic's centroid: the model must follow
    # the vectors (the reference assignment), whatever the words suggest.
    texts, ids = make_texts(30)
    shifted = (ids + 1) % 4
    fitted = train_fast_assigner(texts, fake_vectors(shifted), fake_fit())
    held, held_ids = make_texts(5, offset=40)
    got, _ = predict_fast(fitted, held)
    assert np.array_equal(got, (held_ids + 1) % 4)


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


def test_a_text_sharing_nothing_with_training_falls_back(assigner):
    _, margin = predict_fast(assigner, ["ЖЖЖЖ ЩЩЩ"])
    assert margin.tolist() == [0.0]
    calls: list[list[str]] = []
    got, _, n_fallback = assign_fast(
        assigner, ["ЖЖЖЖ ЩЩЩ"], one_hot_embedder(2, calls), fake_fit(), 0.001
    )
    assert got.tolist() == [2] and n_fallback == 1


def test_a_repeated_training_text_reuses_its_own_topic_without_embedding():
    texts, ids = make_texts(30)
    vectors = fake_vectors(ids)
    odd = texts[0]  # a refund text whose vector says "password"
    vectors[0] = np.eye(4)[2] * 0.9 + np.eye(4)[0] * 0.1
    fitted = train_fast_assigner(texts, vectors, fake_fit())
    calls: list[list[str]] = []
    got, confidence, n_fallback = assign_fast(
        fitted, [odd, odd], one_hot_embedder(1, calls), fake_fit(), min_confidence=10.0
    )
    expected_ids, expected_similarity = assign_topics(fake_fit(), vectors[:1])
    assert got.tolist() == [2, 2] == expected_ids.tolist() * 2
    assert confidence[0] == pytest.approx(expected_similarity[0])
    assert n_fallback == 0 and calls == []  # even above any margin: the vector is known


def test_trains_on_at_most_max_train_texts_but_remembers_all():
    texts, _ = make_texts(30)
    fitted = train(max_train=40, seed=3)
    assert fitted.train.shape[0] == 40 and fitted.coef.shape == (40, 4)
    assert set(fitted.known) == set(texts)


@pytest.mark.parametrize("max_train", [40, 6000])
def test_training_is_deterministic(max_train):
    held, _ = make_texts(5, offset=40)
    held += ["refund parcel"]
    first = predict_fast(train(max_train=max_train, seed=1), held)
    again = predict_fast(train(max_train=max_train, seed=1), held)
    assert np.array_equal(first[0], again[0]) and np.array_equal(first[1], again[1])


def test_single_topic_and_no_topics():
    texts, ids = make_texts(3)
    single = train_fast_assigner(texts, fake_vectors(ids), fake_fit(1))
    assert [a.tolist() for a in predict_fast(single, ["anything at all"])] == [[0], [1.0]]
    empty = TopicFit(np.zeros(0, dtype=int), [], np.zeros((0, 4)))
    none = train_fast_assigner(texts, fake_vectors(ids), empty)
    assert predict_fast(none, ["anything at all"])[0].tolist() == [-1]


def test_mismatched_lengths_are_refused():
    with pytest.raises(ValueError, match="vectors"):
        train_fast_assigner(["a", "b"], np.eye(4)[:1], fake_fit())


class SynonymStatic:
    """A stand-in static embedder that knows a word the training texts never use."""

    name, dimension = "synonyms", 4

    def embed(self, texts, progress=None):
        rows = np.full((len(texts), 4), 0.1, dtype=np.float32)
        for i, text in enumerate(texts):
            for topic, words in TOPICS.items():
                if any(w in text for w in words + (["compensation"] if topic == 0 else [])):
                    rows[i, topic] = 1.0
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_static_vectors_carry_words_the_training_texts_lack():
    texts, ids = make_texts(30)
    fitted = train_fast_assigner(texts, fake_vectors(ids), fake_fit(), static=SynonymStatic())
    assert fitted.train_static.shape == (len(set(texts)), 4)
    got, margin = predict_fast(fitted, ["compensation pls", "where is my courier today"])
    assert got.tolist() == [0, 1] and (margin > 0).all()
    held, held_ids = make_texts(10, offset=30)
    assert np.array_equal(predict_fast(fitted, held)[0], held_ids)


def test_a_wide_static_model_is_kept_along_its_main_directions():
    texts, ids = make_texts(40)
    texts = [f"{text} case {i}" for i, text in enumerate(texts)]  # 160 distinct texts
    fitted = train_fast_assigner(texts, fake_vectors(ids), fake_fit(), static=FakeEmbedder(200))
    assert fitted.basis.shape == (200, 128) and fitted.train_static.shape == (len(texts), 128)
    np.testing.assert_allclose(
        np.linalg.norm(fitted.train_static, axis=1), np.sqrt(2 / 3), rtol=1e-5
    )
    _, margin = predict_fast(fitted, make_texts(5, offset=40)[0])
    assert np.isfinite(margin).all()


def test_two_topics():
    texts, ids = make_texts(30)
    keep = ids < 2
    fitted = train_fast_assigner(
        [t for t, k in zip(texts, keep, strict=True) if k], fake_vectors(ids[keep]), fake_fit(2)
    )
    got, margin = predict_fast(fitted, ["where is my courier tracking number", "my refund"])
    assert got.tolist() == [1, 0] and (margin > 0).all()


TRICKY = ["Refund  REFUND refund!", "où est\tmon\u00a0colis ?", "İstanbul straße", "a", "",
          "can't log-in - again ?! my_card", "-- ?", "my parcel , my parcel"]  # fmt: skip
UNSEEN = ["refund refund refund", "unseen wordsss   here", "Où EST le colis", "", "ok\nok",
          "can't - log in", "courier ... tracking-number", "?!"]  # fmt: skip


@pytest.mark.parametrize("static", [None, FakeEmbedder(8)])
@pytest.mark.parametrize("max_df", [1.0, 0.1])
def test_word_features_a_word_at_a_time_equal_sklearns(static, max_df):
    texts = make_texts(30)[0] + TRICKY
    sklearn = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b")
    sklearn.set_params(max_df=max_df).fit(texts)
    table = fit_word_table(texts, static, max_df=max_df)
    for batch in (texts, UNSEEN):
        words, _ = word_features(table, batch)
        assert words.dtype == np.float32 and words.shape == (len(batch), len(sklearn.vocabulary_))
        assert np.allclose(words.toarray(), sklearn.transform(batch).toarray(), atol=1e-6)


@pytest.mark.parametrize("max_df", [1.0, 0.1])
def test_char_features_a_word_at_a_time_equal_sklearns_char_wb(max_df):
    texts = make_texts(30)[0] + TRICKY
    sklearn = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    sklearn.set_params(max_df=max_df).fit(texts)
    table = fit_word_table(texts, max_df=max_df)
    for batch in (texts, UNSEEN):
        _, chars = word_features(table, batch)
        assert chars.dtype == np.float32 and chars.shape == (len(batch), len(sklearn.vocabulary_))
        assert np.allclose(chars.toarray(), sklearn.transform(batch).toarray(), atol=1e-6)


def test_static_vectors_a_word_at_a_time_equal_the_models(tmp_path):
    static = StaticEmbedder(write_tiny_static_model(tmp_path / "tiny"))
    texts = ["where is my parcel", "my parcel is late, where is my delivery?", "Reset password"]
    table = fit_word_table(texts + TRICKY, static)
    for batch in (texts, UNSEEN + ["password reset late", "where\tis  my\nparcel"]):
        _, vectors = word_features(table, batch)
        assert table.chars is None and vectors.dtype == np.float32
        np.testing.assert_allclose(vectors, static.embed(batch), atol=1e-6)
