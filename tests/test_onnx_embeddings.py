"""The onnx-int8 backend: the packaged MiniLM exported once, and how a backend is chosen.

The export (~15 s) is made once per session in a temporary model cache (``onnx_model_cache``).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

import dumbcontacts.cli.analysis
from dumbcontacts.analysis.topics.embeddings import (
    MINILM_NAME,
    FakeEmbedder,
    SentenceTransformerEmbedder,
    load_minilm,
    minilm_path,
)
from dumbcontacts.analysis.topics.onnx_embeddings import (
    OnnxEmbedder,
    export_onnx,
    load_onnx_minilm,
)
from dumbcontacts.cli import cli
from dumbcontacts.cli.analysis import load_embedder
from dumbcontacts.errors import ConfigError
from dumbcontacts.settings import Settings

pytestmark = pytest.mark.slow

SENTENCES = [
    "my parcel is late",
    "where is my delivery",
    "reset my password",
    "I was charged twice for the same order and I want my money back",
    "hi",
    # Over 256 word pieces: both models must cut it at the same token.
    "The card I ordered three weeks ago has still not arrived. " * 30,
]


@pytest.fixture(scope="module")
def onnx_minilm(onnx_model_cache) -> OnnxEmbedder:
    return load_onnx_minilm(onnx_model_cache, threads=1)


def test_int8_vectors_match_the_fp32_model_on_each_sentence(onnx_minilm):
    int8 = onnx_minilm.embed(SENTENCES)
    fp32 = load_minilm().embed(SENTENCES)
    assert int8.dtype == np.float32 and int8.shape == (len(SENTENCES), 384)
    np.testing.assert_allclose(np.linalg.norm(int8, axis=1), 1, rtol=1e-5)
    cosines = (int8 * fp32).sum(axis=1)
    assert cosines.min() >= 0.98, cosines
    # Still a sentence model: the two parcel texts are nearer each other than a password.
    assert int8[0] @ int8[1] > int8[0] @ int8[2] + 0.2


def test_a_text_gets_the_same_vector_alone_or_among_others(onnx_minilm):
    together = onnx_minilm.embed(SENTENCES)
    alone = np.concatenate([onnx_minilm.embed([text]) for text in SENTENCES])
    assert np.array_equal(together, alone)


def test_threads_share_out_the_texts_and_change_no_bit(onnx_minilm, onnx_model_cache):
    texts = [f"{text} ({i})" for i in range(40) for text in SENTENCES[:4]]  # rounds of 64
    heard: list[int] = []
    two = load_onnx_minilm(onnx_model_cache, threads=2).embed(texts, heard.append)
    assert np.array_equal(two, onnx_minilm.embed(texts))
    assert heard == [128, 32]


def test_progress_hears_of_every_text(onnx_minilm):
    heard: list[int] = []
    onnx_minilm.embed(["hello"] * 130, heard.append)
    assert heard == [64, 64, 2]


def test_the_name_differs_from_fp32_and_follows_the_weights(onnx_minilm, onnx_model_cache):
    prefix, digest = onnx_minilm.name.split(":")
    assert prefix == f"{MINILM_NAME}-onnx-int8" and len(digest) == 12
    (folder,) = onnx_model_cache.glob("onnx-int8-all-MiniLM-L6-v2-*")
    assert json.loads((folder / "onnx_config.json").read_text()) == {
        "max_seq_length": 256,
        "dimension": 384,
        "source": MINILM_NAME,
        "precision": "int8",
    }


def test_a_cached_export_is_reused_untouched(onnx_model_cache, tmp_path):
    (folder,) = onnx_model_cache.glob("onnx-int8-all-MiniLM-L6-v2-*")
    before = (folder / "model.onnx").stat().st_mtime_ns
    listing = sorted(onnx_model_cache.iterdir())
    # The source is not even read: a folder that holds a model is the model.
    assert export_onnx(tmp_path / "no-such-model", folder) == folder
    assert load_onnx_minilm(onnx_model_cache).dimension == 384
    assert (folder / "model.onnx").stat().st_mtime_ns == before
    assert sorted(onnx_model_cache.iterdir()) == listing


def test_an_export_that_cannot_be_made_is_one_line(tmp_path):
    with pytest.raises(ConfigError) as caught:
        export_onnx(tmp_path / "no-such-model", tmp_path / "out")
    message = str(caught.value)
    assert message.startswith(f"cannot export {tmp_path / 'no-such-model'} to ONNX: ")
    assert "sentence_bert_config.json" in message and "\n" not in message
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing half-written


def test_a_model_that_is_not_mean_pooled_is_refused(tmp_path):
    source = tmp_path / "cls-model"
    (source / "1_Pooling").mkdir(parents=True)
    (source / "sentence_bert_config.json").write_text('{"max_seq_length": 128}')
    (source / "1_Pooling" / "config.json").write_text(
        '{"word_embedding_dimension": 8, "pooling_mode_cls_token": true,'
        ' "pooling_mode_mean_tokens": false}'
    )
    with pytest.raises(ConfigError, match="only mean pooling is supported, the model uses "):
        export_onnx(source, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_damaged_cached_model_says_how_to_recover(tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "model.onnx").write_bytes(b"not a model")
    (folder / "onnx_config.json").write_text('{"max_seq_length": 256, "dimension": 384}')
    (folder / "tokenizer.json").write_bytes((minilm_path() / "tokenizer.json").read_bytes())
    with pytest.raises(ConfigError, match=r"model cache .*broken: cannot load .*delete it"):
        OnnxEmbedder(folder)


@pytest.mark.parametrize(
    ("configured", "asked", "expected"),
    [
        ("torch", None, SentenceTransformerEmbedder),
        ("onnx-int8", None, OnnxEmbedder),
        ("onnx-int8", "torch", SentenceTransformerEmbedder),
        ("torch", "onnx-int8", OnnxEmbedder),
    ],
)
def test_the_backend_comes_from_the_option_else_the_setting(
    onnx_model_cache, configured, asked, expected
):
    config = Settings(embedding_backend=configured, model_cache=onnx_model_cache)
    embedder = load_embedder(config, backend=asked)
    assert type(embedder) is expected
    assert embedder.name.startswith(MINILM_NAME) and embedder.dimension == 384


def test_onnx_int8_runs_the_packaged_model_only():
    config = Settings(embedding_backend="onnx-int8", embedding_model="/models/mine")
    with pytest.raises(ConfigError, match=r"packaged all-MiniLM-L6-v2 only: unset embedding_model"):
        load_embedder(config)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["analyze", "--static", "--backend", "onnx-int8"], "--static and --backend exclude"),
        (["evaluate", "x.csv", "--text-column", "t", "--label-column", "l", "--backend", "gpu"],
         "Invalid value for '--backend': 'gpu' is not one of 'torch', 'onnx-int8'"),
    ],
)  # fmt: skip
def test_backend_option_errors(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.csv").write_text("t,l\na,b\n")
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert message in result.output


def test_evaluate_passes_the_backend_on(tmp_path, monkeypatch):
    asked = []

    def fake_load_embedder(config, **options):
        asked.append(options)
        return FakeEmbedder(dimension=8)

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(dumbcontacts.cli.analysis, "load_embedder", fake_load_embedder)
    rows = "".join(f"text {i},{'ab'[i % 2]}\n" for i in range(40))
    (tmp_path / "x.csv").write_text("t,l\n" + rows)
    args = ["evaluate", "x.csv", "--text-column", "t", "--label-column", "l"]
    for extra in ([], ["--backend", "onnx-int8"]):
        result = CliRunner().invoke(cli, [*args, *extra])
        assert result.exit_code == 0, result.output
    assert asked == [{"static": False, "backend": None}, {"static": False, "backend": "onnx-int8"}]
