"""Analyst overrides: correct the automatic topic → defect mapping, by stable topic key.

A TOML file of ``[[topic]]`` tables (see README, "Overrides"). Each names a topic by its
``key`` and sets its ``defect`` ("" forces it unmapped), its report ``label``, or merges it
``merge_into`` another topic. Keys survive refits, so an override keeps applying; one whose
key is not in the current model version is ignored and reported, never an error.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from typing import BinaryIO

import polars as pl

__all__ = ["Override", "apply_overrides", "check_defects", "read_overrides", "unmatched_overrides"]

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
    """Parse and check an overrides file; a mistake raises ValueError naming the entry."""
    try:
        spec = tomllib.load(fp)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"overrides file is not valid TOML: {error}") from None
    if extra := sorted(set(spec) - {"topic"}):
        raise ValueError(f"overrides file: unknown table {extra[0]!r}; use [[topic]]")
    overrides: list[Override] = []
    for number, entry in enumerate(spec.get("topic", []), start=1):
        name = f"overrides topic {number} ({entry.get('key', 'no key')})"
        if extra := sorted(set(entry) - _FIELDS):
            raise ValueError(f"{name}: unknown key {extra[0]!r}")
        if any(not isinstance(value, str) for value in entry.values()):
            raise ValueError(f"{name}: every value must be a string")
        if not entry.get("key", "").strip():
            raise ValueError(f"{name}: missing key")
        if len(entry) == 1:
            raise ValueError(f"{name}: sets none of defect, merge_into, label")
        if "merge_into" in entry and len(entry) > 2:
            raise ValueError(f"{name}: a merged topic takes its target's defect and label")
        if entry.get("merge_into") == entry["key"]:
            raise ValueError(f"{name}: cannot merge into itself")
        if any(o.key == entry["key"] for o in overrides):
            raise ValueError(f"{name}: key used twice; put its settings in one entry")
        overrides.append(Override(**entry))
    merged = {o.key: o for o in overrides if o.merge_into is not None}
    for override in merged.values():
        if override.merge_into in merged:
            raise ValueError(
                f"overrides topic {overrides.index(override) + 1} ({override.key}): merges into "
                f"{override.merge_into}, which is itself merged; merge into the final topic"
            )
    return overrides


def check_defects(overrides: list[Override], known_defects: set[str]) -> None:
    """Raise ValueError if an override maps a topic to a defect the taxonomy lacks."""
    for override in overrides:
        if override.defect and override.defect not in known_defects:
            raise ValueError(
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
    frame = topics.with_columns(
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
