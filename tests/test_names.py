"""Topic names: the most central reason of a readable length, cut short when long."""

import numpy as np

from dumbcontacts.analysis.topics.names import MAX_CHARS, name_topics


def test_a_topic_is_named_by_its_most_central_readable_reason():
    texts = [
        "@AmazonHelp [EMAIL] my parcel says delivered but never came https://t.co/x",
        "parcel",  # nearer the centre, but one word says too little
        "where is my refund",
        "refund still not here after two weeks",
    ]
    vectors = np.array([[0.9, 0.1], [1.0, 0.0], [0.0, 1.0], [0.2, 0.9]])
    topic_ids = np.array([0, 0, 1, 1])
    centroids = np.array([[1.0, 0.0], [0.0, 1.0]])
    names = name_topics(texts, vectors, topic_ids, centroids, np.array([0, 1]))
    assert names == ["My parcel says delivered but never came", "Where is my refund"]


def test_a_long_reason_is_cut_to_its_problem_within_the_limit():
    letter = (
        "Dear Sir or Madam, I have been a loyal customer of your bank for over ten years. "
        "On 3 March you charged me twice for the same order and refused to refund the "
        "duplicate charge when I called. I expect better from a bank of your standing."
    )
    names = name_topics([letter], np.ones((1, 2)), np.array([4]), np.ones((1, 2)), np.array([4]))
    assert len(names[0]) <= MAX_CHARS and names[0].startswith("On 3 March you charged me twice")


def test_a_topic_without_text_has_no_name():
    names = name_topics([""], np.ones((1, 2)), np.array([0]), np.ones((1, 2)), np.array([0]))
    assert names == [None]
