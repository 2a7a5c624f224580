"""Configuration, read once at the edge (the CLI, the dashboard server) and passed in.

Settings come from an optional TOML file (``DUMBCONTACTS_CONFIG``, else ``dumbcontacts.toml``
in the working directory) and environment variables, which win over the file. See README,
"Configuration".
"""

from __future__ import annotations

import datetime as dt
import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from dumbcontacts.errors import ConfigError

__all__ = [
    "CPX_DRIVER",
    "DEFAULT_RATES",
    "DEFAULT_WAREHOUSE_URL",
    "EARLIEST_DAY",
    "EMBEDDING_BACKENDS",
    "FAST_AGREEMENT",
    "LATEST_DAYS_AHEAD",
    "ORDER_REF_PATTERN",
    "REPEAT_WINDOW_DAYS",
    "ChannelRate",
    "ConfigError",
    "CostModel",
    "Settings",
    "TimeWindow",
    "parse_toml",
]

DEFAULT_FILE = "dumbcontacts.toml"
_SECTIONS = {
    "warehouse": str,
    "salt": str,
    "embedding_model": str,
    "embedding_backend": str,
    "model_cache": str,
    "overrides": str,
    "taxonomy": str,
    "brand_names": list,
    "costs": dict,
    "metrics": dict,
    "load": dict,
    "analyze": dict,
    "run": dict,
    "dashboard": dict,
    "compute": dict,
}
# A tuple (list, str) is a list of strings.
_KEYS: dict[str, dict[str, type | tuple[type, type]]] = {
    "metrics": {"repeat_window_days": int, "cpx_driver": str},
    "load": {
        "keep_transcripts": bool,
        "earliest": str,
        "latest_days_ahead": int,
        "order_ref_pattern": str,
    },
    "analyze": {"fast_agreement": float},
    "run": {"inbox": (list, str), "refit_every_days": int, "report_dir": str, "fast": bool},
    "dashboard": {"username": str, "password": str},
    "compute": {"address": str},
}

# The embedded DuckDB file in the working directory, when no warehouse is configured.
DEFAULT_WAREHOUSE_URL = "duckdb:///dumbcontacts.duckdb"


# How the sentence model runs: "torch" is the model as published (fp32, on a GPU when there is
# one); "onnx-int8" is all-MiniLM-L6-v2 exported to ONNX Runtime with int8 weights, ~0.99
# cosine to it and faster on a CPU with VNNI (benchmarks/onnx_int8.py). The first is the default.
EMBEDDING_BACKENDS = ("torch", "onnx-int8")

# What a figure means when nobody says otherwise; every consumer takes these defaults.
REPEAT_WINDOW_DAYS = 7  # a new conversation within this many days is a repeat
CPX_DRIVER = "orders"  # contacts per 1,000 of this business volume
# The share of contacts the fast path (``analyze --fast``) should give the topic the sentence
# model would, on texts it has not seen; its fall-back margin is calibrated for it each run.
FAST_AGREEMENT = 0.97
# The plausibility window every time must fall in: a contact before it is a typo or a
# placeholder (year 0, 1900), one after it a typo for this year (2206) or a sentinel (9999).
EARLIEST_DAY = dt.date(1990, 1, 1)
LATEST_DAYS_AHEAD = 2  # beyond now, for clocks and time zones a little ahead

# What a stored order reference may look like (the whole value, Rust regex syntax): an
# optional "#" or letter prefix and a number ("ORD-4653713", "#7307145", "INV-2026-0042").
# Anything else in an order reference column (a phone number, an e-mail) is not stored.
ORDER_REF_PATTERN = r"#?(?:[A-Za-z]{1,6}[-_/]?)?[0-9][0-9A-Za-z/_-]{2,30}"


@dataclass(frozen=True)
class ChannelRate:
    per_minute_usd: float  # fully loaded cost of one handled minute
    flat_usd: float  # cost of a contact whose handle time is unknown


# Loaded rates typical of an in-house contact centre: an agent minute on the phone costs
# more than on chat (agents hold two or three chats at once); e-mail and social threads
# rarely record handle time, so they are usually priced per contact.
DEFAULT_RATES: Mapping[str, ChannelRate] = {
    "phone": ChannelRate(per_minute_usd=1.20, flat_usd=7.00),
    "email": ChannelRate(per_minute_usd=1.00, flat_usd=6.00),
    "chat": ChannelRate(per_minute_usd=0.80, flat_usd=5.00),
    "social": ChannelRate(per_minute_usd=1.00, flat_usd=4.50),
}


