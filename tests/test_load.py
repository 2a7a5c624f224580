import json
import re

import pytest
from sqlalchemy import func, select

from dumbcontacts.etl.load import LoadError, load_paths
from dumbcontacts.etl.schema import business_volumes, contacts, defects, loads, rejects
from dumbcontacts.samples.generate import write_sample_data
from tests.conftest import SHARED_DATA, TEST_SALT


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("sample")
    write_sample_data(directory, contacts=2_000, seed=7)
    return directory


def _load(warehouse, *paths, **options):
    return list(load_paths(warehouse, paths, salt=TEST_SALT, **options))


def _counts(warehouse) -> dict:
    with warehouse.connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar()
            for t in (contacts, loads, rejects, business_volumes)
        }


def _channel_counts(warehouse) -> dict:
    with warehouse.connect() as conn:
        query = select(contacts.c.channel, func.count()).group_by(contacts.c.channel)
        return dict(conn.execute(query).all())


def test_sample_data_loads_every_channel_once(warehouse, sample_dir):
    results = _load(warehouse, sample_dir)
    loaded = {r.channel: r for r in results if r.status == "loaded" and r.channel}
    assert set(loaded) == {"phone", "email", "chat", "social"}
    truth = json.loads((sample_dir / "ground_truth.json").read_text())
    per_channel = _channel_counts(warehouse)
    assert sum(per_channel.values()) == truth["contacts"]
    assert _counts(warehouse)["business_volumes"] > 0
    skipped = {r.source.rsplit("/", 1)[-1] for r in results if r.status == "skipped"}
    assert skipped == {"ground_truth.csv", "ground_truth.json"}
    with warehouse.connect() as conn:
        owners = dict(conn.execute(select(defects.c.defect_id, defects.c.owner)).all())
    assert len(owners) == 16 and owners["billing-double-charge"] == "Payments"

    before = _counts(warehouse)
    again = _load(warehouse, sample_dir)
    assert {r.status for r in again} <= {"already loaded", "skipped"}
    assert _counts(warehouse) == before


def test_the_same_records_in_a_new_file_add_nothing(warehouse, sample_dir, tmp_path):
    _load(warehouse, sample_dir / "calls.csv")
    before = _counts(warehouse)
    copy = tmp_path / "calls-resent.csv"
    copy.write_bytes((sample_dir / "calls.csv").read_bytes() + b"\n")  # new hash, same rows
    (result,) = _load(warehouse, copy)
    assert result.status == "loaded"
    assert result.rows_loaded == 0
    assert result.rows_duplicate == result.rows_read
    assert _counts(warehouse)["contacts"] == before["contacts"]


def _digits_pattern(value: str) -> re.Pattern:
    """The value's digits with any punctuation between them: '4111 1111-1111' and friends."""
    return re.compile(r"[\s().+-]{0,3}".join(re.sub(r"\D", "", value)))


@pytest.mark.parametrize("keep_transcripts", [False, True])
def test_no_injected_pii_is_stored(duckdb_warehouse, sample_dir, keep_transcripts):
    _load(duckdb_warehouse, sample_dir, keep_transcripts=keep_transcripts)
    pii = json.loads((sample_dir / "ground_truth.json").read_text())["pii"]
    with duckdb_warehouse.connect() as conn:
        texts = conn.execute(select(contacts.c.reason_text, contacts.c.transcript)).all()
        excerpts = conn.execute(select(rejects.c.excerpt)).scalars().all()
    # Transcripts are stored only when asked for, and then redacted like everything else.
    assert all(bool(transcript) == keep_transcripts for _, transcript in texts)
    stored = [t for row in texts for t in row if t] + [e for e in excerpts if e]
    assert pii["emails"] and pii["phones"] and pii["cards"]
    assert any("[EMAIL]" in t for t in stored) and any("[CARD]" in t for t in stored)
    lowered = "\n".join(stored).lower()
    assert not [email for email in pii["emails"] if email.lower() in lowered]
    patterns = [_digits_pattern(v) for v in pii["cards"] + pii["phones"]]
    assert not [(p.pattern, t) for t in stored for p in patterns if p.search(t)]


