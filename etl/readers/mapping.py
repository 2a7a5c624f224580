"""Any channel's CSV export, described by a mapping file instead of code.

A mapping is a small TOML file naming which of your columns holds each staging field::

    channel = "phone"                    # phone, email, chat or social
    source_system = "genesys"            # part of contact_id; default "custom"
    delimiter = ";"                      # default ","
    timestamp_format = "%d/%m/%Y %H:%M"  # strptime format; default ISO 8601
    timezone = "Europe/London"           # for times without an offset; default UTC

    [columns]
    source_id = "Interaction ID"         # required
    started_at = "Start Time"            # required
    ended_at = "End Time"
    handle_seconds = "Handle Time"       # seconds, or mm:ss / h:mm:ss
    customer_id = "Customer Number"
    agent_id = "Agent"
    queue = "Queue"
    disposition_code = "Wrap Code"
    order_ref = "Order"
    language = "Language"
    reason = "Notes"                     # the customer's own words, one message
    transcript = "Transcript"            # "Speaker: text" lines; Customer lines give the reason
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO
from zoneinfo import available_timezones

import polars as pl

from dumbcontacts.errors import ConfigError, InputError
from dumbcontacts.etl.readers.csvfile import read_csv_records
from dumbcontacts.etl.readers.phone import customer_turns_expr
from dumbcontacts.etl.schema import CHANNELS
from dumbcontacts.etl.staging import STAGING_SCHEMA, Reject
from dumbcontacts.settings import parse_toml

__all__ = ["Mapping", "check_columns", "read_mapped_csv", "read_mapping"]

_FIELDS = {name for name in STAGING_SCHEMA if name not in ("record_no", "customer_turns")} | {
    "reason"
}
_REQUIRED = ("source_id", "started_at")
_TEXT_KEYS = ("channel", "source_system", "delimiter", "timestamp_format", "timezone")


@dataclass(frozen=True)
class Mapping:
    channel: str
    columns: dict[str, str]
    source_system: str = "custom"
    delimiter: str = ","
    timestamp_format: str | None = None
    timezone: str = "UTC"


def read_mapping(fp: BinaryIO) -> Mapping:
    """Parse and check a mapping file; a mistake raises ConfigError naming it."""
    spec = parse_toml(fp, "mapping")
    if extra := sorted(set(spec) - {*_TEXT_KEYS, "columns"}):
        raise ConfigError(f"mapping: unknown setting {extra[0]!r}")
    channel = spec.get("channel")
    if channel not in CHANNELS:
        raise ConfigError(f"mapping needs channel = one of {', '.join(CHANNELS)}")
    for key in _TEXT_KEYS:
        if not isinstance(spec.get(key, ""), str):
            raise ConfigError(f"mapping: {key} must be a string")
    if len(spec.get("delimiter", ",")) != 1:
        raise ConfigError("mapping: delimiter must be one character")
    if spec.get("timezone", "UTC") not in available_timezones() | {"UTC"}:
        raise ConfigError(f"mapping: unknown timezone {spec['timezone']!r} (e.g. Europe/London)")
    given = spec.get("columns", {})
    if not isinstance(given, dict) or not all(isinstance(v, str) for v in given.values()):
        raise ConfigError("mapping: [columns] must name each field's column as a string")
    columns = {k: v.strip().lower() for k, v in given.items()}
    unknown = sorted(set(columns) - _FIELDS)
    if unknown:
        raise ConfigError(f"mapping names unknown field(s): {', '.join(unknown)}")
    missing = [name for name in _REQUIRED if name not in columns]
    if missing:
        raise ConfigError(f"mapping must name a column for: {', '.join(missing)}")
    return Mapping(
        channel=channel,
        columns=columns,
        source_system=spec.get("source_system", "custom"),
        delimiter=spec.get("delimiter", ","),
        timestamp_format=spec.get("timestamp_format"),
        timezone=spec.get("timezone", "UTC"),
    )


def check_columns(mapping: Mapping, header: Sequence[str]) -> None:
    """Raise InputError naming each mapped column the file lacks, optional ones included: a
    typo in an optional column would otherwise load every row without that field."""
    present = set(header)
    missing = [(f, c) for f, c in mapping.columns.items() if c not in present]
    if not missing:
        return
    named = []
    for field, column in missing:
        close = difflib.get_close_matches(column, header, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        named.append(f"{field} = '{column}'{hint}")
    raise InputError(f"the file has no column for {'; '.join(named)}")


def read_mapped_csv(fp: BinaryIO, mapping: Mapping) -> Iterator[pl.DataFrame | Reject]:
    records = read_csv_records(
        fp,
        required=list(mapping.columns.values()),
        what="CSV matching the mapping",
        delimiter=mapping.delimiter,
    )
    for item in records:
        yield item if isinstance(item, Reject) else _staging_from_mapped(item, mapping)


def _staging_from_mapped(frame: pl.DataFrame, mapping: Mapping) -> pl.DataFrame:
    cols = mapping.columns

    def column(name: str) -> pl.Expr:
        source = cols.get(name)
        return pl.col(source) if source in frame.columns else pl.lit(None, pl.Utf8)

    if "reason" in cols:
        turns = pl.concat_list(column("reason")).list.drop_nulls()
    else:
        turns = customer_turns_expr(column("transcript"))
    return frame.select(
        "record_no",
        pl.lit(mapping.source_system).alias("source_system"),
        column("source_id").alias("source_id"),
        _to_iso(column("started_at"), mapping).alias("started_at"),
        _to_iso(column("ended_at"), mapping).alias("ended_at"),
        *(
            column(name).alias(name)
            for name in (
                "handle_seconds",
                "customer_id",
                "agent_id",
                "order_ref",
                "queue",
                "disposition_code",
                "language",
            )
        ),
        turns.alias("customer_turns"),
        pl.coalesce(column("transcript"), column("reason")).alias("transcript"),
    )


def _to_iso(raw: pl.Expr, mapping: Mapping) -> pl.Expr:
    """Local times in the mapping's format -> ISO UTC text; unparseable text passes through
    unchanged so normalisation rejects the record and names the value."""
    if mapping.timestamp_format is None and mapping.timezone == "UTC":
        return raw
    parsed = raw.str.to_datetime(mapping.timestamp_format, strict=False)
    utc = parsed.dt.replace_time_zone(mapping.timezone, ambiguous="earliest").dt.convert_time_zone(
        "UTC"
    )
    return pl.coalesce(utc.dt.strftime("%Y-%m-%dT%H:%M:%S%.fZ"), raw)
