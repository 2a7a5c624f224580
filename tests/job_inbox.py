"""Sample-data inboxes for the scheduled-job tests: the generated files with their last day
cut out into files of its own, as if that day's exports arrived later.

Each channel is split by the day its conversation started (UTC): a call or chat by its
start, a tweet thread by its root tweet, an e-mail thread by its first message. Whole
conversations move, so the day's files hold exactly the day's new contacts.
"""

from __future__ import annotations

import csv
import datetime as dt
import email.utils
import json
import mailbox
import shutil
from pathlib import Path

__all__ = ["split_last_day"]


def split_last_day(sample: Path, before: Path, day_files: Path) -> dt.date:
    """Write ``sample``'s files without their last day into ``before``, and that day's
    contacts into ``day_files``; return the day."""
    before.mkdir(parents=True, exist_ok=True)
    day_files.mkdir(parents=True, exist_ok=True)
    for name in ("business_volumes.csv", "defects.toml"):
        shutil.copy(sample / name, before / name)
    calls = _read_csv(sample / "calls.csv")
    last = max(_day(row["started_at"]) for row in calls[1])
    stamp = last.isoformat()

    header, rows = calls
    _write_csv_pair(before / "calls.csv", day_files / f"calls-{stamp}.csv", header, rows,
                    [_day(r["started_at"]) == last for r in rows])  # fmt: skip

    chats = [json.loads(line) for line in (sample / "chats.jsonl").read_text().splitlines()]
    on_day = [_day(c["started_at"]) == last for c in chats]
    old, new = _split(chats, on_day)
    _write_jsonl(before / "chats.jsonl", old)
    _write_jsonl(day_files / f"chats-{stamp}.jsonl", new)

    header, tweets = _read_csv(sample / "twcs.csv")
    by_id = {t["tweet_id"]: t for t in tweets}

    def root(tweet: dict) -> dict:
        while tweet["in_response_to_tweet_id"]:
            parent = by_id.get(str(int(float(tweet["in_response_to_tweet_id"]))))
            if parent is None:
                break
            tweet = parent
        return tweet

    _write_csv_pair(before / "twcs.csv", day_files / f"twcs-{stamp}.csv", header, tweets,
                    [_tweet_day(root(t)) == last for t in tweets])  # fmt: skip

    source = mailbox.mbox(sample / "emails.mbox", create=False)
    messages = list(source)
    source.close()
    first_day: dict[str, dt.date] = {}
    for message in messages:
        thread = _thread(message)
        day = _mail_day(message)
        first_day[thread] = min(day, first_day.get(thread, day))
    for path, keep in ((before / "emails.mbox", False), (day_files / f"emails-{stamp}.mbox", True)):
        box = mailbox.mbox(path)
        for message in messages:
            if (first_day[_thread(message)] == last) == keep:
                box.add(message)
        box.flush()
        box.close()
    return last


def _split(rows: list, on_day: list[bool]) -> tuple[list, list]:
    return (
        [r for r, d in zip(rows, on_day, strict=True) if not d],
        [r for r, d in zip(rows, on_day, strict=True) if d],
    )


def _write_csv_pair(before: Path, day: Path, header, rows, on_day: list[bool]) -> None:
    old, new = _split(rows, on_day)
    _write_csv(before, header, old)
    _write_csv(day, header, new)


def _day(iso: str) -> dt.date:
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(dt.UTC).date()


def _tweet_day(tweet: dict) -> dt.date:
    stamp = dt.datetime.strptime(tweet["created_at"], "%a %b %d %H:%M:%S %z %Y")
    return stamp.astimezone(dt.UTC).date()


def _thread(message) -> str:
    for header in ("References", "In-Reply-To", "Message-ID"):
        ids = (message.get(header) or "").split()
        if ids:
            return ids[0]
    raise ValueError("an e-mail without a Message-ID")


def _mail_day(message) -> dt.date:
    return email.utils.parsedate_to_datetime(message["Date"]).astimezone(dt.UTC).date()


def _read_csv(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(newline="", encoding="utf-8") as fp:
        reader = csv.DictReader(fp)
        return list(reader.fieldnames or []), list(reader)


def _write_csv(path: Path, header: list[str], rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fp:
        writer = csv.DictWriter(fp, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
