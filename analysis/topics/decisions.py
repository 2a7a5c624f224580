"""An analyst's decisions on topics and defects: written to the files, applied at once,
recorded, and undoable.

The taxonomy file (``Settings.taxonomy``) and the overrides file (``Settings.overrides``)
stay the record a person can read and edit; each decision edits them with their comments
kept (``decision_files``), rewrites the warehouse's defects and the current model's effective
mapping in the same transaction, and adds a row to ``changes`` with who made it, when, what,
and both files before and after. An undo restores the files as they were before a change,
as one more change. The dashboard's triage page, ``dumbcontacts defects|topics|undo`` and
notebooks all go through here.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from sqlalchemy import Connection, func, select

from dumbcontacts.analysis.economics.scope import NOT_A_DEFECT, current_model_version
from dumbcontacts.analysis.topics.decision_files import (
    add_defect,
    edit_defect,
    set_topic,
    taxonomy_text,
    write_atomically,
)
from dumbcontacts.analysis.topics.overrides import (
    Override,
    check_defects,
    read_overrides,
    store_overrides,
)
from dumbcontacts.errors import ConfigError, InputError, ModelError
from dumbcontacts.etl.readers.taxonomy import Defect, defect_rows, read_taxonomy
from dumbcontacts.etl.schema import changes, defects, topics
from dumbcontacts.etl.warehouse import Warehouse, insert_new_rows

__all__ = ["Change", "Decisions", "defect_id_from", "list_changes", "operating_system_user"]

Texts = tuple[str, str]  # the taxonomy file's text, the overrides file's text


@dataclass(frozen=True)
class Change:
    change_id: int
    made_at: dt.datetime
    made_by: str
    what: str
    undoes: int | None = None


@dataclass(frozen=True)
class Decisions:
    """Decisions on one warehouse, written to these files, made by ``who``."""

    warehouse: Warehouse
    taxonomy: Path
    overrides: Path
    who: str

    # Topics ---------------------------------------------------------------------------------
    def map_topic(self, key: str, defect_id: str) -> Change:
        """Count topic ``key``'s contacts on ``defect_id`` (``not_a_defect`` allowed)."""
        self._check_topics(key)

        def edit(texts: Texts) -> Texts:
            if defect_id != NOT_A_DEFECT and defect_id not in _active_ids(texts[0]):
                raise InputError(f"unknown defect {defect_id!r}; add it first")
            return texts[0], _map(texts[1], key, defect_id)

        what = "not a defect" if defect_id == NOT_A_DEFECT else f"mapped to {defect_id}"
        return self._commit(f"topic {key} {what}", edit)

    def ignore_topic(self, key: str) -> Change:
        """Topic ``key`` is not a defect (praise, marketing, spam, small talk)."""
        return self.map_topic(key, NOT_A_DEFECT)

    def merge_topic(self, key: str, into: str) -> Change:
        """Count topic ``key`` (and any topic merged into it) as topic ``into``."""
        if key == into:
            raise InputError(f"cannot merge topic {key} into itself")
        self._check_topics(key, into)

        def edit(texts: Texts) -> Texts:
            current = _overrides(texts[1])
            target = next((o for o in current if o.key == into and o.merge_into), None)
            if target is not None:
                raise InputError(f"topic {into} is merged into {target.merge_into}; merge there")
            text = set_topic(texts[1], key, {"merge_into": into, "defect": None, "label": None})
            for o in current:  # keep merges one step deep
                if o.merge_into == key:
                    text = set_topic(text, o.key, {"merge_into": into})
            return texts[0], text

        return self._commit(f"topic {key} merged into {into}", edit)

    def rename_topic(self, key: str, label: str) -> Change:
        """Give topic ``key`` the name ``label`` in the dashboard and reports."""
        label = " ".join(label.split())
        if not label:
            raise InputError("a topic's name cannot be empty")
        self._check_topics(key)

        def edit(texts: Texts) -> Texts:
            merged = next((o for o in _overrides(texts[1]) if o.key == key and o.merge_into), None)
            if merged is not None:
                raise InputError(f"topic {key} is merged into {merged.merge_into}; rename that")
            return texts[0], set_topic(texts[1], key, {"label": label})

        return self._commit(f"topic {key} named {label!r}", edit)

    # Defects --------------------------------------------------------------------------------
    def add_defect(self, fields: dict, from_topic: str | None = None) -> Change:
        """Add a defect (id, name, category, owner, action, description, examples; an id is
        made from the name if not given); with ``from_topic``, map that topic to it."""
        fields = {k: v for k, v in fields.items() if v not in (None, "", [], ())}
        if from_topic is not None:
            self._check_topics(from_topic)

        def edit(texts: Texts) -> Texts:
            defect = {"id": fields.get("id") or defect_id_from(fields.get("name", ""),
                                                               _all_ids(texts[0]))}  # fmt: skip
            defect |= {k: list(v) if k == "examples" else v for k, v in fields.items()}
            taxonomy = add_defect(texts[0], defect)
            if from_topic is None:
                return taxonomy, texts[1]
            return taxonomy, _map(texts[1], from_topic, defect["id"])

        return self._commit(lambda after: _describe_new(after, from_topic), edit)

    def edit_defect(self, defect_id: str, fields: dict) -> Change:
        """Change a defect's name, category, owner, action, description or examples."""
        if "id" in fields:
            raise InputError("a defect's id cannot change; retire it and add another")
        fields = {k: list(v) if k == "examples" else v for k, v in fields.items() if v is not None}
        if not fields:
            raise InputError("nothing to change")

        def edit(texts: Texts) -> Texts:
            return edit_defect(texts[0], defect_id, fields), texts[1]

        return self._commit(f"defect {defect_id}: {', '.join(sorted(fields))} changed", edit)

    def retire_defect(self, defect_id: str) -> Change:
        """Retire a defect: kept in the file, but its topics go back to triage."""

        def edit(texts: Texts) -> Texts:
            if defect_id not in _active_ids(texts[0]):
                raise InputError(f"no defect {defect_id!r} to retire")
            text = texts[1]
            for o in _overrides(text):
                if o.defect == defect_id:
                    text = set_topic(text, o.key, {"defect": ""})
            return edit_defect(texts[0], defect_id, {"retired": True}), text

        return self._commit(f"defect {defect_id} retired", edit)

    # Undo -----------------------------------------------------------------------------------
    def undo(self, change_id: int | None = None) -> Change:
        """Put the files back as they were before ``change_id`` (default: the latest change
        not undone yet). Refused if the files changed since that change."""
        with self.warehouse.connect() as conn:
            log = conn.execute(select(changes).order_by(changes.c.change_id.desc())).all()
        undone = {row.undoes for row in log if row.undoes is not None}
        open_changes = [r for r in log if r.undoes is None and r.change_id not in undone]
        if change_id is None:
            if not open_changes:
                raise InputError("nothing to undo")
            target = open_changes[0]
        else:
            target = next((r for r in log if r.change_id == change_id), None)
            if target is None:
                raise InputError(f"no change {change_id}")
            if target.change_id in undone or target.undoes is not None:
                raise InputError(f"change {change_id} is an undo or already undone")

        def edit(texts: Texts) -> Texts:
            if texts != (target.taxonomy_after, target.overrides_after):
                raise InputError(
                    f"the files changed after change {target.change_id}; undo the later "
                    "changes first"
                )
            return target.taxonomy_before, target.overrides_before

        what = f"undo {target.change_id}: {target.what}"
        return self._commit(what, edit, undoes=target.change_id)

    # The one way a decision is made ---------------------------------------------------------
    def _commit(
        self,
        what: str | Callable[[Texts], str],
        edit: Callable[[Texts], Texts],
        *,
        undoes: int | None = None,
    ) -> Change:
        """Edit both files' texts, check them, and apply, log and write them in one go;
        ``what`` describes the change (or says it, given the files after it)."""
        before = self._texts()
        after = edit(before)
        taxonomy = _taxonomy(after[0])
        overrides = _overrides(after[1])
        known = {d.id for d in taxonomy if not d.retired}
        check_defects(overrides, known)
        what = what(after) if callable(what) else what
        made_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        with self.warehouse.begin() as conn:
            if taxonomy:
                _store_defects(conn, taxonomy, after[0])
            version = current_model_version(conn)
            if version is not None:
                store_overrides(conn, version, overrides, known)
            change_id = (conn.execute(select(func.max(changes.c.change_id))).scalar() or 0) + 1
            conn.execute(
                changes.insert().values(
                    change_id=change_id, made_at=made_at, made_by=self.who[:128], what=what,
                    taxonomy_before=before[0], taxonomy_after=after[0],
                    overrides_before=before[1], overrides_after=after[1], undoes=undoes,
                )
            )  # fmt: skip
            # Written inside the transaction: a file that cannot be written undoes the change.
            for path, old, new in zip((self.taxonomy, self.overrides), before, after, strict=True):
                if new != old or (new and not path.exists()):
                    write_atomically(path, new)
        return Change(change_id, made_at, self.who, what, undoes)

    def _texts(self) -> Texts:
        """Both files as they are; a taxonomy file not made yet starts from the warehouse's
        defects, so a first decision keeps every defect already loaded."""
        taxonomy = _read_text(self.taxonomy) or self._taxonomy_from_warehouse()
        return taxonomy, _read_text(self.overrides)

    def _taxonomy_from_warehouse(self) -> str:
        with self.warehouse.connect() as conn:
            rows = conn.execute(select(defects).order_by(defects.c.defect_id)).mappings().all()
        if not rows:
            return ""
        fields = ("name", "category", "owner", "action", "description")
        return taxonomy_text(
            {"id": r["defect_id"]}
            | {f: r[f] for f in fields if r[f]}
            | {"examples": _json_list(r["examples"])}
            for r in rows
        )

    def _check_topics(self, *keys: str) -> None:
        with self.warehouse.connect() as conn:
            version = current_model_version(conn)
            found = set() if version is None else set(
                conn.execute(select(topics.c.topic_key).where(topics.c.model_version == version))
                .scalars()
            )  # fmt: skip
        if version is None:
            raise ModelError("no topic model yet: run `dumbcontacts analyze` first")
        for key in keys:
            if key not in found:
                raise InputError(f"no topic {key!r} in model v{version}")


