"""Data health: what was loaded and rejected, and which topic model is answering."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl
from sqlalchemy import func, select

from dumbcontacts.analysis.economics.scope import current_model_version
from dumbcontacts.etl.schema import contact_topics, contacts, loads, rejects, topic_models
from dumbcontacts.etl.warehouse import Warehouse

if TYPE_CHECKING:  # only named in signatures: the CLI need not load pandas
    import pandas as pd

__all__ = [
    "LARGEST_TOPIC_WARNING",
    "load_history",
    "model_status",
    "reject_reasons",
    "topic_share_warning",
]

# One topic holding more than this share of contacts usually means the model found no
# structure (one catch-all topic), not that one reason dominates: say so.
LARGEST_TOPIC_WARNING = 0.25


def load_history(
    warehouse: Warehouse, *, limit: int | None = None, as_polars: bool = False
) -> pd.DataFrame | pl.DataFrame:
    """Every load, newest first: load_id, source, channel, format, status, started_at,
    finished_at, rows_read, rows_loaded, rows_without_reason, rows_duplicate, rows_rejected."""
    columns = ["load_id", "source", "channel", "format", "status", "started_at", "finished_at",
               "rows_read", "rows_loaded", "rows_duplicate", "rows_rejected"]  # fmt: skip
    without = (
        select(contacts.c.load_id, func.count().label("n"))
        .where(contacts.c.reason_text.is_(None))
        .group_by(contacts.c.load_id)
        .subquery()
    )
    query = (
        select(
            *(loads.c[c] for c in columns),
            func.coalesce(without.c.n, 0).label("rows_without_reason"),
        )
        .outerjoin(without, without.c.load_id == loads.c.load_id)
        .order_by(loads.c.finished_at.desc(), loads.c.load_id)
    )
    columns = [*columns, "rows_without_reason"]
    with warehouse.connect() as conn:
        rows = conn.execute(query.limit(limit) if limit else query).all()
    frame = pl.DataFrame(rows, schema=columns, orient="row", infer_schema_length=None)
    return frame if as_polars else frame.to_pandas()


def reject_reasons(warehouse: Warehouse, *, as_polars: bool = False) -> pd.DataFrame | pl.DataFrame:
    """Rejected records per load and reason, most first: load_id, source, reason, rejects,
    example (one redacted excerpt)."""
    query = (
        select(
            rejects.c.load_id,
            loads.c.source,
            rejects.c.reason,
            func.count().label("rejects"),
            func.min(rejects.c.excerpt).label("example"),
        )
        .join(loads, loads.c.load_id == rejects.c.load_id)
        .group_by(rejects.c.load_id, loads.c.source, rejects.c.reason)
        .order_by(func.count().desc(), rejects.c.load_id, rejects.c.reason)
    )
    with warehouse.connect() as conn:
        rows = conn.execute(query).all()
    schema = {"load_id": pl.Utf8, "source": pl.Utf8, "reason": pl.Utf8, "rejects": pl.Int64,
              "example": pl.Utf8}  # fmt: skip
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    return frame if as_polars else frame.to_pandas()


def model_status(warehouse: Warehouse) -> dict[str, Any]:
    """The current model and coverage: model_version, created_at, n_topics, outlier_share
    (None before the first analyze), contacts, contacts_assigned, contacts_without_reason
    (no customer message says why they got in touch; never given a topic), last_load_at,
    and the health signals a user without labels can read: largest_topic_share (of the
    assigned contacts), coherence (mean cosine of an assigned contact to its topic's
    centroid; higher is tighter), language_mix ({language or "unknown": contacts}) and
    warnings (sentences)."""
    with warehouse.connect() as conn:
        version = current_model_version(conn)
        status: dict[str, Any] = {
            "model_version": version, "created_at": None, "n_topics": None,
            "outlier_share": None, "contacts_assigned": 0, "largest_topic_share": None,
            "coherence": None,
        }  # fmt: skip
        if version is not None:
            model = conn.execute(
                select(
                    topic_models.c.created_at, topic_models.c.n_topics, topic_models.c.outlier_share
                ).where(topic_models.c.model_version == version)  # fmt: skip
            ).one()
            status |= dict(model._mapping)
            # One pass over the model's assignments gives the sizes and the coherence.
            per_topic = conn.execute(
                select(func.count(), func.sum(contact_topics.c.probability))
                .where(contact_topics.c.model_version == version)
                .group_by(contact_topics.c.topic_id)
            ).all()
            assigned = sum(n for n, _ in per_topic)
            status["contacts_assigned"] = assigned
            if assigned:
                status["largest_topic_share"] = max(n for n, _ in per_topic) / assigned
                status["coherence"] = sum(float(total) for _, total in per_topic) / assigned
        # One pass over the contacts gives the total, those without a reason and the mix.
        without = func.count() - func.count(contacts.c.reason_text)
        languages = conn.execute(
            select(contacts.c.language, func.count(), without).group_by(contacts.c.language)
        ).all()
        status["contacts"] = sum(n for _, n, _ in languages)
        status["contacts_without_reason"] = sum(none for _, _, none in languages)
        status["last_load_at"] = conn.execute(select(func.max(loads.c.finished_at))).scalar()
        status["language_mix"] = dict(
            sorted(((lang or "unknown", n) for lang, n, _ in languages),
                   key=lambda item: (-item[1], item[0]))
        )  # fmt: skip
    warning = topic_share_warning(status["largest_topic_share"])
    status["warnings"] = [warning] if warning else []
    return status


def topic_share_warning(largest_share: float | None) -> str | None:
    """A sentence when one topic holds more than ``LARGEST_TOPIC_WARNING`` of contacts."""
    if largest_share is None or largest_share <= LARGEST_TOPIC_WARNING:
        return None
    return (
        f"one topic holds {largest_share:.0%} of contacts (over {LARGEST_TOPIC_WARNING:.0%}): "
        "it is probably a catch-all, not one reason; look at its keywords before trusting it"
    )