@dataclass(frozen=True)
class CostModel:
    rates: Mapping[str, ChannelRate] = field(default_factory=lambda: dict(DEFAULT_RATES))

    @classmethod
    def from_mapping(cls, spec: Mapping[str, Mapping[str, float]]) -> CostModel:
        """From ``{channel: {per_minute_usd, flat_usd}}`` (the config file's ``[costs]``);
        channels and fields left out keep their defaults. Bad values raise ConfigError."""
        rates = dict(DEFAULT_RATES)
        for channel, values in spec.items():
            if channel not in DEFAULT_RATES:
                raise ConfigError(f"costs: unknown channel {channel!r}")
            if not isinstance(values, Mapping):
                raise ConfigError(f"costs.{channel} must be a table ([costs.{channel}])")
            if extra := sorted(set(values) - {"per_minute_usd", "flat_usd"}):
                raise ConfigError(f"costs.{channel}: unknown key {extra[0]!r}")
            for key, value in values.items():
                if not _is_dollars(value):
                    raise ConfigError(f"costs.{channel}.{key}: must be a number of dollars >= 0")
            default = DEFAULT_RATES[channel]
            rates[channel] = ChannelRate(
                per_minute_usd=float(values.get("per_minute_usd", default.per_minute_usd)),
                flat_usd=float(values.get("flat_usd", default.flat_usd)),
            )
        return cls(rates)

    def rate(self, channel: str) -> ChannelRate:
        return self.rates.get(channel, ChannelRate(0.0, 0.0))


@dataclass(frozen=True)
class TimeWindow:
    """The plausible times, [earliest, latest], as naive UTC datetimes."""

    earliest: dt.datetime
    latest: dt.datetime

    @classmethod
    def ending_days_ahead(
        cls,
        earliest: dt.date = EARLIEST_DAY,
        days_ahead: int = LATEST_DAYS_AHEAD,
        now: dt.datetime | None = None,
    ) -> TimeWindow:
        """From midnight of ``earliest`` to ``days_ahead`` days after ``now`` (default: now)."""
        now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
        start = dt.datetime.combine(earliest, dt.time())
        return cls(start, now + dt.timedelta(days=days_ahead))

    def describe(self) -> str:
        """``1990-01-01 to 2026-12-08``: the window as a reason or an error states it."""
        return f"{self.earliest.date().isoformat()} to {self.latest.date().isoformat()}"

    def holds_day(self, day: dt.date, *, exclusive_end: bool = False) -> bool:
        """Whether ``day`` is in the window; an exclusive end (``--until``) may be the day
        after it."""
        last = self.latest.date() + dt.timedelta(days=1 if exclusive_end else 0)
        return self.earliest.date() <= day <= last


