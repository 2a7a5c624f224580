"""The compute cluster named by ``[compute] address``: a Dask distributed scheduler.

Dask rather than Ray: its wheels are pure Python on the stack the product already runs
(numpy, pandas, cloudpickle), a cluster is two commands (``dask scheduler``, ``dask worker``)
with nothing else to run, and the scheduler runs again, elsewhere, a task whose worker was
lost. See README, "When one machine is not enough".
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from dumbcontacts.errors import ConfigError, first_line

__all__ = ["cluster_client"]

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
