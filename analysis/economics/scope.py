"""What a question is about: a period, filters, and each contact's defect, as SQL.

Every metric starts from ``defect_contacts``: contacts joined to their topic under the current
model and that topic's defect, with the same customer's next conversation beside each one
(for repeats). It is a SQLAlchemy selectable, so the aggregation runs in the warehouse.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl
from sqlalchemy import Connection, Integer, Select, Subquery, and_, case, func, literal, select
from sqlalchemy.sql.elements import ColumnElement

from dumbcontacts.analysis.economics.links import contacts_with_next
from dumbcontacts.errors import InputError
from dumbcontacts.etl.schema import contact_topics, contacts, defects, topic_models, topics
from dumbcontacts.settings import REPEAT_WINDOW_DAYS

__all__ = [
    "ALL",
    "NOT_A_DEFECT",
    "UNMAPPED",
    "Scope",
    "as_day",
    "close_period",
    "contact_days",
    "current_model_version",
    "defect_contacts",
    "defect_catalogue",
    "resolve_period",
    "topic_contacts",
    "unassigned",
    "with_defects",
]

# Contacts whose topic maps to no defect (or that have no topic yet) are counted here, so the
# ranking always adds up to every contact in scope.
UNMAPPED = "unmapped"
_UNMAPPED_ROW = {
    "defect_id": UNMAPPED,
    "name": "Not mapped to a defect yet (triage)",
    "category": UNMAPPED,
    "owner": "Customer Insight",
    "action": "triage",
}
# The one representation of "this topic is no defect" (praise, marketing, spam, small talk):
# a topic's defect_id holds this reserved id, which no taxonomy may use. Its contacts are
# counted on a row of their own, apart from the defects and from "unmapped".
NOT_A_DEFECT = "not_a_defect"
_NOT_A_DEFECT_ROW = {
    "defect_id": NOT_A_DEFECT,
    "name": "Not a defect (praise, marketing, spam, small talk)",
    "category": NOT_A_DEFECT,
    "owner": "Customer Insight",
    "action": "none",
}


def as_day(value: dt.date | dt.datetime | str | None) -> dt.date | None:
    """A day from a date, datetime or ISO string; a bad string raises InputError."""
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _names(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


@dataclass(frozen=True)
class Scope:
    """The contacts a question is about. ``until`` is exclusive; empty filters mean all."""

    since: dt.date | None = None
    until: dt.date | None = None
    channel: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    owner: tuple[str, ...] = ()
    defect_id: tuple[str, ...] = ()

    @classmethod
    def of(
        cls, since=None, until=None, channel=None, category=None, owner=None, defect_id=None
    ) -> Scope:
        scope = cls(
            as_day(since),
            as_day(until),
            *(_names(names) for names in (channel, category, owner, defect_id)),
        )
        if scope.since and scope.until and scope.until <= scope.since:
            raise InputError(f"until ({scope.until}) must be after since ({scope.since})")
        return scope


ALL = Scope()  # every contact, all time


def resolve_period(conn: Connection, scope: Scope) -> tuple[dt.date, dt.date]:
    """The scope's [since, until) with open ends closed at the first and last contact's day."""
    if scope.since and scope.until:
        return scope.since, scope.until
    return close_period(scope, *contact_days(conn))


def contact_days(conn: Connection) -> tuple[dt.date | None, dt.date | None]:
    """The day of the first and of the last contact (None without contacts)."""
    first, last = conn.execute(
        select(func.min(contacts.c.started_at), func.max(contacts.c.started_at))
    ).one()
    return first.date() if first else None, last.date() if last else None


def close_period(
    scope: Scope, first_day: dt.date | None, last_day: dt.date | None
) -> tuple[dt.date, dt.date]:
    """The scope's [since, until), open ends closed at ``first_day`` and the day after
    ``last_day`` (today without contacts); never shorter than a day."""
    today = dt.date.today()
    since = scope.since or first_day or today
    until = scope.until or ((last_day or today) + dt.timedelta(days=1))
    return since, max(until, since + dt.timedelta(days=1))


def current_model_version(conn: Connection) -> int | None:
    return conn.execute(
        select(topic_models.c.model_version).where(topic_models.c.is_current)
    ).scalar()


def defect_contacts(
    conn: Connection,
    since: dt.date,
    until: dt.date,
    scope: Scope = ALL,
    *,
    repeat_days: int = REPEAT_WINDOW_DAYS,
) -> Select:
    """Contacts started in [since, until) that match the scope's channel, category, owner and
    defect filters, with their defect, and the same customer's next conversation (on any channel) if
    it started within ``repeat_days``. The scope's own period is ignored: callers resolve it.

    Columns: contact_id, channel, started_at, handle_seconds, reason_text, defect_id,
    category, owner, action, repeat_after (the next contact's start or null), repeat_channel.
    """
    version = current_model_version(conn)
    rows = topic_contacts(conn, since, until, scope, version, repeat_days=repeat_days).subquery()
    own = [rows.c[name] for name in ("contact_id", "channel", "started_at", "handle_seconds",
                                     "reason_text")]  # fmt: skip
    return with_defects(rows, version, scope, own + [rows.c.repeat_after, rows.c.repeat_channel])


def topic_contacts(
    conn: Connection,
    since: dt.date,
    until: dt.date,
    scope: Scope,
    version: int | None,
    *,
    repeat_days: int = REPEAT_WINDOW_DAYS,
) -> Select:
    """Contacts started in [since, until) on the scope's channels, each with its topic under
    ``version`` (null: none) and its repeat: what ``with_defects`` maps to defects.

    Columns: contact_id, channel, started_at, handle_seconds, reason_text, topic_id,
    repeat_after (the next contact's start or null), repeat_channel.
    """
    window = dt.timedelta(days=repeat_days)
    following = contacts_with_next(conn, _midnight(since), _midnight(until), window)
    is_repeat = and_(
        following.c.customer_key.is_not(None),
        following.c.next_started_at <= following.c.started_at + window,
    )
    columns = [following.c[name] for name in ("contact_id", "channel", "started_at",
                                               "handle_seconds", "reason_text")]  # fmt: skip
    repeat = [
        _when(is_repeat, following.c.next_started_at).label("repeat_after"),
        _when(is_repeat, following.c.next_channel).label("repeat_channel"),
    ]
    if version is None:
        query = select(*columns, literal(None, Integer).label("topic_id"), *repeat)
    else:
        assigned = and_(
            contact_topics.c.contact_id == following.c.contact_id,
            contact_topics.c.model_version == version,
        )
        query = select(*columns, contact_topics.c.topic_id, *repeat).select_from(
            following.outerjoin(contact_topics, assigned)
        )
    if scope.channel:
        query = query.where(following.c.channel.in_(scope.channel))
    return query


def with_defects(
    rows: Subquery, version: int | None, scope: Scope, columns: Sequence[ColumnElement]
) -> Select:
    """``columns`` of ``rows`` (which has a topic_id column, the topic under ``version``) with
    the topic's defect_id, category, owner and action, narrowed to the scope's category, owner
    and defect filters. A topic mapped to no defect of the taxonomy counts as "unmapped"."""
    defect_id, category, owner, action = (
        func.coalesce(defects.c[name], _reserved(name, with_topics=version is not None))
        for name in ("defect_id", "category", "owner", "action")
    )
    query = select(
        *columns,
        defect_id.label("defect_id"),
        category.label("category"),
        owner.label("owner"),
        action.label("action"),
    )
    filters = ((category, scope.category), (owner, scope.owner), (defect_id, scope.defect_id))
    for column, values in filters:
        if values:
            query = query.where(column.in_(values))
    if version is None:
        return query.select_from(rows.outerjoin(defects, literal(False)))
    topic = and_(topics.c.model_version == version, topics.c.topic_id == rows.c.topic_id)
    joined = rows.outerjoin(topics, topic).outerjoin(
        defects, defects.c.defect_id == topics.c.defect_id
    )
    return query.select_from(joined)


def _reserved(name: str, *, with_topics: bool) -> ColumnElement:
    """A contact's value for ``name`` when its topic has no defect of the taxonomy."""
    if not with_topics:  # no model yet: every contact is unmapped
        return literal(_UNMAPPED_ROW[name])
    return case(
        (topics.c.defect_id == NOT_A_DEFECT, literal(_NOT_A_DEFECT_ROW[name])),
        else_=literal(_UNMAPPED_ROW[name]),
    )


def unassigned(query: Select, version: int | None) -> Select:
    """``query`` over contacts, narrowed to those with a reason that ``version`` (if any) has
    not assigned yet."""
    query = query.where(contacts.c.reason_text.is_not(None))
    if version is None:
        return query
    assigned = and_(
        contact_topics.c.contact_id == contacts.c.contact_id,
        contact_topics.c.model_version == version,
    )
    return query.outerjoin(contact_topics, assigned).where(contact_topics.c.contact_id.is_(None))


def defect_catalogue(conn: Connection) -> pl.DataFrame:
    """Every defect's name, category, owner and action, plus the ``not_a_defect`` and
    ``unmapped`` rows."""
    columns = ["defect_id", "name", "category", "owner", "action"]
    rows = conn.execute(select(*(defects.c[c] for c in columns))).all()
    frame = pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.Utf8), orient="row")
    reserved = pl.DataFrame([_NOT_A_DEFECT_ROW, _UNMAPPED_ROW], schema=frame.schema)
    return pl.concat([frame, reserved])


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def _when(condition: ColumnElement[bool], value: ColumnElement) -> ColumnElement:
    return case((condition, value), else_=None)
