"""Hypothesis strategies for hostile exports: every reader's format, with good records (whose
ids the tests know) and hostile ones (absurd times and numbers, megabyte-scale values, NUL,
control and bidi characters, invalid bytes, lone surrogates, deep nesting, cut-off files).

Good records come first in each file and hostile ones never name a good record's id, so a
hostile record can only ever cost itself.
"""

from __future__ import annotations

import csv
import io
import json
import re

from hypothesis import strategies as st

__all__ = [
    "ALLOWED_REASONS",
    "GOOD_TIME",
    "chat_lines",
    "csv_text",
    "hostile_text",
    "mail_message",
    "toml_document",
]

GOOD_TIME = "2026-09-01T08:00:00Z"
ABSURD_TIMES = (
    "0000-01-01T00:00:00Z", "-001-06-01T00:00:00Z", "2206-09-01T08:00:00Z",
    "9999-12-31T23:59:59Z", "9999-12-31T23:59:59-23:59", "1900-01-01", "1989-12-31T23:59:59Z",
    "2026-02-30T00:00:00Z", "2026-13-01", "+12026-01-01T00:00:00Z", "262143-12-31T00:00:00Z",
    "2026-09-10T10:00Z", "2026-09-10 10:00", "2026-09-01T08:00:00+99:00", "now", "",
    "Fri Dec 31 23:59:59 -2359 9999", "Sat Jan 01 00:00:00 +0000 0001",
    "Mon, 01 Jan 0000 00:00:00 +0000", "Tue, 01 Sep 2206 08:00:00 +0000",
    "29/03/2026 01:30", "25/10/2026 01:30", "31/02/2026 10:00",
)  # fmt: skip
ABSURD_NUMBERS = (
    "nan", "NaN", "inf", "-inf", "Infinity", "1e400", "-1", "-0", "2147483648", "4294967296",
    "86401", "1" * 5000, "0x10", "1:99:99", ":::", "5:", "1_000", "١٢٣", "99999999999999999999",
)  # fmt: skip
PII_AND_MARKUP = (
    "call me on 07700 900123", "jo.bloggs@example.com", "4111 1111 1111 1111",
    "12 Old Oak Road", "+44 (0)20 7946 0958", "<script>alert(1)</script>",
    '=HYPERLINK("http://x","y")', '"', "'", ",", ";", "\n", "\r", "\r\n", "\t", "\x00", "\u202e",
    "\ufeff", "> quoted\n-- \nsig", "True", "false", "yes",
)  # fmt: skip
_LONG_UNITS = ("x", "1", "a@", "1 ", "12 ", "Thanks ", "hi ", "é", "\u202e", "😀", "<b>", "-- \n")


def hostile_text(*, long: bool = True) -> st.SearchStrategy[str]:
    """Text a careless exporter or an attacker puts in a field."""
    options = [
        st.text(max_size=40),  # any Unicode but surrogates: NUL, controls, bidi, emoji
        st.sampled_from(ABSURD_TIMES + ABSURD_NUMBERS + PII_AND_MARKUP),
    ]
    if long:  # up to 20,000 characters: the benchmark measures the megabytes
        repeated = st.builds(
            lambda unit, n: unit * n, st.sampled_from(_LONG_UNITS), st.integers(500, 20_000)
        )
        options.append(repeated)
    return st.one_of(*options)


