"""all-MiniLM-L6-v2 through ONNX Runtime with int8 weights: the sentence model on fewer cycles.

The packaged model's transformer is exported to ONNX once and its matrix products quantised
to int8 (per output channel: per-tensor scales cost ~5 points of cosine), then kept under the
model cache in a folder named by the digest of the source weights, so later runs load it in
well under a second. Vectors are the sentence-transformers recipe redone by hand: the same
tokenizer with the same truncation, mean pooling over the tokens, L2 normalisation; they
agree with the fp32 model's to ~0.99 cosine (benchmarks/onnx_int8.py).

Int8 matrix products pay where the CPU has int8 dot-product instructions (VNNI). On AVX2
alone (profiled on the build machine) they run about as fast as float ones, and one thread
embeds 1.1-1.3x faster than torch, ONNX Runtime in fp32 already giving 1.0-1.2x of that.

Each text runs alone. Dynamic quantisation scales the activations by the largest value in
the whole input, so in a padded batch a text's vector would depend on its neighbours; alone,
one text always gets one vector (and there is no padding to compute). A text's matrices are
too small to share well among threads (two threads on one text: 1.5x one thread on the build
machine), so each thread runs a session of its own, on one thread, over its share of the
texts (1.8x): the vectors are the same bits whatever the thread count.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import warnings
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import numpy as np

from dumbcontacts.analysis.topics.embeddings import (
    MINILM_NAME,
    Progress,
    _file_digest,
    minilm_path,
    normalize_rows,
)
from dumbcontacts.errors import ConfigError, first_line

__all__ = ["OnnxEmbedder", "export_onnx", "load_onnx_minilm"]

MODEL_FILE = "model.onnx"
CONFIG_FILE = "onnx_config.json"
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_ROUND = 64  # texts a session embeds between two progress reports


class OnnxEmbedder:
    """A folder made by ``export_onnx``, run on the CPU."""

    def __init__(self, folder: str | Path, *, threads: int = 2):
        import onnxruntime
        from onnxruntime.capi import onnxruntime_pybind11_state as ort_errors
        from tokenizers import Tokenizer

        folder = Path(folder)
        if not (folder / MODEL_FILE).is_file() or not (folder / CONFIG_FILE).is_file():
            raise FileNotFoundError(f"no ONNX sentence model in {folder} (run export_onnx)")
        config = json.loads((folder / CONFIG_FILE).read_text())
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(config["max_seq_length"])
        self._tokenizer.no_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # one order of float sums: a text, one vector
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # errors only: not its notes on the graph it rewrote
        try:
            self._sessions = [
                onnxruntime.InferenceSession(
                    str(folder / MODEL_FILE), options, providers=["CPUExecutionProvider"]
                )
                for _ in range(max(1, threads))
            ]
        except (ort_errors.Fail, ort_errors.InvalidProtobuf, ort_errors.InvalidGraph) as error:
            raise ConfigError(
                f"model cache {folder}: cannot load ({first_line(error)}); delete it to re-export"
            ) from None
        # The digest of the weights goes into the cache key, so vectors of a re-exported model
        # that differs (another quantiser) never mix with the old ones, nor with the fp32 model's.
        digest = _file_digest(folder / MODEL_FILE)[:12]
        self.name = f"{config['source']}-onnx-{config['precision']}:{digest}"
        self.dimension = int(config["dimension"])

    def embed(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        # Rounds of _ROUND texts a session; progress hears of each round.
        step = _ROUND * len(self._sessions)
        with ThreadPoolExecutor(len(self._sessions)) as pool:
            for start in range(0, len(texts), step):
                starts = range(start, min(start + step, len(texts)), _ROUND)
                parts = [encodings[at : at + _ROUND] for at in starts]
                pooled = pool.map(partial(_pooled, dimension=self.dimension), self._sessions, parts)
                for at, vectors in zip(starts, pooled, strict=True):
                    out[at : at + len(vectors)] = vectors
                if progress is not None:
                    progress(min(step, len(texts) - start))
        return normalize_rows(out)


def _pooled(session, encodings, *, dimension: int) -> np.ndarray:
    """Mean-pooled token vectors of each encoded text, one text at a time."""
    out = np.zeros((len(encodings), dimension), np.float32)
    for i, encoding in enumerate(encodings):
        ids = np.array([encoding.ids], dtype=np.int64)
        feed = dict(zip(INPUTS, (ids, np.ones_like(ids), np.zeros_like(ids)), strict=True))
        (hidden,) = session.run(None, feed)
        out[i] = hidden[0].mean(axis=0)  # every token is real: no padding to mask out
    return out


def export_onnx(
    model_dir: str | Path, out_dir: str | Path, *, source: str | None = None, quantize: bool = True
) -> Path:
    """Export a local BERT-style sentence-transformers model to ``out_dir`` for ``OnnxEmbedder``.

    ``source`` names the model in the embedder's name (default: the folder's name). With
    ``quantize`` the matrix products get int8 weights (dynamic quantisation). Made once:
    a folder that already holds a model is returned untouched. Only mean-pooled models are
    exported, since pooling is redone outside the graph. Raises ConfigError in one line when
    the export cannot be made.
    """
    out_dir = Path(out_dir)
    if (out_dir / MODEL_FILE).is_file() and (out_dir / CONFIG_FILE).is_file():
        return out_dir
    model_dir = Path(model_dir)
    try:
        config = _read_sentence_config(model_dir)
        config |= {"source": source or model_dir.name, "precision": "int8" if quantize else "fp32"}
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target and rename, so a crash never leaves a half-written model.
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
        try:
            _export_transformer(model_dir, staging / "fp32.onnx")
            if quantize:
                _quantize_int8(staging / "fp32.onnx", staging / MODEL_FILE)
                (staging / "fp32.onnx").unlink()
            else:
                (staging / "fp32.onnx").rename(staging / MODEL_FILE)
            shutil.copyfile(model_dir / "tokenizer.json", staging / "tokenizer.json")
            (staging / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n")
            staging.chmod(0o755)  # mkdtemp makes it owner-only
            staging.rename(out_dir)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    except (ImportError, OSError, RuntimeError, ValueError) as error:
        raise ConfigError(f"cannot export {model_dir} to ONNX: {first_line(error)}") from None
    return out_dir


def load_onnx_minilm(
    cache_dir: str | Path, *, threads: int = 2, quantize: bool = True
) -> OnnxEmbedder:
    """The packaged all-MiniLM-L6-v2 with int8 weights (fp32 without ``quantize``), exported
    once under ``cache_dir`` in a folder named by the digest of the source weights."""
    model_dir = minilm_path()
    digest = _file_digest(model_dir / "model.safetensors")[:12]
    precision = "int8" if quantize else "fp32"
    out_dir = Path(cache_dir) / f"onnx-{precision}-all-MiniLM-L6-v2-{digest}"
    folder = export_onnx(model_dir, out_dir, source=MINILM_NAME, quantize=quantize)
    return OnnxEmbedder(folder, threads=threads)


def _read_sentence_config(model_dir: Path) -> dict:
    """Dimension and truncation length from the model folder, as sentence-transformers reads
    them; a pooling other than the mean is refused (ValueError)."""
    sentence = json.loads((model_dir / "sentence_bert_config.json").read_text())
    pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
    modes = sorted(k for k, v in pooling.items() if k.startswith("pooling_mode_") and v)
    if modes != ["pooling_mode_mean_tokens"]:
        raise ValueError(f"only mean pooling is supported, the model uses {', '.join(modes)}")
    return {
        "max_seq_length": int(sentence["max_seq_length"]),
        "dimension": int(pooling["word_embedding_dimension"]),
    }


def _export_transformer(model_dir: Path, path: Path) -> None:
    """The transformer's last hidden state as an ONNX graph, batch and length left free."""
    import torch
    from transformers import AutoModel

    class LastHiddenState(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()
    # A padded example, so the mask's path through attention is traced, not folded away.
    ids = torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]])
    mask = (ids != 0).long()
    free = {0: "batch", 1: "sequence"}
    with warnings.catch_warnings(), torch.inference_mode():
        # The TorchScript exporter needs no onnxscript; its deprecation and tracer notes
        # are about code paths this fixed-architecture model does not take.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LastHiddenState(model),
            (ids, mask, torch.zeros_like(ids)),
            str(path),
            input_names=list(INPUTS),
            output_names=["last_hidden_state"],
            dynamic_axes={name: free for name in (*INPUTS, "last_hidden_state")},
            opset_version=17,
            dynamo=False,
        )


def _quantize_int8(source: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Only the matrix products: an int8 word-embedding table costs cosine and saves no time.
    logging.disable(logging.WARNING)  # its advice to pre-process, printed on every run
    try:
        quantize_dynamic(
            source,
            target,
            weight_type=QuantType.QInt8,
            op_types_to_quantize=["MatMul"],
            per_channel=True,
        )
    finally:
        logging.disable(logging.NOTSET)
