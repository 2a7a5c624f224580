"""Embedding benchmark: MiniLM against its distilled static model, and the cache, one run.

Both models embed the same real texts (a seeded sample of banking77, read in place); the
report gives sentences/s for each, their ratio, the one-off distillation time when the
static model is not on disk yet, and a quality sanity check: leave-one-out 1-nearest-
neighbour intent accuracy on the same texts. Then the cache: fill a fresh DuckDB warehouse
with N fake 384-d vectors and time reading them all back (the "re-run embeds nothing" path).

    python benchmarks/embeddings.py                       # 2,000 texts, 100k cached vectors
    python benchmarks/embeddings.py --texts 500 --cache-rows 20000
    python benchmarks/embeddings.py --postgres postgresql://user:pw@host/db   # also time PG
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl
from sqlalchemy import delete

from dumbcontacts.analysis.topics.embedding_cache import embed_with_cache
from dumbcontacts.analysis.topics.embeddings import (
    FakeEmbedder,
    StaticEmbedder,
    distill_static_model,
    load_minilm,
    minilm_path,
)
from dumbcontacts.etl.schema import embeddings
from dumbcontacts.etl.warehouse import create_warehouse

BANKING77 = Path(__file__).resolve().parents[2] / "shared" / "data" / "banking77" / "train.csv"
STATIC_DIR = Path.home() / ".cache" / "dumbcontacts" / "model2vec-all-MiniLM-L6-v2"


def read_sample(path: Path, count: int, seed: int) -> pl.DataFrame:
    frame = pl.read_csv(path)
    return frame.sample(n=min(count, frame.height), seed=seed, shuffle=True)


def sentences_per_second(embedder, texts: list[str], runs: int) -> tuple[float, np.ndarray]:
    embedder.embed(texts[:32])  # warm-up: first-call allocations are not throughput
    best, vectors = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        vectors = embedder.embed(texts)
        best = min(best, time.perf_counter() - started)
    return len(texts) / best, vectors


def nearest_neighbour_accuracy(vectors: np.ndarray, labels: list[str]) -> float:
    """Share of texts whose most similar other text has the same intent."""
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, -np.inf)
    nearest = similarity.argmax(axis=1)
    labels_array = np.asarray(labels)
    return float((labels_array[nearest] == labels_array).mean())


def time_cache(url: str, rows: int, runs: int) -> tuple[float, float]:
    """Seconds to fill ``rows`` fake vectors, and the best time to read them all back."""
    warehouse = create_warehouse(url)
    fake = FakeEmbedder(dimension=384, seed=0)
    texts = [f"contact reason number {i}" for i in range(rows)]
    with warehouse.begin() as conn:  # a reused PostgreSQL database must start cold too
        conn.execute(delete(embeddings).where(embeddings.c.model == fake.name))
    started = time.perf_counter()
    embed_with_cache(warehouse, fake, texts, chunk_size=20_000)
    fill = time.perf_counter() - started
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        vectors = embed_with_cache(warehouse, fake, texts)
        best = min(best, time.perf_counter() - started)
    assert vectors.shape == (rows, 384)
    warehouse.engine.dispose()
    return fill, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=BANKING77)
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--static-dir", type=Path, default=STATIC_DIR)
    parser.add_argument("--cache-rows", type=int, default=100_000)
    parser.add_argument("--postgres", help="also time the cache on this PostgreSQL URL")
    args = parser.parse_args()

    sample = read_sample(args.data, args.texts, args.seed)
    texts, labels = sample["text"].to_list(), sample["category"].to_list()
    words = np.median([len(t.split()) for t in texts])
    print(f"{platform.processor() or platform.machine()}, python {platform.python_version()}")
    print(f"{len(texts)} texts from {args.data.name}, median {words:.0f} words\n")

    started = time.perf_counter()
    minilm = load_minilm()
    print(f"MiniLM load: {time.perf_counter() - started:.1f} s (offline, {minilm_path()})")
    minilm_rate, minilm_vectors = sentences_per_second(minilm, texts, runs=1)

    existed = (args.static_dir / "model.safetensors").is_file()
    started = time.perf_counter()
    folder = distill_static_model(minilm_path(), args.static_dir)
    made = "reused" if existed else f"distilled in {time.perf_counter() - started:.1f} s"
    static = StaticEmbedder(folder)
    print(f"static model: {made} ({folder})")
    static_rate, static_vectors = sentences_per_second(static, texts, runs=5)

    print(f"\n{'model':<10}{'sentences/s':>14}{'1-NN intent acc':>18}")
    for name, rate, vectors in (
        ("MiniLM", minilm_rate, minilm_vectors),
        ("static", static_rate, static_vectors),
    ):
        accuracy = nearest_neighbour_accuracy(vectors, labels)
        print(f"{name:<10}{rate:>14,.0f}{accuracy:>18.3f}")
    print(f"static / MiniLM speed: {static_rate / minilm_rate:,.0f}x\n")

    with tempfile.TemporaryDirectory() as tmp:
        engines = [("duckdb", f"duckdb:///{Path(tmp) / 'cache.duckdb'}")]
        if args.postgres:
            engines.append(("postgresql", args.postgres))
        for engine, url in engines:
            fill, lookup = time_cache(url, args.cache_rows, runs=3)
            print(
                f"cache {engine}: {args.cache_rows:,} vectors (384-d) "
                f"fake-embedded + stored in {fill:.1f} s, "
                f"all read back in {lookup:.2f} s ({args.cache_rows / lookup:,.0f}/s)"
            )


if __name__ == "__main__":
    main()
