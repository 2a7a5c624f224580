"""The fast path's fall-back margin, calibrated for each fit on texts it has not seen.

One fixed margin kept its promise on the sets it was tuned on (95 % agreement with MiniLM +
nearest centroid) and not on others (89-92 %): how sure the fast model may be depends on
the topics and the texts. So every fit measures it on texts whose sentence vectors are at
hand (whose true nearest topic is known) but which the model measured was not trained on,
and the margin is the smallest at which they agree with their true topics as often as
asked (``choose_margin``). A text that falls back is embedded and agrees by construction.

- More cached texts than ``max_train`` plus 2,000: training samples ``max_train`` of them
  anyway, so 2,000 of the others are held back and the model measured is the one used.
- Fewer: each of five folds of the distinct texts is held back once from a model trained on
  the rest, so every text is measured, and a last model trains on all of them. One slice
  of a fifth measured too few texts on small sets: the margin it chose gave 92.5-97.3 %
  on CFPB's 373 fitted complaints, against 96.0-97.3 % with five folds (three seeds,
  benchmarks/fast_path.py). The five models cost about 2.5 trainings more: tens of seconds
  at 5,000 texts on 2 cores, against the minutes MiniLM spends on the fall-backs. The last
  model agrees with MiniLM as often as the fold models (within a point), so the margin
  carries over.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
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

_SLICE = 2000  # texts held back when training would leave them out anyway: ~0.4 points
_FOLDS = 5  # else every text is held back once, by one of this many models


@dataclass(frozen=True)
class MarginChoice:
    margin: float  # texts whose predicted margin is below it fall back to the sentence model
    agreement: float  # share of the texts measured given their true topic at this margin
    fallback: float  # share of them that falls back at this margin
    measured_on: int  # texts measured: held back from the model that predicted them


@dataclass(frozen=True)
class FastOutcome:
    """What the fast path did in one run."""

    margin: MarginChoice  # calibrated on held-back texts
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
    vectors are at hand); the texts held back are a seeded pick of the distinct ones.
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    first_at: dict[str, int] = {}
    for i, text in enumerate(texts):
        first_at.setdefault(text, i)
    distinct = np.random.default_rng(seed).permutation(list(first_at.values()))

    def train(hold_out: Collection[str] = ()) -> FastAssigner:
        return train_fast_assigner(
            texts, vectors, fit, static=static, max_train=max_train, seed=seed, hold_out=hold_out
        )

    if len(distinct) < _FOLDS:  # too few texts to spare one: the unmeasured model decides nothing
        return train(), choose_margin(np.zeros(0), np.zeros(0), np.zeros(0), target)
    if len(distinct) - _SLICE >= max_train:  # the slice takes nothing training would use
        folds = [np.sort(distinct[:_SLICE])]
    else:
        folds = [np.sort(fold) for fold in np.array_split(distinct, _FOLDS)]
    predicted, margins, true, model = [], [], [], None
    for fold in folds:
        held = [texts[i] for i in fold.tolist()]
        model = train(set(held))
        guess, margin = predict_fast(model, held)
        predicted.append(guess)
        margins.append(margin)
        true.append(assign_topics(fit, vectors[fold])[0])
    choice = choose_margin(*map(np.concatenate, (predicted, margins, true)), target)
    return (model if len(folds) == 1 else train()), choice
