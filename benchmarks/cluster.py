"""Embedding throughput on a local Dask cluster of one worker against one of two, one run.

Real texts read in place from ../shared/data (a seeded sample of Banking77 queries) are
embedded by all-MiniLM-L6-v2 as ``analyze`` does with ``[compute] address`` set
(``ClusterEmbedder``), on a local cluster of 1 worker, then of 2, one thread each. Each
cluster first embeds a warm-up of a few batches per worker, so every worker has loaded the
model: the figures are the steady state. The reference, measured in the same run, is the
in-process embedder on one thread. Prints texts/s per cluster, per worker, the 2 : 1 ratio,
and that every vector equals the in-process one (max abs difference).

    HF_HUB_OFFLINE=1 python benchmarks/cluster.py                 # 3,000 texts, ~4 minutes
    HF_HUB_OFFLINE=1 python benchmarks/cluster.py --texts 200
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
import time
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # the tokenizer on one thread too

import numpy as np  # noqa: E402
from onnx_int8 import describe_machine, sample_texts  # noqa: E402
from panel_sets import DATA  # noqa: E402

from dumbcontacts.analysis.topics.cluster import ClusterEmbedder  # noqa: E402
from dumbcontacts.analysis.topics.embeddings import load_minilm  # noqa: E402
from dumbcontacts.cli.analysis import load_embedder  # noqa: E402
from dumbcontacts.settings import Settings  # noqa: E402

BATCH = 128  # texts a task: small enough that two workers share a short run evenly


def embed_on_cluster(
    workers: int, texts: list[str], warm_up: list[str]
) -> tuple[float, np.ndarray]:
    """Seconds to embed ``texts`` on a fresh local cluster of ``workers`` one-thread workers,
    once each has loaded the model."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):  # fmt: skip
        client.wait_for_workers(workers)
        loader = functools.partial(load_embedder, Settings())
        embedder = ClusterEmbedder(client, loader, batch_size=BATCH)
        loaded = set()
        while len(loaded) < workers:  # until every worker has run a batch
            embedder.embed(warm_up)
            loaded |= set(client.run(_has_model).values()) - {None}
        started = time.perf_counter()
        vectors = embedder.embed(texts)
        return time.perf_counter() - started, vectors


def _has_model(dask_worker):  # client.run passes the worker by this name
    from dumbcontacts.analysis.topics import cluster

    return dask_worker.address if cluster._MODELS else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=3000, help="Banking77 queries")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()

    texts = sample_texts("banking77", args.texts, args.seed, args.data)
    warm_up = sample_texts("banking77", 4 * BATCH, args.seed + 1, args.data)
    print(f"{dt.date.today()}, {describe_machine()}")
    print(f"{len(texts):,} Banking77 queries, {BATCH} a task, one thread a worker\n")

    reference = load_minilm(threads=1)
    reference.embed(warm_up[:16])
    started = time.perf_counter()
    expected = reference.embed(texts)
    seconds = {"in process": time.perf_counter() - started}
    del reference
    for workers in (1, 2):
        seconds[f"{workers} worker{'s' * (workers > 1)}"], vectors = embed_on_cluster(
            workers, texts, warm_up
        )
        difference = float(np.abs(vectors - expected).max())
        print(f"  {workers} worker(s): vectors differ from in-process by at most {difference:.1e}")
    print(f"\n{'run':<12} {'seconds':>8} {'texts/s':>8} {'per worker':>11}")
    for name, took in seconds.items():
        workers = 2 if name == "2 workers" else 1
        rate = len(texts) / took
        print(f"{name:<12} {took:>8.1f} {rate:>8.1f} {rate / workers:>11.1f}")
    print(f"\n2 workers : 1 worker = {seconds['1 worker'] / seconds['2 workers']:.2f}x")
    print(f"1 worker : in process = {seconds['in process'] / seconds['1 worker']:.2f}x")


if __name__ == "__main__":
    main()
