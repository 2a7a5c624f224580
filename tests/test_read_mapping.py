import io

import pytest

from dumbcontacts.etl.readers.mapping import read_mapped_csv, read_mapping
from dumbcontacts.etl.staging import split_staging

MAPPING = b"""
channel = "chat"
source_system = "zendesk"
delimiter = ";"
timestamp_format = "%d/%m/%Y %H:%M"
timezone = "Europe/London"

[columns]
source_id = "Ticket"
started_at = "Opened"
handle_seconds = "Handle Time"
customer_id = "Requester"
reason = "Description"
"""

DATA = (
    b"Ticket;Opened;Handle Time;Requester;Description\n"
    b"T1;01/07/2026 09:30;4:30;jo@example.com;Where is my parcel?\n"
    b"T2;someday;;;Refund please\n"
)


def test_a_mapping_turns_any_csv_into_staging_rows():
    mapping = read_mapping(io.BytesIO(MAPPING))
    assert mapping.channel == "chat"
    staging, rejects = split_staging(read_mapped_csv(io.BytesIO(DATA), mapping))
    assert rejects == []
    first = staging.row(0, named=True)
    assert first["source_system"] == "zendesk"
    assert first["started_at"] == "2026-07-01T08:30:00Z"  # BST is UTC+1
    assert first["handle_seconds"] == "4:30"
    assert first["customer_turns"] == ["Where is my parcel?"]
    # An unparseable time passes through unchanged, for normalisation to reject by name.
    assert staging.row(1, named=True)["started_at"] == "someday"


@pytest.mark.parametrize(
    "text, message",
    [
        (b"channel = 'fax'\n[columns]\nsource_id='a'\nstarted_at='b'", "channel = one of"),
        (b"channel = 'phone'\n[columns]\nsource_id='a'", "must name a column for: started_at"),
        (
            b"channel = 'phone'\n[columns]\nsource_id='a'\nstarted_at='b'\ncolour='c'",
            "unknown field",
        ),
        (b"channel = ", "not valid TOML"),
        (b"channel = 5\n[columns]\nsource_id='a'\nstarted_at='b'", "channel must be text"),
        (b"channel = 'phone'\ncolumns = 'x'", r"columns must be a table \(\[columns\]\)"),
        (
            b"channel = 'phone'\ndelimiter = 5\n[columns]\nsource_id='a'\nstarted_at='b'",
            "delimiter must be text",
        ),
        (
            b"channel = 'phone'\ndelimiter = ';;'\n[columns]\nsource_id='a'\nstarted_at='b'",
            "delimiter must be one character",
        ),
        (
            b"channel = 'phone'\ntimezone = 'Mars/Olympus'\n[columns]\nsource_id='a'\n"
            b"started_at='b'",
            "timezone 'Mars/Olympus' is not a time zone",
        ),
        (b"channel = 'phone'\n[columns]\nsource_id=1\nstarted_at='b'", "column name in quotes"),
        (b"chanel = 'phone'", "unknown setting: chanel"),
        (
            b"channel = 'phone'\ndelimiter = \"\\u00a7\"\n[columns]\nsource_id='a'\nstarted_at='b'",
            "delimiter must be one character",
        ),
    ],
)
def test_mapping_mistakes_are_named(text, message):
    with pytest.raises(ValueError, match=message) as caught:
        read_mapping(io.BytesIO(text))
    assert "\n" not in str(caught.value)


def test_a_local_time_in_the_spring_forward_gap_is_rejected_alone():
    mapping = read_mapping(
        io.BytesIO(
            b"channel = 'phone'\ntimezone = 'Europe/London'\ntimestamp_format = '%Y-%m-%d %H:%M'"
            b"\n[columns]\nsource_id = 'id'\nstarted_at = 'start'\nended_at = 'end'"
        )
    )
    data = (
        b"id,start,end\nA1,2026-03-29 00:30,2026-03-29 00:40\nA2,2026-03-29 01:30,\n"
        b"A3,2026-03-29 00:50,2026-03-29 01:10\nA4,2026-10-25 01:30,\n"
    )
    staging, rejects = split_staging(read_mapped_csv(io.BytesIO(data), mapping))
    assert [(r.record_no, r.reason, r.excerpt) for r in rejects] == [
        (
            2,
            "started_at: not a local time in Europe/London (a skipped hour)",
            "A2 | 2026-03-29 01:30",
        ),
        (
            3,
            "ended_at: not a local time in Europe/London (a skipped hour)",
            "A3 | 2026-03-29T00:50:00Z | 2026-03-29 01:10",
        ),
    ]
    # The autumn hour that happens twice is read as its first (summer-time) occurrence.
    assert staging.select("source_id", "started_at").rows() == [
        ("A1", "2026-03-29T00:30:00Z"),
        ("A4", "2026-10-25T00:30:00Z"),
    ]
