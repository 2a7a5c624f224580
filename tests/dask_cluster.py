"""A local Dask cluster started with Dask's own commands, on 127.0.0.1, as a user starts one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@contextmanager
def local_cluster(folder: Path, *, workers: int = 2, env: dict | None = None) -> Iterator[str]:
    """``dask scheduler`` and ``dask worker --nworkers N --nthreads 1`` in their own
    processes (no worker for 0); yields the scheduler's address and stops both on exit."""
    scheduler_file = folder / "scheduler.json"
    scheduler_file.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", **(env or {})}
    common = {"env": env, "cwd": folder, "start_new_session": True}
    local = ["--host", "127.0.0.1", "--no-dashboard"]
    with open(folder / "scheduler.log", "wb") as scheduler_log:
        scheduler = subprocess.Popen(
            [BIN / "dask", "scheduler", "--port", "0", *local, "--scheduler-file", scheduler_file],
            stdout=scheduler_log, stderr=subprocess.STDOUT, **common,
        )  # fmt: skip
    try:
        _wait_for(scheduler_file.is_file, "the scheduler to start")
        if not workers:
            yield json.loads(scheduler_file.read_text())["address"]
            return
        with open(folder / "workers.log", "wb") as workers_log:
            worker = subprocess.Popen(
                [BIN / "dask", "worker", "--scheduler-file", scheduler_file, *local,
                 "--nworkers", str(workers), "--nthreads", "1"],
                stdout=workers_log, stderr=subprocess.STDOUT, **common,
            )  # fmt: skip
        try:
            yield json.loads(scheduler_file.read_text())["address"]
        finally:
            _stop(worker)
    finally:
        _stop(scheduler)


def _wait_for(condition, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {seconds} s for {what}")
        time.sleep(0.2)


def _stop(process: subprocess.Popen) -> None:
    """Stop a command and every process it started (its own session)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class ReasonModel:
    """tests/test_analyze.py's seeded ReasonEmbedder as a worker runs it: ``delay`` seconds a
    batch, and a batch that holds ``poison`` kills its worker (SIGKILL)."""

    def __init__(self, delay: float, poison: str | None) -> None:
        from tests.test_analyze import ReasonEmbedder

        self._model, self._delay, self._poison = ReasonEmbedder(), delay, poison
        self.name, self.dimension = self._model.name, self._model.dimension

    def embed(self, texts, progress=None):
        if self._poison is not None and self._poison in texts:
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(self._delay)
        return self._model.embed(texts, progress)


def reason_model(*, threads: int, delay: float = 0.0, poison: str | None = None) -> ReasonModel:
    """A loader for ClusterEmbedder (``threads`` unused: the model is numpy)."""
    return ReasonModel(delay, poison)


def worker_state() -> dict[str, list[str]]:
    """What a worker has done (``client.run(worker_state)``): the models it has loaded and
    the warehouses it has loaded files into."""
    from dumbcontacts.analysis.topics import cluster
    from dumbcontacts.etl import cluster_load

    return {
        "models": sorted(model.name for model in cluster._MODELS.values()),
        "warehouses": sorted(cluster_load._WAREHOUSES),
    }
