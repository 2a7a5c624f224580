"""The onnx-int8 backend against the fp32 sentence model, on one CPU thread each (or
``--threads``), one run.

Real texts read in place from ../shared/data (a seeded sample of Banking77 queries and of
CFPB complaint letters) are embedded by all-MiniLM-L6-v2 three ways, after a warm-up: torch
fp32 (the default backend), the same graph exported to ONNX Runtime in fp32 (where the speed
comes from: the runtime or the int8 weights), and the onnx-int8 backend. Per set: texts/s,
the int8 : torch ratio, the mean and least cosine between each text's int8 and fp32 vectors,
and the share of texts whose topic stays the same: topics are fitted (fit_topics, default
settings) on the fp32 vectors of all the texts, then each text goes to its nearest centroid
(assign_topics) once by its fp32 vector and once by its int8 vector.

    HF_HUB_OFFLINE=1 python benchmarks/onnx_int8.py          # 2,000 + 300 texts, ~5 minutes
    HF_HUB_OFFLINE=1 python benchmarks/onnx_int8.py --banking77 200 --cfpb 30
    HF_HUB_OFFLINE=1 python benchmarks/onnx_int8.py --threads 2  # every core of the machine
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # the tokenizer on one thread too

import numpy as np  # noqa: E402
from panel_sets import DATA, read_labelled_set  # noqa: E402

from dumbcontacts.analysis.topics.embeddings import load_minilm  # noqa: E402
from dumbcontacts.analysis.topics.fit import assign_topics, fit_topics  # noqa: E402
from dumbcontacts.analysis.topics.onnx_embeddings import load_onnx_minilm  # noqa: E402
from dumbcontacts.settings import Settings  # noqa: E402


def sample_texts(name: str, count: int, seed: int, data: Path) -> list[str]:
    texts = read_labelled_set(name, data).texts
    rows = np.random.default_rng(seed).permutation(len(texts))[:count]
    return [texts[i] for i in sorted(rows)]


def timed_embed(embedder, texts: list[str]) -> tuple[float, np.ndarray]:
    """Seconds to embed ``texts``, after a warm-up on a few of them."""
    embedder.embed(texts[:16])
    started = time.perf_counter()
    vectors = embedder.embed(texts)
    return time.perf_counter() - started, vectors


def describe_machine() -> str:
    """The processor and whether it has int8 dot-product instructions (VNNI): without them
    an int8 matrix product is little faster than a float one."""
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").is_file() else ""
    names = [line.split(":", 1)[1].strip() for line in info.splitlines() if "model name" in line]
    vnni = any(flag in info for flag in ("avx512_vnni", "avx_vnni", "amx_int8"))
    return (
        f"{names[0] if names else platform.machine()}, {os.cpu_count()} cores, "
        f"{'VNNI' if vnni else 'no VNNI'}, load {os.getloadavg()[0]:.1f}, "
        f"python {platform.python_version()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--banking77", type=int, default=2000, help="Banking77 queries")
    parser.add_argument("--cfpb", type=int, default=300, help="CFPB complaint letters")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--model-cache", type=Path, default=Settings().model_cache)
    parser.add_argument(
        "--threads", type=int, default=1, help="threads each model embeds on (torch's own; "
        "ONNX: a one-thread session per thread)"
    )  # fmt: skip
    args = parser.parse_args()

    sets = {
        "banking77": sample_texts("banking77", args.banking77, args.seed, args.data),
        "cfpb": sample_texts("cfpb", args.cfpb, args.seed, args.data),
    }
    print(f"{dt.date.today().isoformat()}: {describe_machine()}")

    started = time.perf_counter()
    int8 = load_onnx_minilm(args.model_cache, threads=args.threads)
    first = time.perf_counter() - started
    started = time.perf_counter()
    int8 = load_onnx_minilm(args.model_cache, threads=args.threads)
    print(
        f"onnx-int8 model: first load {first:.1f} s (exports when not cached), "
        f"cached load {time.perf_counter() - started:.2f} s, {int8.name}"
    )
    runners = {
        "torch": load_minilm(threads=args.threads),
        "onnx-fp32": load_onnx_minilm(args.model_cache, threads=args.threads, quantize=False),
        "onnx-int8": int8,
    }
    print(f"{args.threads} thread(s) each")

    seconds, vectors = {}, {}
    for set_name, texts in sets.items():
        for runner, embedder in runners.items():
            seconds[set_name, runner], vectors[set_name, runner] = timed_embed(embedder, texts)

    all_texts = [text for texts in sets.values() for text in texts]
    fp32 = np.concatenate([vectors[s, "torch"] for s in sets])
    fit = fit_topics(all_texts, fp32)
    fp32_topics, _ = assign_topics(fit, fp32)
    int8_topics, _ = assign_topics(fit, np.concatenate([vectors[s, "onnx-int8"] for s in sets]))
    print(f"topics fitted on the fp32 vectors of all {len(all_texts):,} texts: {len(fit.topics)}")

    header = (
        f"\n{'set':<10}{'texts':>6}{'words':>7}{'torch/s':>9}{'onnx-fp32/s':>13}"
        f"{'int8/s':>8}{'int8:torch':>12}{'cos mean':>10}{'cos min':>9}{'same topic':>12}"
    )
    print(header)
    rows = [(name, [name]) for name in sets] + [("all", list(sets))]
    offsets = np.cumsum([0, *(len(t) for t in sets.values())])
    span = {name: slice(offsets[i], offsets[i + 1]) for i, name in enumerate(sets)}
    for label, names in rows:
        count = sum(len(sets[n]) for n in names)
        words = np.median([len(t.split()) for n in names for t in sets[n]])
        rate = {r: count / sum(seconds[n, r] for n in names) for r in runners}
        cosines = np.concatenate(
            [(vectors[n, "torch"] * vectors[n, "onnx-int8"]).sum(axis=1) for n in names]
        )
        same = np.concatenate([fp32_topics[span[n]] == int8_topics[span[n]] for n in names])
        print(
            f"{label:<10}{count:>6,}{words:>7.0f}{rate['torch']:>9.1f}{rate['onnx-fp32']:>13.1f}"
            f"{rate['onnx-int8']:>8.1f}{rate['onnx-int8'] / rate['torch']:>11.2f}x"
            f"{cosines.mean():>10.4f}{cosines.min():>9.4f}{same.mean():>12.1%}"
        )
    print("\ntargets: int8:torch >= 2x, cos mean >= 0.99, same topic >= 98%")


if __name__ == "__main__":
    main()