def list_changes(warehouse: Warehouse, limit: int = 20) -> pl.DataFrame:
    """The latest decisions, newest first: change_id, made_at, made_by, what, undone_by."""
    with warehouse.connect() as conn:
        rows = conn.execute(
            select(
                changes.c.change_id,
                changes.c.made_at,
                changes.c.made_by,
                changes.c.what,
                changes.c.undoes,
            ).order_by(changes.c.change_id.desc())  # fmt: skip
        ).all()
    undone_by = {r.undoes: r.change_id for r in rows if r.undoes is not None}
    return pl.DataFrame(
        [
            (r.change_id, r.made_at, r.made_by, r.what, undone_by.get(r.change_id))
            for r in rows[:limit]
        ],  # fmt: skip
        schema={
            "change_id": pl.Int64,
            "made_at": pl.Datetime,
            "made_by": pl.Utf8,
            "what": pl.Utf8,
            "undone_by": pl.Int64,
        },  # fmt: skip
        orient="row",
    )


def operating_system_user() -> str:
    """Who runs this process, for the change log; "unknown" where the system cannot say."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container user without a name
        return "unknown"


def defect_id_from(name: str, taken: set[str]) -> str:
    """A readable, unused id: "Parcel marked delivered!" -> "parcel-marked-delivered"."""
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60].strip("-") or "defect"
    candidate, number = base, 2
    while candidate in taken | {NOT_A_DEFECT}:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def _map(overrides_text: str, key: str, defect_id: str) -> str:
    # A topic mapped by hand is no longer merged elsewhere; its own label stays.
    return set_topic(overrides_text, key, {"defect": defect_id, "merge_into": None})


def _describe_new(texts: Texts, topic: str | None) -> str:
    newest = _taxonomy(texts[0])[-1]
    return f"defect {newest.id} added" + (f" from topic {topic}" if topic else "")


def _taxonomy(text: str) -> list[Defect]:
    # No file yet, or only its header: no defects (a loaded taxonomy needs at least one).
    return read_taxonomy(io.BytesIO(text.encode())) if "[[defect]]" in text else []


def _overrides(text: str) -> list[Override]:
    return read_overrides(io.BytesIO(text.encode()))


def _active_ids(taxonomy: str) -> set[str]:
    return {d.id for d in _taxonomy(taxonomy) if not d.retired}


def _all_ids(taxonomy: str) -> set[str]:
    return {d.id for d in _taxonomy(taxonomy)}


def _store_defects(conn: Connection, taxonomy: list[Defect], text: str) -> None:
    """Replace the warehouse's defects with the file's, as loading the file would."""
    load_id = hashlib.sha256(text.encode()).hexdigest()[:16]
    conn.execute(defects.delete())
    insert_new_rows(conn, defects, defect_rows(taxonomy).with_columns(load_id=pl.lit(load_id)))


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from None


def _json_list(text: str | None) -> list[str] | None:
    """The stored examples, None when there are none (the file then has no examples line)."""
    return list(json.loads(text)) or None if text else None
