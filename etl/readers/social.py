"""Read the public Twitter customer-support CSV layout into one staging row per thread.

A thread is a root tweet (no ``in_response_to_tweet_id``) and every tweet replying to it,
transitively. Only threads started by an inbound (customer) tweet are contacts: brand-started
threads, and replies whose root is not in the file, are skipped, not rejected. Tweet text
comes HTML-escaped, as Twitter's API gives it ("&amp;", "&lt;"); it is unescaped here, so
redaction sees "jo&#64;example.com" as the address it is.
"""

from __future__ import annotations

import html
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import BinaryIO, NamedTuple

from dumbcontacts.etl.bounds import excerpt_of
from dumbcontacts.etl.readers.csvfile import CUT_SHORT, split_records
from dumbcontacts.etl.readers.encoding import sniff_encoding
from dumbcontacts.etl.staging import Reject, RejectedFile

__all__ = ["normalise_id", "parse_created_at", "read_tweets"]

SOURCE_SYSTEM = "twitter"
_REQUIRED = ("tweet_id", "author_id", "inbound", "created_at", "text", "in_response_to_tweet_id")
_INBOUND = {"true": True, "false": False}
_MONTH_NAMES = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec"  # %b is locale-dependent
_MONTHS = {name: n for n, name in enumerate(_MONTH_NAMES.split(), start=1)}
# How undecodable input is kept, so only the records holding it are rejected: bytes that are
# not UTF-8, and unpaired surrogates in UTF-16, both as lone surrogates.
_DECODING = {
    "utf-8": ("utf-8-sig", "surrogateescape"),
    "utf-16-le": ("utf-16", "surrogatepass"),  # "utf-16" reads the BOM, else little-endian
    "utf-16-be": ("utf-16-be", "surrogatepass"),
}


class _Tweet(NamedTuple):
    record_no: int
    tweet_id: str
    author_id: str
    inbound: bool
    created_raw: str
    created_at: str | None  # ISO 8601 UTC, or None when the raw value is unreadable
    text: str
    parent_id: str


def read_tweets(fp: BinaryIO) -> Iterator[dict | Reject]:
    """Yield one staging row per customer-started thread, and a Reject per malformed record.

    record_no is the 1-based CSV record number, not counting the header.
    """
    tweets: dict[str, _Tweet] = {}
    for item in _read_records(fp):
        if isinstance(item, Reject):
            yield item
        elif item.tweet_id in tweets:
            yield Reject(item.record_no, "tweet_id: used twice", excerpt_of(item.text))
        else:
            tweets[item.tweet_id] = item
    threads: dict[str, list[_Tweet]] = {}
    for tweet_id, root_id in _find_roots(tweets).items():
        if root_id is not None and tweets[root_id].inbound:
            threads.setdefault(root_id, []).append(tweets[tweet_id])
    for root_id in sorted(threads, key=lambda r: tweets[r].record_no):
        yield _stage_thread(tweets[root_id], threads[root_id])


def normalise_id(value: str) -> str:
    """Strip whitespace and the ``.0`` a spreadsheet round-trip leaves on integer ids."""
    value = value.strip()
    if value.endswith(".0") and value[:-2].isdigit():
        return value[:-2]
    return value


def parse_created_at(raw: str) -> str | None:
    """``Tue Oct 31 22:10:47 +0000 2017`` as ISO 8601 UTC, or None when unreadable.

    Parsed by hand: strptime's %a/%b depend on the locale, and this runs per tweet.
    """
    parts = raw.split()
    if len(parts) != 6:
        return None
    _, month, day, clock, offset, year = parts
    try:
        hour, minute, second = (int(p) for p in clock.split(":"))
        if len(offset) != 5 or offset[0] not in "+-":
            return None
        sign = -1 if offset[0] == "-" else 1
        zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])))
        moment = datetime(int(year), _MONTHS[month], int(day), hour, minute, second, tzinfo=zone)
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (KeyError, ValueError, OverflowError):  # OverflowError: past year 9999 in UTC
        return None


