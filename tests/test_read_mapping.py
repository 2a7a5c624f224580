import io

import pytest

from dumbcontacts.errors import ConfigError
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
        (b"channel = 'phone'\nsource_system = '\xff'", "not valid TOML: 'utf-8' codec"),
        (b"channel = 'phone'\ncolumns = 5", r"\[columns\] must name each field's column"),
        (b"channel = 'phone'\n[columns]\nsource_id = 1", r"\[columns\] must name each field's"),
        (b"channel = 'phone'\ndelimiter = ';;'", "delimiter must be one character"),
        (b"channel = 'phone'\ntimezone = 'Europe/Londn'", "unknown timezone 'Europe/Londn'"),
        (b"channel = 'phone'\ntimezone = 1", "timezone must be a string"),
        (b"channel = 'phone'\ncolour = 'red'", "unknown setting 'colour'"),
    ],
)
def test_mapping_mistakes_are_named(text, message):
    with pytest.raises(ConfigError, match=message):
        read_mapping(io.BytesIO(text))
