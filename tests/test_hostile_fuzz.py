"""Property-based fuzzing of every reader with hostile records (tests/hostile.py).

For each format, files of good records followed by hostile ones are read the way ``load``
reads them (detection, reader, staging, normalisation). The properties:
- no traceback: a file either loads or fails with the product's own one-line LoadError, and
  a file whose framing is intact never fails at all;
- no file is stopped by one record: every good record loads beside the hostile ones;
- every reject's reason is one of the product's rules, never a quoted value;
- on each engine, what is stored is storable: no NUL, valid text, excerpts of at most 200
  characters.

With the default 25 examples a test, a run reads 1,412 hostile records: phone, mapped CSV,
social and volumes files hold 6 each (7 with the phone and social files' broken last line),
chat and e-mail 6 in each of two formats, 25 taxonomy and 25 mapping files, and 8 x 7 on each
engine. ``DUMBCONTACTS_FUZZ_EXAMPLES`` sets more. Timing is not asserted here:
benchmarks/hostile_input.py measures it.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from dumbcontacts.etl.load import LoadError, load_source, plan_sources, read_source
from dumbcontacts.etl.readers.mapping import read_mapping
from dumbcontacts.etl.schema import contacts, rejects
from dumbcontacts.settings import TimeWindow
from tests.hostile import (
    ALLOWED_REASONS,
    CSV_TAILS,
    GOOD_TIME,
    chat_lines,
    csv_text,
    hostile_text,
    mail_message,
    toml_document,
)

WINDOW = TimeWindow.ending_days_ahead(now=dt.datetime(2026, 12, 6))
GOOD = 3  # good records per file
HOSTILE = 6  # hostile records per file
FUZZ = settings(
    max_examples=int(os.environ.get("DUMBCONTACTS_FUZZ_EXAMPLES", "25")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large],
)  # fmt: skip

not_good = hostile_text().filter(lambda v: not v.startswith("GOOD-"))


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hostile")


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def _read(path: Path, *, mapping=None, **detect) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Read a file as ``load`` does; only the product's own LoadError may escape."""
    (source,) = plan_sources([path], mapping=mapping, **detect)
    read = read_source(source, mapping=mapping, salt="fuzz", window=WINDOW)
    return read.rows, read.rejects


def _assert_reasons(bad: pl.DataFrame) -> None:
    for reason in bad["reason"].to_list():
        assert any(p.fullmatch(reason) for p in ALLOWED_REASONS), reason


def _assert_goods_load(rows: pl.DataFrame, ids: list[str]) -> None:
    assert set(ids) <= set(rows["source_id"].to_list())


CALL_COLUMNS = ["call_id", "started_at", "ended_at", "duration_seconds", "caller_number",
                "queue", "agent_id", "wrap_up_code", "transcript"]  # fmt: skip
GOOD_CALLS = [
    [f"GOOD-{n}", GOOD_TIME, "2026-09-01T08:05:00Z", "", "+1", "billing", "a1", "W",
     f"Customer: my bill {n} is wrong again"]
    for n in range(GOOD)
]  # fmt: skip


@FUZZ
@given(
    st.lists(st.lists(not_good, min_size=9, max_size=9), min_size=HOSTILE, max_size=HOSTILE),
    st.sampled_from(CSV_TAILS),
)
def test_phone_csv(folder, hostile, tail):
    data = csv_text(CALL_COLUMNS, GOOD_CALLS + hostile).encode("utf-8") + tail
    rows, bad = _read(_write(folder, "calls.csv", data))
    _assert_goods_load(rows, [row[0] for row in GOOD_CALLS])
    _assert_reasons(bad)


MAPPING = b"""
channel = "chat"
delimiter = ";"
timestamp_format = "%d/%m/%Y %H:%M"
timezone = "Europe/London"
[columns]
source_id = "Ticket"
started_at = "Opened"
ended_at = "Closed"
handle_seconds = "Handle"
queue = "Queue"
reason = "Description"
"""


@FUZZ
@given(st.lists(st.lists(not_good, min_size=6, max_size=6), min_size=HOSTILE, max_size=HOSTILE))
def test_mapped_csv(folder, hostile):
    mapping = read_mapping(io.BytesIO(MAPPING))
    good = [[f"GOOD-{n}", "01/09/2026 09:00", "01/09/2026 09:10", "4:30", "q", "my refund is late"]
            for n in range(GOOD)]  # fmt: skip
    header = ["Ticket", "Opened", "Closed", "Handle", "Queue", "Description"]
    data = csv_text(header, good + hostile, delimiter=";").encode("utf-8")
    rows, bad = _read(_write(folder, "export.csv", data), mapping=mapping)
    _assert_goods_load(rows, [row[0] for row in good])
    _assert_reasons(bad)


def _chat_file(texts: list[bytes], array: bool) -> bytes:
    if array:
        return b"[\n" + b",\n".join(texts) + b"\n]"
    return b"\n".join(texts) + b"\n"


