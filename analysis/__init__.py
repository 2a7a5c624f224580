"""The notebook API: open the warehouse, ask questions, get DataFrames back.

    import analysis
    warehouse = analysis.open_warehouse()          # or a URL: "postgresql://..."
    analysis.rank_defects(warehouse, since="2026-11-01", channel="phone")

Every function returns pandas by default and polars with ``as_polars=True``. None of them
loads torch or BERTopic; ``analysis.analyze`` and ``analysis.embeddings`` do, when imported.
"""

from analysis.costs import DEFAULT_RATES, ChannelRate, CostModel
from analysis.fixes import verify_fix
from analysis.health import load_history, model_status, reject_reasons
from analysis.ranking import headline_figures, rank_defects
from analysis.repeats import repeat_contacts
from analysis.spikes import emerging_defects, spike_flags
from analysis.trends import defect_trend
from analysis.triage import unmapped_topics
from analysis.verbatims import verbatims
from etl.warehouse import Warehouse, open_warehouse

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
