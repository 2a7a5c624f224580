import io
import json

import polars as pl
import pytest

from dumbcontacts.etl.readers.chat import is_customer_speaker, read_chats
from dumbcontacts.etl.staging import STAGING_SCHEMA, Reject, RejectedFile, split_staging

SESSION = {
    "session_id": "CH000001",
    "started_at": "2026-09-01T08:00:00Z",
    "ended_at": "2026-09-01T08:07:30Z",
    "customer": {"id": "ACC001234", "email": "jo@example.com"},
    "agent_id": "agent17",
    "queue": "orders",
    "order_ref": "ORD-1234567",
    "language": "en",
    "turns": [
        {"speaker": "bot", "text": "Hi! How can I help?", "at": "2026-09-01T08:00:00Z"},
        {"speaker": "customer", "text": "hi", "at": "2026-09-01T08:00:05Z"},
        {"speaker": "customer", "text": "my parcel never arrived", "at": "2026-09-01T08:00:09Z"},
        {"speaker": "agent", "text": "Sorry to hear that...", "at": "2026-09-01T08:01:00Z"},
    ],
}


def session(**changes) -> dict:
    return {**SESSION, **changes}


def jsonl(*items: object) -> bytes:
    return b"".join((i if isinstance(i, bytes) else json.dumps(i).encode()) + b"\n" for i in items)


def read(data: bytes) -> tuple[list[dict], list[Reject]]:
    items = list(read_chats(io.BytesIO(data)))
    return [i for i in items if isinstance(i, dict)], [i for i in items if isinstance(i, Reject)]


@pytest.mark.parametrize(
    ("speaker", "expected"),
    [
        ("customer", True),
        ("Visitor", True),
        (" user ", True),
        ("agent", False),
        ("bot", False),
        ("system", False),
        (None, False),
        (7, False),
    ],
)
def test_which_speakers_are_the_customer(speaker, expected):
    assert is_customer_speaker(speaker) is expected


def test_a_session_per_line_becomes_one_staging_row():
    rows, rejects = read(jsonl(SESSION))
    assert rejects == []
    assert rows == [
        {
            "record_no": 1,
            "source_system": "chat",
            "source_id": "CH000001",
            "started_at": "2026-09-01T08:00:00Z",
            "ended_at": "2026-09-01T08:07:30Z",
            "handle_seconds": None,  # normalisation derives it from started/ended
            "customer_id": "ACC001234",  # the account id beats the e-mail
            "agent_id": "agent17",
            "queue": "orders",
            "order_ref": "ORD-1234567",
            "language": "en",
            "disposition_code": None,
            "customer_turns": ["hi", "my parcel never arrived"],
            "transcript": "Bot: Hi! How can I help?\nCustomer: hi\n"
            "Customer: my parcel never arrived\nAgent: Sorry to hear that...",
        }
    ]


def test_staging_rows_fit_the_staging_schema():
    frame, rejects = split_staging(read_chats(io.BytesIO(jsonl(SESSION, session(session_id=7)))))
    assert rejects == []
    assert frame.schema == pl.Schema(STAGING_SCHEMA)
    assert frame["source_id"].to_list() == ["CH000001", "7"]


def test_missing_fields_fall_back_to_the_email_and_turn_times():
    item = session(customer={"email": "jo@example.com"})
    del item["started_at"], item["ended_at"], item["agent_id"]
    item["turns"][3] = {**item["turns"][3], "agent_id": "agent9"}
    rows, _ = read(jsonl(item))
    assert rows[0]["customer_id"] == "jo@example.com"
    assert rows[0]["started_at"] == "2026-09-01T08:00:00Z"
    assert rows[0]["ended_at"] == "2026-09-01T08:01:00Z"
    assert rows[0]["agent_id"] == "agent9"


def test_bad_lines_are_rejected_with_their_line_numbers_and_good_lines_load():
    data = jsonl(
        SESSION,
        b'{"session_id": "CH2" "turns": []}',
        b"",  # blank lines are skipped but still counted
        session(session_id="CH3"),
        {"turns": [], "customer": {"id": "A"}},
        b'{"session_id": "CH5", "turns": [{"speaker": "customer", "text": "caf\xe9"}]}',
        [1, 2],
        session(session_id="CH8", turns="oops"),
        session(session_id="CH9"),
    )
    rows, rejects = read(data)
    assert [r["source_id"] for r in rows] == ["CH000001", "CH3", "CH9"]
    assert [r["record_no"] for r in rows] == [1, 4, 9]
    assert [(r.record_no, r.reason) for r in rejects] == [
        (2, "invalid JSON: Expecting ',' delimiter at column 22"),
        (5, "session_id: missing"),
        (6, "invalid UTF-8 at byte offset 68"),
        (7, "not a JSON object"),
        (8, "turns: not a list"),
    ]
    assert rejects[0].excerpt == '{"session_id": "CH2" "turns": []}'


