import datetime as dt
import hashlib

import polars as pl
import pytest

from dumbcontacts.etl.normalize import (
    CONTACT_COLUMNS,
    normalize_contacts,
    parse_durations,
    parse_timestamps,
)
from dumbcontacts.etl.staging import staging_frame
from dumbcontacts.settings import TimeWindow

SALT = "s"
WINDOW = TimeWindow.ending_days_ahead(dt.date(1990, 1, 1), 2, now=dt.datetime(2026, 12, 6))


def _row(**overrides):
    row = {
        "record_no": 1,
        "source_system": "pbx",
        "source_id": "C1",
        "started_at": "2026-09-01T08:00:00Z",
        "ended_at": "2026-09-01T08:05:00Z",
        "customer_id": "ACC1",
        "agent_id": "agent7",
        "customer_turns": ["Hi there", "My bill is wrong, I was charged twice"],
        "transcript": "Customer: Hi there\nCustomer: My bill is wrong, call +1 415 555 0199",
    }
    return row | overrides


def _normalize(*rows, keep_transcripts=False):
    return normalize_contacts(
        staging_frame(rows),
        channel="phone",
        salt=SALT,
        keep_transcripts=keep_transcripts,
        window=WINDOW,
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-09-01T08:00:00Z", dt.datetime(2026, 9, 1, 8)),
        ("2026-09-01T08:00:00.250Z", dt.datetime(2026, 9, 1, 8, 0, 0, 250000)),
        ("2026-09-01T10:00:00+02:00", dt.datetime(2026, 9, 1, 8)),
        ("2026-09-01T03:00:00-0500", dt.datetime(2026, 9, 1, 8)),
        ("2026-09-01T08:00:00", dt.datetime(2026, 9, 1, 8)),
        ("2026-09-01 08:00:00", dt.datetime(2026, 9, 1, 8)),
        ("2026-09-01", dt.datetime(2026, 9, 1)),
        ("2026-09-10T10:00Z", dt.datetime(2026, 9, 10, 10)),
        ("2026-09-10T12:00+02:00", dt.datetime(2026, 9, 10, 10)),
        ("2026-09-10T10:00", dt.datetime(2026, 9, 10, 10)),
        ("2026-09-10 10:00", dt.datetime(2026, 9, 10, 10)),
        ("01/09/2026 08:00", None),
        ("yesterday", None),
        (None, None),
    ],
)
def test_parse_timestamps(text, expected):
    # Mixed with a value in the common format, so the fallback formats are exercised too.
    values = pl.Series(["2026-01-01T00:00:00Z", text], dtype=pl.Utf8)
    assert parse_timestamps(values).to_list()[1] == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("312", 312.0),
        ("312.5", 312.5),
        (" 60 ", 60.0),
        ("5:12", 312.0),
        ("1:05:12", 3912.0),
        ("abc", None),
        ("nan", None),
        ("inf", None),
        ("-inf", None),
        ("1e400", None),
        (None, None),
    ],
)
def test_parse_durations(text, expected):
    assert parse_durations(pl.Series([text], dtype=pl.Utf8)).to_list() == [expected]


