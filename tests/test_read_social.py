import csv
import io
from pathlib import Path

import polars as pl
import pytest

from dumbcontacts.etl.readers.social import normalise_id, parse_created_at, read_tweets
from dumbcontacts.etl.staging import STAGING_SCHEMA, Reject, RejectedFile, split_staging

TWCS_SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "data" / "twcs" / "twcs_sample.csv"
HEADER = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
RECORDS = [
    "1,115712,True,Tue Oct 31 21:45:10 +0000 2017,@sprintcare is the worst,2,\n",
    "2,sprintcare,False,Tue Oct 31 21:50:00 +0000 2017,@115712 Please DM us,3,1.0\n",
    '3,115712,True,Tue Oct 31 22:10:47 +0000 2017,"@sprintcare I did,\nno answer",,2.0\n',
    "4,AppleSupport,False,Tue Oct 31 23:00:00 +0000 2017,Update your iOS now!,5,\n",
    "5,115800,True,Tue Oct 31 23:05:00 +0000 2017,@AppleSupport it broke my phone,,4\n",
    "6,115801,True,Tue Oct 31 23:06:00 +0000 2017,@AppleSupport what about me,,99\n",
]
THREAD = "".join(RECORDS)


def read(data: str | bytes) -> tuple[list[dict], list[Reject]]:
    raw = data.encode() if isinstance(data, str) else data
    items = list(read_tweets(io.BytesIO(raw)))
    return [i for i in items if isinstance(i, dict)], [i for i in items if isinstance(i, Reject)]


@pytest.mark.parametrize(
    ("function", "argument", "expected"),
    [
        (parse_created_at, "Tue Oct 31 22:10:47 +0000 2017", "2017-10-31T22:10:47Z"),
        (parse_created_at, "Wed Nov 01 01:30:00 +0200 2017", "2017-10-31T23:30:00Z"),
        (parse_created_at, "Tue Oct 31 22:10:47 -0530 2017", "2017-11-01T03:40:47Z"),
        (parse_created_at, "Tue Foo 31 22:10:47 +0000 2017", None),
        (parse_created_at, "Tue Feb 30 22:10:47 +0000 2017", None),
        (parse_created_at, "2017-10-31 22:10:47", None),
        (parse_created_at, "", None),
        (normalise_id, "3.0", "3"),
        (normalise_id, " 119237 ", "119237"),
        (normalise_id, "sprintcare", "sprintcare"),
        (normalise_id, "1.05", "1.05"),
        (normalise_id, "", ""),
    ],
)
def test_pure_helpers(function, argument, expected):
    assert function(argument) == expected


def test_tweet_text_is_unescaped_as_twitter_escapes_it():
    rows, _ = read(HEADER + "1,115712,True,Tue Oct 31 21:45:10 +0000 2017,"
                   "@sprintcare R&amp;D &lt;3 mail jo&#64;example.com,,\n")  # fmt: skip
    assert rows[0]["customer_turns"] == ["@sprintcare R&D <3 mail jo@example.com"]


def test_only_customer_started_threads_become_contacts():
    rows, rejects = read(HEADER + THREAD)
    assert rejects == []
    assert len(rows) == 1  # the brand-started thread (4, 5) and the orphan reply (6) are skipped
    row = rows[0]
    assert set(row) == set(STAGING_SCHEMA)
    assert row["record_no"] == 1
    assert row["source_system"] == "twitter"
    assert row["source_id"] == "1"
    assert row["customer_id"] == "115712"
    assert (row["agent_id"], row["queue"]) == ("sprintcare", "sprintcare")
    assert (row["started_at"], row["ended_at"]) == ("2017-10-31T21:45:10Z", "2017-10-31T22:10:47Z")
    assert row["customer_turns"] == ["@sprintcare is the worst", "@sprintcare I did,\nno answer"]
    assert row["transcript"].splitlines()[1] == "Agent: @115712 Please DM us"


def test_staging_rows_fit_the_staging_schema():
    frame, rejects = split_staging(read_tweets(io.BytesIO((HEADER + THREAD).encode())))
    assert rejects == []
    assert frame.schema == pl.Schema(STAGING_SCHEMA)


