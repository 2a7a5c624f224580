"""The notebook API: open the warehouse, ask questions, get DataFrames back.

    import dumbcontacts.analysis
    warehouse = dumbcontacts.analysis.open_warehouse()          # or a URL: "postgresql://..."
    dumbcontacts.analysis.rank_defects(warehouse, since="2026-11-01", channel="phone")

Every function returns pandas by default and polars with ``as_polars=True``. None of them
loads torch or BERTopic; ``topics.analyze`` and ``topics.embeddings`` do, when imported.
"""

from dumbcontacts.analysis.economics.fixes import verify_fix
from dumbcontacts.analysis.economics.health import load_history, model_status, reject_reasons
from dumbcontacts.analysis.economics.ranking import headline_figures, rank_defects
from dumbcontacts.analysis.economics.repeats import repeat_contacts
from dumbcontacts.analysis.economics.spikes import emerging_defects, spike_flags
from dumbcontacts.analysis.economics.trends import defect_trend
from dumbcontacts.analysis.economics.verbatims import verbatims
from dumbcontacts.analysis.topics.overrides import unmapped_topics
from dumbcontacts.etl.warehouse import Warehouse, open_warehouse
from dumbcontacts.settings import DEFAULT_RATES, ChannelRate, CostModel

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
