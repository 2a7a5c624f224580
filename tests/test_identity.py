import hashlib

import polars as pl
import pytest

from dumbcontacts.etl.identity import contact_ids, salted_keys


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("ACC1", _sha("k|acc1")),
        ("  Jo@Example.COM ", _sha("k|jo@example.com")),
        ("é-ß", _sha("k|é-ß")),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_salted_keys(value, expected):
    # Repeated among other values, so the hash-each-distinct-value-once path is exercised.
    values = pl.Series([value, "other", value], dtype=pl.Utf8)
    assert salted_keys(values, "k", "key").to_list() == [expected, _sha("k|other"), expected]


def test_contact_ids_match_hashlib_md5():
    ids = contact_ids("chat", pl.Series(["chat", "chat"]), pl.Series(["S1", "S2"]))
    assert ids.to_list() == [
        hashlib.md5(b"chat|chat|S1").hexdigest(),
        hashlib.md5(b"chat|chat|S2").hexdigest(),
    ]


def test_few_distinct_values_are_hashed_once_and_mapped():
    values = pl.Series(["a7", "b2", None] * 400)
    keys = salted_keys(values, "k", "agent_key").to_list()
    assert keys[:3] == [_sha("k|a7"), _sha("k|b2"), None]
    assert keys == keys[:3] * 400
