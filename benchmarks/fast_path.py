"""The fast assignment path against MiniLM + nearest centroid, on every labelled panel set.

Per set: fit topics (MiniLM vectors) on a seeded half, then assign the other half:
(a) reference: MiniLM vectors + ``assign_topics`` (what ``analyze`` without --fast does);
(b) calibrated: ``calibrate_fast_assigner`` holds back a fifth of the fitted half's texts,
    chooses the fall-back margin that reaches ``--target`` agreement on them, and
    ``assign_fast`` assigns with it, embedding only the texts it is unsure of (what
    ``analyze --fast`` does);
(c) fixed: the same model with the one margin every set used before (0.008).
Agreement is with (a) on the assigned half; NMI is of the whole set (fitted half's own
labels plus the assigned half's) against the set's intent labels, as ``evaluate`` scores.
"expected" is the agreement measured on held-back fitted texts, the figure --fast prints.

MiniLM vectors come from the panel cache (benchmarks/panel_sets.py; made there once).
With ``--timing-texts N``, MiniLM's speed is measured on N of each set's texts and the
fast path's time (features, kernel, prediction, MiniLM for the fall-backs) is compared.

    HF_HUB_OFFLINE=1 python benchmarks/fast_path.py
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from panel_sets import CACHE, DATA, LABELLED, cached_vectors, read_labelled_set

from dumbcontacts.analysis.topics.evaluate import evaluate_labels
from dumbcontacts.analysis.topics.fast_assign import assign_fast
from dumbcontacts.analysis.topics.fast_margin import calibrate_fast_assigner
from dumbcontacts.analysis.topics.fit import TopicSettings, assign_topics, fit_topics
from dumbcontacts.settings import FAST_AGREEMENT

FIXED_MARGIN = 0.008  # the margin every set used before calibration


def minilm_rate(model, texts: list[str]) -> float:
    """MiniLM texts/s on these texts (one warm-up call first)."""
    model.embed(texts[:16])
    started = time.perf_counter()
    model.embed(texts)
    return len(texts) / (time.perf_counter() - started)


def measure_set(name: str, args, static, minilm) -> dict:
    panel = read_labelled_set(name, args.data)
    texts, truth = panel.texts, panel.labels["intent"]
    vectors = np.asarray(cached_vectors(panel, args.cache), dtype=np.float32)
    order = np.random.default_rng(args.seed).permutation(len(texts))
    cut = int(args.sample * len(texts))
    sample, rest = np.sort(order[:cut]), np.sort(order[cut:])
    sample_texts, rest_texts = [texts[i] for i in sample], [texts[i] for i in rest]
    fit = fit_topics(sample_texts, vectors[sample], TopicSettings(seed=args.seed))
    reference, _ = assign_topics(fit, vectors[rest])

    started = time.perf_counter()
    assigner, choice = calibrate_fast_assigner(
        sample_texts, vectors[sample], fit, args.target, static=static, seed=args.seed
    )
    train_seconds = time.perf_counter() - started
    index = {texts[i]: i for i in rest.tolist()}  # a repeated text has one vector

    def embed_cached(batch: list[str]) -> np.ndarray:
        return vectors[[index[t] for t in batch]]

    started = time.perf_counter()
    fast, _, fell_back = assign_fast(assigner, rest_texts, embed_cached, fit, choice.margin)
    fast_seconds = time.perf_counter() - started
    fixed, _, fixed_fell_back = assign_fast(assigner, rest_texts, embed_cached, fit, FIXED_MARGIN)

    def nmi(assigned: np.ndarray) -> float:
        whole = np.empty(len(texts), dtype=int)
        whole[sample], whole[rest] = fit.topic_ids, assigned
        return evaluate_labels(truth, whole)["nmi"]

    row = {
        "set": name, "fit": len(sample), "assigned": len(rest), "topics": len(fit.topics),
        "margin": choice.margin, "slice": choice.measured_on, "expected": choice.agreement,
        "agreement": float(np.mean(fast == reference)), "fallback": fell_back / len(rest),
        "nmi_ref": nmi(reference), "nmi_fast": nmi(fast),
        "fixed_agreement": float(np.mean(fixed == reference)),
        "fixed_fallback": fixed_fell_back / len(rest), "nmi_fixed": nmi(fixed),
        "train_s": train_seconds,
    }  # fmt: skip
    if minilm is not None:
        rate = minilm_rate(minilm, rest_texts[: args.timing_texts])
        row["speed_up"] = (len(rest) / rate) / (fast_seconds + fell_back / rate)
    return row


def print_table(rows: list[dict], target: float) -> None:
    print(f"\ncalibrated for {target:.0%} agreement; fixed margin {FIXED_MARGIN}")
    timed = "speed_up" in rows[0]
    print(
        "| set | fit / assigned | topics | margin | expected (texts measured) | agreement "
        "| fallback | NMI MiniLM | NMI fast | NMI diff | fixed: agreement | fixed: fallback "
        "| fixed: NMI diff | train s |" + (" speed-up |" if timed else "")
    )
    print("|---" * (14 + timed) + "|")
    for r in rows:
        print(
            f"| {r['set']} | {r['fit']} / {r['assigned']} | {r['topics']} | {r['margin']:.4f} "
            f"| {r['expected']:.1%} ({r['slice']}) | {r['agreement']:.1%} | {r['fallback']:.1%} "
            f"| {r['nmi_ref']:.3f} | {r['nmi_fast']:.3f} | {r['nmi_fast'] - r['nmi_ref']:+.3f} "
            f"| {r['fixed_agreement']:.1%} | {r['fixed_fallback']:.1%} "
            f"| {r['nmi_fixed'] - r['nmi_ref']:+.3f} | {r['train_s']:.1f} |"
            + (f" {r['speed_up']:.0f}x |" if timed else ""),
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--sets", default=",".join(LABELLED))
    parser.add_argument("--sample", type=float, default=0.5, help="share of each set to fit on")
    parser.add_argument("--target", type=float, default=FAST_AGREEMENT)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--timing-texts", type=int, default=0, help="0: no timing")
    parser.add_argument(
        "--model-cache",
        type=Path,
        default=Path.home() / ".cache" / "dumbcontacts",
        help="where the static model is distilled once (as `analyze --static` does)",
    )
    parser.add_argument("--no-static", action="store_true", help="TF-IDF features only")
    args = parser.parse_args()
    from dumbcontacts.analysis.topics.embeddings import load_minilm, load_static_minilm

    static = None if args.no_static else load_static_minilm(args.model_cache)
    minilm = load_minilm() if args.timing_texts else None
    rows = []
    for name in args.sets.split(","):
        rows.append(measure_set(name, args, static, minilm))
        print(rows[-1], flush=True)
    print_table(rows, args.target)


if __name__ == "__main__":
    main()
