"""Exports holding absurd times (year 0, year -1, 2206 for 2026, the 9999 sentinel, an offset
that pushes a time past year 9999), each beside one good record, for every contact reader and
the volumes: what a careless exporter sends. The good record of each file must load."""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["ABSURD_REJECTS", "GOOD_IDS", "write_absurd_files"]

# The last week of the committed sample data, so the good records fall in its default view.
_GOOD = "2026-11-20T10:00:00Z"
_YEARS = ("0000-01-01T00:00:00Z", "-001-06-01T00:00:00Z", "2206-09-01T08:00:00Z",
          "9999-12-31T23:59:59Z")  # fmt: skip

GOOD_IDS = {"phone": "ABSURD-C0", "chat": "ABSURD-S0", "social": "900000", "email": "good@absurd"}


def _calls() -> str:
    rows = [f"ABSURD-C0,{_GOOD},2026-11-20T10:05:00Z,Customer: my refund never arrived at all"]
    rows += [f"ABSURD-C{n},{t},,Customer: my bill is wrong" for n, t in enumerate(_YEARS, 1)]
    rows.append(f"ABSURD-C9,{_GOOD},9999-12-31T00:00:00Z,Customer: my parcel is late")
    return "call_id,started_at,ended_at,transcript\n" + "\n".join(rows) + "\n"


def _chats() -> str:
    turns = [{"speaker": "customer", "text": "my refund never arrived at all"}]
    lines = [{"session_id": "ABSURD-S0", "started_at": _GOOD, "turns": turns}]
    lines += [{"session_id": f"ABSURD-S{n}", "started_at": t, "turns": turns}
              for n, t in enumerate(_YEARS, 1)]  # fmt: skip
    return "".join(json.dumps(line) + "\n" for line in lines)


def _tweets() -> str:
    times = ("Fri Nov 20 10:00:00 +0000 2026", "Sat Jan 01 00:00:00 +0000 0001",
             "Tue Sep 01 08:00:00 +0000 2206", "Fri Dec 31 23:59:59 -2359 9999")  # fmt: skip
    rows = [f"{900000 + n},{800000 + n},True,{t},@brand my refund never arrived,,"
            for n, t in enumerate(times)]  # fmt: skip
    header = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id"
    return header + "\n" + "\n".join(rows) + "\n"


def _mails() -> str:
    dates = ("Fri, 20 Nov 2026 10:00:00 +0000", "Mon, 01 Jan 0001 00:00:00 +0000",
             "Tue, 01 Sep 2206 08:00:00 +0000", "Fri, 31 Dec 9999 23:59:59 -2359")  # fmt: skip
    ids = ("good@absurd", "one@absurd", "2206@absurd", "9999@absurd")
    return "".join(
        f"From jo{n}@example.com Fri Nov 20 10:00:00 2026\nFrom: jo{n}@example.com\n"
        f"To: support@shop.example\nDate: {date}\nMessage-ID: <{msg_id}>\n"
        f"Subject: refund\n\nMy refund never arrived at all.\n\n"
        for n, (date, msg_id) in enumerate(zip(dates, ids, strict=True))
    )


def _volumes() -> str:
    days = ("2026-11-20", "0001-01-01", "2206-09-01", "9999-12-31")
    return "day,driver,count\n" + "".join(f"{day},refunds,5\n" for day in days)


def write_absurd_files(directory: Path) -> list[Path]:
    """Write the five files into ``directory``; return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {
        "absurd_calls.csv": _calls(),
        "absurd_chats.jsonl": _chats(),
        "absurd_twcs.csv": _tweets(),
        "absurd_emails.mbox": _mails(),
        "absurd_volumes.csv": _volumes(),
    }
    for name, text in files.items():
        (directory / name).write_text(text)
    return [directory / name for name in files]


# (file, record number, reason) of every reject, with a window ending 2026-12-08 or later.
_OUTSIDE = "outside 1990-01-01 to "
ABSURD_REJECTS = {
    ("absurd_calls.csv", 2, f"started_at: {_OUTSIDE}"),
    ("absurd_calls.csv", 3, f"started_at: {_OUTSIDE}"),
    ("absurd_calls.csv", 4, f"started_at: {_OUTSIDE}"),
    ("absurd_calls.csv", 5, f"started_at: {_OUTSIDE}"),
    ("absurd_calls.csv", 6, f"ended_at: {_OUTSIDE}"),
    ("absurd_chats.jsonl", 2, f"started_at: {_OUTSIDE}"),
    ("absurd_chats.jsonl", 3, f"started_at: {_OUTSIDE}"),
    ("absurd_chats.jsonl", 4, f"started_at: {_OUTSIDE}"),
    ("absurd_chats.jsonl", 5, f"started_at: {_OUTSIDE}"),
    ("absurd_twcs.csv", 2, f"started_at: {_OUTSIDE}"),
    ("absurd_twcs.csv", 3, f"started_at: {_OUTSIDE}"),
    ("absurd_twcs.csv", 4, "started_at: not a timestamp"),  # past year 9999 in UTC
    ("absurd_emails.mbox", 2, f"started_at: {_OUTSIDE}"),
    ("absurd_emails.mbox", 3, f"started_at: {_OUTSIDE}"),
    ("absurd_emails.mbox", 4, "started_at: not a timestamp"),  # past year 9999 in UTC
    ("absurd_volumes.csv", 2, f"day: {_OUTSIDE}"),
    ("absurd_volumes.csv", 3, f"day: {_OUTSIDE}"),
    ("absurd_volumes.csv", 4, f"day: {_OUTSIDE}"),
}
