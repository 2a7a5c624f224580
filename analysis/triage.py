"""Topics awaiting triage: the current model's topics that map to no defect yet."""

from __future__ import annotations

import pandas as pd
import polars as pl
from sqlalchemy import func, select

from analysis.schema import contact_topics, topics
from analysis.scope import current_model_version
from etl.schema import contacts
from etl.warehouse import Warehouse

__all__ = ["unmapped_topics"]


def unmapped_topics(
    warehouse: Warehouse, n_examples: int = 3, *, as_polars: bool = False
) -> pd.DataFrame | pl.DataFrame:
    """Unmapped, unmerged topics of the current model, largest first: topic_key, label,
    size (contacts), keywords, examples (up to ``n_examples`` reason texts)."""
    schema = {"topic_key": pl.Utf8, "label": pl.Utf8, "size": pl.Int64, "keywords": pl.Utf8,
              "examples": pl.List(pl.Utf8)}  # fmt: skip
    with warehouse.connect() as conn:
        version = current_model_version(conn)
        if version is None:
            frame = pl.DataFrame(schema=schema)
            return frame if as_polars else frame.to_pandas()
        members = (
            select(
                contact_topics.c.topic_id,
                contacts.c.reason_text,
                func.row_number()
                .over(
                    partition_by=contact_topics.c.topic_id, order_by=func.md5(contacts.c.contact_id)
                )
                .label("pick"),
                func.count().over(partition_by=contact_topics.c.topic_id).label("size"),
            )
            .join(contacts, contacts.c.contact_id == contact_topics.c.contact_id)
            .where(contact_topics.c.model_version == version)
            .subquery()
        )
        query = (
            select(
                topics.c.topic_key,
                topics.c.label,
                members.c.size,
                topics.c.keywords,
                members.c.reason_text,
            )  # fmt: skip
            .join(members, members.c.topic_id == topics.c.topic_id)
            .where(
                topics.c.model_version == version,
                topics.c.defect_id.is_(None),
                topics.c.merged_into.is_(None),
                members.c.pick <= n_examples,
            )
            .order_by(members.c.size.desc(), topics.c.topic_key, members.c.pick)
        )
        rows = conn.execute(query).all()
    flat = pl.DataFrame(rows, schema=list(schema)[:4] + ["example"], orient="row")
    frame = (
        flat.group_by("topic_key", "label", "size", "keywords", maintain_order=True)
        .agg(examples=pl.col("example"))
        .cast({"size": pl.Int64, "examples": pl.List(pl.Utf8)})
        .select(list(schema))
    )
    return frame if as_polars else frame.to_pandas()
