"""What a load would store, with nothing written: ``load --dry-run``.

A source is read and normalised exactly as ``load`` reads it (``read_source``), in memory;
no warehouse is opened, so none is created or changed. The preview says where each field
comes from, shows the first rows as they would be stored, and what would be rejected.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from dumbcontacts.etl.detect import Source
from dumbcontacts.etl.load import read_source
from dumbcontacts.etl.readers.csvfile import read_csv_header
from dumbcontacts.etl.readers.mapping import Mapping

__all__ = ["Preview", "preview_source"]

# Where each built-in reader takes each field from (README, "Data formats").
_READER_FIELDS: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("phone", "csv"): [
        ("source_id", "call_id"),
        ("started_at", "started_at"),
        ("ended_at", "ended_at"),
        ("handle_seconds", "handle_seconds, else duration_seconds"),
        ("customer_id", "account_id, else caller_number"),
        ("agent_id", "agent_id"),
        ("queue", "queue"),
        ("disposition_code", "wrap_up_code, else disposition_code"),
        ("order_ref", "order_ref"),
        ("reason", "the first substantive Customer: line of transcript, else notes"),
    ],
    ("social", "csv"): [
        ("source_id", "tweet_id of the thread's first tweet (inbound threads only)"),
        ("started_at", "created_at of that tweet"),
        ("ended_at", "created_at of the thread's last tweet"),
        ("customer_id", "author_id"),
        ("agent_id", "the brand's author_id"),
        ("queue", "the brand's author_id"),
        ("reason", "the first substantive text of the customer's tweets"),
    ],
    ("email", "mbox"): [
        ("source_id", "Message-ID of the thread's first message"),
        ("started_at", "Date of the first message"),
        ("customer_id", "From address of the first message"),
        ("queue", "To address of the first message"),
        ("reason", "the first substantive customer message, quotes and signature removed"),
    ],
    ("chat", "json"): [
        ("source_id", "session_id"),
        ("started_at", "started_at, else the first turn's time"),
        ("customer_id", "customer id, else e-mail"),
        ("agent_id", "agent_id"),
        ("queue", "queue"),
        ("reason", "the first substantive customer turn"),
    ],
}
_READER_FIELDS["email", "eml"] = _READER_FIELDS["email", "mbox"]

_SHOWN_COLUMNS = {
    "contacts": [
        "started_at",
        "ended_at",
        "handle_seconds",
        "customer_key",
        "queue",
        "reason_text",
    ],
    "volumes": ["day", "driver", "count"],
    "taxonomy": ["defect_id", "name", "category", "owner", "action"],
}


@dataclass(frozen=True)
class Preview:
    source: Source
    fields: list[tuple[str, str]]  # (field, where it comes from)
    unused_columns: list[str]  # columns of a mapped CSV that no field reads
    rows_read: int
    rows: pl.DataFrame  # every row as it would be stored, shown columns only
    rows_duplicate: int  # records repeating an earlier one of the same file
    rejects: pl.DataFrame  # record_no, reason (raw, in file order)
    without_reason: int  # contacts that would have no reason_text (0 for other kinds)


def preview_source(source: Source, *, mapping: Mapping | None = None, salt: str) -> Preview:
    """Read ``source`` as ``load`` would; raises LoadError when it cannot be read."""
    read = read_source(source, mapping=mapping, salt=salt)
    rows = read.rows.select(_SHOWN_COLUMNS[source.kind])
    rejects = read.rejects.sort("record_no").select("record_no", "reason")
    without_reason = rows["reason_text"].null_count() if source.kind == "contacts" else 0
    fields, unused = _fields(source, mapping)
    return Preview(
        source=source,
        fields=fields,
        unused_columns=unused,
        rows_read=read.rows_read,
        rows=rows,
        rows_duplicate=read.rows_read - rejects["record_no"].n_unique() - rows.height,
        rejects=rejects,
        without_reason=without_reason,
    )


def _fields(source: Source, mapping: Mapping | None) -> tuple[list[tuple[str, str]], list[str]]:
    if mapping is None:
        return _READER_FIELDS.get((source.channel, source.format), []), []
    fields = [(field, f"'{column}'") for field, column in mapping.columns.items()]
    with source.path.open("rb") as fp:
        header = read_csv_header(fp, what="CSV", delimiter=mapping.delimiter)
    used = set(mapping.columns.values())
    return fields, [column for column in header if column not in used]
