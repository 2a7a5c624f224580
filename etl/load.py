"""Load files into the warehouse: atomic per file, idempotent, incremental.

Each source is read and normalised in memory first; only then is a write transaction opened,
which inserts the new contacts, the rejects and the ``loads`` row together. A crash at any
point leaves the warehouse as it was, and re-running gives the same table as one clean load.
A file whose content hash is already in ``loads`` is skipped without being read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import threading
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from sqlalchemy import func, select, text

from dumbcontacts.errors import DumbContactsError, InputError, LoadError
from dumbcontacts.etl.bounds import excerpt_of, storable_text
from dumbcontacts.etl.detect import Source, detect_mapped, detect_source, expand_paths
from dumbcontacts.etl.normalize import REJECT_SCHEMA, normalize_contacts
from dumbcontacts.etl.readers.chat import read_chats
from dumbcontacts.etl.readers.csvfile import read_csv_header
from dumbcontacts.etl.readers.email import read_eml_files, read_mbox
from dumbcontacts.etl.readers.mapping import Mapping, check_columns, read_mapped_csv
from dumbcontacts.etl.readers.phone import read_calls
from dumbcontacts.etl.readers.social import read_tweets
from dumbcontacts.etl.readers.taxonomy import defect_rows, read_taxonomy
from dumbcontacts.etl.readers.volumes import read_volumes
from dumbcontacts.etl.redact import redact_series, redact_text
from dumbcontacts.etl.schema import business_volumes, contacts, defects, loads, rejects
from dumbcontacts.etl.staging import Reject, RejectedFile, split_staging
from dumbcontacts.etl.warehouse import Warehouse, insert_new_rows, read_setting
from dumbcontacts.settings import ORDER_REF_PATTERN, TimeWindow

__all__ = [
    "LoadError",
    "LoadResult",
    "SourceRows",
    "count_contacts",
    "hash_source",
    "load_paths",
    "load_source",
    "plan_sources",
    "read_source",
]

# One load writes at a time in this process: on DuckDB, contacts has no key index, and two
# overlapping transactions could each insert a record the other has not committed yet.
# Other processes are kept out by DuckDB's file lock for as long as the write lasts.
_WRITE_LOCK = threading.Lock()


@dataclass(frozen=True)
class LoadResult:
    source: str
    channel: str | None
    status: str  # "loaded", "already loaded" or "skipped"
    rows_read: int = 0
    rows_loaded: int = 0
    rows_duplicate: int = 0
    rows_rejected: int = 0
    # Loaded contacts in which no customer turn says why they got in touch.
    rows_without_reason: int = 0
    load_id: str | None = None
    note: str = ""


@dataclass(frozen=True)
class SourceRows:
    """A source read and normalised, before anything is written."""

    rows: pl.DataFrame  # rows of the source's table (contacts, business_volumes or defects)
    rejects: pl.DataFrame  # record_no, reason, excerpt (raw)
    rows_read: int


def plan_sources(
    paths: Iterable[str | Path],
    *,
    channel: str | None = None,
    fmt: str | None = None,
    mapping: Mapping | None = None,
) -> list[Source]:
    """Detect every path up front, and check that each names every column a mapping does,
    so a typo fails before anything is written."""
    sources = []
    for path in expand_paths(paths):
        try:
            if mapping is not None:
                source = detect_mapped(path, mapping.channel)
                if source.kind != "skip":
                    _check_mapped_header(path, mapping)
                sources.append(source)
            else:
                sources.append(detect_source(path, channel=channel, fmt=fmt))
        except LoadError:
            raise
        except InputError as error:
            raise LoadError(f"{path}: {error}") from None
        except OSError as error:
            raise LoadError(f"{path}: cannot read ({error.strerror or error})") from None
    return sources


def load_paths(
    warehouse: Warehouse,
    paths: Iterable[str | Path],
    *,
    channel: str | None = None,
    fmt: str | None = None,
    mapping: Mapping | None = None,
    salt: str | None = None,
    keep_transcripts: bool = False,
    window: TimeWindow | None = None,
    order_ref_pattern: str = ORDER_REF_PATTERN,
    brand_names: Iterable[str] = (),
) -> Iterator[LoadResult]:
    """Load each path in turn, yielding its result as soon as it is committed.

    ``keep_transcripts`` stores each contact's whole conversation, redacted, besides its
    reason; off by default (see README, "What it does"). A record with a time outside
    ``window`` (default: ``TimeWindow.ending_days_ahead()``) is rejected.
    ``order_ref_pattern``: what a stored order reference may look like.
    A message that only names the company (``brand_names``) is no reason.
    """
    for source in plan_sources(paths, channel=channel, fmt=fmt, mapping=mapping):
        yield load_source(
            warehouse,
            source,
            mapping=mapping,
            salt=salt,
            keep_transcripts=keep_transcripts,
            window=window,
            order_ref_pattern=order_ref_pattern,
            brand_names=brand_names,
        )


def load_source(
    warehouse: Warehouse,
    source: Source,
    *,
    mapping: Mapping | None = None,
    salt: str | None = None,
    keep_transcripts: bool = False,
    window: TimeWindow | None = None,
    order_ref_pattern: str = ORDER_REF_PATTERN,
    brand_names: Iterable[str] = (),
) -> LoadResult:
    name = str(source.path)
    if source.kind == "skip":
        return LoadResult(name, None, "skipped", note=source.note)
    try:
        content_hash = hash_source(source.path)
    except OSError as error:  # gone or unreadable since it was planned
        raise LoadError(f"{name}: cannot read ({error.strerror or error})") from None
    with warehouse.connect() as conn:
        if _is_loaded(conn, content_hash):
            return LoadResult(name, source.channel, "already loaded")
        salt = salt or read_setting(conn, "salt")
    started_at = _now()
    read = read_source(
        source, mapping=mapping, salt=salt, keep_transcripts=keep_transcripts, window=window,
        order_ref_pattern=order_ref_pattern, brand_names=brand_names,
    )  # fmt: skip
    rows, rows_read = read.rows, read.rows_read
    load_id = content_hash[:16]
    bad = _stored_rejects(read.rejects, load_id)
    table = {"volumes": business_volumes, "taxonomy": defects}.get(source.kind, contacts)
    with _WRITE_LOCK, warehouse.begin() as conn:
        _lock_content(conn, content_hash)
        # Checked again under the write lock: a concurrent run may have loaded it meanwhile.
        if _is_loaded(conn, content_hash):
            return LoadResult(name, source.channel, "already loaded")
        if table is defects:
            conn.execute(defects.delete())  # a taxonomy file is the whole list
        loaded = insert_new_rows(conn, table, rows.with_columns(pl.lit(load_id).alias("load_id")))
        insert_new_rows(conn, rejects, bad)
        result = LoadResult(
            source=name,
            channel=source.channel,
            status="loaded",
            rows_read=rows_read,
            rows_loaded=loaded,
            rows_duplicate=rows_read - bad.height - loaded,
            rows_rejected=bad.height,
            rows_without_reason=_count_without_reason(conn, load_id) if table is contacts else 0,
            load_id=load_id,
        )
        conn.execute(
            loads.insert().values(
                load_id=load_id,
                source=redact_text(name),  # a file may be named after a customer
                channel=source.channel or source.kind,
                format=source.format,
                content_hash=content_hash,
                started_at=started_at,
                finished_at=_now(),
                status=result.status,
                rows_read=result.rows_read,
                rows_loaded=result.rows_loaded,
                rows_duplicate=result.rows_duplicate,
                rows_rejected=result.rows_rejected,
            )
        )
    return result


def count_contacts(warehouse: Warehouse) -> dict[str, int]:
    """Contacts in the warehouse per channel."""
    query = select(contacts.c.channel, func.count()).group_by(contacts.c.channel)
    with warehouse.connect() as conn:
        return dict(sorted(conn.execute(query).all()))


def hash_source(path: Path) -> str:
    """sha256 of a file's bytes; for a folder, of its files' names and hashes in order."""
    digest = hashlib.sha256()
    if path.is_dir():
        for child in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(f"{child.relative_to(path)}\0{hash_source(child)}\n".encode())
        return digest.hexdigest()
    with path.open("rb") as fp:
        for block in iter(lambda: fp.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_source(
    source: Source,
    *,
    mapping: Mapping | None = None,
    salt: str,
    keep_transcripts: bool = False,
    window: TimeWindow | None = None,
    order_ref_pattern: str = ORDER_REF_PATTERN,
    brand_names: Iterable[str] = (),
) -> SourceRows:
    """Read and normalise one source in memory: (rows for its table, rejects, records read).

    Rejects carry raw excerpts (the load cuts and redacts them). A source that cannot be read
    at all raises LoadError naming it; a bad record never does.
    """
    window = window or TimeWindow.ending_days_ahead()
    try:
        if source.kind == "volumes":
            return SourceRows(*_read_volumes(source.path, window))
        if source.kind == "taxonomy":
            return SourceRows(*_read_taxonomy(source.path))
        return SourceRows(*_read_contacts(
            source, mapping, salt, keep_transcripts, window, order_ref_pattern,
            tuple(brand_names),
        ))  # fmt: skip
    except (DumbContactsError, RejectedFile, UnicodeDecodeError, OSError) as error:
        raise LoadError(f"{source.path}: {error}") from None


def _check_mapped_header(path: Path, mapping: Mapping) -> None:
    if not path.is_file():
        raise LoadError(f"{path}: no such file")
    try:
        with path.open("rb") as fp:
            header = read_csv_header(fp, what="CSV", delimiter=mapping.delimiter)
        check_columns(mapping, header)
    except OSError as error:
        raise LoadError(f"{path}: cannot read ({error.strerror or error})") from None
    except InputError as error:
        raise LoadError(f"{path}: {error}") from None


def _read_contacts(
    source: Source,
    mapping: Mapping | None,
    salt: str,
    keep_transcripts: bool,
    window: TimeWindow,
    order_ref_pattern: str,
    brand_names: tuple[str, ...],
):
    with ExitStack() as stack:
        items = _reader(source, mapping, stack)
        staging, bad = split_staging(items)
    contact_rows, normalize_rejects = normalize_contacts(
        staging,
        channel=source.channel,
        salt=salt,
        keep_transcripts=keep_transcripts,
        window=window,
        order_ref_pattern=order_ref_pattern,
        brand_names=brand_names,
    )
    bad_frame = pl.concat([_reject_frame(bad), normalize_rejects])
    return contact_rows, bad_frame, staging.height + len(bad)


def _read_volumes(path: Path, window: TimeWindow):
    with path.open("rb") as fp:
        frames, bad = [], []
        for item in read_volumes(fp, window=window):
            (bad if isinstance(item, Reject) else frames).append(item)
    rows = pl.concat(frames).drop("record_no").unique(["day", "driver"], keep="first")
    read = sum(f.height for f in frames) + len(bad)
    return rows, _reject_frame(bad), read


def _read_taxonomy(path: Path):
    with path.open("rb") as fp:
        taxonomy = read_taxonomy(fp)
    return defect_rows(taxonomy), _reject_frame([]), len(taxonomy)


def _reader(source: Source, mapping: Mapping | None, stack: ExitStack):
    path = source.path
    if source.format == "eml":
        files = sorted(path.glob("*.eml")) if path.is_dir() else [path]
        return read_eml_files((f.name, io.BytesIO(f.read_bytes())) for f in files)
    fp = stack.enter_context(path.open("rb"))
    if mapping is not None:
        return read_mapped_csv(fp, mapping)
    readers = {
        ("phone", "csv"): read_calls,
        ("social", "csv"): read_tweets,
        ("email", "mbox"): read_mbox,
        ("chat", "json"): read_chats,
    }
    reader = readers.get((source.channel, source.format))
    if reader is None:
        raise RejectedFile(f"no reader for channel {source.channel} in format {source.format}")
    return reader(fp)


def _reject_frame(bad: list[Reject]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "record_no": [r.record_no for r in bad],
            "reason": [storable_text(r.reason) for r in bad],
            "excerpt": [storable_text(r.excerpt) for r in bad],
        },
        schema=REJECT_SCHEMA,
    )


def _stored_rejects(bad: pl.DataFrame, load_id: str) -> pl.DataFrame:
    """Rejects as stored: one per record, the excerpt cut short, then redacted.

    Cut first: redaction's cost grows with the text, and a record's excerpt may hold a whole
    megabyte-long value. ``excerpt_of`` cuts between tokens, so no address or number is split
    into a part redaction no longer recognises. A reason names a file at most (never a
    value), and is redacted like the excerpt all the same: a file name can hold one.
    """
    bad = bad.unique("record_no", keep="first", maintain_order=True)
    excerpts = pl.Series("excerpt", [excerpt_of(e or "") for e in bad["excerpt"]], pl.Utf8)
    return bad.select(
        pl.lit(load_id).alias("load_id"),
        "record_no",
        redact_series(bad["reason"]).alias("reason"),
        redact_series(excerpts).alias("excerpt"),
    )


def _valid_text(text: str) -> str:
    # Undecodable bytes arrive as lone surrogates; no database accepts those.
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")


def _count_without_reason(conn, load_id: str) -> int:
    query = select(func.count()).where(
        contacts.c.load_id == load_id, contacts.c.reason_text.is_(None)
    )
    return conn.execute(query).scalar_one()


def _lock_content(conn, content_hash: str) -> None:
    """On PostgreSQL, hold a lock on this content until the transaction ends, so another
    process loading a copy of the file waits and then finds it loaded. (DuckDB's file lock
    already keeps other processes out.)"""
    if conn.dialect.name == "postgresql":
        key = int(content_hash[:15], 16)  # 60 bits: fits the lock's bigint
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _is_loaded(conn, content_hash: str) -> bool:
    found = conn.execute(select(loads.c.load_id).where(loads.c.content_hash == content_hash))
    return found.first() is not None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
