"""The heavy step of ``analyze`` as batches on a Dask distributed cluster.

Embedding (``ClusterEmbedder``) and the fast path's predictions (``predict_on_cluster``) are
cut into batches that run as tasks on the cluster's workers. Each worker process loads the
sentence model once, with its first batch, and keeps it for the next ones (``_MODELS``), so
a batch costs only the model's forward pass. Texts travel to the workers inside the tasks
and vectors come back as their results, through Dask's own transfers: nothing is shared
through a local path, and the caller stores what comes back in the warehouse.

A batch whose worker dies (a crash, SIGKILL, the machine lost) is run again on another
worker by the scheduler; one that keeps killing workers fails the whole call in one line
(ModelError), and an error raised by a batch is raised by the call, before the caller has
written anything. Batches are cut as the in-process models cut their
own work (longest texts first, the same chunk sizes), so vectors and assignments are those
of the in-process run, to float rounding across thread counts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from dumbcontacts.analysis.topics.embeddings import Embedder, Progress
from dumbcontacts.analysis.topics.fast_assign import PREDICT_CHUNK, FastAssigner, predict_fast
from dumbcontacts.errors import ModelError

__all__ = ["ClusterEmbedder", "ModelLoader", "predict_on_cluster"]

# Builds the sentence model on a worker: called as ``loader(threads=n)``, n the threads the
# worker runs tasks on.
ModelLoader = Callable[..., Embedder]

# Per worker process: a loader's token -> the model it loaded.
_MODELS: dict[str, Embedder] = {}


class ClusterEmbedder:
    """An Embedder whose ``embed`` runs on the cluster ``client`` is connected to.

    ``loader`` must be importable on the workers (a module-level function or a partial of
    one). ``batch_size`` texts go in one task: 512 is the in-process embedder's chunk.
    """

    def __init__(self, client, loader: ModelLoader, *, batch_size: int = 512) -> None:
        from dask.base import tokenize

        self._client, self._loader, self.batch_size = client, loader, batch_size
        self._token = tokenize(loader)
        # One task loads the model on a worker and says what it is: the cache needs its name.
        future = client.submit(_describe_model, self._token, loader, pure=False)
        ((_, (self.name, self.dimension)),) = _results(client, {future: None})

    def embed(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        batches = [order[s : s + self.batch_size] for s in range(0, len(order), self.batch_size)]
        futures = {
            self._client.submit(
                _embed_batch, self._token, self._loader, [texts[i] for i in rows], pure=False
            ): rows
            for rows in batches
        }
        for rows, vectors in _results(self._client, futures):
            out[rows] = vectors
            if progress is not None:
                progress(len(rows))
        return out


def predict_on_cluster(
    client, assigner: FastAssigner, texts: Sequence[str], *, batch_size: int = 4 * PREDICT_CHUNK
) -> tuple[np.ndarray, np.ndarray]:
    """``predict_fast(assigner, texts)``, in batches on the cluster.

    The model goes to every worker once; batches are whole multiples of the chunk
    ``predict_fast`` works in, so each text is scored with the very chunk it would be in
    this process.
    """
    ids, margin = np.zeros(len(texts), dtype=int), np.zeros(len(texts), dtype=np.float32)
    if not len(texts):
        return ids, margin
    model = client.scatter(assigner, broadcast=True, hash=False)
    futures = {
        # One thread a task: the worker's threads are its share of the cores.
        client.submit(predict_fast, model, list(texts[s : s + batch_size]), 1, pure=False): s
        for s in range(0, len(texts), batch_size)
    }
    for start, (some_ids, some_margin) in _results(client, futures):
        ids[start : start + len(some_ids)] = some_ids
        margin[start : start + len(some_ids)] = some_margin
    return ids, margin


def _results(client, futures: dict) -> Iterator[tuple[Any, Any]]:
    """(what each future was submitted for, its result) as they finish; on the first failure
    the rest are cancelled and a lost batch raises ModelError in one line. The product's own
    errors (a model that cannot load) pass through as they are; bugs keep their traceback."""
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    try:
        for future, result in as_completed(futures, loop=client.loop, with_results=True):
            yield futures.pop(future), result
    except KilledWorker as error:
        raise ModelError(
            f"the compute cluster lost a batch: its workers died running it ({error})"
        ) from None
    finally:
        client.cancel(list(futures))


def _worker_model(token: str, loader: ModelLoader) -> Embedder:
    from distributed import get_worker

    if token not in _MODELS:
        _MODELS[token] = loader(threads=get_worker().state.nthreads)
    return _MODELS[token]


def _describe_model(token: str, loader: ModelLoader) -> tuple[str, int]:
    model = _worker_model(token, loader)
    return model.name, model.dimension


def _embed_batch(token: str, loader: ModelLoader, texts: list[str]) -> np.ndarray:
    return _worker_model(token, loader).embed(texts)