@dataclass(frozen=True)
class Settings:
    # SQLAlchemy URL; None means the embedded DuckDB file in the working directory.
    warehouse_url: str | None = None
    # Secret for hashing customer and agent identifiers; None means the warehouse's own.
    salt: str | None = None
    # A sentence-transformers model folder or name; None means the packaged all-MiniLM-L6-v2.
    embedding_model: str | None = None
    # How the sentence model runs: one of EMBEDDING_BACKENDS.
    embedding_backend: str = EMBEDDING_BACKENDS[0]
    # Where derived models (the distilled static embedder, the ONNX export) are kept.
    model_cache: Path = Path.home() / ".cache" / "dumbcontacts"
    # The analyst's topic overrides (TOML), read by analyze and written by the triage page.
    overrides: Path = Path("overrides.toml")
    # The defect taxonomy (TOML) that the triage page and `defects add|edit|retire` write.
    taxonomy: Path = Path("defects.toml")
    costs: CostModel = field(default_factory=CostModel)
    # Your company's and products' names: a message that only names them is no reason, and
    # they are never a topic's keyword (names the data says everywhere are found anyway).
    brand_names: tuple[str, ...] = ()
    # A new conversation by the same customer within this many days is a repeat contact.
    repeat_window_days: int = REPEAT_WINDOW_DAYS
    # The business volume CPX is counted against (contacts per 1,000 of it).
    cpx_driver: str = CPX_DRIVER
    # Store each contact's whole redacted conversation too (load and run); default: the reason.
    keep_transcripts: bool = False
    # The plausibility window of every time loaded, asked for or shown (``time_window``).
    earliest: dt.date = EARLIEST_DAY
    latest_days_ahead: int = LATEST_DAYS_AHEAD
    # The form an order reference must have to be stored; see ORDER_REF_PATTERN.
    order_ref_pattern: str = ORDER_REF_PATTERN
    # The scheduled job: folders it loads new files from, how often it refits, where reports go.
    inbox: tuple[Path, ...] = ()
    refit_every_days: int = 28
    report_dir: Path = Path("reports")
    # Assign the job's new contacts as ``analyze --fast`` does (for large daily volumes).
    run_fast: bool = False
    # The agreement with the sentence model the fast path is calibrated for (FAST_AGREEMENT).
    fast_agreement: float = FAST_AGREEMENT
    # Basic authentication for the dashboard; both None means none.
    dashboard_username: str | None = None
    dashboard_password: str | None = None
    # A Dask scheduler ("tcp://host:8786") that embeds, assigns and loads files in parallel;
    # None runs everything in this process (see README, "When one machine is not enough").
    compute_address: str | None = None

    def time_window(self, now: dt.datetime | None = None) -> TimeWindow:
        """The plausibility window as of ``now`` (default: now)."""
        return TimeWindow.ending_days_ahead(self.earliest, self.latest_days_ahead, now)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the config file (if any) and the environment. Raises ConfigError."""
        environ = os.environ if environ is None else environ
        named = environ.get("DUMBCONTACTS_CONFIG")
        path = Path(named or DEFAULT_FILE)
        spec = _read_file(path) if named or path.is_file() else {}
        metrics, load, analyze, run, board, compute = (
            spec.get(k, {}) for k in ("metrics", "load", "analyze", "run", "dashboard", "compute")
        )
        try:
            costs = CostModel.from_mapping(spec.get("costs", {}))
        except ConfigError as error:
            raise ConfigError(f"{path}: {error}") from None
        windows = (
            ("repeat_window_days", metrics.get("repeat_window_days", REPEAT_WINDOW_DAYS)),
            ("refit_every_days", run.get("refit_every_days", cls.refit_every_days)),
        )
        for name, value in windows:
            if value < 1:
                raise ConfigError(f"{path}: {name} must be at least 1")
        latest_days_ahead = load.get("latest_days_ahead", cls.latest_days_ahead)
        if latest_days_ahead < 0:
            raise ConfigError(f"{path}: load.latest_days_ahead must be at least 0")
        fast_agreement = analyze.get("fast_agreement", FAST_AGREEMENT)
        if not 0 < fast_agreement <= 1:
            raise ConfigError(f"{path}: analyze.fast_agreement must be above 0 and at most 1")
        earliest = _read_day(path, "load.earliest", load.get("earliest"), cls.earliest)
        order_ref_pattern = load.get("order_ref_pattern", ORDER_REF_PATTERN)
        if order_ref_pattern != ORDER_REF_PATTERN and not _is_rust_regex(order_ref_pattern):
            raise ConfigError(f"{path}: load.order_ref_pattern is not a valid regular expression")

        def pick(env_name: str, file_value: Any) -> Any:
            return environ.get(env_name) or file_value

        backend = pick("DUMBCONTACTS_EMBEDDING_BACKEND", spec.get("embedding_backend"))
        if backend is not None and backend not in EMBEDDING_BACKENDS:
            named = environ.get("DUMBCONTACTS_EMBEDDING_BACKEND")
            where = "DUMBCONTACTS_EMBEDDING_BACKEND" if named else f"{path}: embedding_backend"
            choices = ", ".join(EMBEDDING_BACKENDS)
            raise ConfigError(f"{where} must be one of {choices}, not {backend!r}")

        return cls(
            warehouse_url=pick("DUMBCONTACTS_WAREHOUSE", spec.get("warehouse")),
            salt=pick("DUMBCONTACTS_SALT", spec.get("salt")),
            embedding_model=pick("DUMBCONTACTS_EMBEDDING_MODEL", spec.get("embedding_model")),
            embedding_backend=backend or cls.embedding_backend,
            model_cache=Path(
                pick("DUMBCONTACTS_MODEL_CACHE", spec.get("model_cache")) or cls.model_cache
            ),
            overrides=Path(pick("DUMBCONTACTS_OVERRIDES", spec.get("overrides")) or cls.overrides),
            taxonomy=Path(pick("DUMBCONTACTS_TAXONOMY", spec.get("taxonomy")) or cls.taxonomy),
            brand_names=_brand_names(environ, spec, path),
            costs=costs,
            repeat_window_days=metrics.get("repeat_window_days", cls.repeat_window_days),
            cpx_driver=metrics.get("cpx_driver", cls.cpx_driver),
            keep_transcripts=load.get("keep_transcripts", cls.keep_transcripts),
            earliest=earliest,
            latest_days_ahead=latest_days_ahead,
            order_ref_pattern=order_ref_pattern,
            inbox=tuple(Path(p) for p in run.get("inbox", ())),
            refit_every_days=run.get("refit_every_days", cls.refit_every_days),
            report_dir=Path(run.get("report_dir", cls.report_dir)),
            run_fast=run.get("fast", cls.run_fast),
            fast_agreement=fast_agreement,
            dashboard_username=pick("DUMBCONTACTS_DASHBOARD_USERNAME", board.get("username")),
            dashboard_password=pick("DUMBCONTACTS_DASHBOARD_PASSWORD", board.get("password")),
            compute_address=pick("DUMBCONTACTS_COMPUTE_ADDRESS", compute.get("address")),
        )


def parse_toml(fp: BinaryIO, what: str) -> dict[str, Any]:
    """The tables of a TOML file the user wrote; a syntax error (or bytes that are not UTF-8)
    raises ConfigError naming ``what``."""
    try:
        return tomllib.load(fp)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{what} is not valid TOML: {error}") from None


def _read_day(path: Path, name: str, value: str | None, default: dt.date) -> dt.date:
    if value is None:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{path}: {name} must be a date (YYYY-MM-DD)") from None


def _is_rust_regex(pattern: str) -> bool:
    import polars as pl  # the engine that will run it; only when a config file sets one

    try:
        pl.select(pl.lit("").str.contains(pattern))
    except pl.exceptions.ComputeError:
        return False
    return True


def _brand_names(environ: Mapping[str, str], spec: dict[str, Any], path: Path) -> tuple[str, ...]:
    """``DUMBCONTACTS_BRAND_NAMES`` (comma-separated) wins over the file's ``brand_names``."""
    if environ.get("DUMBCONTACTS_BRAND_NAMES"):
        names = environ["DUMBCONTACTS_BRAND_NAMES"].split(",")
    else:
        names = spec.get("brand_names", [])
        if not all(isinstance(name, str) for name in names):
            raise ConfigError(f"{path}: brand_names must be a list of strings")
    return tuple(name.strip() for name in names if name.strip())


