import numpy as np

from dumbcontacts.analysis.topics.phrase_check import check_phrases
from dumbcontacts.etl.readers.taxonomy import Defect

AXES = {"bill": 0, "parcel": 1}


def _embed(texts: list[str]) -> np.ndarray:
    """A phrase points along the axis of the first keyword in it."""
    vectors = np.zeros((len(texts), 2), dtype=np.float32)
    for row, text in enumerate(texts):
        word = min((w for w in AXES if w in text), key=text.index)
        vectors[row, AXES[word]] = 1.0
        vectors[row] += 0.01 * row  # no two phrases exactly alike
    return vectors


def _defect(defect_id: str, name: str, *examples: str) -> Defect:
    return Defect(defect_id, name, "c", "o", "eliminate", examples=examples)


def test_examples_nearest_their_own_defect_count_and_a_stray_one_is_named():
    defects = [
        _defect("billing", "bill wrong", "my bill is too high", "double bill"),
        _defect("delivery", "parcel late", "where is my parcel", "bill for my parcel"),
    ]
    check = check_phrases(defects, _embed)
    assert check.examples == 4
    assert check.own_share == 0.75
    assert check.misses == [("delivery", "bill for my parcel", "billing")]


def test_a_taxonomy_without_examples_has_nothing_to_check():
    check = check_phrases([_defect("billing", "bill wrong")], _embed)
    assert (check.examples, check.own_share, check.misses) == (0, 0.0, [])
