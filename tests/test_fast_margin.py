"""The fast path's fall-back margin: chosen on held-back texts, for an agreement target."""

import numpy as np
import pytest

from dumbcontacts.analysis.topics.fast_assign import assign_fast, predict_fast
from dumbcontacts.analysis.topics.fast_margin import (
    FastOutcome,
    MarginChoice,
    calibrate_fast_assigner,
    choose_margin,
)
from tests.test_fast_assign import fake_fit, fake_vectors, make_texts, one_hot_embedder

ABOVE_04 = float(np.nextafter(0.04, 1))


@pytest.mark.parametrize(
    ("predicted", "margins", "true", "target", "expected"),
    [
        # All right: the smallest margin; nothing falls back.
        ([0, 1, 2, 3], [0.3, 0.1, 0.4, 0.2], [0, 1, 2, 3], 0.97, (0.1, 1.0, 0.0)),
        # The least sure text is wrong: it falls back for 100 %, stays for 75 %.
        ([0, 0, 0, 0], [0.01, 0.02, 0.03, 0.04], [1, 0, 0, 0], 1.0, (0.02, 1.0, 0.25)),
        ([0, 0, 0, 0], [0.01, 0.02, 0.03, 0.04], [1, 0, 0, 0], 0.75, (0.01, 0.75, 0.0)),
        # The surest text is wrong: only falling back on everything reaches 97 %.
        ([0, 0, 0, 1], [0.01, 0.02, 0.03, 0.04], [0, 0, 0, 0], 0.97, (ABOVE_04, 1.0, 1.0)),
        # A wrong text in the middle: the two below it fall back with it.
        ([0, 0, 1, 0, 0], [0.01, 0.02, 0.03, 0.04, 0.05], [0] * 5, 1.0, (0.04, 1.0, 0.6)),
        # Equal margins fall back together.
        ([0, 1, 0, 0], [0.01, 0.01, 0.02, 0.03], [0, 0, 0, 0], 1.0, (0.02, 1.0, 0.5)),
        # A text the model knows nothing of (margin 0) falls back even when it is right.
        ([0, 0, 0], [0.0, 0.05, 0.1], [0, 0, 0], 0.5, (0.05, 1.0, 1 / 3)),
        ([0, 0], [0.0, 0.0], [0, 0], 0.5, (float(np.nextafter(0.0, 1)), 1.0, 1.0)),
        # No texts to measure on: nothing is decided by the model.
        ([], [], [], 0.97, (float("inf"), 1.0, 1.0)),
    ],
)
def test_choose_margin(predicted, margins, true, target, expected):
    choice = choose_margin(np.array(predicted), np.array(margins), np.array(true), target)
    assert choice == MarginChoice(*expected, measured_on=len(margins))


def test_a_target_met_exactly_counts_as_met():
    # 97 of 100 right is 97 %, whatever 1 - 3/100 rounds to.
    margins = np.arange(1, 101) / 1000
    predicted = np.r_[np.zeros(97), np.ones(3)].astype(int)
    choice = choose_margin(predicted, margins, np.zeros(100, dtype=int), 0.97)
    assert (choice.margin, choice.agreement, choice.fallback) == (0.001, 0.97, 0.0)


@pytest.mark.parametrize("target", [0.0, -0.5, 1.01, float("nan")])
def test_a_target_outside_0_to_1_is_refused(target):
    with pytest.raises(ValueError, match=r"target agreement must be in \(0, 1\]"):
        choose_margin(np.zeros(1), np.ones(1), np.zeros(1), target)


def calibrate(n_per_topic: int, target: float = 1.0, **options):
    texts, ids = make_texts(n_per_topic)
    return calibrate_fast_assigner(texts, fake_vectors(ids), fake_fit(), target, **options)


def test_measures_every_text_in_five_folds_then_trains_on_all_of_them():
    model, choice = calibrate(30)  # 96 distinct texts
    assert choice.measured_on == 96 and choice.agreement == 1.0
    assert model.train.shape[0] == 96 and len(model.known) == 96
    again, same = calibrate(30)  # seeded folds
    assert same == choice and np.array_equal(again.coef, model.coef)
    # Held-out texts of the same topics: at the calibrated margin every one agrees.
    texts, ids = make_texts(10, offset=50)
    assigned, _, _ = assign_fast(model, texts, one_hot_embedder(0, []), fake_fit(), choice.margin)
    fell_back = predict_fast(model, texts)[1] < choice.margin
    assert np.all((assigned == ids) | fell_back)


def test_holds_back_texts_training_would_leave_out_and_keeps_the_model_it_measured():
    texts, ids = make_texts(525)
    texts = [f"{text} case {n}" for n, text in enumerate(texts)]  # 2,100 distinct texts
    # 2,000 held back: the other 100 are more than the 60 it trains on.
    model, choice = calibrate_fast_assigner(
        texts, fake_vectors(ids), fake_fit(), 0.97, max_train=60
    )
    assert choice.measured_on == 2000
    assert model.train.shape[0] == 60 and len(model.known) == 2100


def test_a_demanding_target_falls_back_more():
    # Every fifth text's vector sits at the next topic, whatever its words say: no model of
    # the words can get those right, only falling back can.
    texts, ids = make_texts(30)
    vectors = fake_vectors(np.where(np.arange(len(ids)) % 5 == 0, (ids + 1) % 4, ids))
    choices = [
        calibrate_fast_assigner(texts, vectors, fake_fit(), target)[1] for target in (0.6, 0.9)
    ]
    assert [c.agreement >= t for c, t in zip(choices, (0.6, 0.9), strict=True)] == [True, True]
    assert choices[0].margin < choices[1].margin and choices[0].fallback < choices[1].fallback
    assert choices[0].fallback > 0  # here even 60 % needs some texts to fall back


def test_too_few_texts_to_hold_any_back_decide_nothing():
    model, choice = calibrate(1)  # 4 texts: a fifth is no text
    assert choice == MarginChoice(float("inf"), 1.0, 1.0, 0)
    calls = []
    texts = make_texts(2, offset=5)[0]
    assign_fast(model, texts, one_hot_embedder(0, calls), fake_fit(), choice.margin)
    assert calls == [texts]


@pytest.mark.parametrize(
    ("outcome", "line"),
    [
        (
            FastOutcome(MarginChoice(0.0123, 0.9712, 0.08, 1000), 0.97, 40_000, 3_210),
            "97.1% expected agreement with the sentence model (target 97%, measured on "
            "1,000 held-back texts, margin 0.0123); 3,210 of 40,000 new contacts (8.0%) "
            "were embedded",
        ),
        (
            FastOutcome(MarginChoice(float("inf"), 1.0, 1.0, 0), 0.975, 12, 12),
            "too few embedded texts to measure it on; 12 of 12 new contacts were embedded",
        ),
    ],
)
def test_describe_the_outcome(outcome, line):
    assert outcome.describe() == line