def _read_records(fp: BinaryIO) -> Iterator[_Tweet | Reject]:
    start = fp.tell() if fp.seekable() else 0
    head = fp.read(4096)
    if fp.seekable():
        fp.seek(start)
    else:
        fp = io.BytesIO(head + fp.read())
    encoding, errors = _DECODING[sniff_encoding(head)]
    # newline="": any line end, a bare CR (old Mac exports) too, and none inside quotes.
    text = io.TextIOWrapper(fp, encoding=encoding, errors=errors, newline="")
    try:
        yield from _tweets_from(split_records(text))
    finally:
        text.detach()  # the caller's file stays open


def _tweets_from(records: Iterator[tuple[list[str], str | None, str]]) -> Iterator[_Tweet | Reject]:
    header, problem, _ = next(records, (None, None, ""))
    if header is None:
        return
    columns = [name.strip().lower() for name in header]
    missing = [name for name in _REQUIRED if name not in columns]
    problem = problem or (f"missing columns {', '.join(missing)}" if missing else None)
    if problem:
        raise RejectedFile(f"not a Twitter customer-support CSV: {problem}")
    at = {name: columns.index(name) for name in _REQUIRED}
    for record_no, (row, problem, raw) in enumerate(records, start=1):
        if problem:
            yield Reject(record_no, problem, excerpt_of(raw, cut_short=problem == CUT_SHORT))
        else:
            yield _read_row(record_no, row, len(columns), at)


def _read_row(record_no: int, row: list[str], width: int, at: dict[str, int]) -> _Tweet | Reject:
    joined = ",".join(row)
    excerpt = excerpt_of(joined)
    try:
        joined.encode("utf-8")
    except UnicodeEncodeError:
        return Reject(record_no, "invalid UTF-8 (wrong file encoding?)", excerpt)
    if len(row) != width:
        return Reject(record_no, f"expected {width} fields, found {len(row)}", excerpt)
    inbound = _INBOUND.get(row[at["inbound"]].strip().lower())
    if inbound is None:
        return Reject(record_no, "inbound: not true or false", excerpt)
    tweet_id = normalise_id(row[at["tweet_id"]])
    if not tweet_id:
        return Reject(record_no, "tweet_id: missing", excerpt)
    created_raw = row[at["created_at"]].strip()
    return _Tweet(
        record_no=record_no,
        tweet_id=tweet_id,
        author_id=normalise_id(row[at["author_id"]]),
        inbound=inbound,
        created_raw=created_raw,
        created_at=parse_created_at(created_raw),
        text=html.unescape(row[at["text"]]),
        parent_id=normalise_id(row[at["in_response_to_tweet_id"]]),
    )


def _find_roots(tweets: dict[str, _Tweet]) -> dict[str, str | None]:
    """Each tweet's thread root id; None when the chain leaves the file or loops."""
    roots: dict[str, str | None] = {}
    for tweet_id in tweets:
        path: list[str] = []
        on_path: set[str] = set()
        current = tweet_id
        while current not in roots:
            path.append(current)
            on_path.add(current)
            parent = tweets[current].parent_id
            if not parent:
                root = current
                break
            if parent not in tweets or parent in on_path:
                root = None
                break
            current = parent
        else:
            root = roots[current]
        for seen in path:
            roots[seen] = root
    return roots


def _stage_thread(root: _Tweet, thread: list[_Tweet]) -> dict:
    ordered = sorted(thread, key=lambda t: (t.created_at is None, t.created_at or "", t.record_no))
    brand = next((t.author_id for t in ordered if not t.inbound), None)
    times = [t.created_at for t in ordered if t.created_at is not None]
    return {
        "record_no": root.record_no,
        "source_system": SOURCE_SYSTEM,
        "source_id": root.tweet_id,
        # The root starts the thread by definition; an unreadable time is passed on raw so
        # normalisation rejects the contact and names the value.
        "started_at": root.created_at or root.created_raw,
        "ended_at": max(times) if times else None,
        "handle_seconds": None,
        "customer_id": root.author_id,
        "agent_id": brand,
        "order_ref": None,
        "queue": brand,
        "disposition_code": None,
        "language": None,
        "customer_turns": [t.text for t in ordered if t.inbound and t.author_id == root.author_id],
        "transcript": "\n".join(f"{_speaker(t, root)}: {t.text}" for t in ordered),
    }


def _speaker(tweet: _Tweet, root: _Tweet) -> str:
    if not tweet.inbound:
        return "Agent"
    return "Customer" if tweet.author_id == root.author_id else "Other customer"
