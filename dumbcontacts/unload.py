"""Undo a load: remove everything one load added, in one transaction.

A load adds contacts (or a day's business volumes, or a taxonomy's defects), its rejects
and its ``loads`` row; ``analyze`` later adds the contacts' topic assignments and repeat
links. ``remove_load`` deletes them all together, so a file loaded wrongly (a mapping that
named the wrong column) can be loaded again, corrected, and the table is then the one a
clean load gives. It lives above ``etl`` and ``analysis`` because it removes rows of both.

Embeddings stay cached (they are keyed by text, not by load), and topics keep the sizes
they were fitted with until the next refit; every figure counts the contacts that remain.
A record another load also holds was stored once, by the first; unloading that first load
removes it, and re-loading it brings it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Table, delete, func, select

from dumbcontacts.analysis.economics.links import forget_links
from dumbcontacts.analysis.economics.topic_days import forget_topic_days
from dumbcontacts.errors import InputError
from dumbcontacts.etl.load import hash_source
from dumbcontacts.etl.schema import (
    business_volumes,
    contact_topics,
    contacts,
    defects,
    loads,
    rejects,
)
from dumbcontacts.etl.warehouse import Warehouse

__all__ = ["UnloadError", "UnloadResult", "find_load", "remove_load"]

_MIN_PREFIX = 6  # characters of a load id that may stand for it, when unique


class UnloadError(InputError):
    """No such load, or a source that names several; the message says which."""


@dataclass(frozen=True)
class UnloadResult:
    load_id: str
    source: str
    contacts: int
    rejects: int
    volumes: int
    defects: int
    assignments: int  # contact_topics rows, over every model version


def find_load(warehouse: Warehouse, source: str | Path) -> str:
    """The id of the load that came from ``source``: the load of the file's current content,
    else the one load recorded under that name."""
    path = Path(source)
    with warehouse.connect() as conn:
        if path.exists():
            by_content = loads.c.content_hash == hash_source(path)
            found = conn.execute(select(loads.c.load_id).where(by_content)).scalar()
            if found is not None:
                return found
        names = {str(source), str(path), str(path.absolute())}
        query = select(loads.c.load_id).where(loads.c.source.in_(names))
        found = conn.execute(query.order_by(loads.c.finished_at)).scalars().all()
    if not found:
        raise UnloadError(f"{source}: no load came from this file")
    if len(found) > 1:
        raise UnloadError(
            f"{source}: {len(found)} loads came from this file ({', '.join(found)}); "
            "unload one by its LOAD_ID"
        )
    return found[0]


def remove_load(warehouse: Warehouse, load_id: str) -> UnloadResult:
    """Delete one load's rows everywhere, in one transaction; ``load_id`` may be a unique
    prefix of at least six characters."""
    with warehouse.begin() as conn:
        load_id, source = _resolve(conn, load_id)
        of_load = select(contacts.c.contact_id).where(contacts.c.load_id == load_id)
        assignments = _delete(conn, contact_topics, contact_topics.c.contact_id.in_(of_load))
        removed = _delete(conn, contacts, contacts.c.load_id == load_id)
        if removed:
            forget_links(conn)
            forget_topic_days(conn)
        result = UnloadResult(
            load_id=load_id,
            source=source,
            contacts=removed,
            rejects=_delete(conn, rejects, rejects.c.load_id == load_id),
            volumes=_delete(conn, business_volumes, business_volumes.c.load_id == load_id),
            defects=_delete(conn, defects, defects.c.load_id == load_id),
            assignments=assignments,
        )
        _delete(conn, loads, loads.c.load_id == load_id)
    return result


def _resolve(conn: Connection, load_id: str) -> tuple[str, str]:
    query = select(loads.c.load_id, loads.c.source)
    exact = conn.execute(query.where(loads.c.load_id == load_id)).first()
    if exact is not None:
        return tuple(exact)
    matches = []
    if len(load_id) >= _MIN_PREFIX:
        prefix = loads.c.load_id.startswith(load_id, autoescape=True)
        matches = conn.execute(query.where(prefix).limit(2)).all()
    if len(matches) == 1:
        return tuple(matches[0])
    if matches:
        raise UnloadError(f"load id {load_id} is ambiguous; give more of it")
    raise UnloadError(f"no load with id {load_id}")


def _delete(conn: Connection, table: Table, where) -> int:
    """Delete, and return how many rows went (counted first: duckdb-engine reports -1 as a
    DELETE's rowcount)."""
    count = conn.execute(select(func.count()).select_from(table).where(where)).scalar_one()
    if count:
        conn.execute(delete(table).where(where))
    return count
