"""Analyst overrides: reading and checking the file, and applying it to a topic table."""

import io

import polars as pl
import pytest

from dumbcontacts.analysis.topics.overrides import (
    Override,
    apply_overrides,
    read_overrides,
    unmatched_overrides,
)

KNOWN = {"double-charge", "late-delivery", "loyalty-points"}


def _read(text: str) -> list[Override]:
    return read_overrides(io.BytesIO(text.encode()))


def test_read_overrides_parses_every_kind():
    overrides = _read(
        """
        [[topic]]
        key = "T0007"
        defect = "double-charge"
        [[topic]]
        key = "T0012"
        merge_into = "T0003"
        [[topic]]
        key = "T0003"
        label = "Refund chasers"
        defect = ""
        """
    )
    assert overrides == [
        Override("T0007", defect="double-charge"),
        Override("T0012", merge_into="T0003"),
        Override("T0003", defect="", label="Refund chasers"),
    ]
    assert _read("") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[topic]\nkey=", "not valid TOML"),
        ('[[topics]]\nkey = "T1"\ndefect = "x"', "unknown table 'topics'"),
        ('[[topic]]\nkey = "T1"\ndefects = "x"', r"topic 1 \(T1\): unknown key 'defects'"),
        ('[[topic]]\ndefect = "x"', r"topic 1 \(no key\): missing key"),
        ('[[topic]]\nkey = "T1"', "sets none of"),
        ('[[topic]]\nkey = "T1"\ndefect = 3', "must be a string"),
        ('[[topic]]\nkey = "T1"\nmerge_into = "T2"\ndefect = "x"', r"\(T1\): a merged topic"),
        ('[[topic]]\nkey = "T1"\nmerge_into = "T2"\nlabel = "x"', r"\(T1\): a merged topic"),
        ('[[topic]]\nkey = "T1"\nmerge_into = "T1"', "into itself"),
        (
            '[[topic]]\nkey = "T1"\ndefect = "x"\n[[topic]]\nkey = "T1"\nlabel = "y"',
            r"topic 2 \(T1\): key used twice",
        ),
        (
            '[[topic]]\nkey = "T1"\nmerge_into = "T2"\n[[topic]]\nkey = "T2"\nmerge_into = "T3"',
            r"topic 1 \(T1\): merges into T2, which is itself merged",
        ),
        (
            '[[topic]]\nkey = "T1"\nmerge_into = "T2"\n[[topic]]\nkey = "T2"\nmerge_into = "T1"',
            r"topic 1 \(T1\): merges into T2",
        ),
    ],
)
def test_read_overrides_rejects(text, message):
    with pytest.raises(ValueError, match=message):
        _read(text)


def _topics() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "topic_key": ["T0001", "T0002", "T0003", "T0004"],
            "label": ["charge twice", "parcel late", "points missing", "refund card"],
            "defect_id": ["double-charge", "late-delivery", None, "double-charge"],
            "mapping_confidence": [0.9, 0.8, 0.3, 0.6],
            "size": [10, 20, 5, 4],
        }
    )


def _row(frame: pl.DataFrame, key: str) -> tuple:
    columns = ["label", "defect_id", "mapping_confidence", "mapped_by", "merged_into"]
    return frame.filter(pl.col("topic_key") == key).select(columns).row(0)


def test_apply_without_overrides_marks_the_automatic_mapping():
    out = apply_overrides(_topics(), [], KNOWN)
    assert out.columns == [*_topics().columns, "mapped_by", "merged_into"]
    assert _row(out, "T0001") == ("charge twice", "double-charge", 0.9, "similarity", None)
    assert _row(out, "T0003") == ("points missing", None, 0.3, None, None)


@pytest.mark.parametrize(
    ("override", "key", "expected"),
    [
        (
            Override("T0003", defect="loyalty-points"),
            "T0003",
            ("points missing", "loyalty-points", 1.0, "override", None),
        ),
        (Override("T0001", defect=""), "T0001", ("charge twice", None, 1.0, "override", None)),
        (
            Override("T0002", label="Where is my parcel"),
            "T0002",
            ("Where is my parcel", "late-delivery", 0.8, "similarity", None),
        ),
        (
            Override("T0004", merge_into="T0001"),
            "T0004",
            ("charge twice", "double-charge", 1.0, "override", "T0001"),
        ),
        (
            Override("T0004", merge_into="T0001"),
            "T0001",
            ("charge twice", "double-charge", 0.9, "similarity", None),
        ),
    ],
)
def test_apply_one_override(override, key, expected):
    assert _row(apply_overrides(_topics(), [override], KNOWN), key) == expected


def test_a_merge_takes_the_targets_overridden_defect_and_label():
    overrides = [
        Override("T0004", merge_into="T0003"),
        Override("T0003", defect="loyalty-points", label="Points"),
    ]
    out = apply_overrides(_topics(), overrides, KNOWN)
    assert _row(out, "T0004") == ("Points", "loyalty-points", 1.0, "override", "T0003")
    assert out["size"].to_list() == [10, 20, 5, 4]  # other columns kept, order kept


def test_overrides_for_other_versions_are_ignored_and_reported():
    overrides = [
        Override("T0099", defect="double-charge"),
        Override("T0002", merge_into="T0098"),
        Override("T0003", label="Points"),
    ]
    out = apply_overrides(_topics(), overrides, KNOWN)
    assert unmatched_overrides(_topics(), overrides) == overrides[:2]
    assert _row(out, "T0002") == ("parcel late", "late-delivery", 0.8, "similarity", None)
    assert _row(out, "T0003")[0] == "Points"


def test_an_unknown_defect_is_an_error_even_for_an_unmatched_key():
    with pytest.raises(ValueError, match="T0099: unknown defect 'no-such'"):
        apply_overrides(_topics(), [Override("T0099", defect="no-such")], KNOWN)


def test_a_person_may_say_a_topic_is_no_defect_whatever_the_taxonomy():
    out = apply_overrides(_topics(), [Override("T0002", defect="not_a_defect")], KNOWN)
    assert _row(out, "T0002")[1] == "not_a_defect"