@pytest.mark.parametrize(
    "overrides, reason",
    [
        ({"source_id": None}, "source_id: missing"),
        ({"source_id": "  "}, "source_id: missing"),
        ({"started_at": None}, "started_at: missing"),
        ({"started_at": "31/13/2026"}, "started_at: not a timestamp"),
        ({"started_at": "call me on 07700 900123"}, "started_at: not a timestamp"),
        ({"ended_at": "never"}, "ended_at: not a timestamp"),
        ({"ended_at": "2026-09-01T07:00:00Z"}, "ended_at: before started_at"),
        ({"handle_seconds": "ten"}, "handle_seconds: not a number of seconds"),
        ({"handle_seconds": "nan"}, "handle_seconds: not a number of seconds"),
        ({"handle_seconds": "inf"}, "handle_seconds: not a number of seconds"),
        ({"handle_seconds": "-5"}, "handle_seconds: negative"),
        ({"handle_seconds": "2147483648"}, "handle_seconds: more than 24 hours"),
        ({"handle_seconds": "86401"}, "handle_seconds: more than 24 hours"),
        # The plausibility window: a placeholder year, a typo for 2026, a sentinel.
        ({"started_at": "0000-01-01T00:00:00Z"}, "started_at: outside 1990-01-01 to 2026-12-08"),
        ({"started_at": "-001-01-01T00:00:00Z"}, "started_at: outside 1990-01-01 to 2026-12-08"),
        ({"started_at": "1989-12-31T23:59:59Z"}, "started_at: outside 1990-01-01 to 2026-12-08"),
        ({"started_at": "2206-09-01T08:00:00Z"}, "started_at: outside 1990-01-01 to 2026-12-08"),
        ({"ended_at": "9999-12-31T00:00:00Z"}, "ended_at: outside 1990-01-01 to 2026-12-08"),
        ({"ended_at": "9999-12-31T23:59:59-23:59"}, "ended_at: outside 1990-01-01 to 2026-12-08"),
    ],
)
def test_bad_records_are_rejected_with_a_reason(overrides, reason):
    contacts, rejects = _normalize(_row(), _row(**{"record_no": 2, "source_id": "C2"} | overrides))
    assert contacts["source_id"].to_list() == ["C1"]
    assert rejects.select("record_no", "reason").rows() == [(2, reason)]


def test_reasons_name_the_rule_and_only_the_excerpt_holds_the_value():
    bad = _row(record_no=2, source_id="C2", started_at="call me on 07700 900123")
    _, rejects = _normalize(_row(), bad)
    excerpt = "C2 | call me on 07700 900123 | 2026-09-01T08:05:00Z"  # raw: the load redacts it
    assert rejects.rows() == [(2, "started_at: not a timestamp", excerpt)]


def test_the_window_edges_are_inside():
    first = _row(started_at="1990-01-01T00:00:00Z", ended_at="1990-01-01T00:05:00Z")
    last = _row(record_no=2, source_id="C2", started_at="2026-12-08T00:00:00Z", ended_at=None)
    contacts, rejects = _normalize(first, last)
    assert rejects.is_empty()
    assert contacts["started_at"].to_list() == [dt.datetime(1990, 1, 1), dt.datetime(2026, 12, 8)]


def test_a_session_spanning_days_has_no_handle_time_from_its_clock():
    long = _row(ended_at="2026-09-03T08:00:00Z")  # resumed two days later
    day = _row(record_no=2, source_id="C2", ended_at="2026-09-02T08:00:00Z")
    contacts, rejects = _normalize(long, day)
    assert rejects.is_empty()
    assert contacts["handle_seconds"].to_list() == [None, 86400]


def test_only_the_first_hundred_turns_are_searched_for_the_reason():
    chatty = ["hi"] * 100 + ["my parcel never arrived at all"]
    early = ["hi"] * 99 + ["my parcel never arrived at all"]
    contacts, _ = _normalize(
        _row(customer_turns=chatty), _row(record_no=2, source_id="C2", customer_turns=early)
    )
    assert contacts["reason_text"].to_list() == [None, "my parcel never arrived at all"]


@pytest.mark.parametrize("pii", ["jo.bloggs@example.com", "07700 900123", "12 Old Oak Road"])
def test_a_long_turn_is_cut_between_tokens_before_redaction(pii):
    # The personal data straddles the cut at 20,000 characters.
    words = "my parcel never arrived " * 833  # 19,992 characters
    contacts, _ = _normalize(_row(customer_turns=[words + pii + " thanks " * 10]))
    (reason,) = contacts["reason_text"].to_list()
    assert reason == words.strip()


def test_nul_is_dropped_from_every_text_field():
    row = _row(
        source_id="C\x001", queue="q\x00ueue", order_ref="\x00", customer_turns=["a\x00" * 20]
    )
    contacts, rejects = _normalize(row)
    assert rejects.is_empty()
    assert contacts.select("source_id", "queue", "order_ref").row(0) == ("C1", "queue", None)
    assert contacts["reason_text"].to_list() == ["a" * 20]