def _read_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fp:
            spec = parse_toml(fp, str(path))
    except OSError as error:
        raise ConfigError(f"{path}: cannot read config file ({error.strerror})") from None
    for key, value in spec.items():
        kind = _SECTIONS.get(key)
        if kind is None:
            raise ConfigError(f"{path}: unknown setting {key!r}")
        if not isinstance(value, kind):
            raise ConfigError(f"{path}: {key} must be a {kind.__name__}")
        for inner, inner_value in value.items() if key in _KEYS else ():
            inner_kind = _KEYS[key].get(inner)
            if inner_kind is None:
                raise ConfigError(f"{path}: unknown setting {key}.{inner}")
            if isinstance(inner_value, dt.date):  # a TOML date, as 1990-01-01 unquoted
                inner_value = value[inner] = inner_value.isoformat()
            if not _has_type(inner_value, inner_kind):
                raise ConfigError(f"{path}: {key}.{inner} must be a {_type_name(inner_kind)}")
    return spec


def _has_type(value: Any, kind: type | tuple[type, type]) -> bool:
    if isinstance(kind, tuple):
        outer, item = kind
        return isinstance(value, outer) and all(_has_type(v, item) for v in value)
    # TOML's true is a Python int too: only a bool setting takes it.
    return isinstance(value, kind) and isinstance(value, bool) == (kind is bool)


def _type_name(kind: type | tuple[type, type]) -> str:
    if isinstance(kind, tuple):
        return f"{kind[0].__name__} of {kind[1].__name__}"
    return kind.__name__


def _is_dollars(value: Any) -> bool:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return number and math.isfinite(value) and value >= 0
