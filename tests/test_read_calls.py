import io

import polars as pl
import pytest

from dumbcontacts.etl.readers.csvfile import read_csv_records
from dumbcontacts.etl.readers.phone import read_calls
from dumbcontacts.etl.staging import STAGING_SCHEMA, Reject, RejectedFile, split_staging

HEADER = (
    b"call_id,started_at,ended_at,caller_number,account_id,queue,agent_id,wrap_up_code,"
    b"order_ref,transcript\n"
)
GOOD = (
    b"C1,2026-09-01T08:00:00Z,2026-09-01T08:06:00Z,+14155550100,ACC9,billing,a7,BILL,ORD-1,"
    b'"IVR: Welcome\nCustomer: hi\nAgent: How can I help?\nCustomer: I was charged twice"\n'
)


def _read(data: bytes):
    return split_staging(read_calls(io.BytesIO(data)))


def test_a_call_becomes_one_staging_row():
    staging, rejects = _read(HEADER + GOOD)
    assert rejects == []
    assert staging.schema == pl.Schema(STAGING_SCHEMA)
    row = staging.row(0, named=True)
    assert row["source_system"] == "pbx" and row["source_id"] == "C1"
    assert row["customer_id"] == "ACC9"  # the account beats the caller number
    assert row["customer_turns"] == ["hi", "I was charged twice"]
    assert row["disposition_code"] == "BILL"
    assert row["record_no"] == 1


def test_notes_and_duration_stand_in_for_transcript_and_end_time():
    data = (
        b"call_id,started_at,duration_seconds,caller_number,notes\n"
        b"C1,2026-09-01T08:00:00Z,300,+1415,refund late\n"
    )
    staging, _ = _read(data)
    row = staging.row(0, named=True)
    assert row["customer_turns"] == ["refund late"]
    assert row["handle_seconds"] == "300"
    assert row["customer_id"] == "+1415"


@pytest.mark.parametrize(
    "bad_line, reason",
    [
        (b"C2,2026-09-01T08:00:00Z,x,x,x,x,x,x,x,x,EXTRA\n", "expected 10 fields, found 11"),
        (
            b"C2,2026-09-01T08:00:00Z,,,,,,,,caf\xe9 latin-1\n",
            "invalid UTF-8 (wrong file encoding?)",
        ),
    ],
)
def test_broken_records_are_rejected_and_the_rest_loads(bad_line, reason):
    staging, rejects = _read(HEADER + GOOD + bad_line + GOOD.replace(b"C1", b"C3"))
    assert staging["source_id"].to_list() == ["C1", "C3"]
    assert staging["record_no"].to_list() == [1, 3]
    assert [(r.record_no, r.reason) for r in rejects] == [(2, reason)]


def test_one_invalid_byte_costs_only_its_record_even_beside_empty_fields():
    # An empty field is null: it once made the whole row "maybe broken", and dropped it.
    sparse = b"C3,2026-09-01T08:00:00Z,,,,,,,,Customer: my bill is wrong\n"
    staging, rejects = _read(HEADER + GOOD + sparse + b"C4,2026,,,,,,,,caf\xe9\n")
    assert staging["source_id"].to_list() == ["C1", "C3"]
    assert [(r.record_no, r.reason) for r in rejects] == [
        (3, "invalid UTF-8 (wrong file encoding?)")
    ]


def test_a_short_record_loads_with_missing_fields_as_null():
    staging, rejects = _read(HEADER + b"C2,2026-09-01T08:00:00Z\n")
    assert rejects == []
    assert staging["transcript"].to_list() == [None]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty file"),
        (b"   \n", "empty file"),
        (
            b"\x00\x01\x02binary\xff\xfe",
            "not a call-record CSV: missing column(s) call_id, started_at",
        ),
        (b"name,email\nJo,jo@example.com\n", "missing column(s) call_id, started_at"),
    ],
)
def test_unreadable_files_are_rejected_whole(data, message):
    with pytest.raises(RejectedFile, match=message.replace("(", r"\(").replace(")", r"\)")):
        _read(data)


def test_header_names_are_trimmed_and_case_folded_and_bom_removed():
    data = b"\xef\xbb\xbf Call_ID ,Started_At\nC1,2026-09-01T08:00:00Z\n"
    items = list(read_csv_records(io.BytesIO(data), required=["call_id"], what="x"))
    assert items[0].columns == ["record_no", "call_id", "started_at"]


def test_record_by_record_path_matches_the_fast_path():
    data = HEADER + GOOD + GOOD.replace(b"C1", b"C2")
    fast = [i for i in read_calls(io.BytesIO(data))]
    slow = [i for i in read_calls(io.BytesIO(data + b"C9,x,x,x,x,x,x,x,x,x,x,x\n"))]
    assert isinstance(slow[0], Reject)
    assert slow[1].equals(fast[0])
