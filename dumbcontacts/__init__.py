"""dumbcontacts: find the broken upstream processes behind customer contacts, and price them.

The notebook API::

    import dumbcontacts as dc
    wh = dc.open()                      # the configured warehouse, or dc.open("postgresql://...")
    ranking = dc.rank_defects(wh, since="2026-11-01", channel="phone")
    dc.pareto_figure(ranking)           # the chart the dashboard and the report draw

Every figure comes back as a pandas DataFrame (``as_polars=True`` for polars). Names load
lazily, so ``import dumbcontacts`` stays cheap: torch and BERTopic load only with
``analyze_contacts``. The route of a contact through the parts is in ``dumbcontacts.pipeline``.

Every failure the product expects (a bad file, setting or value, a busy warehouse, an empty
week) is a ``dc.DumbContactsError`` with a one-line message; anything else is a bug.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# public name -> the module that defines it
_EXPORTS = {
    "DumbContactsError": "dumbcontacts.errors",
    "ConfigError": "dumbcontacts.errors",
    "InputError": "dumbcontacts.errors",
    "LoadError": "dumbcontacts.errors",
    "WarehouseError": "dumbcontacts.errors",
    "WarehouseBusy": "dumbcontacts.errors",
    "WarehouseMissing": "dumbcontacts.errors",
    "EmptyWeek": "dumbcontacts.errors",
    "ModelError": "dumbcontacts.errors",
    "ReportError": "dumbcontacts.errors",
    "RunBusy": "dumbcontacts.errors",
    "Settings": "dumbcontacts.settings",
    "CostModel": "dumbcontacts.settings",
    "ChannelRate": "dumbcontacts.settings",
    "Warehouse": "dumbcontacts.etl.warehouse",
    "create_warehouse": "dumbcontacts.etl.warehouse",
    "load_paths": "dumbcontacts.etl.load",
    "find_load": "dumbcontacts.unload",
    "remove_load": "dumbcontacts.unload",
    "count_contacts": "dumbcontacts.etl.load",
    "read_contacts": "dumbcontacts.etl.queries",
    "write_sample_data": "dumbcontacts.samples.generate",
    "analyze_contacts": "dumbcontacts.analysis.topics.analyze",
    "rank_defects": "dumbcontacts.analysis.economics.ranking",
    "headline_figures": "dumbcontacts.analysis.economics.ranking",
    "defect_trend": "dumbcontacts.analysis.economics.trends",
    "spike_flags": "dumbcontacts.analysis.economics.spikes",
    "emerging_defects": "dumbcontacts.analysis.economics.spikes",
    "repeat_contacts": "dumbcontacts.analysis.economics.repeats",
    "verbatims": "dumbcontacts.analysis.economics.verbatims",
    "verify_fix": "dumbcontacts.analysis.economics.fixes",
    "load_history": "dumbcontacts.analysis.economics.health",
    "model_status": "dumbcontacts.analysis.economics.health",
    "reject_reasons": "dumbcontacts.analysis.economics.health",
    "unmapped_topics": "dumbcontacts.analysis.topics.overrides",
    "Decisions": "dumbcontacts.analysis.topics.decisions",
    "list_changes": "dumbcontacts.analysis.topics.decisions",
    "current_topics": "dumbcontacts.analysis.topics.mapping",
    "pareto_figure": "dumbcontacts.analysis.report.charts",
    "trend_figure": "dumbcontacts.analysis.report.charts",
    "fix_figure": "dumbcontacts.analysis.report.charts",
}

__all__ = ["open", *sorted(_EXPORTS)]

if TYPE_CHECKING:
    from dumbcontacts.etl.warehouse import Warehouse
    from dumbcontacts.settings import Settings


def open(warehouse: str | Settings | None = None) -> Warehouse:  # noqa: A001 (dc.open reads well)
    """The existing warehouse: a URL, a ``Settings``, or None for the configured one
    (environment and ``dumbcontacts.toml``, as the command line reads them). Raises
    ``WarehouseMissing`` where there is none: ``create_warehouse`` makes one to load into."""
    from dumbcontacts.etl.warehouse import open_warehouse
    from dumbcontacts.settings import Settings

    if warehouse is None:
        warehouse = Settings.from_environ()
    url = warehouse.warehouse_url if isinstance(warehouse, Settings) else warehouse
    return open_warehouse(url)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'dumbcontacts' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
