"""The dashboard's one door to the warehouse: cached reads that survive a busy warehouse.

Every figure is computed by an analysis function and cached under its arguments and the
warehouse's data version (``analysis.economics.data_version``), which is re-read at most every
``recheck_seconds``. So repeated views cost nothing, and a load or analyze makes the next
view recompute. DuckDB locks its file while ``load`` or ``analyze`` writes: then a figure
already computed is served as it was (stale by one version) rather than waiting, and only a
figure never computed waits for the lock. With ``refresh_in_background`` (the dashboard's
setting) a figure of an older version is served at once while one worker thread recomputes
it, so new data shows a few seconds later but no view waits for it; a write of the
dashboard's own (a triage save) calls ``invalidate`` and the next view is computed fresh.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import flask
from sqlalchemy.exc import SQLAlchemyError

from dumbcontacts.analysis.economics.data_version import read_data_version
from dumbcontacts.errors import WarehouseBusy
from dumbcontacts.etl.warehouse import Warehouse, open_warehouse
from dumbcontacts.settings import CPX_DRIVER, REPEAT_WINDOW_DAYS, CostModel, Settings, TimeWindow

__all__ = ["DataSource", "attach_source", "current_source"]

T = TypeVar("T")
logger = logging.getLogger(__name__)
_CONFIG_KEY = "DUMBCONTACTS_SOURCE"


class DataSource:
    """Cached, lock-tolerant reads of one warehouse, with the settings figures depend on."""

    def __init__(
        self,
        warehouse: Warehouse,
        *,
        costs: CostModel | None = None,
        driver: str = CPX_DRIVER,
        repeat_days: int = REPEAT_WINDOW_DAYS,
        overrides: Path = Path("overrides.toml"),
        taxonomy: Path = Path("defects.toml"),
        recheck_seconds: float = 2.0,
        busy_seconds: float = 0.3,
        max_entries: int = 512,
        refresh_in_background: bool = False,
        window: Callable[[], TimeWindow] = TimeWindow.ending_days_ahead,
    ) -> None:
        self.warehouse = warehouse
        # The plausibility window as of now: dates outside it in a URL or a control are
        # dropped, as they are refused at load.
        self.window = window
        self.costs = costs or CostModel()
        self.driver, self.repeat_days = driver, repeat_days
        # The analyst's files that the triage page writes (``analysis.topics.decisions``).
        self.overrides, self.taxonomy = Path(overrides), Path(taxonomy)
        # Tries the lock briefly: a busy warehouse falls back to the last good figures.
        self._quick = dataclasses.replace(warehouse, lock_timeout_seconds=busy_seconds)
        self._recheck_seconds, self._max_entries = recheck_seconds, max_entries
        self._cache: OrderedDict[Hashable, tuple[str | None, Any]] = OrderedDict()
        self._guard = threading.Lock()
        self._key_locks: dict[Hashable, threading.Lock] = {}
        self._version: str | None = None
        self._checked_at = float("-inf")
        self.busy_at: float | None = None  # when a read last fell back to stale figures
        self._background = refresh_in_background
        self._refreshing: set[Hashable] = set()
        self._rechecking = False  # a re-read of the data version is on the worker
        self._worker: ThreadPoolExecutor | None = None

    @classmethod
    def from_config(
        cls, config: Settings, warehouse: Warehouse | None = None, **options: Any
    ) -> DataSource:
        """The configured warehouse (or ``warehouse``) with the configured settings, refreshing
        in the background unless told otherwise."""
        options.setdefault("refresh_in_background", True)
        return cls(
            warehouse or open_warehouse(config.warehouse_url),
            costs=config.costs,
            driver=config.cpx_driver,
            repeat_days=config.repeat_window_days,
            overrides=config.overrides,
            taxonomy=config.taxonomy,
            window=config.time_window,
            **options,
        )

    def version(self) -> str | None:
        """The data version, re-read at most every ``recheck_seconds``; when refreshing in
        the background, re-read by the worker while views go on with the one known (reading
        it counts a model's contacts: a tenth of a second at a million on PostgreSQL)."""
        now = time.monotonic()
        if now - self._checked_at < self._recheck_seconds:
            return self._version
        if self._background and self._checked_at > float("-inf"):
            with self._guard:
                rechecking, self._rechecking = self._rechecking, True
            if not rechecking:
                self._submit(self._recheck)
            return self._version
        self._read_version()
        return self._version

    def _recheck(self) -> None:
        try:
            self._read_version()
        finally:
            self._rechecking = False

    def _read_version(self) -> None:
        now = time.monotonic()
        try:
            self._version = read_data_version(self._quick)
        except (WarehouseBusy, SQLAlchemyError) as error:
            # Busy, or caught mid-write by another process: keep the figures we have.
            self.busy_at = now
            if self._version is None:  # nothing to fall back to: wait for the lock
                self._version = read_data_version(self.warehouse)
            elif not isinstance(error, WarehouseBusy):
                logger.warning("data version not read, serving cached figures: %s", error)
        self._checked_at = time.monotonic()

    def fetch(self, name: str, compute: Callable[..., T], *args: Hashable) -> T:
        """``compute(warehouse, *args)``, cached under ``name``, ``args`` and the data version."""
        key = (name, *args)
        version = self.version()
        with self._guard:
            entry = self._cache.get(key)
            lock = self._key_locks.setdefault(key, threading.Lock())
        if entry is not None and entry[0] == version:
            return entry[1]
        if entry is not None and self._background:
            self._refresh_later(key, version, compute, args)
            return entry[1]
        with lock:  # one thread computes a figure; the others wait and share it
            with self._guard:
                entry = self._cache.get(key)
            if entry is not None and entry[0] == version:
                return entry[1]
            try:
                value = compute(self._quick, *args)
            except (WarehouseBusy, SQLAlchemyError) as error:
                self.busy_at = time.monotonic()
                if entry is not None:
                    if not isinstance(error, WarehouseBusy):
                        logger.warning("%s not read, serving the cached one: %s", name, error)
                    return entry[1]
                value = compute(self.warehouse, *args)
            self._store(key, version, value)
        return value

    def prefetch(self, name: str, compute: Callable[..., Any], *args: Hashable) -> None:
        """Compute a figure on the background worker, so the first view finds it ready."""
        self._submit(lambda: self.fetch(name, compute, *args))

    def invalidate(self) -> None:
        """Forget every figure and the data version (after a write of ours), so the next
        read computes from the warehouse as it is now."""
        with self._guard:
            self._cache.clear()
        self._checked_at = float("-inf")

    def _submit(self, task: Callable[[], Any]) -> None:
        with self._guard:
            if self._worker is None:
                self._worker = ThreadPoolExecutor(1, thread_name_prefix="dashboard-refresh")
        self._worker.submit(task)

    def _refresh_later(self, key, version, compute, args) -> None:
        with self._guard:
            if key in self._refreshing:
                return
            self._refreshing.add(key)

        def refresh() -> None:
            try:
                self._store(key, version, compute(self.warehouse, *args))
            except Exception:  # the stale figure stays; the next read tries again
                logger.exception("refreshing %s failed", key[0])
            finally:
                with self._guard:
                    self._refreshing.discard(key)

        self._submit(refresh)

    def _store(self, key: Hashable, version: str | None, value: Any) -> None:
        with self._guard:
            self._cache[key] = (version, value)
            self._cache.move_to_end(key)
            while len(self._cache) > self._max_entries:
                old, _ = self._cache.popitem(last=False)
                self._key_locks.pop(old, None)


def current_source() -> DataSource:
    """The data source of the app serving this request."""
    return flask.current_app.config[_CONFIG_KEY]


def attach_source(server: flask.Flask, source: DataSource) -> None:
    server.config[_CONFIG_KEY] = source