def csv_text(header: list[str], rows: list[list[str]], delimiter: str = ",") -> str:
    """Rows written as a CSV exporter writes them: every hostile value quoted properly."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


# A broken last line: what a cut-off or corrupted file ends with (after the good records).
CSV_TAILS = (
    b'HT1,2026-09-01T08:00:00Z,,,,,"cut short in a quote',
    b"HT2,\xff\xfe\xfd not UTF-8,,,,,\n",
    b'HT3,2026-09-01T08:00:00Z,5" screen,stray"quote,,,\n',
    b"HT4,only,three\n",
    b"\x00\x00\x00\n",
    b",,,,,,,,,,,,,,,,,\n",
    b'"' + b"x" * 200_000,
)


def _jsonable() -> st.SearchStrategy[object]:
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(), hostile_text(long=False)
    )
    return st.recursive(scalars, lambda kids: st.lists(kids, max_size=3), max_leaves=6)


def chat_lines(good: int) -> st.SearchStrategy[tuple[list[bytes], int]]:
    """(JSON texts of a chat export, the number of hostile ones): ``good`` sessions GOOD-n,
    then hostile texts, in any order among themselves."""
    turn = st.fixed_dictionaries(
        {"speaker": st.sampled_from(["customer", "agent", "bot", "Visitor", ""]),
         "text": hostile_text()},
        optional={"at": st.sampled_from(ABSURD_TIMES)},
    )  # fmt: skip
    session = st.fixed_dictionaries(
        {"started_at": st.one_of(st.sampled_from(ABSURD_TIMES), hostile_text())},
        optional={
            "session_id": st.one_of(hostile_text(long=False).map(lambda v: f"H-{v}"), _jsonable()),
            "ended_at": st.sampled_from(ABSURD_TIMES),
            "handle_seconds": st.one_of(st.sampled_from(ABSURD_NUMBERS), st.floats()),
            "queue": hostile_text(), "customer": _jsonable(), "turns": st.one_of(
                st.lists(turn, max_size=4), _jsonable(),
                st.integers(1, 20_000).map(lambda n: [{"speaker": "customer", "text": "hi"}] * n),
            ),
        },
    )  # fmt: skip
    raw = st.sampled_from(
        [
            b'{"session_id": "H-surrogate", "started_at": "2026-09-01T08:00:00Z", '
            b'"turns": [{"speaker": "customer", "text": "hi \\ud83d my parcel is late"}]}',
            b'{"session_id": "H-bytes", "queue": "q\xff\xfe"}',
            b'{"session_id": "H-deep", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
            b'{"session_id": "H-long-number", "handle_seconds": 1' + b"0" * 5000 + b"}",
            b'{"session_id": "H-nan", "started_at": "2026-09-01T08:00:00Z", "handle_seconds": NaN}',
            b'{"session_id": "H-broken" "turns": []}',
            b"[1, 2, 3]",
            b'"just a string"',
            b"\xef\xbb\xbf{}",
        ]
    )
    hostile = st.one_of(session.map(lambda s: json.dumps(s).encode()), raw)
    goods = [
        json.dumps(
            {"session_id": f"GOOD-{n}", "started_at": GOOD_TIME, "ended_at": GOOD_TIME,
             "turns": [{"speaker": "customer", "text": f"my parcel number {n} never arrived"}]}
        ).encode()
        for n in range(good)
    ]  # fmt: skip
    return st.lists(hostile, min_size=6, max_size=6).map(lambda bad: (goods + bad, len(bad)))


_HEADER_NAMES = ("From", "To", "Date", "Subject", "Message-ID", "References", "In-Reply-To",
                 "Content-Type", "Content-Transfer-Encoding", "Content-Disposition")  # fmt: skip
_HEADER_VALUES = (
    'multipart/mixed; boundary="b"', "multipart/alternative; boundary=",
    "text/plain; charset=utf-7", "text/plain; charset=bogus", "text/html; charset=utf-16",
    "message/rfc822", "base64",
    "quoted-printable", "x-uuencode", "attachment", "inline; filename=x.txt", "=?utf-8?b?w7Y=?=",
    "=?bogus?q?x?=", "<h-1@x> <h-2@x>", "Fri, 31 Dec 9999 23:59:59 -2359", "a@", "@", "<",
    "Mon, 01 Jan 0001 00:00:00 +0000", "J\xf6 <j\xf6@ex\xe4mple.com>", '"J\\"o" <jo@x.com>',
)  # fmt: skip
_BODIES = (
    b"--b\nContent-Type: text/plain; charset=utf-7\n\n+2D0-\n--b--\n",
    b"--b\nContent-Disposition: inline\nContent-Type: text/plain\n\nmy parcel\n--b--\n",
    b"=?=\n=FF=\n", b"<html><blockquote><p>x</blockquote><pre>y</pre>", b"&#xd83d; &#0;",
    b"\xff\xfe\x00\x00", b"--b\n" * 2000, b"x" * 200_000,
)  # fmt: skip


def mail_message() -> st.SearchStrategy[bytes]:
    """One hostile message: a From and a Date that mostly parse, then any headers and body."""
    value = st.one_of(
        st.sampled_from(_HEADER_VALUES),
        hostile_text(long=False).map(lambda v: re.sub(r"[\r\n]+", " ", v)),
    )
    senders = st.sampled_from(
        [
            "h@example.com",
            "J\xf6 <j\xf6@ex\xe4mple.com>",
            '"a, b" <ab@example.com>',
            "=?utf-8?b?w7Y=?= <o@example.com>",
        ]
    )
    dates = st.sampled_from(["Tue, 01 Sep 2026 09:00:00 +0100", "1 Sep 26 08:00 GMT"])
    headers = st.lists(st.tuples(st.sampled_from(_HEADER_NAMES), value), max_size=8)
    body = st.one_of(
        st.sampled_from(_BODIES), st.binary(max_size=300), hostile_text().map(str.encode)
    )  # fmt: skip

    def build(sender: str, date: str, pairs: list[tuple[str, str]], body: bytes) -> bytes:
        pairs = [("From", sender), ("Date", date), *pairs]  # a later From or Date is ignored
        lines = [f"{k}: {v}".encode("utf-8", "surrogateescape") for k, v in pairs]
        # Keep hostile threads off the good ones: their ids are never "good-...".
        text = b"\n".join(lines).replace(b"good-", b"h-good-")
        return text + b"\n\n" + body.replace(b"\nFrom ", b"\n>From ")

    return st.builds(
        build, st.one_of(senders, senders, value), st.one_of(dates, dates, value), headers, body
    )


def toml_document(keys: tuple[str, ...], table: str | None) -> st.SearchStrategy[str]:
    """A TOML document (one ``[[table]]`` entry, or top-level keys) of any-typed values."""
    literal = st.one_of(
        hostile_text(long=False).map(json.dumps),  # a basic string, escaped
        st.integers().map(str),
        st.sampled_from(["true", "1.5", "nan", "inf", "1979-05-27", "[]", "['a', 2]", "{x = 1}",
                         '"one string"', '["a", "b"]', '"%d/%m/%Y %H:%M"', '"Europe/London"',
                         '"Mars/Olympus"', '";"', '";;"', '"\\u00e9"', '"phone"', '"chat"']),
    )  # fmt: skip
    pairs = st.lists(st.tuples(st.sampled_from(keys), literal), max_size=len(keys) + 1)

    def build(items: list[tuple[str, str]]) -> str:
        unique = dict(items)  # TOML refuses a key twice; that case is not the point here
        body = "".join(f"{k} = {v}\n" for k, v in unique.items())
        return f"[[{table}]]\n{body}" if table else body

    return st.builds(build, pairs)


# Every reason a reject can carry: each names a field or the record and the rule it breaks,
# never the value.
_WINDOW = r"outside \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d"
ALLOWED_REASONS = tuple(
    re.compile(pattern)
    for pattern in (
        r"(source_id|started_at): missing",
        rf"(started_at|ended_at|day): {_WINDOW}",
        r"(started_at|ended_at): not a timestamp",
        r"ended_at: before started_at",
        r"handle_seconds: (not a number of seconds|negative|more than 24 hours)",
        r"(started_at|ended_at): not a local time in [\w/]+ \(a skipped hour\)",
        r"invalid UTF-8 \(wrong file encoding\?\)",
        r"invalid UTF-8 at byte offset \d+",
        r"expected \d+ fields, found \d+",
        r"broken CSV record: [^\n]+",
        r"ends inside a quoted field \(file cut short\?\)",
        r"inbound: not true or false",
        r"tweet_id: (missing|used twice)",
        r"invalid JSON: [\w ',:\\()-]+ at column \d+",  # the json module's own words
        r"invalid JSON: (nested too deeply|number too long)",
        r"not a JSON object",
        r"expected a (message|session) \(file is one (message|session) per line\)",
        r"session_id: missing",
        r"turns: (not a list|turn \d+ is not an object)",
        r"text is not valid Unicode \(an unpaired surrogate\)",
        r"([\w.-]+: )?(no From address|unreadable message \(\w+\))",
        r"day: not a date \(YYYY-MM-DD\)",
        r"driver: missing",
        r"count: not a whole number >= 0",
    )
)
