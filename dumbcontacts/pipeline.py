"""The route of a contact, stage by stage (docs/architecture.md tells the same in prose).

    raw export ─ etl.detect ─ etl.readers.* ─ etl.staging ─ etl.normalize ─ etl.load ─▶ contacts
    contacts ─ analysis.topics.analyze ─▶ topics, contact_topics (embed → fit/assign → map)
    contacts + topics ─ analysis.economics.* ─▶ ranking, trends, spikes, fixes
    figures ─ dashboard (pages) / analysis.report (weekly files) / the notebook API

Each stage is a subpackage or module of ``dumbcontacts``; ``STAGES`` names them in order so a
reader (and a test) can follow the route without opening every folder.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["STAGES", "Stage"]


class Stage(NamedTuple):
    name: str
    module: str  # where the stage lives, importable
    does: str


STAGES: tuple[Stage, ...] = (
    Stage("detect", "dumbcontacts.etl.detect", "tell channel and format of a file"),
    Stage("read", "dumbcontacts.etl.readers", "one reader per format: raw file -> staging rows"),
    Stage("normalise", "dumbcontacts.etl.normalize", "UTC times, redaction, reason, salted keys"),
    Stage("load", "dumbcontacts.etl.load", "one transaction per file: contacts, rejects, loads"),
    Stage("embed", "dumbcontacts.analysis.topics.embeddings", "reason -> vector, cached by hash"),
    Stage("topics", "dumbcontacts.analysis.topics.fit", "cluster reasons into topics"),
    Stage("assign", "dumbcontacts.analysis.topics.fast_assign", "new contacts -> fitted topics"),
    Stage("map", "dumbcontacts.analysis.topics.mapping", "topics -> defects by meaning"),
    Stage("decide", "dumbcontacts.analysis.topics.overrides", "the analyst's topic decisions"),
    Stage("count", "dumbcontacts.analysis.economics.facts", "the warehouse counted per day"),
    Stage("price", "dumbcontacts.analysis.economics.ranking", "defects ranked by cost and CPX"),
    Stage("watch", "dumbcontacts.analysis.economics.spikes", "spikes, new topics, fix checks"),
    Stage("show", "dumbcontacts.dashboard.app", "the dashboard for service leaders"),
    Stage("report", "dumbcontacts.analysis.report.files", "the weekly defect report"),
)
