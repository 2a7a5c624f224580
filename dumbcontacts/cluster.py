"""The compute cluster named by ``[compute] address``: a Dask distributed scheduler.

Dask rather than Ray: its wheels are pure Python on the stack the product already runs
(numpy, pandas, cloudpickle), a cluster is two commands (``dask scheduler``, ``dask worker``)
with nothing else to run, and the scheduler runs again, elsewhere, a task whose worker was
lost. See README, "When one machine is not enough".
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from dumbcontacts.errors import ConfigError, DumbContactsError, first_line
from dumbcontacts.settings import Settings

if TYPE_CHECKING:  # imported where used: the command line starts without polars or torch
    from dumbcontacts.etl.detect import Source
    from dumbcontacts.etl.load import LoadResult
    from dumbcontacts.etl.warehouse import Warehouse

__all__ = ["cluster_client", "describe_cluster", "load_address", "load_each", "models_on"]

CONNECT_SECONDS = 30  # to reach the scheduler, and again for a first worker to be there


@contextmanager
def cluster_client(address: str | None, *, timeout: float | None = None) -> Iterator:
    """A ``distributed.Client`` of the scheduler at ``address``, or None without one (run in
    this process). Raises ConfigError, in one line, when it cannot be reached or has no
    worker."""
    if not address:
        yield None
        return
    from distributed import Client

    timeout = timeout or CONNECT_SECONDS
    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        raise ConfigError(
            f"cannot reach the compute cluster at {address}: {first_line(error)}"
        ) from None
    with client:
        try:
            client.wait_for_workers(1, timeout=timeout)
        except TimeoutError:
            raise ConfigError(
                f"the compute cluster at {address} has no worker (none joined in {timeout:g} s)"
            ) from None
        yield client


def describe_cluster(client) -> str:
    """One line for the command's output: where the work runs."""
    workers = client.scheduler_info(n_workers=-1)["workers"].values()
    threads = sum(worker["nthreads"] for worker in workers)
    return (
        f"on the compute cluster at {client.scheduler.address}: "
        f"{len(workers)} workers, {threads} threads"
    )


def models_on(client, make_embedder: Callable, config: Settings, **options):
    """The embedder ``make_embedder(config, **options)`` gives, and how the fast path
    predicts (None: in this process): without a cluster both run here; with one, as batches
    on its workers, each loading the model once."""
    if client is None:
        return make_embedder(config, **options), None
    from dumbcontacts.analysis.topics.cluster import ClusterEmbedder, predict_on_cluster

    loader = functools.partial(make_embedder, config, **options)
    return ClusterEmbedder(client, loader), functools.partial(predict_on_cluster, client)


def load_address(config: Settings, warehouse: Warehouse) -> str | None:
    """The cluster that loads files: PostgreSQL takes many writers, so its workers load side
    by side; DuckDB has one writer, so this process loads in turn (None)."""
    return config.compute_address if warehouse.dialect == "postgresql" else None


def load_each(
    client, warehouse: Warehouse, config: Settings, sources: list[Source], options: dict
) -> Iterator[tuple[Source, LoadResult | DumbContactsError]]:
    """(source, its LoadResult or the error that stopped it): in turn in this process, or as
    each worker commits on the cluster. ``options`` are ``load_source``'s."""
    from dumbcontacts.etl.cluster_load import load_on_cluster
    from dumbcontacts.etl.load import load_source

    if client is not None:
        yield from load_on_cluster(client, config.warehouse_url, sources, **options)
        return
    for source in sources:
        try:
            yield source, load_source(warehouse, source, **options)
        except DumbContactsError as error:
            yield source, error
