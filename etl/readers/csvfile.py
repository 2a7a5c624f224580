"""Read a CSV export into an all-text frame, rejecting bad records one by one.

The fast path is polars' multi-threaded parser (about 10x Python's csv module). When polars
cannot read the file as a whole (a row with too many fields, a stray quote), or the file's
quotes do not pair up (it may be cut inside a quoted field), the file is read again record by
record with the csv module, so each broken record becomes a reject and the rest of the file
still loads. UTF-16 files are read as well as UTF-8 ones, and so are old Mac files, whose
lines end in a bare CR.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import BinaryIO

import polars as pl

from dumbcontacts.etl.bounds import excerpt_of
from dumbcontacts.etl.readers.encoding import as_utf8
from dumbcontacts.etl.staging import Reject, RejectedFile

__all__ = ["CUT_SHORT", "read_csv_header", "read_csv_records", "split_records"]

_REPLACEMENT = "\ufffd"
CUT_SHORT = "ends inside a quoted field (file cut short?)"


def read_csv_records(
    fp: BinaryIO, *, required: Sequence[str], what: str, delimiter: str = ","
) -> Iterator[pl.DataFrame | Reject]:
    """Yield one frame of text columns (names stripped and lower-cased, plus ``record_no``)
    and a Reject for each record that cannot be read.

    Raises RejectedFile when the file has no header with the ``required`` columns.
    """
    data = _with_newlines(as_utf8(fp.read()))
    if not data or data.isspace():  # not data.strip(): that copies the whole file
        raise RejectedFile(f"empty file, expected {what}")
    if data.count(b'"') % 2:
        # An odd number of quotes: a stray one, or a last record cut inside its quotes,
        # which polars would read as complete. The csv module tells them apart.
        yield from _read_record_by_record(data, required, what, delimiter)
        return
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
    # fill_null: a row with an empty field is not broken (null would drop it from both sides).
    broken = pl.any_horizontal(
        pl.col(pl.Utf8).str.contains(_REPLACEMENT, literal=True).fill_null(False)
    )
    for row in frame.filter(broken).iter_rows(named=True):
        yield Reject(row["record_no"], "invalid UTF-8 (wrong file encoding?)", _excerpt(row))
    yield frame.filter(~broken)


def _with_newlines(data: bytes) -> bytes:
    """Lines ending in a bare CR (old Mac exports) end in LF instead: polars knows only LF."""
    if b"\r" in data and b"\n" not in data:
        return data.replace(b"\r", b"\n")
    return data


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
    records = split_records(io.StringIO(text, newline=""), delimiter)
    header, problem, _ = next(records, ([], "no header", ""))
    if problem:
        raise RejectedFile(f"not a {what}: {problem}")
    header = [name.strip().lower() for name in header]
    _with_clean_header(pl.DataFrame(schema=dict.fromkeys(header, pl.Utf8)), required, what)
    columns: dict[str, list] = {name: [] for name in ["record_no", *header]}
    for record_no, (fields, problem, raw) in enumerate(records, start=1):
        problem = problem or _field_problem(fields, len(header))
        if problem:
            yield Reject(record_no, problem, excerpt_of(raw, cut_short=problem == CUT_SHORT))
            continue
        columns["record_no"].append(record_no)
        for name, value in zip(header, fields, strict=True):
            columns[name].append(value if value != "" else None)
    schema = {"record_no": pl.Int64} | dict.fromkeys(header, pl.Utf8)
    yield pl.DataFrame(columns, schema=schema)


def split_records(
    lines: Iterable[str], delimiter: str = ","
) -> Iterator[tuple[list[str], str | None, str]]:
    """The records of CSV text read as lines (line ends kept), as (fields, problem, raw text).

    ``problem`` names a broken record: a csv module error, or text that ends inside a quoted
    field, which the csv module (not strict) returns as if complete; only a file's last
    record can, when the file was cut short. Blank lines are skipped.
    """
    raw_lines: list[str] = []  # the lines of the record being read

    def tracked() -> Iterator[str]:
        for line in lines:
            raw_lines.append(line)
            yield line

    records = csv.reader(tracked(), delimiter=delimiter)
    while True:
        raw_lines.clear()
        try:
            fields = next(records)
        except StopIteration:
            return
        except csv.Error as error:  # a NUL byte, an oversized field: the reader goes on
            yield [], f"broken CSV record: {error}", "".join(raw_lines)
            continue
        if fields:
            raw = "".join(raw_lines)
            yield fields, _cut_short(raw, delimiter), raw


def _cut_short(raw: str, delimiter: str) -> str | None:
    if raw.count('"') % 2 == 0:
        return None
    try:
        for _ in csv.reader(io.StringIO(raw, newline=""), delimiter=delimiter, strict=True):
            pass
    except csv.Error as error:
        if "unexpected end of data" in str(error):
            return CUT_SHORT
    return None


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
    values = (str(v) for k, v in row.items() if k != "record_no" and v is not None)
    return excerpt_of(",".join(values))
