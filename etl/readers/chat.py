"""Read chat transcripts (JSONL or a JSON array) into one staging row per chat session.

Two layouts, detected per file from its first object: one *session* per line (with a
``turns`` list), or one *message* per line grouped by ``session_id``. A bad line (or array
element) becomes a Reject naming its number; the rest of the file still loads. A JSON array
that does not parse as a whole (an invalid byte, one element nested a hundred thousand deep,
a cut file) is split into its elements and each is read on its own, as the lines of JSONL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from dumbcontacts.etl.bounds import excerpt_of
from dumbcontacts.etl.staging import Reject, RejectedFile

__all__ = ["CUSTOMER_SPEAKERS", "is_customer_speaker", "read_chats"]

SOURCE_SYSTEM = "chat"
CUSTOMER_SPEAKERS = frozenset({"customer", "visitor", "user"})
_SESSION_FIELDS = ("queue", "order_ref", "language", "disposition_code")


def read_chats(fp: BinaryIO) -> Iterator[dict | Reject]:
    """Yield one staging row per chat session, and a Reject per unreadable line or session.

    record_no is the JSONL line number, or the 1-based element index of a JSON array.
    Raises RejectedFile when the file is not JSON at all.
    """
    lines = iter(fp)
    blank = 0
    for first in lines:
        first = first.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 BOM some editors write
        if first.strip():
            break
        blank += 1
    else:
        return
    if first.lstrip().startswith(b"["):
        records = _array_records(first + b"".join(lines))
    else:
        numbered = enumerate(_chain(first, lines), start=blank + 1)
        records = _parsed_records(numbered, what="line")
    yield from _stage_records(records)


def is_customer_speaker(speaker: object) -> bool:
    return isinstance(speaker, str) and speaker.strip().lower() in CUSTOMER_SPEAKERS


def _array_records(data: bytes) -> Iterator[tuple[int, dict] | Reject]:
    try:
        items = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        # Not as a whole: element by element, so one bad element is one reject.
        yield from _parsed_records(_array_elements(data), what="element")
        return
    if not isinstance(items, list):
        raise RejectedFile("not a chat JSON/JSONL file: not an array of objects")
    for index, item in enumerate(items, start=1):
        if isinstance(item, dict):
            yield index, item
        else:
            yield Reject(index, "not a JSON object", _excerpt(item))


# A JSON string (perhaps cut off by the end of the file), or one of the characters that
# nest or separate values. Strings are matched whole, so brackets inside them do not count.
_ARRAY_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*+"?|[\[\]{},]', re.DOTALL)


def _array_elements(data: bytes) -> Iterator[tuple[int, bytes]]:
    """The raw elements of a JSON array, numbered from 1, found by nesting alone: each
    still has to parse. An array the file ends inside yields what it holds so far."""
    start = data.index(b"[") + 1
    depth, number = 0, 0
    for match in _ARRAY_TOKEN.finditer(data, start):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
        elif token in (b"]", b"}") and depth:
            depth -= 1
        elif token == b"]" or (token == b"," and not depth):
            element = data[start : match.start()]
            if token == b"," or element.strip():
                number += 1
                yield number, element
            if token == b"]":
                return
            start = match.end()
    number += 1
    yield number, data[start:]  # no closing bracket: the file was cut short


def _parsed_records(
    numbered: Iterable[tuple[int, bytes]], what: str
) -> Iterator[tuple[int, dict] | Reject]:
    """Parse numbered JSON texts (JSONL lines, array elements), skipping blank ones.

    Rejects are held back until one text parses: if none ever does, the file is not JSON at
    all and the whole file is refused instead.
    """
    held: list[Reject] = []
    parsed_any = False
    for number, text in numbered:
        if not text.strip():
            continue
        item = _parse_record(number, text)
        if isinstance(item, Reject):
            if parsed_any:
                yield item
            else:
                held.append(item)
        else:
            if not parsed_any:
                parsed_any = True
                yield from held
                held.clear()
            yield item
    if held:
        raise RejectedFile(
            f"not a chat JSON/JSONL file: {what} {held[0].record_no}: {held[0].reason}"
        )


def _chain(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest


def _parse_record(number: int, raw: bytes) -> tuple[int, dict] | Reject:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Reject(number, f"invalid UTF-8 at byte offset {exc.start}", _excerpt(raw))
    try:
        item = json.loads(text)
    except json.JSONDecodeError as exc:
        return Reject(number, f"invalid JSON: {exc.msg} at column {exc.colno}", _excerpt(raw))
    except RecursionError:
        return Reject(number, "invalid JSON: nested too deeply", _excerpt(raw))
    except ValueError:  # an integer of more digits than Python converts
        return Reject(number, "invalid JSON: number too long", _excerpt(raw))
    if not isinstance(item, dict):
        return Reject(number, "not a JSON object", _excerpt(raw))
    return number, item


def _is_message(item: dict) -> bool:
    return "turns" not in item and ("speaker" in item or "text" in item)


def _stage_records(records: Iterator[tuple[int, dict] | Reject]) -> Iterator[dict | Reject]:
    """Stage sessions as they come, or group message lines by session_id until the end."""
    per_message: bool | None = None
    sessions: dict[str, list[tuple[int, dict]]] = {}
    for record in records:
        if isinstance(record, Reject):
            yield record
            continue
        record_no, item = record
        if per_message is None:
            per_message = _is_message(item)
        if per_message != _is_message(item):
            expected = "a message" if per_message else "a session"
            layout = "message" if per_message else "session"
            yield Reject(
                record_no,
                f"expected {expected} (file is one {layout} per line)",
                _excerpt(item),
            )
        elif per_message:
            session_id = _text(item.get("session_id"))
            if session_id is None:
                yield Reject(record_no, "session_id: missing", _excerpt(item))
            else:
                sessions.setdefault(session_id, []).append((record_no, item))
        else:
            yield _stage_session(record_no, item)
    for session_id, messages in sessions.items():
        yield _stage_messages(session_id, messages)


def _stage_session(record_no: int, item: dict) -> dict | Reject:
    session_id = _text(item.get("session_id"))
    if session_id is None:
        return Reject(record_no, "session_id: missing", _excerpt(item))
    turns = item.get("turns") or []
    if not isinstance(turns, list):
        return Reject(record_no, "turns: not a list", _excerpt(item))
    for number, turn in enumerate(turns, start=1):
        if not isinstance(turn, dict):
            return Reject(record_no, f"turns: turn {number} is not an object", _excerpt(item))
    agent_turn_ids = (
        t.get("agent_id")
        for t in turns
        if str(t.get("speaker", "")).strip().lower() == "agent" and t.get("agent_id")
    )
    row = {
        "record_no": record_no,
        "source_system": SOURCE_SYSTEM,
        "source_id": session_id,
        "started_at": _text(item.get("started_at")) or _text(_turn_time(turns, 0)),
        "ended_at": _text(item.get("ended_at")) or _text(_turn_time(turns, -1)),
        # Normalisation derives it from started/ended; only an explicit value is passed on.
        "handle_seconds": _text(item.get("handle_seconds")),
        "customer_id": _customer_id(item),
        "agent_id": _text(item.get("agent_id")) or _text(next(agent_turn_ids, None)),
    }
    row.update({name: _text(item.get(name)) for name in _SESSION_FIELDS})
    row.update(_stage_turns(turns))
    return row


def _stage_messages(session_id: str, messages: list[tuple[int, dict]]) -> dict:
    """One staging row from a session's message lines, in file order."""
    items = [item for _, item in messages]

    def first_of(name: str) -> str | None:
        return next((v for v in (_text(i.get(name)) for i in items) if v is not None), None)

    row = {
        "record_no": messages[0][0],
        "source_system": SOURCE_SYSTEM,
        "source_id": session_id,
        "started_at": _text(items[0].get("at")),
        "ended_at": _text(items[-1].get("at")),
        "handle_seconds": None,
        "customer_id": first_of("customer_id"),
        "agent_id": first_of("agent_id"),
    }
    row.update({name: first_of(name) for name in _SESSION_FIELDS})
    row.update(_stage_turns(items))
    return row


def _stage_turns(turns: list[dict]) -> dict:
    customer_turns: list[str] = []
    lines: list[str] = []
    for turn in turns:
        speaker = turn.get("speaker")
        text = _text(turn.get("text")) or ""
        if is_customer_speaker(speaker):
            customer_turns.append(text)
        label = speaker.strip().capitalize() if isinstance(speaker, str) and speaker else "Unknown"
        lines.append(f"{label}: {text}")
    return {"customer_turns": customer_turns, "transcript": "\n".join(lines)}


def _customer_id(item: dict) -> str | None:
    customer = item.get("customer")
    if isinstance(customer, dict):
        return _text(customer.get("id")) or _text(customer.get("email"))
    return _text(customer) or _text(item.get("customer_id"))


def _turn_time(turns: list[dict], index: int) -> object:
    return turns[index].get("at") if turns else None


def _text(value: object) -> str | None:
    """A staging value: text, or None for a missing or empty one."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _excerpt(value: str | bytes | object) -> str:
    if not isinstance(value, str | bytes):
        try:
            value = json.dumps(value, ensure_ascii=False)
        except (RecursionError, ValueError):
            return ""
    return excerpt_of(value).strip()
