"""Embedding (and loading) throughput on a local Dask cluster of one worker against two, one run.

Real texts read in place from ../shared/data (a seeded sample of Banking77 queries) are
embedded by all-MiniLM-L6-v2 as ``analyze`` does with ``[compute] address`` set
(``ClusterEmbedder``), on a local cluster of 1 worker, then of 2, one thread each. Each
cluster first embeds a warm-up of a few batches per worker, so every worker has loaded the
model: the figures are the steady state. The reference, measured in the same run, is the
in-process embedder on one thread. Prints texts/s per cluster, per worker, the 2 : 1 ratio,
and that every vector equals the in-process one (max abs difference).

With ``--warehouse postgresql://...`` (an empty database: its tables are dropped) it also
loads a generated sample of ``--load-contacts`` contacts (four contact files and three
others) with ``dumbcontacts load``: in the command's process, then on 1 and 2 workers.

    HF_HUB_OFFLINE=1 python benchmarks/cluster.py                 # 3,000 texts, ~4 minutes
    HF_HUB_OFFLINE=1 python benchmarks/cluster.py --texts 200
    python benchmarks/cluster.py --texts 0 --warehouse postgresql://u:p@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # the tokenizer on one thread too

import numpy as np  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from onnx_int8 import describe_machine, sample_texts  # noqa: E402
from panel_sets import DATA  # noqa: E402

from dumbcontacts.analysis.topics.cluster import ClusterEmbedder  # noqa: E402
from dumbcontacts.analysis.topics.embeddings import load_minilm  # noqa: E402
from dumbcontacts.cli.analysis import load_embedder  # noqa: E402
from dumbcontacts.settings import Settings  # noqa: E402

BIN = Path(sys.executable).parent
BATCH = 128  # texts a task: small enough that two workers share a short run evenly


@contextmanager
def local_cluster(workers: int):
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):  # fmt: skip
        client.wait_for_workers(workers)
        yield client


def embed_on_cluster(
    workers: int, texts: list[str], warm_up: list[str]
) -> tuple[float, np.ndarray]:
    """Seconds to embed ``texts`` on a fresh local cluster of ``workers`` one-thread workers,
    once each has loaded the model."""
    with local_cluster(workers) as client:
        loader = functools.partial(load_embedder, Settings())
        embedder = ClusterEmbedder(client, loader, batch_size=BATCH)
        loaded = set()
        while len(loaded) < workers:  # until every worker has run a batch
            embedder.embed(warm_up)
            loaded |= set(client.run(_has_model).values()) - {None}
        started = time.perf_counter()
        vectors = embedder.embed(texts)
        return time.perf_counter() - started, vectors


def time_load(url: str, folder: Path, address: str | None) -> float:
    """Seconds for ``dumbcontacts load folder`` into an emptied PostgreSQL database."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    env = {
        **os.environ,
        "DUMBCONTACTS_WAREHOUSE": url,
        "DUMBCONTACTS_COMPUTE_ADDRESS": address or "",
    }
    started = time.perf_counter()
    subprocess.run([BIN / "dumbcontacts", "load", str(folder)], env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - started


def compare_loads(url: str, contacts: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "sample"
        subprocess.run([BIN / "dumbcontacts", "sample-data", str(folder), "--contacts",
                        str(contacts)], check=True, stdout=subprocess.DEVNULL)  # fmt: skip
        seconds = {"in process": time_load(url, folder, None)}
        for workers in (1, 2):
            with local_cluster(workers) as client:
                name = f"{workers} worker{'s' * (workers > 1)}"
                seconds[name] = time_load(url, folder, client.scheduler.address)
    print(f"\nload of {contacts:,} generated contacts into PostgreSQL (7 files)")
    print(f"{'run':<12} {'seconds':>8} {'contacts/s':>11}")
    for name, took in seconds.items():
        print(f"{name:<12} {took:>8.1f} {contacts / took:>11,.0f}")
    print(f"2 workers : 1 worker = {seconds['1 worker'] / seconds['2 workers']:.2f}x")


def _has_model(dask_worker):  # client.run passes the worker by this name
    from dumbcontacts.analysis.topics import cluster

    return dask_worker.address if cluster._MODELS else None


def compare_embedding(count: int, seed: int, data: Path) -> None:
    texts = sample_texts("banking77", count, seed, data)
    warm_up = sample_texts("banking77", 4 * BATCH, seed + 1, data)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=3000, help="Banking77 queries")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--warehouse", help="an empty PostgreSQL database to time loads in")
    parser.add_argument("--load-contacts", type=int, default=200_000)
    args = parser.parse_args()
    print(f"{dt.date.today()}, {describe_machine()}")

    if args.texts:
        compare_embedding(args.texts, args.seed, args.data)
    if args.warehouse:
        compare_loads(args.warehouse, args.load_contacts)


if __name__ == "__main__":
    main()
