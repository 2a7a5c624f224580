"""Another process holding a DuckDB file's lock, for tests of waiting and falling back."""

import multiprocessing
import time
from contextlib import contextmanager

__all__ = ["another_process_holds"]


def _hold_lock(path: str, seconds: float, ready) -> None:
    import duckdb

    with duckdb.connect(path) as conn:
        conn.execute("SELECT 1")
        ready.set()
        time.sleep(seconds)


@contextmanager
def another_process_holds(path: str, seconds: float):
    """Another process opens the DuckDB file (taking its lock) for ``seconds``."""
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    holder = context.Process(target=_hold_lock, args=(path, seconds, ready))
    holder.start()
    try:
        ready.wait(30)
        yield
    finally:
        holder.join()
