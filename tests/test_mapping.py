import numpy as np
import pytest

from dumbcontacts.analysis.topics.mapping import map_topics, match_topics

E = np.eye(4, dtype=np.float32)


@pytest.mark.parametrize(
    "centroid, expected_defect",
    [
        (E[0], 0),  # exactly defect 0's example
        (E[1] + 0.2 * E[3], 1),  # close to one of defect 1's examples
        (E[3], -1),  # like nothing in the taxonomy: unmapped, not forced
        (E[0] + E[2], -1),  # halfway between two defects: below the threshold
    ],
)
def test_map_topics(centroid, expected_defect):
    defects = [np.stack([E[0]]), np.stack([E[1], E[2] + E[1]])]
    mapped, confidence = map_topics(np.stack([centroid]), defects, threshold=0.75)
    assert mapped.tolist() == [expected_defect]
    assert 0 <= confidence[0] <= 1.0001


def test_match_topics_is_one_to_one_and_keeps_meaning():
    old = np.stack([E[0], E[1], E[2]])
    new = np.stack([E[1] + 0.05 * E[3], E[3], E[0], E[0] + 0.1 * E[1]])
    # new 0 continues old 1; new 1 is new; new 2 and 3 both look like old 0, the closer wins.
    assert match_topics(new, old, threshold=0.9).tolist() == [1, -1, 0, -1]


def test_empty_inputs():
    assert match_topics(np.zeros((0, 4)), E).tolist() == []
    mapped, _ = map_topics(E[:2], [])
    assert mapped.tolist() == [-1, -1]
