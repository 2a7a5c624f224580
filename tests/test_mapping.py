import numpy as np
import pytest

from dumbcontacts.analysis.topics.mapping import (
    CLEAR_MARGIN,
    NOT_A_DEFECT_PHRASES,
    map_topics,
    match_topics,
    measure_agreement,
    not_a_defect_vectors,
)

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
    members = np.stack([centroid] * 3)  # a tight topic: its contacts are where its centroid is
    mapped, confidence = map_topics(
        np.stack([centroid]), defects, members, np.zeros(3, int), threshold=0.75
    )
    assert mapped.tolist() == [expected_defect]
    assert confidence.tolist() == [1.0]  # every contact is nearest the centroid's best defect


def test_a_broad_topic_is_not_mapped_and_its_confidence_is_the_agreeing_share():
    defects = [np.stack([E[0]]), np.stack([E[1]]), np.stack([E[2]])]
    # Topic 0: 3 of 5 contacts nearest defect 0. Topic 1: its centroid leans to defect 1, but
    # its contacts spread over all three: only 2 of 5 are nearest defect 1.
    members = np.stack([E[0], E[0], E[0], E[1], E[2], E[1], E[1], E[0], E[2], E[2]])
    member_topics = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    centroids = np.stack([E[0] + 0.1 * E[1], E[1] + 0.8 * E[0] + 0.8 * E[2]])
    mapped, confidence = map_topics(centroids, defects, members, member_topics, threshold=0.5)
    assert mapped.tolist() == [0, -1]
    assert confidence.tolist() == pytest.approx([0.6, 0.4])


def test_a_topic_about_as_like_two_defects_is_left_unmapped():
    """Both topics' contacts are clearly nearest defect 0, but topic 0's centroid is only
    0.014 more alike to defect 0 than to defect 1 (under ``CLEAR_MARGIN``): it is between
    the two and stays unmapped. Topic 1's centroid leads by 0.074 and maps."""
    defects = [np.stack([E[0]]), np.stack([E[1]])]
    members = np.stack([E[0] + 0.5 * E[1]] * 6)
    centroids = np.stack([E[0] + 0.98 * E[1], E[0] + 0.9 * E[1]])
    mapped, confidence = map_topics(
        centroids, defects, members, np.repeat([0, 1], 3), threshold=0.5
    )
    assert CLEAR_MARGIN == 0.03
    assert mapped.tolist() == [-1, 0]
    assert confidence.tolist() == [1.0, 1.0]


def test_measure_agreement_counts_members_nearest_their_topics_defect():
    defects = [np.stack([E[0]]), np.stack([E[1]])]
    members = np.stack([E[0], E[1], E[1], E[1]])
    share = measure_agreement(members, np.array([0, 0, 1, 1]), defects, np.array([0, 1, -1]))
    assert share.tolist() == [0.5, 1.0, 0.0]  # topic 2 has neither members nor a defect


def test_one_defect_alone_measures_no_agreement():
    """With no taxonomy yet, "not a defect" is the only candidate: every contact is trivially
    nearest to it, which is no evidence, so no topic shows a confidence or maps to it."""
    members = np.stack([E[0], E[0], E[1]])
    mapped, confidence = map_topics(
        np.stack([E[0], E[1]]), [np.stack([E[0]])], members, np.array([0, 0, 1]), threshold=0.5
    )
    assert (mapped.tolist(), confidence.tolist()) == ([-1, -1], [0.0, 0.0])


def test_a_topic_like_small_talk_is_not_a_defect(warehouse):
    class Words:  # vectors by the first word: the praise phrases all land on one axis
        name, dimension = "words", 4

        def embed(self, texts, progress=None):
            return np.stack([E[0] if t.split()[0] in PRAISE else E[1] for t in texts])

    praise = not_a_defect_vectors(warehouse, Words())
    assert praise.shape == (len(NOT_A_DEFECT_PHRASES), 4)
    members = np.stack([E[0]] * 4 + [E[1]] * 4)
    mapped, _ = map_topics(
        np.stack([E[0], E[1]]), [np.stack([E[1]]), praise], members, np.repeat([0, 1], 4)
    )
    assert mapped.tolist() == [1, 0]  # topic 0 is the not-a-defect group, topic 1 defect 0


PRAISE = {p.split()[0] for p in NOT_A_DEFECT_PHRASES}


def test_match_topics_is_one_to_one_and_keeps_meaning():
    old = np.stack([E[0], E[1], E[2]])
    new = np.stack([E[1] + 0.05 * E[3], E[3], E[0], E[0] + 0.1 * E[1]])
    # new 0 continues old 1; new 1 is new; new 2 and 3 both look like old 0, the closer wins.
    assert match_topics(new, old, threshold=0.9).tolist() == [1, -1, 0, -1]


def test_empty_inputs():
    assert match_topics(np.zeros((0, 4)), E).tolist() == []
    mapped, _ = map_topics(E[:2], [], E[:2], np.array([0, 1]))
    assert mapped.tolist() == [-1, -1]
