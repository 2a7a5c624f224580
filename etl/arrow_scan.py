"""Hand a polars frame to DuckDB as Arrow that it can scan on every core.

DuckDB scans an Arrow table a record batch at a time per thread, and a frame polars built
in one piece converts to one batch. Cut into batches of a row group (zero-copy slices),
inserting a million contacts took half the time and two thirds of the CPU.
"""

from __future__ import annotations

import polars as pl
import pyarrow as pa

__all__ = ["arrow_for_duckdb"]

# DuckDB's row-group size, so each batch fills one row group it writes.
_BATCH_ROWS = 122_880


def arrow_for_duckdb(frame: pl.DataFrame) -> pa.Table:
    # Plain Arrow strings: DuckDB reads polars' string views no faster, and converts them.
    table = frame.to_arrow(compat_level=pl.CompatLevel.oldest())
    return pa.Table.from_batches(table.to_batches(max_chunksize=_BATCH_ROWS), table.schema)
