"""Each contact's next conversation by the same customer: what repeat counting needs.

Finding it takes a window over every customer's contacts, most of the count behind every
metric (at 1M contacts on two cores, ~0.4 s of a ~0.55 s count when quiet, ~0.8 of 1.2 s when
busy). ``store_links`` keeps the links in a table, and
``contacts_with_next`` reads them while the contacts are unchanged since; after a load it
falls back to the window, so a metric is never wrong, only slower until links are stored
again (``analyze`` does so at its end). Contacts are only appended, except by an unload,
which calls ``forget_links``; so otherwise an unchanged count means unchanged contacts.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Subquery, func, select

from dumbcontacts.etl.schema import contact_links, contacts, settings
from dumbcontacts.etl.warehouse import read_setting

__all__ = ["contacts_with_next", "forget_links", "store_links"]

_STORED_FOR = "contact_links_for"  # settings key: the contact count the links were made from
_CONTACT_COLUMNS = ("channel", "started_at", "handle_seconds", "reason_text", "customer_key")


def store_links(conn: Connection) -> bool:
    """Store every contact's next contact, unless stored for the current contacts already.

    Returns whether it (re)stored them. Run inside a transaction: readers see the old links
    or the new ones, each with the count they were made from.
    """
    count, stored = _links_stored(conn)
    if stored:
        return False
    conn.execute(contact_links.delete())
    linked = _linked(contacts.c.customer_key.is_not(None)).subquery()
    only_followed = select(linked).where(linked.c.next_started_at.is_not(None))
    conn.execute(contact_links.insert().from_select(list(linked.c.keys()), only_followed))
    conn.execute(settings.delete().where(settings.c.key == _STORED_FOR))
    conn.execute(settings.insert().values(key=_STORED_FOR, value=count))
    return True


def forget_links(conn: Connection) -> None:
    """Drop the stored links (metrics fall back to the window until ``store_links`` runs):
    after contacts are removed, an unchanged count no longer means unchanged contacts."""
    conn.execute(contact_links.delete())
    conn.execute(settings.delete().where(settings.c.key == _STORED_FOR))


def contacts_with_next(
    conn: Connection, start: dt.datetime, end: dt.datetime, horizon: dt.timedelta
) -> Subquery:
    """Contacts started in [start, end), each with its customer's next contact on any channel
    if that started within ``horizon`` or later (null for a customer's last contact; not
    meaningful where customer_key is null).

    Columns: contact_id, channel, started_at, handle_seconds, reason_text, customer_key,
    next_started_at, next_channel.
    """
    started = contacts.c.started_at
    own = [contacts.c[name] for name in _CONTACT_COLUMNS]
    if not _links_stored(conn)[1]:
        # A contact's next one is later than it, so the window need not look before
        # ``start``, nor further than ``horizon`` past ``end``.
        linked = _linked((started >= start) & (started < end + horizon), own).subquery()
        return select(linked).where(linked.c.started_at < end).subquery("following")
    stored = contacts.outerjoin(contact_links, contact_links.c.contact_id == contacts.c.contact_id)
    query = select(contacts.c.contact_id, *own, contact_links.c.next_started_at,
                   contact_links.c.next_channel)  # fmt: skip
    return (
        query.select_from(stored).where((started >= start) & (started < end)).subquery("following")
    )


def _linked(where, columns=()):
    """Contacts matching ``where`` with the next one of the same customer among them."""
    window = dict(
        partition_by=contacts.c.customer_key,
        order_by=(contacts.c.started_at, contacts.c.contact_id),
    )
    return select(
        contacts.c.contact_id,
        *columns,
        func.lead(contacts.c.started_at).over(**window).label("next_started_at"),
        func.lead(contacts.c.channel).over(**window).label("next_channel"),
    ).where(where)


def _links_stored(conn: Connection) -> tuple[str, bool]:
    """The contact count, and whether the stored links were made from that many contacts."""
    count = str(conn.execute(select(func.count()).select_from(contacts)).scalar_one())
    return count, read_setting(conn, _STORED_FOR) == count