MALFORMED_CALLS = (
    b"call_id,started_at,ended_at,caller_number,queue,agent_id,wrap_up_code,transcript\n"
    b"C1,2026-09-01T08:00:00Z,2026-09-01T08:05:00Z,+1,q,a,W,Customer: my bill is wrong\n"
    b"C2,2026-09-01T08:00:00Z,2026-09-01T08:05:00Z,+1,q,a,W,Customer: ok,EXTRA\n"
    b"C3,not-a-time,2026-09-01T08:05:00Z,+1,q,a,W,Customer: parcel late\n"
    b"C4,2026-09-01T08:00:00Z,2026-09-01T08:05:00Z,+1,q,a,W,Customer: caf\xe9 closed\n"
    b"C5,2026-09-01T09:00:00Z,2026-09-01T09:05:00Z,+1,q,a,W,Customer: refund missing\n"
)
MALFORMED_CHATS = (
    b'{"session_id": "S1", "started_at": "2026-09-01T08:00:00Z", '
    b'"turns": [{"speaker": "customer", "text": "where is my order"}]}\n'
    b'{"session_id": "S2", "started_at": \n'
    b'{"session_id": "S3", "started_at": "2026-09-01T08:00:00Z", '
    b'"turns": [{"speaker": "customer", "text": "my card was declined"}]}\n'
)


@pytest.mark.parametrize(
    "name, data, good, bad_records",
    [("calls.csv", MALFORMED_CALLS, 2, [2, 3, 4]), ("chats.jsonl", MALFORMED_CHATS, 2, [2])],
)
def test_malformed_records_are_rejected_and_the_rest_loads(
    warehouse, tmp_path, name, data, good, bad_records
):
    path = tmp_path / name
    path.write_bytes(data)
    (result,) = _load(warehouse, path)
    assert (result.status, result.rows_loaded, result.rows_rejected) == (
        "loaded",
        good,
        len(bad_records),
    )
    with warehouse.connect() as conn:
        stored = conn.execute(
            select(rejects.c.record_no, rejects.c.reason).order_by("record_no")
        ).all()
    assert [r[0] for r in stored] == bad_records
    assert all(reason for _, reason in stored)


@pytest.mark.parametrize(
    "name, data",
    [
        ("calls.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"),
        ("chats.jsonl", b"this is not json at all\nnor this\n"),
        ("export.csv", b"\x00\x01\x02\x03"),
    ],
)
def test_an_unparseable_file_fails_and_changes_nothing(warehouse, sample_dir, tmp_path, name, data):
    _load(warehouse, sample_dir / "chats.jsonl")
    before = _counts(warehouse)
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(LoadError, match=re.escape(str(path))):
        _load(warehouse, path)
    assert _counts(warehouse) == before


def test_the_real_twitter_sample_loads_only_customer_started_threads(warehouse):
    path = SHARED_DATA / "twcs" / "twcs_sample.csv"
    (result,) = _load(warehouse, path)
    assert result.channel == "social"
    assert result.rows_loaded == 1284
    with warehouse.connect() as conn:
        ids = set(conn.execute(select(contacts.c.source_id)).scalars())
    import polars as pl

    tweets = pl.read_csv(path, infer_schema=False)
    roots = tweets.filter(pl.col("in_response_to_tweet_id").is_null())
    customer_roots = set(roots.filter(pl.col("inbound") == "True")["tweet_id"])
    assert ids == customer_roots  # no brand reply, no brand-started thread


def test_a_bad_path_fails_before_anything_is_written(warehouse, sample_dir, tmp_path):
    with pytest.raises(LoadError, match="no such file"):
        _load(warehouse, sample_dir / "calls.csv", tmp_path / "missing.csv")
    assert _counts(warehouse)["contacts"] == 0


def test_a_new_taxonomy_replaces_the_old_one(warehouse, tmp_path):
    path = tmp_path / "defects.toml"
    entry = "[[defect]]\nid='{}'\nname='N'\ncategory='billing'\nowner='O'\naction='simplify'\n"
    path.write_text(entry.format("a") + entry.format("b"))
    _load(warehouse, path)
    path.write_text(entry.format("c"))
    (result,) = _load(warehouse, path)
    assert (result.status, result.rows_loaded) == ("loaded", 1)
    with warehouse.connect() as conn:
        assert conn.execute(select(defects.c.defect_id)).scalars().all() == ["c"]


def test_a_broken_taxonomy_fails_and_keeps_the_old_one(warehouse, sample_dir, tmp_path):
    _load(warehouse, sample_dir / "defects.toml")
    path = tmp_path / "defects.toml"
    path.write_text("[[defect]]\nid='x'\n")
    with pytest.raises(LoadError, match="missing name, category, owner, action"):
        _load(warehouse, path)
    assert _counts(warehouse)["loads"] == 1
