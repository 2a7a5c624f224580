"""Bare phrases take their place among the longer reasons that use their words."""

from __future__ import annotations

import numpy as np
import pytest

from dumbcontacts.analysis.topics.short_reasons import MIN_CONTEXT, in_context

SPEED, BILL, THIN = np.eye(3)


def unit(rows) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def place(texts, vectors, counts=None, **kwargs) -> np.ndarray:
    counts = np.ones(len(texts), dtype=int) if counts is None else np.asarray(counts)
    return in_context(texts, unit(vectors), counts, **kwargs)


SENTENCES = ["slow internet speed", "internet speed too low", "speeds drop every evening"]
BILLS = ["wrong bill this month", "bill charged twice", "late fee on my bill"]


def test_a_phrase_moves_to_the_reasons_that_use_its_words():
    texts = ["Speed", *SENTENCES, *BILLS]
    vectors = [THIN, *[SPEED] * 3, *[BILL] * 3]
    placed = place(texts, vectors, [1, 2, 2, 2, 1, 1, 1])
    # Its one contact and six contacts of sentences about speed; nothing of the bills.
    assert placed[0] @ SPEED == pytest.approx(6 / np.sqrt(37), abs=1e-6)
    assert placed[0] @ BILL == pytest.approx(0.0, abs=1e-6)
    np.testing.assert_allclose(placed[1:], unit(vectors[1:]))


def test_company_names_plurals_and_generic_words_do_not_count():
    texts = ["Comcast speed issues", *SENTENCES, "Comcast", "Issues"]
    placed = place(texts, [THIN, *[SPEED] * 3, THIN, THIN], [1, 2, 2, 2, 1, 1], names={"comcast"})
    assert placed[0] @ SPEED > 0.9  # "speeds drop every evening" is context too
    # A bare name, or a phrase of words that name no subject, has no context to read it by.
    np.testing.assert_allclose(placed[4:], unit([THIN, THIN]))


@pytest.mark.parametrize(
    "phrase",
    [
        "my internet speed is slow today",  # a sentence: read as it is
        "bill speed internet",  # three words saying something: specific enough alone
    ],
)
def test_only_short_phrases_move(phrase):
    placed = place([phrase, *SENTENCES, *BILLS], [THIN, *[SPEED] * 3, *[BILL] * 3], [5] * 7)
    np.testing.assert_allclose(placed[0], THIN)


def test_long_letters_and_too_few_contacts_tell_nothing():
    letter = "I have written " + "about the speed of my internet again and again " * 3
    placed = place(["Speed", letter], [THIN, SPEED], [1, 50])
    np.testing.assert_allclose(placed[0], THIN)
    few = place(["Speed", "slow speed"], [THIN, SPEED], [1, MIN_CONTEXT - 1])
    np.testing.assert_allclose(few[0], THIN)
    enough = place(["Speed", "slow speed"], [THIN, SPEED], [1, MIN_CONTEXT])
    assert enough[0] @ SPEED > 0.9


def test_stop_words_are_no_subject():
    texts = ["Order", "where is my order please", "order arrived damaged today"]
    placed = place(texts, [THIN, SPEED, SPEED], [1, 5, 5], stop_words={"order"})
    np.testing.assert_allclose(placed[0], THIN)