@FUZZ
@given(chat_lines(GOOD), st.booleans())
def test_chat_jsonl_and_json_array(folder, lines, cut_short):
    texts, _ = lines
    for array in (False, True):
        data = _chat_file(texts, array)
        if cut_short:  # the file ends inside its last record
            data = data[: -max(2, len(texts[-1]) // 2)]
        rows, bad = _read(_write(folder, "chats.json" if array else "chats.jsonl", data))
        _assert_goods_load(rows, [f"GOOD-{n}" for n in range(GOOD)])
        _assert_reasons(bad)


TWEET_COLUMNS = ["tweet_id", "author_id", "inbound", "created_at", "text",
                 "response_tweet_id", "in_response_to_tweet_id"]  # fmt: skip


@FUZZ
@given(
    st.lists(st.lists(not_good, min_size=7, max_size=7), min_size=HOSTILE, max_size=HOSTILE),
    st.sampled_from(CSV_TAILS),
)
def test_social_csv(folder, hostile, tail):
    good = [[f"GOOD-{n}", f"cust{n}", "True", "Tue Sep 01 08:00:00 +0000 2026",
             f"@brand my order {n} never came", "", ""] for n in range(GOOD)]  # fmt: skip
    # Hostile tweets reply to hostile ids only: a thread is one record.
    for row in hostile:
        row[6] = f"H{row[6]}" if row[6] else ""
    data = csv_text(TWEET_COLUMNS, good + hostile).encode("utf-8") + tail
    rows, bad = _read(_write(folder, "twcs.csv", data), channel="social", fmt="csv")
    _assert_goods_load(rows, [row[0] for row in good])
    _assert_reasons(bad)


def _good_mail(n: int) -> bytes:
    return (
        f"From: customer{n}@example.com\nTo: support@shop.example\n"
        f"Date: Tue, 01 Sep 2026 08:00:00 +0000\nMessage-ID: <good-{n}@example.com>\n"
        f"Subject: order {n}\n\nMy order {n} never arrived, please help.\n"
    ).encode()


@FUZZ
@given(st.lists(mail_message(), min_size=HOSTILE, max_size=HOSTILE))
def test_email_mbox_and_eml(folder, hostile):
    messages = [_good_mail(n) for n in range(GOOD)] + hostile
    mbox = b"".join(b"From someone Tue Sep 01 08:00:00 2026\n" + m + b"\n" for m in messages)
    rows, bad = _read(_write(folder, "mail.mbox", mbox))
    goods = [f"good-{n}@example.com" for n in range(GOOD)]
    _assert_goods_load(rows, goods)
    _assert_reasons(bad)
    emls = folder / "eml"
    emls.mkdir(exist_ok=True)
    for old in emls.iterdir():
        old.unlink()
    for number, message in enumerate(messages):
        _write(emls, f"{number:03}.eml", message)
    rows, bad = _read(emls)
    _assert_goods_load(rows, goods)
    _assert_reasons(bad)


@FUZZ
@given(st.lists(st.lists(hostile_text(), min_size=3, max_size=3), min_size=HOSTILE,
                max_size=HOSTILE))  # fmt: skip
def test_volumes(folder, hostile):
    good = [[f"2026-09-0{n + 1}", "orders", "120"] for n in range(GOOD)]
    data = csv_text(["day", "driver", "count"], good + hostile).encode("utf-8")
    rows, bad = _read(_write(folder, "business_volumes.csv", data))
    days = {dt.date(2026, 9, n + 1) for n in range(GOOD)}
    assert days <= set(rows["day"].to_list())
    _assert_reasons(bad)


_DEFECT_KEYS = ("id", "name", "category", "owner", "action", "description", "examples")


@FUZZ
@given(toml_document(_DEFECT_KEYS, "defect"))
def test_taxonomy_files_load_or_fail_in_one_line(folder, document):
    """A taxonomy is configuration: one bad defect refuses the file, in one line."""
    path = _write(folder, "defects.toml", document.encode())
    try:
        rows, _ = _read(path)
    except LoadError as error:
        assert "\n" not in str(error) and str(path) in str(error)
    else:
        assert all(isinstance(v, str) for v in rows["examples"].to_list())
        assert all(isinstance(e, str) for v in rows["examples"] for e in json.loads(v))


_MAPPING_KEYS = ("channel", "source_system", "delimiter", "timestamp_format", "timezone",
                 "columns", "source_id", "started_at")  # fmt: skip


@FUZZ
@given(toml_document(_MAPPING_KEYS, None))
def test_mapping_files_are_read_or_refused_in_one_line(document):
    try:
        read_mapping(io.BytesIO(document.encode()))
    except ValueError as error:
        assert "\n" not in str(error)


@settings(FUZZ, max_examples=8)
@given(
    st.lists(st.lists(not_good, min_size=9, max_size=9), min_size=HOSTILE, max_size=HOSTILE),
    st.sampled_from(CSV_TAILS),
)
def test_what_is_stored_is_storable_on_each_engine(warehouse, folder, hostile, tail):
    """PostgreSQL refuses NUL and invalid text that DuckDB keeps: both store the same."""
    data = csv_text(CALL_COLUMNS, GOOD_CALLS + hostile).encode("utf-8") + tail
    path = _write(folder, f"calls-{warehouse.dialect}.csv", data)
    (source,) = plan_sources([path])
    result = load_source(warehouse, source, salt="fuzz", window=WINDOW)
    assert result.status in ("loaded", "already loaded")
    with warehouse.connect() as conn:
        ids = set(conn.execute(select(contacts.c.source_id)).scalars())
        excerpts = conn.execute(select(rejects.c.excerpt)).scalars().all()
    assert {row[0] for row in GOOD_CALLS} <= ids
    assert all(len(e) <= 200 and "\x00" not in e for e in excerpts)
