"""Business volumes: a ``day, driver, count`` CSV (orders, shipments, active customers...).

These are the denominators of contacts-per-X; they are not contacts, so they skip staging.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

import polars as pl

from dumbcontacts.etl.readers.csvfile import read_csv_records
from dumbcontacts.etl.staging import Reject

__all__ = ["VOLUME_COLUMNS", "read_volumes"]

VOLUME_COLUMNS = ("day", "driver", "count")


def read_volumes(fp: BinaryIO) -> Iterator[pl.DataFrame | Reject]:
    """Yield a frame (record_no, day, driver, count) of good rows and a Reject per bad row."""
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
        reason = (
            pl.when(pl.col("day_parsed").is_null())
            .then(pl.format("bad day: '{}'", pl.col("day")))
            .when(pl.col("driver").is_null() | (pl.col("driver") == ""))
            .then(pl.lit("missing driver"))
            .when(pl.col("count_parsed").is_null() | (pl.col("count_parsed") < 0))
            .then(pl.format("bad count: '{}'", pl.col("count")))
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
