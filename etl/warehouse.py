"""Open the warehouse and move rows into it in bulk.

The schema is SQLAlchemy Core, but rows travel by each engine's native bulk path: an Arrow
table scanned by DuckDB, or CSV through PostgreSQL's COPY. Row-by-row inserts through
SQLAlchemy are ~100x slower on DuckDB (see docs/architecture.md).

DuckDB locks its file against every other process, so connections are short-lived (NullPool)
and opening one retries while another process holds the lock.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from sqlalchemy import Connection, Engine, Table, create_engine, make_url, select, text
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.pool import NullPool

from dumbcontacts.errors import WarehouseBusy, WarehouseError, WarehouseMissing, first_line
from dumbcontacts.etl.migrations import apply_migrations
from dumbcontacts.etl.schema import settings
from dumbcontacts.settings import DEFAULT_WAREHOUSE_URL as DEFAULT_URL

__all__ = [
    "DEFAULT_URL",
    "Warehouse",
    "create_warehouse",
    "insert_new_rows",
    "open_warehouse",
    "read_setting",
]

_ENGINES = ("duckdb", "postgresql")
_LOCK_MESSAGES = ("Could not set lock", "Conflicting lock")
# Every warehouse has contacts; one made by this version also has migrations.
_WAREHOUSE_TABLES = text(
    "SELECT table_name FROM information_schema.tables "
    "WHERE table_schema = current_schema() AND table_name IN ('contacts', 'migrations')"
)
# DuckDB shares one database instance per file within a process, and opening it in one thread
# while another closes its last connection fails ("Unique file handle conflict"): threads of a
# process (the dashboard's) take turns to open and close.
_DUCKDB_OPEN_CLOSE = threading.Lock()


@dataclass(frozen=True)
class Warehouse:
    engine: Engine
    lock_timeout_seconds: float = 60.0

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A short-lived connection; waits (with backoff) while another process writes."""
        deadline = time.monotonic() + self.lock_timeout_seconds
        delay = 0.05
        while True:
            try:
                with self._turn():
                    conn = self.engine.connect()
                break
            except DBAPIError as error:
                locked = any(m in str(error) for m in _LOCK_MESSAGES)
                if not locked and isinstance(error, OperationalError | InterfaceError):
                    # No server, no such folder, not a database file: the URL is wrong.
                    raise WarehouseError(
                        f"cannot open warehouse {_shown(self.engine.url)}: {first_line(error)}"
                    ) from error
                if not locked:
                    raise
                if time.monotonic() > deadline:
                    raise WarehouseBusy(
                        f"warehouse is locked by another process: {_shown(self.engine.url)}"
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
        try:
            yield conn
        finally:
            with self._turn():
                conn.close()

    def _turn(self):
        return _DUCKDB_OPEN_CLOSE if self.dialect == "duckdb" else nullcontext()

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """One transaction: everything inside commits together or not at all."""
        with self.connect() as conn, conn.begin():
            yield conn


def create_warehouse(url: str | None = None, *, lock_timeout_seconds: float = 60.0) -> Warehouse:
    """The warehouse at ``url``, created, or upgraded to the current schema, as needed: for the
    commands that write. The default is a DuckDB file in the working directory."""
    warehouse = _engine_warehouse(url, lock_timeout_seconds)
    apply_migrations(warehouse)
    return warehouse


def open_warehouse(url: str | None = None, *, lock_timeout_seconds: float = 60.0) -> Warehouse:
    """The existing warehouse at ``url``, upgraded to the current schema if an older version
    made it: for reading. Raises WarehouseMissing, creating nothing, where there is none."""
    warehouse = _engine_warehouse(url, lock_timeout_seconds)
    if not _holds_warehouse(warehouse):
        raise WarehouseMissing(f"no warehouse at {_shown(url or DEFAULT_URL)} "
                               "(`dumbcontacts load` makes one)")  # fmt: skip
    apply_migrations(warehouse)
    return warehouse


def _engine_warehouse(url: str | None, lock_timeout_seconds: float) -> Warehouse:
    """Raises WarehouseError when the URL names no engine we support or its driver is
    missing (an unreachable database fails on the first connection, the same way)."""
    url = url or DEFAULT_URL
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    try:
        engine = create_engine(url, **_engine_options(url))
    except (ArgumentError, ImportError) as error:  # a malformed URL, or no driver for it
        reason = first_line(error)
        raise WarehouseError(f"cannot open warehouse {_shown(url)}: {reason}") from error
    if engine.dialect.name not in _ENGINES:
        raise WarehouseError(
            f"cannot open warehouse {_shown(engine.url)}: {engine.dialect.name} is not "
            "supported (use duckdb:///file.duckdb or postgresql://...)"
        )
    return Warehouse(engine, lock_timeout_seconds)


def _engine_options(url: str) -> dict:
    options = {"poolclass": NullPool}  # DuckDB lets go of the file between reads
    if url.startswith("postgresql"):
        # PostgreSQL overestimates the groups of a daily count and would spend seconds
        # compiling (JIT) queries that run in a fraction of that.
        options["connect_args"] = {"options": "-c jit=off"}
    return options


def _holds_warehouse(warehouse: Warehouse) -> bool:
    database = warehouse.engine.url.database
    in_file = warehouse.dialect == "duckdb" and database not in (None, "", ":memory:")
    if in_file and not Path(database).is_file():  # connecting would create the file
        return False
    with warehouse.connect() as conn:
        return conn.execute(_WAREHOUSE_TABLES).first() is not None


def _shown(url) -> str:
    """A URL as errors show it: without its password."""
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except ArgumentError:  # not a URL at all: nothing to hide
        return str(url)
    return shown.replace("postgresql+psycopg://", "postgresql://", 1)  # as the user wrote it


def read_setting(conn: Connection, key: str) -> str | None:
    return conn.execute(select(settings.c.value).where(settings.c.key == key)).scalar()


def insert_new_rows(conn: Connection, table: Table, frame: pl.DataFrame) -> int:
    """Insert the rows of ``frame`` whose primary key is not in ``table`` yet; return how many.

    Runs inside the caller's transaction, so a load commits or vanishes as a whole.
    """
    if frame.is_empty():
        return 0
    columns = ", ".join(frame.columns)
    keys = [c.name for c in table.primary_key.columns]
    if conn.dialect.name == "duckdb":
        return _insert_duckdb(conn, table.name, columns, keys, frame)
    if conn.dialect.name == "postgresql":
        return _insert_postgres(conn, table.name, columns, keys, frame)
    raise ValueError(f"unsupported warehouse engine: {conn.dialect.name}")


def _insert_duckdb(conn: Connection, name: str, columns: str, keys: list[str], frame) -> int:
    from dumbcontacts.etl.arrow_scan import arrow_for_duckdb  # pyarrow: only for writing

    raw = conn.connection.driver_connection
    view = f"incoming_{name}"
    raw.register(view, arrow_for_duckdb(frame))
    try:
        match = " AND ".join(f"t.{k} = i.{k}" for k in keys)
        # An anti-join is ~2x faster than ON CONFLICT on DuckDB for re-loaded duplicates,
        # and works without a key index (contacts has none on DuckDB, see dumbcontacts.etl.schema).
        sql = (
            f"INSERT INTO {name} ({columns}) SELECT {columns} FROM {view} i "
            f"WHERE NOT EXISTS (SELECT 1 FROM {name} t WHERE {match})"
        )
        return raw.execute(sql).fetchone()[0]
    finally:
        raw.unregister(view)


def _insert_postgres(
    conn: Connection, name: str, columns: str, keys: list[str], frame: pl.DataFrame
) -> int:
    raw = conn.connection.driver_connection
    stage = f"incoming_{name}"
    # COPY's CSV reads bytea as \x-prefixed hex text.
    frame = frame.with_columns(
        pl.concat_str(pl.lit("\\x"), pl.col(name).bin.encode("hex")).alias(name)
        for name, dtype in frame.schema.items()
        if dtype == pl.Binary
    )
    buffer = io.BytesIO()
    # polars writes null as an empty field and "" as a quoted empty string, which is exactly
    # how COPY ... (FORMAT csv) tells them apart.
    frame.write_csv(buffer, include_header=False, datetime_format="%Y-%m-%d %H:%M:%S%.6f")
    with raw.cursor() as cur:
        cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE {name}) ON COMMIT DROP")
        cur.execute(f"TRUNCATE {stage}")
        with cur.copy(f"COPY {stage} ({columns}) FROM STDIN (FORMAT csv)") as copy:
            copy.write(buffer.getvalue())
        # In key order: two loads writing side by side then take their row locks in one
        # order, so neither can end up waiting on the other while it waits on it.
        cur.execute(
            f"INSERT INTO {name} ({columns}) SELECT {columns} FROM {stage} "
            f"ORDER BY {', '.join(keys)} ON CONFLICT DO NOTHING"
        )
        return cur.rowcount
