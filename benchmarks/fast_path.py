"""The fast assignment path against MiniLM + nearest centroid, on public labelled sets.

Per set: fit topics (MiniLM vectors) on a sample, then assign the rest two ways:
(a) reference: embed every remaining text with MiniLM, then ``assign_topics``;
(b) fast: ``assign_fast`` (TF-IDF classifier trained on the fitted labels), embedding only
    the texts it is unsure of.
MiniLM vectors come from the cache of topics_quality.py; MiniLM's real speed on these texts
is measured in this run on a few hundred of them, and embedding time is counted at that rate.

    python benchmarks/fast_path.py --cache /tmp/dc-emb
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from analysis.evaluate import evaluate_labels, read_labelled
from analysis.fast_assign import assign_fast, predict_fast, train_fast_assigner
from analysis.topics import TopicSettings, assign_topics, fit_topics

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
BITEXT = "bitext/Bitext_Sample_Customer_Support_Training_Dataset_v1.csv"
SETS = {
    "banking77": ("banking77/train.csv", "text", "category"),
    "bitext": (BITEXT, "instruction", "intent"),
    "dstc11": ("dstc11/insurance-utterances.jsonl", "utterance", "intent"),
}
THRESHOLDS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)


def load_set(name: str, data: Path, cache: Path) -> tuple[list[str], list[str], np.ndarray]:
    file, text_column, label_column = SETS[name]
    rows = read_labelled(data / file, text_column, label_column)
    texts = rows["text"].astype(str).tolist()
    vectors = np.load(cache / f"{name}.npy")
    cached = json.loads((cache / f"{name}.texts.json").read_text())
    if cached != texts:
        raise SystemExit(f"{name}: cached vectors are for other texts; re-run topics_quality.py")
    return texts, rows["label"].astype(str).tolist(), vectors


def minilm_rate(model, texts: list[str]) -> float:
    """MiniLM texts/s on these texts (one warm-up call first)."""
    model.embed(texts[:16])
    started = time.perf_counter()
    model.embed(texts)
    return len(texts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/dc-emb"))
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--sample", type=float, default=0.5, help="share of each set to fit on")
    parser.add_argument("--timing-texts", type=int, default=300)
    parser.add_argument("--min-confidence", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    from analysis.embeddings import load_minilm

    minilm = load_minilm()
    settings = TopicSettings(seed=args.seed)
    sweep, final = [], []
    for name in args.sets.split(","):
        texts, truth, vectors = load_set(name, args.data, args.cache)
        order = np.random.default_rng(args.seed).permutation(len(texts))
        cut = int(args.sample * len(texts))
        sample, rest = np.sort(order[:cut]), np.sort(order[cut:])
        rest_texts = [texts[i] for i in rest]
        rate = minilm_rate(minilm, rest_texts[: args.timing_texts])
        fit = fit_topics([texts[i] for i in sample], vectors[sample], settings)
        started = time.perf_counter()
        reference, _ = assign_topics(fit, vectors[rest])
        ref_seconds = len(rest) / rate + time.perf_counter() - started

        started = time.perf_counter()
        # Taught the sample's nearest-centroid topics (its vectors are at hand), the classifier
        # learns what the reference does; on the fit's own labels it agrees 0-1 % less.
        targets, _ = assign_topics(fit, vectors[sample])
        assigner = train_fast_assigner([texts[i] for i in sample], targets, seed=args.seed)
        train_seconds = time.perf_counter() - started
        guess, margin = predict_fast(assigner, rest_texts)  # for the sweep only
        for threshold in THRESHOLDS:
            unsure = margin < threshold
            ids = np.where(unsure, reference, guess)  # fallback = exactly the reference
            sweep.append((name, threshold, np.mean(unsure), np.mean(ids == reference)))

        index = {texts[i]: i for i in rest.tolist()}  # a repeated text has one vector

        def embed_cached(batch: list[str], _index=index, _vectors=vectors) -> np.ndarray:
            return _vectors[[_index[t] for t in batch]]

        started = time.perf_counter()
        fast, _, n_fallback = assign_fast(
            assigner, rest_texts, embed_cached, fit, args.min_confidence
        )
        fast_seconds = time.perf_counter() - started + n_fallback / rate
        whole_ref, whole_fast = np.empty(len(texts), int), np.empty(len(texts), int)
        whole_ref[sample] = whole_fast[sample] = fit.topic_ids
        whole_ref[rest], whole_fast[rest] = reference, fast
        nmi_ref = evaluate_labels(truth, whole_ref)["nmi"]
        nmi_fast = evaluate_labels(truth, whole_fast)["nmi"]
        final.append(
            (name, len(sample), len(rest), len(fit.topics), rate, ref_seconds, fast_seconds,
             train_seconds, np.mean(fast == reference), nmi_ref, nmi_fast, n_fallback / len(rest))
        )  # fmt: skip

    print("threshold sweep (fallback share / agreement with reference):")
    print("| set | min_confidence | fallback | agreement |\n|---|---|---|---|")
    for name, threshold, share, agree in sweep:
        print(f"| {name} | {threshold:.1f} | {share:.1%} | {agree:.1%} |")
    print(f"\nmin_confidence = {args.min_confidence}, fit on {args.sample:.0%} of each set")
    print(
        "| set | fit / assigned | topics | MiniLM texts/s | reference s | fast s | speed-up "
        "| train s | agreement | NMI ref | NMI fast | fallback |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for row in final:
        name, n_fit, n_rest, n_topics, rate, ref_s, fast_s, train_s, agree, nr, nf, share = row
        print(
            f"| {name} | {n_fit} / {n_rest} | {n_topics} | {rate:.0f} | {ref_s:.1f} | "
            f"{fast_s:.2f} | {ref_s / fast_s:.0f}x | {train_s:.1f} | {agree:.1%} | {nr:.3f} | "
            f"{nf:.3f} | {share:.1%} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
