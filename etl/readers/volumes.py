"""Business volumes: a ``day, driver, count`` CSV (orders, shipments, active customers...).

These are the denominators of contacts-per-X; they are not contacts, so they skip staging.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

import polars as pl

from dumbcontacts.etl.readers.csvfile import read_csv_records
from dumbcontacts.etl.staging import Reject
from dumbcontacts.settings import TimeWindow

__all__ = ["VOLUME_COLUMNS", "read_volumes"]

VOLUME_COLUMNS = ("day", "driver", "count")


def read_volumes(
    fp: BinaryIO, *, window: TimeWindow | None = None
) -> Iterator[pl.DataFrame | Reject]:
    """Yield a frame (record_no, day, driver, count) of good rows and a Reject per bad row;
    a day outside ``window`` (default: ``TimeWindow.ending_days_ahead()``) is a bad row."""
    window = window or TimeWindow.ending_days_ahead()
    first, last = window.earliest.date(), window.latest.date()
    for item in read_csv_records(fp, required=VOLUME_COLUMNS, what="business volumes CSV"):
        if isinstance(item, Reject):
            yield item
            continue
        typed = item.select(
            "record_no",
            pl.col("day").str.to_date("%Y-%m-%d", strict=False).alias("day_parsed"),
            pl.col("driver").str.strip_chars().str.to_lowercase().alias("driver"),
            pl.col("count").str.strip_chars().cast(pl.Int64, strict=False).alias("count_parsed"),
            pl.col("day"),
            pl.col("count"),
        )
        day = pl.col("day_parsed")
        reason = (
            pl.when(day.is_null())
            .then(pl.lit("day: not a date (YYYY-MM-DD)"))
            .when((day < first) | (day > last))
            .then(pl.lit(f"day: outside {window.describe()}"))
            .when(pl.col("driver").is_null() | (pl.col("driver") == ""))
            .then(pl.lit("driver: missing"))
            .when(pl.col("count_parsed").is_null() | (pl.col("count_parsed") < 0))
            .then(pl.lit("count: not a whole number >= 0"))
        )
        typed = typed.with_columns(reason.alias("reason"))
        for row in typed.filter(pl.col("reason").is_not_null()).iter_rows(named=True):
            excerpt = f"{row['day']},{row['driver']},{row['count']}"
            yield Reject(row["record_no"], row["reason"], excerpt)
        good = typed.filter(pl.col("reason").is_null())
        yield good.select(
            "record_no",
            pl.col("day_parsed").alias("day"),
            "driver",
            pl.col("count_parsed").alias("count"),
        )
