"""Analyse a loaded sample as its generator says it should be: one topic per true defect.

Metric tests then check arithmetic against the ground truth without depending on how well
the topic model recovers the defects (tests/test_defect_recovery.py checks that).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
from sqlalchemy import insert, select

from dumbcontacts.etl.schema import (
    contact_topics,
    contacts,
    topic_models,
    topics,
)
from dumbcontacts.etl.warehouse import Warehouse
from dumbcontacts.settings import CostModel

__all__ = ["assign_ground_truth", "read_truth", "truth_costs"]


def read_truth(sample_dir: Path, warehouse: Warehouse) -> pl.DataFrame:
    """ground_truth.csv joined to the loaded contacts: contact_id, channel, defect_id, ..."""
    truth = pl.read_csv(sample_dir / "ground_truth.csv", schema_overrides={"source_id": pl.Utf8})
    with warehouse.connect() as conn:
        rows = conn.execute(
            select(
                contacts.c.contact_id,
                contacts.c.channel,
                contacts.c.source_id,
                contacts.c.started_at,
                contacts.c.handle_seconds,
            )  # fmt: skip
        ).all()
    loaded = pl.DataFrame(
        rows,
        schema=["contact_id", "channel", "source_id", "started_at", "handle_seconds"],
        orient="row",
    )
    joined = truth.join(loaded, on=["channel", "source_id"], how="inner")
    assert len(joined) == len(truth) == len(loaded), "every generated contact loads once"
    return joined


def assign_ground_truth(warehouse: Warehouse, truth: pl.DataFrame, version: int = 1) -> None:
    """Write a current model version whose topic ``i`` is the i-th true defect."""
    defect_ids = sorted(truth["defect_id"].unique().to_list())
    topic_of = {defect_id: i for i, defect_id in enumerate(defect_ids)}
    with warehouse.begin() as conn:
        conn.execute(topic_models.update().values(is_current=False))
        conn.execute(
            insert(topic_models).values(
                model_version=version, created_at=dt.datetime(2026, 11, 23), embedder="truth",
                n_docs=len(truth), n_topics=len(defect_ids), outlier_share=0.0, settings="{}",
                is_current=True,
            )
        )  # fmt: skip
        conn.execute(
            insert(topics),
            [
                {
                    "model_version": version,
                    "topic_id": i,
                    "topic_key": f"truth{i:02d}",
                    "label": defect_id,
                    "keywords": "",
                    "size": 0,
                    "defect_id": defect_id,
                    "mapping_confidence": 1.0,
                    "centroid": b"",
                }  # fmt: skip
                for defect_id, i in topic_of.items()
            ],
        )
        conn.execute(
            insert(contact_topics),
            [
                {
                    "contact_id": contact_id,
                    "model_version": version,
                    "topic_id": topic_of[defect_id],
                    "probability": 1.0,
                }  # fmt: skip
                for contact_id, defect_id in truth.select("contact_id", "defect_id").iter_rows()
            ],
        )


def truth_costs(sample_dir: Path, costs: CostModel) -> dict[str, float]:
    """Each true defect's cost: the cost model applied to the generated handle times."""
    truth = pl.read_csv(sample_dir / "ground_truth.csv", schema_overrides={"source_id": pl.Utf8})
    total: dict[str, float] = {}
    for (defect_id, channel), group in truth.group_by("defect_id", "channel"):
        rate = costs.rate(channel)
        handled = group["handle_seconds"].drop_nulls()
        unhandled = group["handle_seconds"].null_count()
        cost = int(handled.sum()) * rate.per_minute_usd / 60 + unhandled * rate.flat_usd
        total[defect_id] = total.get(defect_id, 0.0) + cost
    return total