def test_contact_row_is_typed_redacted_and_hashed():
    contacts, rejects = _normalize(_row(), keep_transcripts=True)
    assert rejects.is_empty()
    assert contacts.columns == CONTACT_COLUMNS
    row = contacts.row(0, named=True)
    assert row["contact_id"] == hashlib.md5(b"phone|pbx|C1").hexdigest()
    assert row["customer_key"] == hashlib.sha256(b"s|acc1").hexdigest()[:32]
    assert row["agent_key"] == hashlib.sha256(b"s|agent7").hexdigest()[:32]
    assert row["started_at"] == dt.datetime(2026, 9, 1, 8)
    assert row["handle_seconds"] == 300  # from the times, as the source gave no handle time
    assert row["reason_text"] == "My bill is wrong, I was charged twice"
    assert "555" not in row["transcript"] and "[PHONE]" in row["transcript"]


def test_transcripts_are_not_kept_unless_asked():
    contacts, _ = _normalize(_row())
    assert contacts.columns == CONTACT_COLUMNS
    assert contacts["transcript"].to_list() == [None]
    assert contacts["reason_text"].to_list() == ["My bill is wrong, I was charged twice"]


def test_given_handle_time_wins_over_the_clock():
    contacts, _ = _normalize(_row(handle_seconds="4:00"))
    assert contacts["handle_seconds"].to_list() == [240]


def test_duplicate_conversations_in_one_file_keep_the_first():
    contacts, _ = _normalize(_row(), _row(record_no=2, customer_turns=["other words here"]))
    assert contacts.height == 1
    assert contacts["reason_text"].to_list() == ["My bill is wrong, I was charged twice"]


def test_customer_keys_ignore_case_and_spaces_but_not_salt():
    a, _ = _normalize(_row(customer_id=" Jo@Example.com "))
    b, _ = _normalize(_row(customer_id="jo@example.com"))
    c, _ = normalize_contacts(
        staging_frame([_row(customer_id="jo@example.com")]), channel="phone", salt="x"
    )
    assert a["customer_key"].to_list() == b["customer_key"].to_list() != c["customer_key"].to_list()


@pytest.mark.parametrize(
    ("order_ref", "stored"),
    [
        ("ORD-4653713", "ORD-4653713"),
        (" #7307145 ", "#7307145"),
        ("INV-2026-0042", "INV-2026-0042"),
        ("12345678", "12345678"),
        # personal data typed into the field, or anything else, is not stored
        ("+1 415 555 0199", None),
        ("415-555-0199", None),
        ("jo@example.com", None),
        ("4111111111111111", None),
        ("GB82WEST12345698765432", None),
        ("see notes", None),
        ("", None),
    ],
)
def test_order_refs_are_kept_only_in_their_form_and_without_personal_data(order_ref, stored):
    contacts, _ = _normalize(_row(order_ref=order_ref))
    assert contacts["order_ref"].to_list() == [stored]


def test_the_order_ref_form_is_a_setting():
    rows = staging_frame([_row(order_ref="SO123456"), _row(source_id="C2", order_ref="ORD-1234")])
    contacts, _ = normalize_contacts(rows, channel="phone", salt=SALT, order_ref_pattern="SO[0-9]+")
    assert contacts["order_ref"].to_list() == ["SO123456", None]


def test_nul_bytes_and_empty_strings_are_dropped():
    contacts, _ = _normalize(_row(queue="  ", transcript="Customer: a\x00b"), keep_transcripts=True)
    assert contacts["queue"].to_list() == [None]
    assert "\x00" not in contacts["transcript"][0]


def test_empty_staging_gives_empty_frames():
    contacts, rejects = normalize_contacts(staging_frame([]), channel="chat", salt=SALT)
    assert contacts.is_empty() and rejects.is_empty()
    assert contacts.columns == CONTACT_COLUMNS
