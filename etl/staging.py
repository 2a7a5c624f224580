"""The staging contract: what every reader yields, before normalisation.

A reader turns one raw export into *staging rows*: one row per conversation, every value
still raw (unredacted, untyped text). Normalisation then types, redacts and hashes them into
contact rows. Keeping readers this dumb means every channel shares one tested set of rules.

A reader is a generator taking a binary file object. It yields, in any mix:
- a ``dict`` with the keys of ``STAGING_SCHEMA`` (missing keys mean null);
- a ``polars.DataFrame`` with those columns (for fast columnar readers of big CSVs);
- a ``Reject`` for a record it could not read, which never stops the rest of the file.

A dict row holding text no database can store (an unpaired surrogate, as a JSON escape
``"\\ud83d"`` or UTF-7 mail can make) becomes a Reject here, for every reader at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import polars as pl

from dumbcontacts.errors import InputError

__all__ = [
    "STAGING_SCHEMA",
    "Reject",
    "RejectedFile",
    "StagingItem",
    "empty_staging",
    "split_staging",
    "staging_frame",
]

STAGING_SCHEMA: dict[str, pl.DataType] = {
    # 1-based number of the record in its source: the CSV record, JSONL line, mbox message.
    "record_no": pl.Int64(),
    # Which system exported it ("pbx", "mailbox", "chat", "twitter"); part of contact_id.
    "source_system": pl.Utf8(),
    # The conversation's id in that system: call id, thread root Message-ID, chat session
    # id, the id of the inbound tweet that started the thread.
    "source_id": pl.Utf8(),
    # ISO 8601 text. A value with an offset is converted to UTC; a naive one is taken as UTC.
    # A reader that cannot convert a source timestamp passes it through unchanged, so
    # normalisation rejects the record and names the bad value.
    "started_at": pl.Utf8(),
    "ended_at": pl.Utf8(),
    # Talk plus wrap time in seconds, as text; null when the source does not know it.
    "handle_seconds": pl.Utf8(),
    # Raw identifiers; stored only as salted hashes. customer_id is the best identifier the
    # source has: account id, else e-mail address, else phone number, else social handle.
    "customer_id": pl.Utf8(),
    "agent_id": pl.Utf8(),
    "order_ref": pl.Utf8(),
    "queue": pl.Utf8(),
    "disposition_code": pl.Utf8(),
    "language": pl.Utf8(),
    # The customer's own messages in order, raw. reason_text is the first substantive one
    # after cleaning; agent and bot turns never go here.
    "customer_turns": pl.List(pl.Utf8()),
    # The whole conversation as "Speaker: text" lines, raw; redacted before storage.
    "transcript": pl.Utf8(),
}


@dataclass(frozen=True)
class Reject:
    """A record that could not be read. ``excerpt`` is raw; it is redacted before storage."""

    record_no: int
    reason: str
    excerpt: str = ""


class RejectedFile(InputError):
    """The whole file cannot be read (wrong format, not parseable at all)."""


StagingItem = dict | pl.DataFrame | Reject


def empty_staging() -> pl.DataFrame:
    return pl.DataFrame(schema=STAGING_SCHEMA)


def staging_frame(rows: Iterable[dict]) -> pl.DataFrame:
    """Staging rows (dicts) as a frame with exactly the staging columns and types."""
    columns = {name: [] for name in STAGING_SCHEMA}
    for row in rows:
        for name, values in columns.items():
            values.append(row.get(name))
    return pl.DataFrame(columns, schema=STAGING_SCHEMA)


def _conform(frame: pl.DataFrame) -> pl.DataFrame:
    """Add missing staging columns as nulls and order them as the contract says."""

    def column(name: str, dtype: pl.DataType) -> pl.Expr:
        if name not in frame.columns:
            return pl.lit(None, dtype).alias(name)
        # A cast to the same type still copies the column: skip it.
        return pl.col(name) if frame.schema[name] == dtype else pl.col(name).cast(dtype)

    return frame.select(column(name, dtype) for name, dtype in STAGING_SCHEMA.items())


_NOT_UNICODE = "text is not valid Unicode (an unpaired surrogate)"


def _has_lone_surrogate(row: dict) -> bool:
    for value in row.values():
        for text in value if isinstance(value, list) else (value,):
            if isinstance(text, str) and not text.isascii():
                try:
                    text.encode("utf-8")
                except UnicodeEncodeError:
                    return True
    return False


def split_staging(items: Iterator[StagingItem]) -> tuple[pl.DataFrame, list[Reject]]:
    """Drain a reader into one staging frame and its list of rejects."""
    frames: list[pl.DataFrame] = []
    rows: list[dict] = []
    rejects: list[Reject] = []
    for item in items:
        if isinstance(item, Reject):
            rejects.append(item)
        elif isinstance(item, pl.DataFrame):
            frames.append(_conform(item))
        elif _has_lone_surrogate(item):
            excerpt = " | ".join(str(item[k]) for k in ("source_id", "started_at") if item.get(k))
            rejects.append(Reject(item["record_no"], _NOT_UNICODE, excerpt))
        else:
            rows.append(item)
    if rows:
        frames.append(staging_frame(rows))
    frame = pl.concat(frames, how="vertical") if frames else empty_staging()
    return frame, rejects
