"""Configuration, read once at the edge (the CLI, the dashboard server) and passed in.

Settings come from an optional TOML file (``DUMBCONTACTS_CONFIG``, else ``dumbcontacts.toml``
in the working directory) and environment variables, which win over the file. See README,
"Configuration".
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "CPX_DRIVER",
    "DEFAULT_RATES",
    "REPEAT_WINDOW_DAYS",
    "ChannelRate",
    "ConfigError",
    "CostModel",
    "Settings",
]

DEFAULT_FILE = "dumbcontacts.toml"
_SECTIONS = {
    "warehouse": str,
    "salt": str,
    "embedding_model": str,
    "model_cache": str,
    "overrides": str,
    "brand_names": list,
    "costs": dict,
    "metrics": dict,
    "load": dict,
    "run": dict,
    "dashboard": dict,
}
_KEYS = {
    "metrics": {"repeat_window_days": int, "cpx_driver": str},
    "load": {"keep_transcripts": bool},
    "run": {"inbox": list, "refit_every_days": int, "report_dir": str, "fast": bool},
    "dashboard": {"username": str, "password": str},
}


# What a figure means when nobody says otherwise; every consumer takes these defaults.
REPEAT_WINDOW_DAYS = 7  # a new conversation within this many days is a repeat
CPX_DRIVER = "orders"  # contacts per 1,000 of this business volume


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
        channels and fields left out keep their defaults. Bad values raise ValueError."""
        rates = dict(DEFAULT_RATES)
        for channel, values in spec.items():
            if channel not in DEFAULT_RATES:
                raise ValueError(f"costs: unknown channel {channel!r}")
            if extra := sorted(set(values) - {"per_minute_usd", "flat_usd"}):
                raise ValueError(f"costs.{channel}: unknown key {extra[0]!r}")
            for key, value in values.items():
                if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                    raise ValueError(f"costs.{channel}.{key}: must be a number of dollars >= 0")
            default = DEFAULT_RATES[channel]
            rates[channel] = ChannelRate(
                per_minute_usd=float(values.get("per_minute_usd", default.per_minute_usd)),
                flat_usd=float(values.get("flat_usd", default.flat_usd)),
            )
        return cls(rates)

    def rate(self, channel: str) -> ChannelRate:
        return self.rates.get(channel, ChannelRate(0.0, 0.0))


class ConfigError(ValueError):
    """The configuration file is missing, unreadable or holds a bad value."""


@dataclass(frozen=True)
class Settings:
    # SQLAlchemy URL; None means the embedded DuckDB file in the working directory.
    warehouse_url: str | None = None
    # Secret for hashing customer and agent identifiers; None means the warehouse's own.
    salt: str | None = None
    # A sentence-transformers model folder or name; None means the packaged all-MiniLM-L6-v2.
    embedding_model: str | None = None
    # Where derived models (the distilled static embedder) are kept between runs.
    model_cache: Path = Path.home() / ".cache" / "dumbcontacts"
    # The analyst's topic overrides (TOML), read by analyze and written by the triage page.
    overrides: Path = Path("overrides.toml")
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
    # The scheduled job: folders it loads new files from, how often it refits, where reports go.
    inbox: tuple[Path, ...] = ()
    refit_every_days: int = 28
    report_dir: Path = Path("reports")
    # Assign the job's new contacts as ``analyze --fast`` does (for large daily volumes).
    run_fast: bool = False
    # Basic authentication for the dashboard; both None means none.
    dashboard_username: str | None = None
    dashboard_password: str | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the config file (if any) and the environment. Raises ConfigError."""
        environ = os.environ if environ is None else environ
        named = environ.get("DUMBCONTACTS_CONFIG")
        path = Path(named or DEFAULT_FILE)
        spec = _read_file(path) if named or path.is_file() else {}
        metrics, load, run, board = (
            spec.get(k, {}) for k in ("metrics", "load", "run", "dashboard")
        )
        try:
            costs = CostModel.from_mapping(spec.get("costs", {}))
        except ValueError as error:
            raise ConfigError(f"{path}: {error}") from None
        windows = (
            ("repeat_window_days", metrics.get("repeat_window_days", REPEAT_WINDOW_DAYS)),
            ("refit_every_days", run.get("refit_every_days", cls.refit_every_days)),
        )
        for name, value in windows:
            if value < 1:
                raise ConfigError(f"{path}: {name} must be at least 1")

        def pick(env_name: str, file_value: Any) -> Any:
            return environ.get(env_name) or file_value

        return cls(
            warehouse_url=pick("DUMBCONTACTS_WAREHOUSE", spec.get("warehouse")),
            salt=pick("DUMBCONTACTS_SALT", spec.get("salt")),
            embedding_model=pick("DUMBCONTACTS_EMBEDDING_MODEL", spec.get("embedding_model")),
            model_cache=Path(
                pick("DUMBCONTACTS_MODEL_CACHE", spec.get("model_cache")) or cls.model_cache
            ),
            overrides=Path(pick("DUMBCONTACTS_OVERRIDES", spec.get("overrides")) or cls.overrides),
            brand_names=_brand_names(environ, spec, path),
            costs=costs,
            repeat_window_days=metrics.get("repeat_window_days", cls.repeat_window_days),
            cpx_driver=metrics.get("cpx_driver", cls.cpx_driver),
            keep_transcripts=load.get("keep_transcripts", cls.keep_transcripts),
            inbox=tuple(Path(p) for p in run.get("inbox", ())),
            refit_every_days=run.get("refit_every_days", cls.refit_every_days),
            report_dir=Path(run.get("report_dir", cls.report_dir)),
            run_fast=run.get("fast", cls.run_fast),
            dashboard_username=pick("DUMBCONTACTS_DASHBOARD_USERNAME", board.get("username")),
            dashboard_password=pick("DUMBCONTACTS_DASHBOARD_PASSWORD", board.get("password")),
        )


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
            spec = tomllib.load(fp)
    except OSError as error:
        raise ConfigError(f"{path}: cannot read config file ({error.strerror})") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
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
            # TOML's true is a Python int too: only a bool setting takes it.
            is_bool = isinstance(inner_value, bool)
            if not isinstance(inner_value, inner_kind) or is_bool != (inner_kind is bool):
                raise ConfigError(f"{path}: {key}.{inner} must be a {inner_kind.__name__}")
    return spec
