"""Topics awaiting triage: the current model's topics that map to no defect yet, and the
analyst's assignment of one to a defect (saved to the overrides file and applied at once)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
from sqlalchemy import func, select

from dumbcontacts.analysis.economics.scope import current_model_version
from dumbcontacts.analysis.topics.overrides import Override, read_overrides
from dumbcontacts.analysis.topics.topic_store import store_overrides, write_overrides
from dumbcontacts.etl.schema import contact_topics, contacts, defects, topics
from dumbcontacts.etl.warehouse import Warehouse

if TYPE_CHECKING:  # only named in signatures: the CLI need not load pandas
    import pandas as pd

__all__ = ["assign_topic", "set_topic_defect", "unmapped_topics"]


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


def set_topic_defect(overrides: list[Override], key: str, defect_id: str) -> list[Override]:
    """The overrides with topic ``key`` mapped to ``defect_id`` ("" forces it unmapped).

    The key's own entry keeps its label; a merge of the key into another topic is replaced
    (the analyst has now said where it belongs). Other entries, and topics merged into this
    one, are kept as they were.
    """
    updated, found = [], False
    for override in overrides:
        if override.key == key:
            found = True
            if override.merge_into is not None:
                override = Override(key, defect=defect_id)
            else:
                override = dataclasses.replace(override, defect=defect_id)
        updated.append(override)
    return updated if found else [*updated, Override(key, defect=defect_id)]


def assign_topic(
    warehouse: Warehouse, overrides_path: Path | str, topic_key: str, defect_id: str
) -> Override:
    """Map a topic of the current model to a defect, for good: the overrides file gets the
    entry (other entries kept), and the topic's row is remapped now, so the ranking changes
    without re-running analyze; later runs (and refits, which keep the key) apply it again.

    Raises ValueError for an unknown topic key or defect id, or a broken overrides file.
    """
    path = Path(overrides_path)
    with warehouse.connect() as conn:
        version = current_model_version(conn)
        keys = set() if version is None else set(
            conn.execute(select(topics.c.topic_key).where(topics.c.model_version == version))
            .scalars()
        )  # fmt: skip
        known = set(conn.execute(select(defects.c.defect_id)).scalars())
    if version is None:
        raise ValueError("no topic model yet: run `dumbcontacts analyze` first")
    if topic_key not in keys:
        raise ValueError(f"no topic {topic_key!r} in model v{version}")
    if defect_id and defect_id not in known:
        raise ValueError(f"unknown defect {defect_id!r}; add it to the taxonomy first")
    current: list[Override] = []
    if path.exists():
        with path.open("rb") as fp:
            try:
                current = read_overrides(fp)
            except ValueError as error:
                raise ValueError(f"{path}: {error}") from None
    updated = set_topic_defect(current, topic_key, defect_id)
    write_overrides(path, updated)
    store_overrides(warehouse, version, updated, known)
    return next(o for o in updated if o.key == topic_key)
