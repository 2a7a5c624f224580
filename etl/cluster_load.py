"""Loading many files at once on a Dask cluster, into PostgreSQL.

Each file is read, normalised and written by a worker exactly as ``load_source`` does it in
this process: in its own transaction, with its ``loads`` row. PostgreSQL takes writers side by
side: the contacts key keeps a record that two files share from being added twice, rows go
in in key order so two loads never wait on each other in a circle, and a lock on the file's
content hash keeps two copies of one file from both loading. DuckDB has one writer, so it
loads in the calling process (``dumbcontacts load`` decides).

The workers read the files themselves: the paths must name the same files on every worker
(a network folder, or one machine).
"""

from __future__ import annotations

from collections.abc import Iterator

from dumbcontacts.errors import DumbContactsError, LoadError
from dumbcontacts.etl.detect import Source
from dumbcontacts.etl.load import LoadResult, load_source
from dumbcontacts.etl.warehouse import Warehouse, open_warehouse

__all__ = ["load_on_cluster"]

# Per worker process: warehouse URL -> its engine, so a worker's loads share a pool.
_WAREHOUSES: dict[str, Warehouse] = {}


def load_on_cluster(
    client, warehouse_url: str, sources: list[Source], **options
) -> Iterator[tuple[Source, LoadResult | DumbContactsError]]:
    """Each source's result as soon as its worker has committed it, or the product error
    that stopped it (the other files still load). ``options`` are ``load_source``'s."""
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    futures = {
        client.submit(_load_one, warehouse_url, source, options, pure=False): source
        for source in sources
    }
    for future in as_completed(futures, loop=client.loop):
        source = futures.pop(future)
        error = future.exception() if future.status == "error" else None
        if isinstance(error, KilledWorker):  # it was run again, and killed its worker again
            error = LoadError(f"{source.path}: the workers loading it died ({error})")
        if error is not None and not isinstance(error, DumbContactsError):
            future.result()  # a bug: raise it here, with its traceback
        yield source, error or future.result()


def _load_one(warehouse_url: str, source: Source, options: dict) -> LoadResult:
    if warehouse_url not in _WAREHOUSES:
        _WAREHOUSES[warehouse_url] = open_warehouse(warehouse_url)
    return load_source(_WAREHOUSES[warehouse_url], source, **options)
