"""One scheduled run at a time per warehouse: a lock the operating system releases for us.

- DuckDB (or any file-less URL): ``fcntl.flock`` on ``<warehouse file>.run.lock`` beside the
  warehouse (``<report_dir>/run.lock`` for an in-memory warehouse).
- PostgreSQL: a session advisory lock in the warehouse's own database, so two hosts that
  share a server never run at once either.

Both are released by the kernel or the server when the holder exits, even by SIGKILL, so a
crashed run never leaves a stale lock behind. The lock file itself is never deleted:
removing it would let a second process lock a new file while the first still holds the old.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from dumbcontacts.etl.warehouse import DEFAULT_URL

__all__ = ["RunBusy", "hold_run_lock", "lock_file_path"]

# pg_try_advisory_lock's key: the first 8 bytes of md5("dumbcontacts run"), as a signed int.
_ADVISORY_KEY = int.from_bytes(bytes.fromhex("bc78e98cb96aae45"), "big", signed=True)


class RunBusy(RuntimeError):
    """Another run holds the lock; the message says who and where."""


def lock_file_path(warehouse_url: str | None, report_dir: Path) -> Path:
    """Where the file lock of a file-based warehouse lives."""
    database = make_url(warehouse_url or DEFAULT_URL).database
    if not database or database == ":memory:":
        return report_dir / "run.lock"
    return Path(database).with_name(Path(database).name + ".run.lock")


@contextmanager
def hold_run_lock(warehouse_url: str | None, report_dir: Path) -> Iterator[str]:
    """Hold the run lock for the ``with`` block; yields a description of it.

    Raises RunBusy at once (never waits) when another process holds it.
    """
    url = warehouse_url or DEFAULT_URL
    if make_url(url).get_backend_name() == "postgresql":
        with _advisory_lock(url) as where:
            yield where
    else:
        with _file_lock(lock_file_path(url, report_dir)) as where:
            yield where


@contextmanager
def _file_lock(path: Path) -> Iterator[str]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
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
        with engine.connect() as conn:
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
