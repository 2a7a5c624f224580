"""The fast assignment path against MiniLM + nearest centroid, on public labelled sets.

Per set: fit topics (MiniLM vectors) on a sample, then assign the rest two ways:
(a) reference: embed every remaining text with MiniLM, then ``assign_topics``;
(b) fast: ``assign_fast`` (kernel ridge on word TF-IDF and static vectors, trained on the
    sample's MiniLM centroid similarities), embedding only the texts it is unsure of.
MiniLM vectors are cached in ``--cache`` (made on the first run, ~5-8 minutes for the three
sets); MiniLM's real speed on these texts is measured in this run on a few hundred of them,
and embedding time is counted at that rate. "fast s" counts everything (b) does per text:
features, the kernel against the training texts, prediction, and MiniLM for the
fall-backs; training (once per model, on vectors the fit already made) is shown apart.

    HF_HUB_OFFLINE=1 python benchmarks/fast_path.py --cache /tmp/dc-emb
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from dumbcontacts.analysis.topics.analyze import FAST_CONFIDENCE
from dumbcontacts.analysis.topics.evaluate import evaluate_labels, read_labelled
from dumbcontacts.analysis.topics.fast_assign import assign_fast, predict_fast, train_fast_assigner
from dumbcontacts.analysis.topics.fit import TopicSettings, assign_topics, fit_topics

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
BITEXT = "bitext/Bitext_Sample_Customer_Support_Training_Dataset_v1.csv"
SETS = {
    "banking77": ("banking77/train.csv", "text", "category"),
    "bitext": (BITEXT, "instruction", "intent"),
    "dstc11": ("dstc11/insurance-utterances.jsonl", "utterance", "intent"),
}
THRESHOLDS = (0.0, 0.004, 0.006, 0.008, 0.01, 0.015, 0.02)


def load_set(
    name: str, data: Path, cache: Path, minilm=None
) -> tuple[list[str], list[str], np.ndarray]:
    """Texts, labels and MiniLM vectors; with ``minilm``, missing vectors are made and cached."""
    file, text_column, label_column = SETS[name]
    rows = read_labelled(data / file, text_column, label_column)
    texts = rows["text"].astype(str).tolist()
    vectors_file, texts_file = cache / f"{name}.npy", cache / f"{name}.texts.json"
    if minilm is not None and not texts_file.exists():
        cache.mkdir(parents=True, exist_ok=True)
        np.save(vectors_file, minilm.embed(texts))
        texts_file.write_text(json.dumps(texts))
    if json.loads(texts_file.read_text()) != texts:
        raise SystemExit(f"{name}: cached vectors are for other texts; delete {texts_file}")
    return texts, rows["label"].astype(str).tolist(), np.load(vectors_file)


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
    parser.add_argument("--min-confidence", type=float, default=FAST_CONFIDENCE)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--model-cache",
        type=Path,
        default=Path.home() / ".cache" / "dumbcontacts",
        help="where the static model is distilled once (as `analyze --static` does)",
    )
    parser.add_argument("--no-static", action="store_true", help="TF-IDF features only")
    args = parser.parse_args()
    from dumbcontacts.analysis.topics.embeddings import load_minilm, load_static_minilm

    minilm = load_minilm()
    static = None if args.no_static else load_static_minilm(args.model_cache)
    static_name = "TF-IDF only" if static is None else "TF-IDF + static"
    settings = TopicSettings(seed=args.seed)
    sweep, final = [], []
    for name in args.sets.split(","):
        texts, truth, vectors = load_set(name, args.data, args.cache, minilm)
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
        # Taught the sample's centroid similarities (its vectors are at hand), the model
        # learns what the reference computes, not the fit's own (HDBSCAN) labels.
        assigner = train_fast_assigner(
            [texts[i] for i in sample], vectors[sample], fit, static=static, seed=args.seed
        )
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
        print(f"| {name} | {threshold:.3f} | {share:.1%} | {agree:.1%} |")
    print(
        f"\n{static_name}, min_confidence = {args.min_confidence}, "
        f"fit on {args.sample:.0%} of each set"
    )
    print(
        "| set | fit / assigned | topics | MiniLM texts/s | reference s | fast s | speed-up "
        "| train s | with training | agreement | NMI ref | NMI fast | fallback |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for row in final:
        name, n_fit, n_rest, n_topics, rate, ref_s, fast_s, train_s, agree, nr, nf, share = row
        print(
            f"| {name} | {n_fit} / {n_rest} | {n_topics} | {rate:.0f} | {ref_s:.1f} | "
            f"{fast_s:.2f} | {ref_s / fast_s:.0f}x | {train_s:.1f} | "
            f"{ref_s / (fast_s + train_s):.0f}x | {agree:.1%} | {nr:.3f} | "
            f"{nf:.3f} | {share:.1%} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