def test_replies_are_threaded_in_time_order_whatever_the_file_order():
    rows, _ = read(HEADER + "".join(reversed(RECORDS[:4])))
    assert rows[0]["customer_turns"][0] == "@sprintcare is the worst"
    assert rows[0]["record_no"] == 4  # the root's own record number


def test_other_customers_joining_a_thread_are_not_its_customer_turns():
    extra = "7,999,True,Tue Oct 31 22:00:00 +0000 2017,@sprintcare same here,,2\n"
    rows, _ = read(HEADER + THREAD + extra)
    assert "@sprintcare same here" not in rows[0]["customer_turns"]
    assert "Other customer: @sprintcare same here" in rows[0]["transcript"]


def test_malformed_records_are_rejected_with_their_record_numbers():
    bad = (
        "7,115900,yes,Tue Oct 31 22:10:47 +0000 2017,@sprintcare hi,,\n"
        "8,115900,True,Tue Oct 31 22:10:47 +0000 2017,too,many,fields,here\n"
        "\n"
        "9,115901,True,not a date,@sprintcare my bill is wrong,,\n"
        "1,115712,True,Tue Oct 31 21:45:10 +0000 2017,a duplicate id,,\n"
    )
    rows, rejects = read(HEADER + THREAD + bad)
    assert [(r.record_no, r.reason) for r in rejects] == [
        (7, "inbound: not true or false"),
        (8, "expected 7 fields, found 8"),
        (10, "tweet_id: used twice"),
    ]
    assert [r["source_id"] for r in rows] == ["1", "9"]
    assert rows[1]["started_at"] == "not a date"  # passed through raw for normalisation


def test_records_with_invalid_utf8_are_rejected_alone():
    data = (HEADER + THREAD).encode() + b"7,115900,True,Tue Oct 31 22:10:47 +0000 2017,caf\xe9,,\n"
    rows, rejects = read(data)
    assert [(r.record_no, r.reason) for r in rejects] == [
        (7, "invalid UTF-8 (wrong file encoding?)")
    ]
    assert "caf\ufffd" in rejects[0].excerpt
    assert len(rows) == 1


def test_a_csv_without_the_twcs_columns_is_refused():
    with pytest.raises(RejectedFile, match="missing columns inbound, created_at"):
        read("tweet_id,author_id,text,in_response_to_tweet_id\n1,a,hi,\n")
    assert read("") == ([], [])


@pytest.fixture(scope="module")
def sample_rows() -> list[dict]:
    with TWCS_SAMPLE.open("rb") as fp:
        items = list(read_tweets(fp))
    assert [i for i in items if isinstance(i, Reject)] == []
    return items


@pytest.fixture(scope="module")
def sample_tweets() -> list[dict]:
    with TWCS_SAMPLE.open(newline="", encoding="utf-8") as fp:
        return list(csv.DictReader(fp))


def test_the_real_sample_yields_every_customer_started_thread(sample_rows, sample_tweets):
    roots = {
        t["tweet_id"]
        for t in sample_tweets
        if not t["in_response_to_tweet_id"] and t["inbound"] == "True"
    }
    assert len(roots) == 1284  # measured on twcs_sample.csv (4,999 tweets, 1,305 roots)
    assert len(sample_rows) == 1284
    assert {r["source_id"] for r in sample_rows} == roots
    assert all(r["started_at"].endswith("Z") for r in sample_rows)


def test_the_real_sample_has_no_brand_started_thread_or_brand_turn(sample_rows, sample_tweets):
    brands = {t["author_id"] for t in sample_tweets if t["inbound"] == "False"}
    brand_roots = {
        t["tweet_id"]
        for t in sample_tweets
        if not t["in_response_to_tweet_id"] and t["inbound"] == "False"
    }
    brand_texts = {t["text"] for t in sample_tweets if t["inbound"] == "False"}
    assert brand_roots  # the sample does hold brand-started threads
    assert not {r["source_id"] for r in sample_rows} & brand_roots
    assert not {r["customer_id"] for r in sample_rows} & brands
    assert not {turn for r in sample_rows for turn in r["customer_turns"]} & brand_texts
    assert {r["agent_id"] for r in sample_rows if r["agent_id"]} <= brands
