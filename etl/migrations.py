"""Schema changes as named migrations, each applied once and recorded in ``migrations``.

As in sqlite-utils: an ordered list of named steps, each run in one transaction together with
the row that records it, so a warehouse made by any earlier version is upgraded exactly once,
and ``SELECT * FROM migrations`` shows what ran and when.

The tables in ``dumbcontacts.etl.schema`` are the current schema. The first migration creates
whichever of them are missing; each later one brings a warehouse made before it up to date,
and does nothing to one that the first has just made (``ADD COLUMN IF NOT EXISTS``). Add new
migrations at the end; never rename or reorder one that has shipped.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Table, exists, literal, select, text

from dumbcontacts.etl.schema import (
    changes,
    contact_topics,
    contacts,
    metadata,
    migrations,
    settings,
    topic_days,
    topics,
)

if TYPE_CHECKING:
    from dumbcontacts.etl.warehouse import Warehouse

__all__ = ["MIGRATIONS", "Migration", "apply_migrations"]

# pg_advisory_xact_lock's key: the first 8 bytes of md5("dumbcontacts migrations"), signed.
_ADVISORY_KEY = int.from_bytes(bytes.fromhex("7f9241d01cddab33"), "big", signed=True)


@dataclass(frozen=True)
class Migration:
    name: str
    apply: Callable[[Connection], None]


MIGRATIONS: list[Migration] = []


def _migration(apply: Callable[[Connection], None]) -> Callable[[Connection], None]:
    MIGRATIONS.append(Migration(apply.__name__, apply))
    return apply


@_migration
def m001_create_tables(conn: Connection) -> None:
    metadata.create_all(conn, checkfirst=True)


@_migration
def m002_generate_salt(conn: Connection) -> None:
    # The default hashing salt is made once per warehouse so keys stay linkable across loads;
    # production should pass its own secret instead (see README).
    salt = select(literal("salt"), literal(secrets.token_hex(16)))
    missing = salt.where(~exists().where(settings.c.key == "salt"))
    conn.execute(settings.insert().from_select(["key", "value"], missing))


@_migration
def m003_add_topic_overrides(conn: Connection) -> None:
    # The analyst's overrides: the effective mapping, and what the model itself said.
    names = ["mapped_by", "merged_into", "auto_label", "auto_defect_id", "auto_confidence"]
    _add_columns(conn, topics, names)


@_migration
def m004_add_changes(conn: Connection) -> None:
    # The log of analyst decisions, each undoable.
    changes.create(conn, checkfirst=True)


@_migration
def m005_add_topic_language_and_category(conn: Connection) -> None:
    _add_columns(conn, topics, ["language", "category"])


@_migration
def m006_add_topic_days_and_read_indexes(conn: Connection) -> None:
    # The daily counts per topic that analyze keeps, and PostgreSQL's indexes for the
    # readers (dumbcontacts.etl.schema); building them takes seconds at a million contacts.
    topic_days.create(conn, checkfirst=True)
    if conn.dialect.name == "duckdb":
        return
    for index in (*contacts.indexes, *contact_topics.indexes):
        index.create(conn, checkfirst=True)


def apply_migrations(warehouse: Warehouse, steps: Sequence[Migration] = MIGRATIONS) -> list[str]:
    """Apply, in order, the ``steps`` that ``warehouse`` has not had; return their names."""
    with warehouse.begin() as conn:
        _wait_for_others(conn)
        migrations.create(conn, checkfirst=True)
        done = set(conn.execute(select(migrations.c.name)).scalars())
    applied = []
    for migration in steps:
        if migration.name in done:
            continue
        with warehouse.begin() as conn:
            _wait_for_others(conn)
            if _is_recorded(conn, migration.name):  # another process got there first
                continue
            migration.apply(conn)
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            conn.execute(migrations.insert().values(name=migration.name, applied_at=now))
        applied.append(migration.name)
    return applied


def _wait_for_others(conn: Connection) -> None:
    """One process at a time changes the schema (DuckDB's file lock already sees to that)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_KEY})


def _is_recorded(conn: Connection, name: str) -> bool:
    found = conn.execute(select(migrations.c.name).where(migrations.c.name == name)).first()
    return found is not None


def _add_columns(conn: Connection, table: Table, names: list[str]) -> None:
    for name in names:
        kind = table.c[name].type.compile(dialect=conn.dialect)
        conn.execute(text(f"ALTER TABLE {table.name} ADD COLUMN IF NOT EXISTS {name} {kind}"))