def test_messages_per_line_are_grouped_by_session():
    data = jsonl(
        {
            "session_id": "A",
            "speaker": "customer",
            "text": "hello",
            "at": "t1",
            "customer_id": "C1",
        },
        {"session_id": "B", "speaker": "user", "text": "refund?", "at": "t2"},
        {"speaker": "agent", "text": "orphan", "at": "t3"},
        {"session_id": "A", "speaker": "agent", "text": "hi", "at": "t4", "agent_id": "ag7"},
        {"session_id": "A", "speaker": "customer", "text": "card declined", "at": "t5"},
        SESSION,  # a whole session in a file of messages
    )
    rows, rejects = read(data)
    assert [(r.record_no, r.reason) for r in rejects] == [
        (3, "session_id: missing"),
        (6, "expected a message (file is one message per line)"),
    ]
    by_id = {r["source_id"]: r for r in rows}
    assert list(by_id) == ["A", "B"]
    assert by_id["A"]["record_no"] == 1
    assert by_id["A"]["customer_turns"] == ["hello", "card declined"]
    assert by_id["A"]["transcript"] == "Customer: hello\nAgent: hi\nCustomer: card declined"
    assert (by_id["A"]["started_at"], by_id["A"]["ended_at"]) == ("t1", "t5")
    assert (by_id["A"]["customer_id"], by_id["A"]["agent_id"]) == ("C1", "ag7")
    assert by_id["B"]["customer_turns"] == ["refund?"]


def test_a_json_array_of_sessions():
    data = json.dumps([SESSION, "junk", session(session_id="CH2")], indent=2).encode()
    rows, rejects = read(b"\xef\xbb\xbf\n" + data)
    assert [(r["record_no"], r["source_id"]) for r in rows] == [(1, "CH000001"), (3, "CH2")]
    assert [(r.record_no, r.reason) for r in rejects] == [(2, "not a JSON object")]


def test_one_bad_element_of_a_json_array_is_rejected_and_the_rest_loads():
    good = [json.dumps(session(session_id=f"CH{n}")).encode() for n in (1, 2, 3, 4)]
    deep = b'{"session_id": "D", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    data = (
        b"[\n"
        + b",\n".join(
            [
                good[0],
                b'{"session_id": "B", "queue": "q\xff"}',  # not UTF-8
                deep,
                b'{"session_id": "X" "turns": []}',
                good[1],
                b'{"session_id": "N", "handle_seconds": 1' + b"0" * 5000 + b"}",
                b'"a string, with [brackets] and {braces}"',
                good[2],
                good[3][:40],  # the file is cut inside its last element
            ]
        )
    )
    rows, rejects = read(data)
    assert [(r["record_no"], r["source_id"]) for r in rows] == [(1, "CH1"), (5, "CH2"), (8, "CH3")]
    assert [(r.record_no, r.reason) for r in rejects] == [
        (2, "invalid UTF-8 at byte offset 32"),
        (3, "invalid JSON: nested too deeply"),
        (4, "invalid JSON: Expecting ',' delimiter at column 20"),
        (6, "invalid JSON: number too long"),
        (7, "not a JSON object"),
        (9, "invalid JSON: Unterminated string starting at at column 37"),
    ]
    # Cut between tokens: the run of brackets the cut went through goes.
    assert rejects[1].excerpt == '{"session_id": "D", "x":'


def test_a_deeply_nested_line_is_rejected_and_the_rest_loads():
    deep = b'{"session_id": "D", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    rows, rejects = read(jsonl(SESSION, deep, session(session_id="CH3")))
    assert [r["source_id"] for r in rows] == ["CH000001", "CH3"]
    assert [(r.record_no, r.reason) for r in rejects] == [(2, "invalid JSON: nested too deeply")]


def test_a_json_array_in_which_no_element_parses_is_refused():
    with pytest.raises(RejectedFile, match="element 1: invalid JSON: Expecting value"):
        read(b"[oops, nope]")


@pytest.mark.parametrize(
    "data",
    [
        b"session_id,speaker,text\nA,customer,hello\n",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"42\n43\n",
    ],
)
def test_a_file_that_is_not_json_at_all_is_refused(data):
    with pytest.raises(RejectedFile, match="not a chat JSON/JSONL file"):
        read(data)


def test_a_bad_first_line_alone_does_not_refuse_the_file():
    rows, rejects = read(jsonl(b"{oops", SESSION))
    assert [r["source_id"] for r in rows] == ["CH000001"]
    assert [r.record_no for r in rejects] == [1]


def test_an_empty_file_yields_nothing():
    assert read(b"") == ([], [])
    assert read(b"\n  \n") == ([], [])
