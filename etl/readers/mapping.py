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

import polars as pl

from dumbcontacts.errors import ConfigError, InputError
from dumbcontacts.etl.bounds import excerpt_of
from dumbcontacts.etl.readers.csvfile import read_csv_records
from dumbcontacts.etl.readers.phone import customer_turns_expr
from dumbcontacts.etl.schema import CHANNELS
from dumbcontacts.etl.staging import STAGING_SCHEMA, Reject
from dumbcontacts.settings import parse_toml

__all__ = ["Mapping", "check_columns", "read_mapped_csv", "read_mapping"]

_SETTINGS = {
    "channel": str,
    "source_system": str,
    "delimiter": str,
    "timestamp_format": str,
    "timezone": str,
    "columns": dict,
}
# The field whose local time does not exist (a daylight-saving gap), marked, then dropped.
_SKIPPED = "_skipped_time"

_FIELDS = {name for name in STAGING_SCHEMA if name not in ("record_no", "customer_turns")} | {
    "reason"
}
_REQUIRED = ("source_id", "started_at")


@dataclass(frozen=True)
class Mapping:
    channel: str
    columns: dict[str, str]
    source_system: str = "custom"
    delimiter: str = ","
    timestamp_format: str | None = None
    timezone: str = "UTC"


def read_mapping(fp: BinaryIO) -> Mapping:
    """Parse and check a mapping file; a mistake raises ConfigError naming it, in one line."""
    spec = parse_toml(fp, "mapping")
    for key, value in spec.items():
        if key not in _SETTINGS:
            raise ConfigError(f"mapping has an unknown setting: {key}")
        if not isinstance(value, _SETTINGS[key]):
            kind = "a table ([columns])" if key == "columns" else "text in quotes"
            raise ConfigError(f"mapping: {key} must be {kind}")
    channel = spec.get("channel")
    if channel not in CHANNELS:
        raise ConfigError(f"mapping needs channel = one of {', '.join(CHANNELS)}")
    named = spec.get("columns", {})
    if not all(isinstance(v, str) for v in named.values()):
        raise ConfigError("mapping: every [columns] entry must be a column name in quotes")
    columns = {k: v.strip().lower() for k, v in named.items()}
    unknown = sorted(set(columns) - _FIELDS)
    if unknown:
        raise ConfigError(f"mapping names unknown field(s): {', '.join(unknown)}")
    missing = [name for name in _REQUIRED if name not in columns]
    if missing:
        raise ConfigError(f"mapping must name a column for: {', '.join(missing)}")
    delimiter = spec.get("delimiter", ",")
    if len(delimiter) != 1 or not delimiter.isascii() or delimiter in '"\r\n':
        raise ConfigError("mapping: delimiter must be one character (ASCII, not a quote)")
    timezone = spec.get("timezone", "UTC")
    if not _is_time_zone(timezone):
        raise ConfigError(f"mapping: timezone {timezone!r} is not a time zone (e.g. Europe/London)")
    return Mapping(
        channel=channel,
        columns=columns,
        source_system=spec.get("source_system", "custom"),
        delimiter=delimiter,
        timestamp_format=spec.get("timestamp_format"),
        timezone=timezone,
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
        if isinstance(item, Reject):
            yield item
            continue
        staged = _staging_from_mapped(item, mapping)
        # A local time the clocks skipped (01:30 on the spring-forward night) never happened.
        skipped = pl.col(_SKIPPED).is_not_null()
        for row in staged.filter(skipped).iter_rows(named=True):
            values = (row["source_id"], row["started_at"], row["ended_at"])
            reason = f"{row[_SKIPPED]}: not a local time in {mapping.timezone} (a skipped hour)"
            yield Reject(row["record_no"], reason, excerpt_of(" | ".join(filter(None, values))))
        yield staged.filter(~skipped).drop(_SKIPPED)


def _is_time_zone(name: str) -> bool:
    try:
        pl.Series([None], dtype=pl.Datetime("us")).dt.replace_time_zone(name)
    except pl.exceptions.PolarsError:
        return False
    return True


def _staging_from_mapped(frame: pl.DataFrame, mapping: Mapping) -> pl.DataFrame:
    cols = mapping.columns

    def column(name: str) -> pl.Expr:
        source = cols.get(name)
        return pl.col(source) if source in frame.columns else pl.lit(None, pl.Utf8)

    if "reason" in cols:
        turns = pl.concat_list(column("reason")).list.drop_nulls()
    else:
        turns = customer_turns_expr(column("transcript"))
    started, started_skipped = _to_iso(column("started_at"), mapping)
    ended, ended_skipped = _to_iso(column("ended_at"), mapping)
    return frame.select(
        "record_no",
        pl.lit(mapping.source_system).alias("source_system"),
        column("source_id").alias("source_id"),
        started.alias("started_at"),
        ended.alias("ended_at"),
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
        pl.when(started_skipped)
        .then(pl.lit("started_at"))
        .when(ended_skipped)
        .then(pl.lit("ended_at"))
        .alias(_SKIPPED),
    )


def _to_iso(raw: pl.Expr, mapping: Mapping) -> tuple[pl.Expr, pl.Expr]:
    """Local times in the mapping's format -> (ISO UTC text, whether the local time does not
    exist). Text that is not a time passes through unchanged, and so does a time that does
    not exist: normalisation rejects the first by its field, the reader the second."""
    if mapping.timestamp_format is None and mapping.timezone == "UTC":
        return raw, pl.lit(False)
    parsed = raw.str.to_datetime(mapping.timestamp_format, strict=False)
    local = parsed.dt.replace_time_zone(mapping.timezone, ambiguous="earliest", non_existent="null")
    utc = local.dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S%.fZ")
    return pl.coalesce(utc, raw), parsed.is_not_null() & local.is_null()
