"""The fast path's fall-back margin, calibrated for each fit on texts it has not seen.

One fixed margin kept its promise on the sets it was tuned on (95 % agreement with MiniLM +
nearest centroid) and not on others (89-92 %): how sure the fast model may be depends on
the topics and the texts. So every fit measures it: a seeded slice of the texts whose
sentence vectors are at hand (whose true nearest topic is known) is held back from the fast
model's training and predicted, and the margin is the smallest one at which the slice
agrees with its true topics as often as asked (``choose_margin``). A text that falls back
is embedded and agrees by construction.

When the slice took texts the model would have trained on (the cached set is smaller than
``max_train`` plus the slice), the model is trained again on all of them: one more solve
(seconds, against the minutes MiniLM spends on the fall-backs), and a model that knows more
texts than the one measured is, if anything, surer, so the margin errs on the safe side.
When the cached set is larger, training samples ``max_train`` texts anyway, and the
slice comes out of the texts it would have left out: the measured model is the one used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dumbcontacts.analysis.topics.embeddings import Embedder
from dumbcontacts.analysis.topics.fast_assign import (
    FastAssigner,
    predict_fast,
    train_fast_assigner,
)
from dumbcontacts.analysis.topics.fit import TopicFit, assign_topics

__all__ = [
    "FastOutcome",
    "MarginChoice",
    "calibrate_fast_assigner",
    "check_target",
    "choose_margin",
]

_SLICE_SHARE = 0.2  # of the distinct cached texts, held back to measure the model on
_MAX_SLICE = 2000  # enough to measure agreement to ~0.4 points; more only costs training


@dataclass(frozen=True)
class MarginChoice:
    margin: float  # texts whose predicted margin is below it fall back to the sentence model
    agreement: float  # share of the slice given its true topic at this margin
    fallback: float  # share of the slice that falls back at this margin
    measured_on: int  # texts in the slice


@dataclass(frozen=True)
class FastOutcome:
    """What the fast path did in one run."""

    margin: MarginChoice  # calibrated on the held-back slice
    target: float  # the agreement it was calibrated for
    assigned: int  # contacts it assigned
    fell_back: int  # of them, embedded and given their nearest centroid

    @property
    def fallback_share(self) -> float:
        return self.fell_back / self.assigned if self.assigned else 0.0

    def describe(self) -> str:
        """Its promise and its cost, in one line."""
        choice, cost = self.margin, f"{self.fell_back:,} of {self.assigned:,} new contacts"
        if choice.measured_on == 0:
            return f"too few embedded texts to measure it on; {cost} were embedded"
        return (
            f"{choice.agreement:.1%} expected agreement with the sentence model (target "
            f"{self.target * 100:g}%, measured on {choice.measured_on:,} held-back texts, "
            f"margin {choice.margin:.4f}); {cost} ({self.fallback_share:.1%}) were embedded"
        )


def check_target(target: float) -> None:
    """Refuse an agreement target outside (0, 1]."""
    if not 0 < target <= 1:
        raise ValueError(f"the fast path's target agreement must be in (0, 1], not {target}")


def choose_margin(
    predicted: np.ndarray, margins: np.ndarray, true: np.ndarray, target: float
) -> MarginChoice:
    """The smallest margin at which the fast path agrees with ``true`` on ``target`` of texts.

    ``predicted`` and ``margins`` are the fast model's topic and predicted margin over the
    runner-up for each text, ``true`` its nearest-centroid topic. A text falls back when its
    margin is below the chosen one, and then agrees. The margin is one of the predicted
    margins above 0 (the first text to be decided by the model), so a text the model knows
    nothing of (margin 0) always falls back; above the largest of them when every text must
    fall back; infinite when there are no texts to measure on.
    """
    check_target(target)
    margins = np.asarray(margins, dtype=np.float64)
    n = len(margins)
    if n == 0:
        return MarginChoice(float("inf"), 1.0, 1.0, 0)
    order = np.argsort(margins, kind="stable")
    sorted_margins = margins[order]
    wrong = (np.asarray(predicted) != np.asarray(true))[order]
    # Candidate j: the margin of the j-th text in margin order; the texts below it fall back.
    # Ties fall back together, so only a text whose margin differs from the one before it
    # starts a candidate.
    starts = np.flatnonzero(np.r_[True, sorted_margins[1:] > sorted_margins[:-1]])
    starts = starts[sorted_margins[starts] > 0]
    wrong_kept = np.cumsum(wrong[::-1])[::-1]  # wrong texts from j to the end
    agreement = 1 - wrong_kept[starts] / n
    reached = np.flatnonzero(agreement >= target - 1e-12)  # 0.97 of 100 texts is 97 texts
    if len(reached) == 0:
        return MarginChoice(float(np.nextafter(sorted_margins[-1], np.inf)), 1.0, 1.0, n)
    first = starts[reached[0]]
    return MarginChoice(
        float(sorted_margins[first]), float(agreement[reached[0]]), float(first / n), n
    )


def calibrate_fast_assigner(
    texts: Sequence[str],
    vectors: np.ndarray,
    fit: TopicFit,
    target: float,
    *,
    static: Embedder | None = None,
    max_train: int = 6000,
    seed: int = 0,
) -> tuple[FastAssigner, MarginChoice]:
    """A fast model trained on ``texts`` and the margin that keeps it at ``target`` agreement.

    ``texts`` and ``vectors`` are as ``train_fast_assigner`` takes them (texts whose sentence
    vectors are at hand). The slice is a seeded pick of the distinct texts.
    """
    first_at: dict[str, int] = {}
    for i, text in enumerate(texts):
        first_at.setdefault(text, i)
    distinct = np.fromiter(first_at.values(), dtype=int, count=len(first_at))
    size = min(_MAX_SLICE, int(_SLICE_SHARE * len(distinct)))
    if size == 0:  # too few texts to spare one: the unmeasured model decides nothing
        model = train_fast_assigner(
            texts, vectors, fit, static=static, max_train=max_train, seed=seed
        )
        return model, choose_margin(np.zeros(0), np.zeros(0), np.zeros(0), target)
    held = np.sort(np.random.default_rng(seed).choice(distinct, size, replace=False))
    held_texts = [texts[i] for i in held.tolist()]
    probe = train_fast_assigner(
        texts, vectors, fit, static=static, max_train=max_train, seed=seed,
        hold_out=set(held_texts),
    )  # fmt: skip
    predicted, margins = predict_fast(probe, held_texts)
    true, _ = assign_topics(fit, np.asarray(vectors, dtype=np.float32)[held])
    choice = choose_margin(predicted, margins, true, target)
    if len(distinct) - size >= max_train:  # the slice took nothing training would have used
        return probe, choice
    model = train_fast_assigner(texts, vectors, fit, static=static, max_train=max_train, seed=seed)
    return model, choice
