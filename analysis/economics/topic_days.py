"""Contacts per day, topic and channel: the count under every figure, kept for reading.

Counting a period means joining each of its contacts to its topic and its repeat: at a million
contacts that is seconds on PostgreSQL, where the mapping of those counts to defects is
milliseconds. ``count_topic_days`` is that count, per day, topic (null: none) and channel;
``analyze`` stores it for every day in ``topic_days`` (``store_topic_days``) and readers
take it from there (``stored_topic_days``) while it was made from the warehouse as it is:
the same model, the same repeat window and the same contacts. Otherwise (after a load,
before the next ``analyze``) they count it themselves, so a figure is never stale, only
slower.
A triage decision maps topics to other defects after counting, so it changes nothing here.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Connection, Date, Select, case, cast, func, literal, select

from dumbcontacts.analysis.economics.scope import Scope, contact_days, topic_contacts
from dumbcontacts.etl.schema import contacts, settings, topic_days
from dumbcontacts.etl.warehouse import read_setting
from dumbcontacts.settings import REPEAT_WINDOW_DAYS

__all__ = ["count_topic_days", "forget_topic_days", "store_topic_days", "stored_topic_days"]

_STORED_FOR = "topic_days_for"  # settings key: what the stored counts were made from


def count_topic_days(
    conn: Connection,
    since: dt.date,
    until: dt.date,
    scope: Scope,
    version: int | None,
    *,
    repeat_days: int = REPEAT_WINDOW_DAYS,
) -> Select:
    """Contacts started in [since, until) on the scope's channels, per day, topic under
    ``version`` and channel. Columns: day, topic_id, channel, contacts, handled_seconds
    (null when none is known), unhandled, repeats, cross_channel."""
    base = topic_contacts(conn, since, until, scope, version, repeat_days=repeat_days).subquery()
    keys = [cast(base.c.started_at, Date()).label("day"), base.c.topic_id, base.c.channel]
    other_channel = case((base.c.repeat_channel != base.c.channel, 1), else_=0)
    return select(
        *keys,
        func.count().label("contacts"),
        cast(func.sum(base.c.handle_seconds), BigInteger).label("handled_seconds"),
        (func.count() - func.count(base.c.handle_seconds)).label("unhandled"),
        func.count(base.c.repeat_after).label("repeats"),
        cast(func.sum(other_channel), BigInteger).label("cross_channel"),
    ).group_by(*keys)


def store_topic_days(
    conn: Connection, version: int, *, repeat_days: int = REPEAT_WINDOW_DAYS
) -> bool:
    """Store the counts of every day under model ``version``, unless stored for the warehouse
    as it is already; return whether it (re)stored them. Run inside a transaction: readers
    see the old counts or the new ones, never a mix."""
    made_from = _made_from(conn, version, repeat_days)
    if read_setting(conn, _STORED_FOR) == made_from:
        return False
    forget_topic_days(conn)
    first_day, last_day = contact_days(conn)
    if first_day is not None:
        until = last_day + dt.timedelta(days=1)
        counts = count_topic_days(conn, first_day, until, Scope(), version, repeat_days=repeat_days)
        counts = counts.add_columns(literal(version).label("model_version")).subquery()
        conn.execute(topic_days.insert().from_select(list(counts.c.keys()), select(*counts.c)))
    conn.execute(settings.insert().values(key=_STORED_FOR, value=made_from))
    return True


def forget_topic_days(conn: Connection) -> None:
    """Drop the stored counts (readers count for themselves until they are stored again)."""
    conn.execute(topic_days.delete())
    conn.execute(settings.delete().where(settings.c.key == _STORED_FOR))


def stored_topic_days(
    conn: Connection,
    since: dt.date,
    until: dt.date,
    scope: Scope,
    version: int | None,
    *,
    repeat_days: int = REPEAT_WINDOW_DAYS,
) -> Select | None:
    """``count_topic_days`` read from the stored counts, or None when they were made from
    other contacts, another model or another repeat window."""
    if version is None or read_setting(conn, _STORED_FOR) != _made_from(conn, version, repeat_days):
        return None
    columns = [topic_days.c[name] for name in ("day", "topic_id", "channel", "contacts",
               "handled_seconds", "unhandled", "repeats", "cross_channel")]  # fmt: skip
    query = select(*columns).where(
        topic_days.c.model_version == version, topic_days.c.day >= since, topic_days.c.day < until
    )
    if scope.channel:
        query = query.where(topic_days.c.channel.in_(scope.channel))
    return query


def _made_from(conn: Connection, version: int, repeat_days: int) -> str:
    """What stored counts depend on: the model, the window and the contacts. As for the
    stored links (``analysis.economics.links``), contacts are only appended except by an
    unload, which forgets the counts, as ``analyze`` does when it assigns contacts; so an
    unchanged count means unchanged contacts and topics."""
    count = conn.execute(select(func.count()).select_from(contacts)).scalar_one()
    return f"v{version} r{repeat_days} contacts {count}"
