"""Read a CSV export into an all-text frame, rejecting bad records one by one.

The fast path is polars' multi-threaded parser (about 10x Python's csv module). When polars
cannot read the file as a whole (a row with too many fields, a stray quote), the file is read
again record by record with the csv module, so each broken record becomes a reject and the
rest of the file still loads.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import BinaryIO

import polars as pl

from dumbcontacts.etl.staging import Reject, RejectedFile

__all__ = ["read_csv_header", "read_csv_records"]

_EXCERPT = 200
_REPLACEMENT = "\ufffd"


def read_csv_records(
    fp: BinaryIO, *, required: Sequence[str], what: str, delimiter: str = ","
) -> Iterator[pl.DataFrame | Reject]:
    """Yield one frame of text columns (names stripped and lower-cased, plus ``record_no``)
    and a Reject for each record that cannot be read.

    Raises RejectedFile when the file has no header with the ``required`` columns.
    """
    data = fp.read()
    if not data or data.isspace():  # not data.strip(): that copies the whole file
        raise RejectedFile(f"empty file, expected {what}")
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        try:
            frame, valid_utf8 = _parse(data, delimiter, "utf8"), True
        except pl.exceptions.ComputeError:
            # Some bytes are not UTF-8: read them as U+FFFD and reject those records below.
            frame, valid_utf8 = _parse(data, delimiter, "utf8-lossy"), False
    except pl.exceptions.PolarsError:
        yield from _read_record_by_record(data, required, what, delimiter)
        return
    frame = _with_clean_header(frame, required, what)
    # Blank lines are not records (the csv module skips them too).
    frame = frame.filter(~pl.all_horizontal(pl.all().is_null()))
    frame = frame.with_row_index("record_no", offset=1)
    frame = frame.with_columns(pl.col("record_no").cast(pl.Int64))
    if valid_utf8:
        yield frame
        return
    broken = pl.any_horizontal(pl.col(pl.Utf8).str.contains(_REPLACEMENT, literal=True))
    for row in frame.filter(broken).iter_rows(named=True):
        yield Reject(row["record_no"], "invalid UTF-8 (wrong file encoding?)", _excerpt(row))
    yield frame.filter(~broken)


def read_csv_header(fp: BinaryIO, *, what: str, delimiter: str = ",") -> list[str]:
    """The column names of a CSV file as ``read_csv_records`` names them (stripped, lower-cased),
    read from its first record only; raises RejectedFile when there is none."""
    text = io.TextIOWrapper(fp, encoding="utf-8-sig", errors="replace", newline="")
    try:
        header = next(csv.reader(text, delimiter=delimiter))
    except (StopIteration, csv.Error) as error:
        raise RejectedFile(f"not a {what}: {error or 'empty file'}") from None
    finally:
        text.detach()  # leave the caller's file open
    return [name.strip().lower() for name in header]


def _parse(data: bytes, delimiter: str, encoding: str) -> pl.DataFrame:
    return pl.read_csv(
        io.BytesIO(data),
        infer_schema=False,
        encoding=encoding,
        separator=delimiter,
        raise_if_empty=False,
    )


def _with_clean_header(frame: pl.DataFrame, required: Sequence[str], what: str) -> pl.DataFrame:
    frame = frame.rename({name: name.strip().lower() for name in frame.columns})
    missing = [name for name in required if name not in frame.columns]
    if missing:
        raise RejectedFile(f"not a {what}: missing column(s) {', '.join(missing)}")
    return frame


def _read_record_by_record(
    data: bytes, required: Sequence[str], what: str, delimiter: str
) -> Iterator[pl.DataFrame | Reject]:
    text = data.decode("utf-8", errors="surrogateescape")
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [name.strip().lower() for name in next(records)]
    except (StopIteration, csv.Error) as error:
        raise RejectedFile(f"not a {what}: {error}") from None
    _with_clean_header(pl.DataFrame(schema=dict.fromkeys(header, pl.Utf8)), required, what)
    columns: dict[str, list] = {name: [] for name in ["record_no", *header]}
    record_no = 0
    while True:
        try:
            fields = next(records)
        except StopIteration:
            break
        except csv.Error as error:
            record_no += 1
            yield Reject(record_no, f"broken CSV record: {error}", "")
            continue
        if not fields:
            continue
        record_no += 1
        reason = _field_problem(fields, len(header))
        if reason:
            yield Reject(record_no, reason, delimiter.join(fields)[:_EXCERPT])
            continue
        columns["record_no"].append(record_no)
        for name, value in zip(header, fields, strict=True):
            columns[name].append(value if value != "" else None)
    schema = {"record_no": pl.Int64} | dict.fromkeys(header, pl.Utf8)
    yield pl.DataFrame(columns, schema=schema)


def _field_problem(fields: list[str], expected: int) -> str | None:
    if len(fields) != expected:
        return f"expected {expected} fields, found {len(fields)}"
    if any(_has_undecodable(value) for value in fields):
        return "invalid UTF-8 (wrong file encoding?)"
    return None


def _has_undecodable(value: str) -> bool:
    # surrogateescape maps each undecodable byte to a lone surrogate U+DC80..U+DCFF.
    return any("\udc80" <= ch <= "\udcff" for ch in value)


def _excerpt(row: dict) -> str:
    text = ",".join(str(v) for k, v in row.items() if k != "record_no" and v is not None)
    return text[:_EXCERPT]
