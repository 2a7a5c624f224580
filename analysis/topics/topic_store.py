"""Persist the analyst's overrides: the overrides TOML file, and the topics it remaps.

``store_overrides`` rewrites a model version's effective label and defect (its own mapping
plus the overrides), as ``analyze`` does on every run and the triage page does on a save.
``format_overrides`` writes the file ``read_overrides`` reads, without a TOML library.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import polars as pl
from sqlalchemy import and_, bindparam, case, func, select, update

from dumbcontacts.analysis.topics.overrides import Override, apply_overrides, unmatched_overrides
from dumbcontacts.etl.schema import topics
from dumbcontacts.etl.warehouse import Warehouse

__all__ = ["format_overrides", "store_overrides", "write_overrides"]

_HEADER = (
    "# Topic overrides: read by `dumbcontacts analyze` on every run, and rewritten by the\n"
    "# dashboard's triage page when an analyst assigns a topic (see README, Overrides).\n"
)
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
            "\r": "\\r"}  # fmt: skip


def store_overrides(
    warehouse: Warehouse, version: int, overrides: list[Override], known: set[str]
) -> list[Override]:
    """Rewrite the version's effective label and defect: its own mapping plus the overrides.
    Returns the overrides whose key the version does not have (ignored)."""
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
    with warehouse.begin() as conn:
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


def _toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def format_overrides(overrides: list[Override]) -> str:
    """The overrides as the TOML file ``read_overrides`` reads, one ``[[topic]]`` each."""
    blocks = []
    for o in overrides:
        fields = [("key", o.key), ("defect", o.defect), ("merge_into", o.merge_into),
                  ("label", o.label)]  # fmt: skip
        lines = ["[[topic]]"] + [f"{k} = {_toml_string(v)}" for k, v in fields if v is not None]
        blocks.append("\n".join(lines) + "\n")
    return _HEADER + "".join("\n" + block for block in blocks)


def write_overrides(path: Path, overrides: list[Override]) -> None:
    """Replace the file at once (write a sibling, then rename): a reader never sees half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as fp:
            fp.write(format_overrides(overrides))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
