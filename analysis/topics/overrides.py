"""The analyst's decisions on topics: the overrides file, the topics it remaps, and triage.

A TOML file of ``[[topic]]`` tables (see README, "Overrides") names a topic by its ``key``
and sets its ``defect`` ("" forces it unmapped), its report ``label``, or merges it
``merge_into`` another topic. Keys survive refits, so an override keeps applying; one whose
key is not in the current model version is ignored and reported, never an error.

``store_overrides`` rewrites a model version's effective label and defect (its own mapping
plus the overrides), as ``analyze`` does on every run and every decision
(``dumbcontacts.analysis.topics.decisions``) does at once. ``unmapped_topics`` lists the
current model's topics awaiting triage, with their most central reasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import polars as pl
from sqlalchemy import Connection, and_, bindparam, case, func, select, update

from dumbcontacts.analysis.economics.scope import NOT_A_DEFECT, current_model_version
from dumbcontacts.errors import ConfigError
from dumbcontacts.etl.schema import contact_topics, contacts, topics
from dumbcontacts.etl.warehouse import Warehouse
from dumbcontacts.settings import parse_toml

if TYPE_CHECKING:  # only named in signatures: the CLI need not load pandas
    import pandas as pd

__all__ = [
    "Override",
    "apply_overrides",
    "check_defects",
    "read_overrides",
    "read_overrides_file",
    "store_overrides",
    "unmapped_topics",
    "unmatched_overrides",
]


_FIELDS = {"key", "defect", "merge_into", "label"}


@dataclass(frozen=True)
class Override:
    key: str
    defect: str | None = None  # None: keep the automatic mapping; "": force unmapped
    merge_into: str | None = None
    label: str | None = None

    def describe(self) -> str:
        if self.merge_into is not None:
            return f"{self.key} merged into {self.merge_into}"
        parts = [f"defect {self.defect or '(unmapped)'}"] if self.defect is not None else []
        parts += [f"label {self.label!r}"] if self.label is not None else []
        return f"{self.key}: {', '.join(parts)}"


def read_overrides(fp: BinaryIO) -> list[Override]:
    """Parse and check an overrides file; a mistake raises ConfigError naming the entry."""
    spec = parse_toml(fp, "overrides file")
    if extra := sorted(set(spec) - {"topic"}):
        raise ConfigError(f"overrides file: unknown table {extra[0]!r}; use [[topic]]")
    entries = spec.get("topic", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ConfigError("overrides file: each topic must be a [[topic]] table")
    overrides: list[Override] = []
    for number, entry in enumerate(entries, start=1):
        name = f"overrides topic {number} ({entry.get('key', 'no key')})"
        if extra := sorted(set(entry) - _FIELDS):
            raise ConfigError(f"{name}: unknown key {extra[0]!r}")
        if any(not isinstance(value, str) for value in entry.values()):
            raise ConfigError(f"{name}: every value must be a string")
        if not entry.get("key", "").strip():
            raise ConfigError(f"{name}: missing key")
        if len(entry) == 1:
            raise ConfigError(f"{name}: sets none of defect, merge_into, label")
        if "merge_into" in entry and len(entry) > 2:
            raise ConfigError(f"{name}: a merged topic takes its target's defect and label")
        if entry.get("merge_into") == entry["key"]:
            raise ConfigError(f"{name}: cannot merge into itself")
        if any(o.key == entry["key"] for o in overrides):
            raise ConfigError(f"{name}: key used twice; put its settings in one entry")
        overrides.append(Override(**entry))
    merged = {o.key: o for o in overrides if o.merge_into is not None}
    for override in merged.values():
        if override.merge_into in merged:
            raise ConfigError(
                f"overrides topic {overrides.index(override) + 1} ({override.key}): merges into "
                f"{override.merge_into}, which is itself merged; merge into the final topic"
            )
    return overrides


def read_overrides_file(path: Path | str) -> list[Override]:
    """The overrides in the file at ``path``: none while it does not exist (the triage page
    makes it on its first save). A broken file raises ConfigError naming it."""
    path = Path(path)
    try:
        with path.open("rb") as fp:
            return read_overrides(fp)
    except FileNotFoundError:
        return []
    except OSError as error:
        raise ConfigError(f"{path}: cannot read overrides: {error.strerror}") from None
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from None


def check_defects(overrides: list[Override], known_defects: set[str]) -> None:
    """Raise ConfigError if an override maps a topic to a defect the taxonomy lacks
    (``not_a_defect`` is always known: a person may say a topic is no defect)."""
    for override in overrides:
        if override.defect and override.defect not in known_defects | {NOT_A_DEFECT}:
            raise ConfigError(
                f"override for {override.key}: unknown defect {override.defect!r}; "
                "add it to the taxonomy or fix the id"
            )


def unmatched_overrides(topics: pl.DataFrame, overrides: list[Override]) -> list[Override]:
    """Overrides naming a key (or merge target) that this model version does not have."""
    keys = set(topics["topic_key"].to_list())
    return [o for o in overrides if o.key not in keys or (o.merge_into or o.key) not in keys]


def apply_overrides(
    topics: pl.DataFrame, overrides: list[Override], known_defects: set[str]
) -> pl.DataFrame:
    """``topics`` with the overrides applied, plus ``mapped_by`` and ``merged_into``.

    ``topics`` holds the automatic mapping (topic_key, label, defect_id, mapping_confidence);
    other columns are kept. An analyst's mapping has confidence 1.0 and ``mapped_by`` =
    "override"; a merged topic takes its target's defect and label.
    """
    check_defects(overrides, known_defects)
    skip = set(unmatched_overrides(topics, overrides))
    active = [o for o in overrides if o not in skip]
    # A defect retired (or removed) since the fit takes none of its topics any more.
    still_known = pl.col("defect_id").is_in(sorted(known_defects | {NOT_A_DEFECT}))
    frame = topics.with_columns(defect_id=pl.when(still_known).then("defect_id"))
    frame = frame.with_columns(
        mapped_by=pl.when(pl.col("defect_id").is_not_null()).then(pl.lit("similarity")),
        merged_into=pl.lit(None, pl.Utf8),
    )
    for o in (o for o in active if o.merge_into is None):
        this = pl.col("topic_key") == o.key
        if o.label is not None:
            frame = frame.with_columns(label=pl.when(this).then(pl.lit(o.label)).otherwise("label"))
        if o.defect is not None:
            frame = frame.with_columns(
                defect_id=pl.when(this)
                .then(pl.lit(o.defect or None, pl.Utf8))
                .otherwise("defect_id"),
                mapping_confidence=pl.when(this).then(1.0).otherwise("mapping_confidence"),
                mapped_by=pl.when(this).then(pl.lit("override")).otherwise("mapped_by"),
            )
    merges = {o.key: o.merge_into for o in active if o.merge_into is not None}
    if not merges:
        return frame
    target = frame.select(
        pl.col("topic_key").alias("_to"),
        pl.col("label").alias("_label"),
        pl.col("defect_id").alias("_defect"),
    )
    frame = frame.with_columns(
        pl.col("topic_key").replace_strict(merges, default=None).alias("_to")
    )
    frame = frame.join(target, on="_to", how="left", maintain_order="left")
    merged = pl.col("_to").is_not_null()
    return frame.with_columns(
        label=pl.when(merged).then("_label").otherwise("label"),
        defect_id=pl.when(merged).then("_defect").otherwise("defect_id"),
        mapping_confidence=pl.when(merged).then(1.0).otherwise("mapping_confidence"),
        mapped_by=pl.when(merged).then(pl.lit("override")).otherwise("mapped_by"),
        merged_into=pl.col("_to"),
    ).drop("_to", "_label", "_defect")


def store_overrides(
    conn: Connection, version: int, overrides: list[Override], known: set[str]
) -> list[Override]:
    """Rewrite the version's effective label and defect: its own mapping plus the overrides,
    with ``known`` the taxonomy's defect ids. Returns the overrides whose key the version does
    not have (ignored)."""
    t, legacy = topics.c, topics.c.auto_confidence.is_(None)  # just fitted, or made before auto_*
    query = select(
        t.topic_id,
        t.topic_key,
        case((legacy, t.label), else_=t.auto_label),
        case((legacy, t.defect_id), else_=t.auto_defect_id),
        func.coalesce(t.auto_confidence, t.mapping_confidence),
    ).where(t.model_version == version)
    names = {"topic_id": pl.Int64, "topic_key": pl.Utf8, "label": pl.Utf8}
    names |= {"defect_id": pl.Utf8, "mapping_confidence": pl.Float64}
    auto = pl.DataFrame(conn.execute(query).all(), schema=names, orient="row")
    effective = apply_overrides(auto, overrides, known).with_columns(
        auto_label=auto["label"],
        auto_defect_id=auto["defect_id"],
        auto_confidence=auto["mapping_confidence"],
    )
    where = and_(t.model_version == version, t.topic_id == bindparam("row_topic_id"))
    rows = effective.rename({"topic_id": "row_topic_id"}).drop("topic_key").to_dicts()
    if rows:
        conn.execute(update(topics).where(where), rows)
    return unmatched_overrides(auto, overrides)


def unmapped_topics(
    warehouse: Warehouse,
    n_examples: int = 3,
    *,
    include_mapped: bool = False,
    as_polars: bool = False,
) -> pd.DataFrame | pl.DataFrame:
    """Unmapped, unmerged topics of the current model (with ``include_mapped``, the mapped
    ones too), largest first: topic_key, label, size (contacts), keywords, examples (up to
    ``n_examples`` distinct reason texts, the nearest the topic's centre first), defect_id
    (the effective one; None while unmapped), mapped_by, language and category."""
    schema = {"topic_key": pl.Utf8, "label": pl.Utf8, "size": pl.Int64, "keywords": pl.Utf8,
              "defect_id": pl.Utf8, "mapped_by": pl.Utf8, "language": pl.Utf8,
              "category": pl.Utf8, "examples": pl.List(pl.Utf8)}  # fmt: skip
    with warehouse.connect() as conn:
        version = current_model_version(conn)
        if version is None:
            frame = pl.DataFrame(schema=schema)
            return frame if as_polars else frame.to_pandas()
        member = contact_topics.join(contacts, contacts.c.contact_id == contact_topics.c.contact_id)
        listed = select(topics.c.topic_id).where(
            topics.c.model_version == version, topics.c.merged_into.is_(None)
        )
        if not include_mapped:
            listed = listed.where(topics.c.defect_id.is_(None))
        per_text = (
            select(
                contact_topics.c.topic_id,
                contacts.c.reason_text,
                func.max(contact_topics.c.probability).label("nearness"),
                func.count().label("n"),
            )
            .select_from(member)
            # Only the listed topics' members: the triage list reads a tenth of the contacts.
            .where(contact_topics.c.model_version == version, contact_topics.c.topic_id.in_(listed))
            .group_by(contact_topics.c.topic_id, contacts.c.reason_text)
            .subquery()
        )
        # The most central distinct reasons first: they say what the topic is about.
        members = select(
            per_text.c.topic_id,
            per_text.c.reason_text,
            func.row_number()
            .over(
                partition_by=per_text.c.topic_id,
                order_by=(per_text.c.nearness.desc(), per_text.c.reason_text),
            )
            .label("pick"),
            func.sum(per_text.c.n).over(partition_by=per_text.c.topic_id).label("size"),
        ).subquery()
        query = (
            select(
                topics.c.topic_key,
                topics.c.label,
                members.c.size,
                topics.c.keywords,
                topics.c.defect_id,
                topics.c.mapped_by,
                topics.c.language,
                topics.c.category,
                members.c.reason_text,
            )  # fmt: skip
            .join(members, members.c.topic_id == topics.c.topic_id)
            .where(
                topics.c.model_version == version,
                topics.c.merged_into.is_(None),
                members.c.pick <= n_examples,
            )
            .order_by(members.c.size.desc(), topics.c.topic_key, members.c.pick)
        )
        if not include_mapped:
            query = query.where(topics.c.defect_id.is_(None))
        rows = conn.execute(query).all()
    flat = pl.DataFrame(rows, schema=list(schema)[:8] + ["example"], orient="row")
    frame = (
        flat.group_by(*list(schema)[:8], maintain_order=True)
        .agg(examples=pl.col("example"))
        .cast({"size": pl.Int64, "examples": pl.List(pl.Utf8)})
        .select(list(schema))
    )
    return frame if as_polars else frame.to_pandas()
