"""Embedders and the embedding cache.

Logic runs on seeded fakes; the real MiniLM and the distilled static model are loaded only in
the two tests marked slow.
"""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa

from dumbcontacts.analysis.topics.embedding_cache import embed_with_cache, hash_text
from dumbcontacts.analysis.topics.embeddings import (
    MINILM_NAME,
    Embedder,
    FakeEmbedder,
    StaticEmbedder,
    distill_static_model,
    load_minilm,
    minilm_path,
    normalize_rows,
)
from dumbcontacts.etl.schema import embeddings

PARCEL, DELIVERY, PASSWORD = "my parcel is late", "where is my delivery", "reset my password"


class CountingEmbedder:
    """A FakeEmbedder that remembers every text it was asked to embed."""

    def __init__(self, dimension: int = 8, seed: int = 0, fail_on_call: int | None = None):
        self._fake = FakeEmbedder(dimension, seed)
        self.name, self.dimension = self._fake.name, dimension
        self.calls: list[list[str]] = []
        self.fail_on_call = fail_on_call

    @property
    def embedded(self) -> list[str]:
        return [text for call in self.calls for text in call]

    def embed(self, texts, progress=None):
        self.calls.append(list(texts))
        if len(self.calls) == self.fail_on_call:
            raise KeyboardInterrupt
        return self._fake.embed(texts, progress)


def count_rows(warehouse) -> int:
    with warehouse.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(embeddings)).scalar()


def test_fake_embedder_is_a_deterministic_unit_length_embedder():
    fake = FakeEmbedder(dimension=12, seed=3)
    first = fake.embed(["a", "b", "a"])
    assert isinstance(fake, Embedder)
    assert first.dtype == np.float32 and first.shape == (3, 12)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1, rtol=1e-6)
    assert np.array_equal(first[0], first[2]) and not np.allclose(first[0], first[1])
    assert np.array_equal(FakeEmbedder(12, 3).embed(["a"])[0], first[0])
    assert not np.allclose(FakeEmbedder(12, 4).embed(["a"])[0], first[0])
    assert fake.embed([]).shape == (0, 12)


