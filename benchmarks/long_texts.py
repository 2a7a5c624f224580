"""Long texts: topics from whole complaint letters against topics from their problem statement.

The complaint letters in ``../shared/data/cfpb/`` (746 narratives, median ~140 words) are
embedded with MiniLM four ways: as they are (the model reads their first 256 word pieces),
cleaned of masks (``clean_for_embedding``), the first 80 words of the cleaned text, and as
the product prepares them (``prepare_reason``: cleaned, and cut to the sentences that state
the problem). Each is clustered by the product's ``fit_topics`` with its default settings
(several seeds: the fit is not stable on this set) and, as a reference that does not depend
on the clustering, by k-means told the true number of labels. Prints embedding speed and
NMI / ARI against the regulator's ``Product`` (12) and ``Issue`` (54) labels, over all rows
(outliers count as one more topic).

    HF_HUB_OFFLINE=1 python benchmarks/long_texts.py
    HF_HUB_OFFLINE=1 python benchmarks/long_texts.py --cache /tmp/dc-long --seeds 42 7 11
    HF_HUB_OFFLINE=1 python benchmarks/long_texts.py --speed 100   # embedding speed only
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import numpy as np
import polars as pl
from sklearn.cluster import KMeans

from dumbcontacts.analysis.topics.embeddings import load_minilm
from dumbcontacts.analysis.topics.evaluate import evaluate_labels
from dumbcontacts.analysis.topics.fit import TopicSettings, fit_topics
from dumbcontacts.analysis.topics.prepare import clean_for_embedding, prepare_reason

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "cfpb" / "complaints_dev.csv"
NARRATIVE = "Consumer complaint narrative"
LABELS = ("Product", "Issue")


def read_letters(path: Path) -> pl.DataFrame:
    frame = pl.read_csv(path, infer_schema=False).drop_nulls(NARRATIVE)
    return frame.filter(pl.col(NARRATIVE).str.strip_chars() != "")


def embed(
    name: str, texts: list[str], cache: Path | None, model_box: list
) -> tuple[np.ndarray, float]:
    """Vectors and texts per second (None-cached: the speed of an earlier run is not known)."""
    path = cache / f"{name}.npy" if cache else None
    if path is not None and path.exists():
        return np.load(path), float("nan")
    if not model_box:
        model_box.append(load_minilm())
    started = time.perf_counter()
    vectors = model_box[0].embed(texts)
    speed = len(texts) / (time.perf_counter() - started)
    if path is not None:
        cache.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
    return vectors, speed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--cache", type=Path, help="folder for the vectors (.npy) between runs")
    parser.add_argument("--seeds", type=int, nargs="+", default=[42])
    parser.add_argument(
        "--speed", type=int, metavar="N", help="only time embedding N letters, whole and prepared"
    )
    args = parser.parse_args()
    if args.speed:
        time_embedding(read_letters(args.data)[NARRATIVE].to_list()[: args.speed])
        return

    letters = read_letters(args.data)
    raw = letters[NARRATIVE].to_list()
    clean = [clean_for_embedding(t) for t in raw]
    # cache key: (shown as, texts embedded, texts the keywords come from)
    variants = {
        "whole": ("whole letter (first 256 word pieces)", raw, raw),
        "clean": ("cleaned letter (first 256 word pieces)", clean, clean),
        "lead": (
            "cleaned letter, first 80 words",
            [" ".join(t.split()[:80]) for t in clean],
            clean,
        ),
        "problem": ("problem statement (prepare_reason)", [prepare_reason(t) for t in raw], clean),
    }
    words = [len(t.split()) for t in raw]
    print(
        f"{len(raw)} letters, median {int(np.median(words))} words; "
        f"{platform.machine()}, {platform.python_version()}, {time.strftime('%Y-%m-%d')}"
    )
    model_box: list = []
    print(f"\n{'input':<38} {'words':>5} {'texts/s':>8} {'run':>5} {'topics':>6} {'largest':>7}"
          + "".join(f" {f'NMI {label}':>12} {f'ARI {label}':>12}" for label in LABELS))  # fmt: skip
    for key, (name, embedded, described) in variants.items():
        vectors, speed = embed(key, embedded, args.cache, model_box)
        median_words = int(np.median([len(t.split()) for t in embedded]))
        for seed in args.seeds:
            fit = fit_topics(described, vectors, TopicSettings(seed=seed))
            print(_line(name, median_words, speed, str(seed), fit.topic_ids, letters), flush=True)
        for label in LABELS:
            k = letters[label].n_unique()
            found = KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(vectors)
            print(_line(name, median_words, speed, f"k={k}", found, letters), flush=True)


def time_embedding(letters: list[str], rounds: int = 2) -> None:
    """Texts per second, whole letters against their problem statements, interleaved so a
    change in the shared machine's load hits both alike; best of ``rounds``."""
    model = load_minilm()
    prepared = [prepare_reason(t) for t in letters]
    model.embed(prepared[:8])  # warm up
    best = {"whole": 0.0, "prepared": 0.0}
    for _ in range(rounds):
        for name, texts in (("whole", letters), ("prepared", prepared)):
            started = time.perf_counter()
            model.embed(texts)
            best[name] = max(best[name], len(texts) / (time.perf_counter() - started))
    print(
        f"{len(letters)} letters: whole {best['whole']:.1f} texts/s, "
        f"problem statement {best['prepared']:.1f} texts/s "
        f"({best['prepared'] / best['whole']:.1f}x), best of {rounds}"
    )


def _line(name, words, speed, run, topic_ids, letters) -> str:
    largest = np.bincount(np.asarray(topic_ids) + 1).max() / len(topic_ids)
    n_topics = len(set(np.asarray(topic_ids).tolist()) - {-1})
    line = f"{name:<38} {words:>5} {speed:>8.1f} {run:>5} {n_topics:>6} {largest:>7.1%}"
    for label in LABELS:
        scores = evaluate_labels(letters[label].to_list(), topic_ids)
        line += f" {scores['nmi']:>12.3f} {scores['ari']:>12.3f}"
    return line


if __name__ == "__main__":
    main()
