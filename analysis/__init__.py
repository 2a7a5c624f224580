"""The notebook API: open the warehouse, ask questions, get DataFrames back.

    import dumbcontacts.analysis
    warehouse = dumbcontacts.analysis.open_warehouse()          # or a URL: "postgresql://..."
    dumbcontacts.analysis.rank_defects(warehouse, since="2026-11-01", channel="phone")

Every function returns pandas by default and polars with ``as_polars=True``. None of them
loads torch or BERTopic; ``topics.analyze`` and ``topics.embeddings`` do, when imported.
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> the module that defines it: names load on first use, so importing one
# module of the package (the command line's ``rank``) does not load every other one.
_EXPORTS = {
    "verify_fix": "dumbcontacts.analysis.economics.fixes",
    "load_history": "dumbcontacts.analysis.economics.health",
    "model_status": "dumbcontacts.analysis.economics.health",
    "reject_reasons": "dumbcontacts.analysis.economics.health",
    "headline_figures": "dumbcontacts.analysis.economics.ranking",
    "rank_defects": "dumbcontacts.analysis.economics.ranking",
    "repeat_contacts": "dumbcontacts.analysis.economics.repeats",
    "emerging_defects": "dumbcontacts.analysis.economics.spikes",
    "spike_flags": "dumbcontacts.analysis.economics.spikes",
    "defect_trend": "dumbcontacts.analysis.economics.trends",
    "verbatims": "dumbcontacts.analysis.economics.verbatims",
    "unmapped_topics": "dumbcontacts.analysis.topics.overrides",
    "Warehouse": "dumbcontacts.etl.warehouse",
    "open_warehouse": "dumbcontacts.etl.warehouse",
    "DEFAULT_RATES": "dumbcontacts.settings",
    "ChannelRate": "dumbcontacts.settings",
    "CostModel": "dumbcontacts.settings",
}

__all__ = [
    "DEFAULT_RATES",
    "ChannelRate",
    "CostModel",
    "Warehouse",
    "defect_trend",
    "emerging_defects",
    "headline_figures",
    "load_history",
    "model_status",
    "open_warehouse",
    "rank_defects",
    "reject_reasons",
    "repeat_contacts",
    "spike_flags",
    "unmapped_topics",
    "verbatims",
    "verify_fix",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'dumbcontacts.analysis' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