def test_normalize_rows_leaves_empty_rows_zero():
    rows = normalize_rows(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert rows.dtype == np.float32
    np.testing.assert_allclose(rows, [[0.6, 0.8], [0.0, 0.0]], rtol=1e-6)


def test_cache_embeds_each_distinct_text_once_and_keeps_input_order(warehouse):
    texts = ["late parcel", "refund please", "late parcel", "login fails", "refund please"]
    counting = CountingEmbedder()
    ticks: list[int] = []

    vectors = embed_with_cache(warehouse, counting, texts, progress=ticks.append)

    assert counting.embedded == ["late parcel", "refund please", "login fails"]
    assert np.array_equal(vectors, FakeEmbedder(8).embed(texts))
    assert sum(ticks) == len(texts)
    assert count_rows(warehouse) == 3


def test_cache_rerun_embeds_nothing_and_new_text_only_itself(warehouse):
    texts = ["late parcel", "refund please", "login fails"]
    first = embed_with_cache(warehouse, CountingEmbedder(), texts)

    again = CountingEmbedder()
    ticks: list[int] = []
    assert np.array_equal(embed_with_cache(warehouse, again, texts, ticks.append), first)
    assert again.calls == [] and ticks == [3]

    more = CountingEmbedder()
    mixed = embed_with_cache(warehouse, more, ["card declined", *texts, "card declined"])
    assert more.embedded == ["card declined"]
    assert np.array_equal(mixed[1:4], first)
    assert np.array_equal(mixed[0], mixed[4])
    assert count_rows(warehouse) == 4


def test_cache_keeps_models_apart(warehouse):
    embed_with_cache(warehouse, CountingEmbedder(seed=0), ["late parcel"])
    other = CountingEmbedder(seed=1)
    vectors = embed_with_cache(warehouse, other, ["late parcel"])
    assert other.embedded == ["late parcel"]
    assert np.array_equal(vectors, FakeEmbedder(8, 1).embed(["late parcel"]))


def test_cache_keeps_finished_chunks_when_a_run_is_interrupted(warehouse):
    texts = [f"text {i}" for i in range(10)]
    with pytest.raises(KeyboardInterrupt):
        embed_with_cache(warehouse, CountingEmbedder(fail_on_call=3), texts, chunk_size=4)
    assert count_rows(warehouse) == 8

    resumed = CountingEmbedder()
    embed_with_cache(warehouse, resumed, texts, chunk_size=4)
    assert resumed.embedded == ["text 8", "text 9"]


def test_cache_rejects_a_model_whose_dimension_changed(warehouse):
    embed_with_cache(warehouse, CountingEmbedder(dimension=8), ["late parcel"])
    changed = CountingEmbedder(dimension=8)
    changed.dimension = 4
    with pytest.raises(ValueError, match="not 4-dimensional"):
        embed_with_cache(warehouse, changed, ["late parcel"])


def test_cache_of_nothing_is_an_empty_matrix(warehouse):
    assert embed_with_cache(warehouse, CountingEmbedder(), []).shape == (0, 8)


def test_hash_text_is_sha256_hex():
    assert hash_text("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def write_tiny_static_model(folder):
    """A hand-made 3-d model2vec folder: parcel and delivery point one way, password another."""
    from model2vec import StaticModel
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import Whitespace

    words = ["[UNK]", "my", "is", "where", "reset", "late", "parcel", "delivery", "password"]
    tokenizer = Tokenizer(WordLevel({w: i for i, w in enumerate(words)}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = Whitespace()
    vectors = np.zeros((len(words), 3), dtype=np.float32)
    vectors[1:5] = 0.1
    vectors[5:8, 0] = 1.0
    vectors[8, 1] = 1.0
    StaticModel(vectors=vectors, tokenizer=tokenizer, normalize=True).save_pretrained(folder)
    return folder


def test_static_embedder_reads_a_local_model2vec_folder(tmp_path):
    folder = write_tiny_static_model(tmp_path / "tiny")
    # An existing model is reused as is: the source path is never even read.
    assert distill_static_model(tmp_path / "no-such-minilm", folder) == folder

    static = StaticEmbedder(folder)
    ticks: list[int] = []
    parcel, delivery, password = static.embed([PARCEL, DELIVERY, PASSWORD], ticks.append)
    assert static.dimension == 3 and static.name.startswith("model2vec:tiny:")
    assert parcel @ delivery > parcel @ password
    np.testing.assert_allclose(np.linalg.norm([parcel, delivery]), np.sqrt(2), rtol=1e-6)
    assert ticks == [3]
    # Summed per word, the token vectors add up to the text's (embed normalises).
    words = static.embed_words(["where", "is", "my", "parcel?", "Parcel", "[UNK]"])
    assert words.shape == (6, 3) and not words[4:].any()
    np.testing.assert_allclose(normalize_rows(words.sum(axis=0, keepdims=True))[0],
                               static.embed(["where is my parcel?"])[0], rtol=1e-6)  # fmt: skip


def test_static_embedder_says_what_is_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="distill_static_model"):
        StaticEmbedder(tmp_path)


def assert_similarity_ordering(embedder: Embedder) -> None:
    vectors = embedder.embed([PARCEL, DELIVERY, PASSWORD])
    assert vectors.dtype == np.float32 and vectors.shape == (3, embedder.dimension)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1, rtol=1e-5)
    parcel, delivery, password = vectors
    assert parcel @ delivery > parcel @ password + 0.2
    assert np.array_equal(embedder.embed([PARCEL, DELIVERY, PASSWORD]), vectors)


@pytest.mark.slow
def test_minilm_loads_offline_and_ranks_similar_reasons_closer():
    minilm = load_minilm()
    assert minilm.name == MINILM_NAME and minilm.dimension == 384
    assert_similarity_ordering(minilm)


@pytest.mark.slow
def test_static_model_distils_offline_from_minilm(tmp_path):
    folder = distill_static_model(minilm_path(), tmp_path / "static")
    static = StaticEmbedder(folder)
    assert static.dimension == 256
    assert_similarity_ordering(static)
