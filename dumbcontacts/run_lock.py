"""One scheduled run at a time per warehouse: a lock the operating system releases for us.

- DuckDB (or any file-less URL): ``fcntl.flock`` on ``<warehouse file>.run.lock`` beside the
  warehouse (``<report_dir>/run.lock`` for an in-memory warehouse).
- PostgreSQL: a session advisory lock in the warehouse's own database, so two hosts that
  share a server never run at once either.

Both are released by the kernel or the server when the holder exits, even by SIGKILL, so a
crashed run never leaves a stale lock behind. The lock file itself is never deleted:
removing it would let a second process lock a new file while the first still holds the old.
``fcntl`` exists on Linux and macOS only: elsewhere (Windows) the job needs PostgreSQL.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import ArgumentError, InterfaceError, OperationalError
from sqlalchemy.pool import NullPool

from dumbcontacts.errors import ConfigError, RunBusy, WarehouseError, first_line
from dumbcontacts.settings import DEFAULT_WAREHOUSE_URL

__all__ = ["RunBusy", "hold_run_lock", "lock_file_path"]

# pg_try_advisory_lock's key: the first 8 bytes of md5("dumbcontacts run"), as a signed int.
_ADVISORY_KEY = int.from_bytes(bytes.fromhex("bc78e98cb96aae45"), "big", signed=True)


def lock_file_path(warehouse_url: str | None, report_dir: Path) -> Path:
    """Where the file lock of a file-based warehouse lives."""
    database = make_url(warehouse_url or DEFAULT_WAREHOUSE_URL).database
    if not database or database == ":memory:":
        return report_dir / "run.lock"
    return Path(database).with_name(Path(database).name + ".run.lock")


@contextmanager
def hold_run_lock(warehouse_url: str | None, report_dir: Path) -> Iterator[str]:
    """Hold the run lock for the ``with`` block; yields a description of it.

    Raises RunBusy at once (never waits) when another process holds it, and ConfigError
    for a file-based warehouse on a system without ``fcntl``.
    """
    url = warehouse_url or DEFAULT_WAREHOUSE_URL
    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError as error:
        raise WarehouseError(f"cannot open warehouse {url}: {first_line(error)}") from error
    if backend == "postgresql":
        with _advisory_lock(url) as where:
            yield where
    else:
        with _file_lock(lock_file_path(url, report_dir)) as where:
            yield where


@contextmanager
def _file_lock(path: Path) -> Iterator[str]:
    try:
        import fcntl
    except ImportError:
        raise ConfigError(
            "the scheduled run locks a DuckDB warehouse with fcntl, which this system lacks; "
            "run it on Linux or macOS, or with a PostgreSQL warehouse"
        ) from None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise ConfigError(f"{path}: cannot make the run lock ({error.strerror})") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise RunBusy(
                f"another dumbcontacts run holds {path} (pid {holder}); not starting"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield str(path)
    finally:
        os.close(fd)  # closing the descriptor releases the lock


@contextmanager
def _advisory_lock(url: str) -> Iterator[str]:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        try:
            conn = engine.connect()
        except (OperationalError, InterfaceError) as error:  # the server is down or unreachable
            raise WarehouseError(f"cannot reach the warehouse: {first_line(error)}") from error
        with conn:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": _ADVISORY_KEY})
            if not got.scalar():
                raise RunBusy(
                    f"another dumbcontacts run holds the advisory lock on "
                    f"{engine.url.render_as_string(hide_password=True)}; not starting"
                )
            try:
                yield f"advisory lock {_ADVISORY_KEY} on {engine.url.database}"
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _ADVISORY_KEY})
    finally:
        engine.dispose()
