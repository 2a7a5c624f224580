"""Render one planned contact as the raw record(s) of its channel (README, "Data formats").

Each ``render_*`` function is pure apart from the shared ``random.Random``, the PII ledger
and (for tweets) the id counter, and returns plain strings or CSV rows so the caller can
stream them. E-mail is formatted by hand rather than with the ``email`` generator: at a
million contacts the generator alone would take minutes.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import NamedTuple

from dumbcontacts.samples.defects import DEFECTS, Defect
from dumbcontacts.samples.phrases import (
    AGENT_NAMES,
    AGENT_REPLIES,
    BOT_OPENERS,
    BRAND_BROADCASTS,
    BRAND_REPLIES,
    CHAT_CLOSINGS,
    CHAT_HELLOS,
    CONTEXT_LINES,
    EMAIL_GREETINGS,
    FOLLOW_UPS,
    IVR_ANSWERS,
    IVR_OPENERS,
    NOTIFICATION_QUOTES,
    PHONE_CLOSINGS,
    QUEUES,
    REPEAT_LINES,
    SIGN_OFFS,
    SIGNATURES,
    SPOKEN_OPENERS,
    STREETS,
)
from dumbcontacts.samples.text import (
    Customer,
    PiiLedger,
    add_typos,
    format_asctime,
    format_iso,
    format_phone,
    format_quote_date,
    format_rfc2822,
    format_twitter_time,
    make_slots,
    pick,
    render_pii_sentence,
)

__all__ = [
    "BRAND",
    "CALL_HEADER",
    "SUPPORT_ADDRESS",
    "TWCS_HEADER",
    "Contact",
    "compose_statement",
    "render_brand_thread",
    "render_call",
    "render_chat",
    "render_email_thread",
    "render_orphan_reply",
    "render_tweets",
]

CALL_HEADER = ("call_id", "started_at", "ended_at", "caller_number", "account_id", "queue",
               "agent_id", "wrap_up_code", "order_ref", "transcript")  # fmt: skip
TWCS_HEADER = ("tweet_id", "author_id", "inbound", "created_at", "text", "response_tweet_id",
               "in_response_to_tweet_id")  # fmt: skip
SUPPORT_ADDRESS = "support@shop.example"
BRAND = "ShopHelp"

TYPO_RATE = 0.05
PII_RATE = 0.10
_WRAP_CODES = tuple(defect.wrap_up_code for defect in DEFECTS)
# Sender clocks: most mail is stamped UTC, some in BST or US time zones.
_MAIL_OFFSETS = (0, 0, 0, 0, 0, 0, 60, 60, -240, -420)


class Contact(NamedTuple):
    number: int  # 1-based within its channel; becomes the source id
    defect: Defect
    customer: Customer
    ts: int  # start, POSIX seconds (UTC)
    handle_seconds: int  # 0 where the channel does not know it
    is_repeat: bool
    order_no: int
    show_order: bool  # whether the structured order_ref field is filled
    agent: int


def compose_statement(
    contact: Contact, slots: dict, rng: random.Random, ledger: PiiLedger, *, casual: bool
) -> tuple[str, str]:
    """The customer's reason in their own words, and a separate PII sentence (or "")."""
    text = pick(rng, contact.defect.templates).format(**slots)
    if rng.random() < TYPO_RATE:
        text = add_typos(text, rng)
    if casual and rng.random() < 0.3:
        text = text.lower().rstrip(".")
    if contact.is_repeat and rng.random() < 0.5:
        text = f"{pick(rng, REPEAT_LINES)} {text}"
    pii = render_pii_sentence(contact.customer, rng, ledger) if rng.random() < PII_RATE else ""
    return text, pii


def _agent_reply(contact: Contact, rng: random.Random) -> str:
    return pick(rng, AGENT_REPLIES[contact.defect.category])


def render_call(contact: Contact, rng: random.Random, ledger: PiiLedger) -> list[str]:
    """One calls.csv row; the transcript is IVR, Agent and Customer turns."""
    slots = make_slots(contact.order_no, contact.ts, rng)
    reason, pii = compose_statement(contact, slots, rng, ledger, casual=True)
    customer = contact.customer
    known = rng.random() < 0.7  # the IVR identified the caller
    turns = [f"IVR: {pick(rng, IVR_OPENERS)}"]
    if rng.random() < 0.5:
        turns.append("IVR: In a few words, tell us why you're calling.")
        turns.append(f"Customer: {pick(rng, IVR_ANSWERS)}")
    turns.append("IVR: Please hold while we connect you to an agent.")
    agent_name = AGENT_NAMES[contact.agent % len(AGENT_NAMES)]
    turns.append(f"Agent: Thanks for calling Shop, this is {agent_name}. How can I help?")
    opener = pick(rng, SPOKEN_OPENERS)
    spoken = f"{opener}{reason[0].lower()}{reason[1:]}" if opener else reason
    if pii and rng.random() < 0.5:
        spoken, pii = f"{spoken} {pii}", ""
    turns.append(f"Customer: {spoken}")
    if pii:
        turns.append("Agent: Can I take a contact detail in case we get cut off?")
        turns.append(f"Customer: {pii}")
    turns.append(f"Agent: {_agent_reply(contact, rng)}")
    turns.append(f"Customer: {pick(rng, PHONE_CLOSINGS)}")
    turns.append("Agent: Thanks for calling Shop. Goodbye.")
    draw = rng.random()  # agents pick the wrong or a generic wrap-up code now and then
    wrap = contact.defect.wrap_up_code
    if draw < 0.08:
        wrap = pick(rng, _WRAP_CODES)
    elif draw < 0.2:
        wrap = "GENERAL"
    return [
        f"CALL{contact.number:08d}",
        format_iso(contact.ts),
        format_iso(contact.ts + contact.handle_seconds),
        customer.e164,
        customer.account_id if known else "",
        QUEUES[contact.defect.category],
        f"agent{contact.agent:03d}",
        wrap,
        f"ORD-{contact.order_no}" if contact.show_order else "",
        "\n".join(turns),
    ]


def _quote(body: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in body.split("\n"))


def _message(
    sender: str, name: str, to: str, subject: str, ts: int, offset: int, message_id: str,
    parents: tuple[str, ...], body: str, html: int,
) -> str:  # fmt: skip
    """One mbox entry: separator line, headers, and a plain, HTML-only (``html=2``) or
    multipart/alternative (``html=1``) body."""
    head = (
        f"From {sender} {format_asctime(ts)}\nFrom: {name} <{sender}>\nTo: {to}\n"
        f"Subject: {subject}\nDate: {format_rfc2822(ts, offset)}\nMessage-ID: <{message_id}>\n"
    )
    if parents:
        refs = " ".join(f"<{parent}>" for parent in parents)
        head += f"In-Reply-To: <{parents[-1]}>\nReferences: {refs}\n"
    head += "MIME-Version: 1.0\n"
    plain = 'Content-Type: text/plain; charset="us-ascii"\n\n'
    if html == 0:
        return f"{head}{plain}{_escape_from(body)}\n\n"
    escaped = body.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    paragraphs = "".join(f"<p>{block}</p>" for block in escaped.split("\n\n"))
    markup = f"<html><body>{paragraphs}</body></html>".replace("\n", "<br>")
    if html == 2:  # an HTML-only client
        return f'{head}Content-Type: text/html; charset="us-ascii"\n\n{markup}\n\n'
    boundary = f"=_alt_{message_id.split('@')[0]}"
    return (
        f'{head}Content-Type: multipart/alternative; boundary="{boundary}"\n\n'
        f"--{boundary}\n{plain}{_escape_from(body)}\n"
        f'--{boundary}\nContent-Type: text/html; charset="us-ascii"\n\n{markup}\n'
        f"--{boundary}--\n\n"
    )


def _escape_from(body: str) -> str:
    """mboxo escaping: a body line starting with ``From `` would start a new message."""
    body = body.replace("\nFrom ", "\n>From ")
    return ">" + body if body.startswith("From ") else body


def _token(rng: random.Random) -> str:
    return f"{int(rng.random() * 0xFFFFFFFF):08x}"


def render_email_thread(
    contact: Contact, rng: random.Random, ledger: PiiLedger
) -> tuple[str, str, int]:
    """The mbox text of one thread (root, maybe a reply, maybe a follow-up quoting it),
    the root Message-ID without ``<>``, and the number of messages."""
    customer = contact.customer
    slots = make_slots(contact.order_no, contact.ts, rng)
    reason, pii = compose_statement(contact, slots, rng, ledger, casual=False)
    name = f"{customer.first} {customer.last}"
    names = {"first": customer.first, "last": customer.last}
    paragraphs = [pick(rng, EMAIL_GREETINGS)]
    context = pick(rng, CONTEXT_LINES)
    if context.startswith("From "):  # own paragraph, so mbox escaping gets exercised
        paragraphs += [reason, context]
    else:
        paragraphs.append(f"{reason} {context}".rstrip())
    paragraphs += [pii, pick(rng, SIGN_OFFS).format(**names)]
    signature = pick(rng, SIGNATURES)
    if "{phone}" in signature:
        style = int(rng.random() * 5)
        phone = format_phone(customer.area, customer.exchange, customer.line, style)
        signature = signature.format(phone=ledger.record("phones", phone), **names)
    elif "{street}" in signature:
        street = f"{1 + int(rng.random() * 240)} {pick(rng, STREETS)}"
        signature = signature.format(street=ledger.record("addresses", street), **names)
    paragraphs.append(signature)
    if rng.random() < 0.08:  # the customer answered an old notification mail
        when = format_quote_date(contact.ts - 86_400 * (2 + int(rng.random() * 5)))
        note = pick(rng, NOTIFICATION_QUOTES).format(order=f"#{contact.order_no}")
        paragraphs.append(f"On {when}, Shop <orders@shop.example> wrote:\n> {note}")
    body = "\n\n".join(part for part in paragraphs if part)
    subject = pick(rng, contact.defect.subjects) if rng.random() < 0.85 else "Help"
    subject = subject.format(**slots)
    domain = customer.email.split("@", 1)[1]
    root_id = f"{contact.number:08d}.{_token(rng)}@{domain}"
    offset = pick(rng, _MAIL_OFFSETS)
    draw = rng.random()
    html = 2 if draw < 0.03 else 1 if draw < 0.15 else 0
    to = f"Shop Support <{SUPPORT_ADDRESS}>"
    parts = [
        _message(customer.email, name, to, subject, contact.ts, offset, root_id, (), body, html)
    ]
    if rng.random() < 0.40:
        reply_ts = contact.ts + 3600 + int(rng.random() * 30 * 3600)
        agent = AGENT_NAMES[contact.agent % len(AGENT_NAMES)]
        reply = (
            f"Hi {customer.first},\n\n{_agent_reply(contact, rng)}\n\nKind regards,\n{agent}\n"
            f"Shop Support\n\nOn {format_quote_date(contact.ts)}, {name} <{customer.email}> "
            f"wrote:\n{_quote(body)}"
        )
        reply_id = f"sr{contact.number:08d}.{_token(rng)}@shop.example"
        parts.append(
            _message(SUPPORT_ADDRESS, "Shop Support", f"{name} <{customer.email}>",
                     f"Re: {subject}", reply_ts, 0, reply_id, (root_id,), reply, 0)
        )  # fmt: skip
        if rng.random() < 0.375:  # 15 % of all threads
            follow_ts = reply_ts + 7200 + int(rng.random() * 46 * 3600)
            follow = (
                f"{pick(rng, FOLLOW_UPS)}\n\n{pick(rng, SIGN_OFFS).format(**names)}\n\n"
                f"On {format_quote_date(reply_ts)}, Shop Support <{SUPPORT_ADDRESS}> wrote:\n"
                f"{_quote(reply)}"
            )
            follow_id = f"{contact.number:08d}.{_token(rng)}@{domain}"
            parts.append(
                _message(customer.email, name, to, f"Re: {subject}", follow_ts, offset,
                         follow_id, (root_id, reply_id), follow, 0)
            )  # fmt: skip
    return "".join(parts), root_id, len(parts)


def render_chat(contact: Contact, rng: random.Random, ledger: PiiLedger) -> str:
    """One chats.jsonl line: a session with bot, customer and agent turns."""
    customer = contact.customer
    slots = make_slots(contact.order_no, contact.ts, rng)
    reason, pii = compose_statement(contact, slots, rng, ledger, casual=True)
    agent_name = AGENT_NAMES[contact.agent % len(AGENT_NAMES)]
    turns = [("bot", pick(rng, BOT_OPENERS))]
    if rng.random() < 0.35:  # says hello first, the reason comes next
        turns.append(("customer", pick(rng, CHAT_HELLOS)))
    if pii and rng.random() < 0.5:
        reason, pii = f"{reason} {pii}", ""
    turns.append(("customer", reason))
    turns.append(("bot", "Thanks! Connecting you to an agent."))
    turns.append(("agent", f"Hi {customer.first}, I'm {agent_name}. Let me look into that."))
    if pii:
        turns.append(("agent", "Could you confirm a contact detail for the account?"))
        turns.append(("customer", pii))
    turns.append(("agent", _agent_reply(contact, rng)))
    if rng.random() < 0.5:
        turns.append(("customer", pick(rng, FOLLOW_UPS)))
    turns.append(("agent", pick(rng, CHAT_CLOSINGS)))
    # Turn times spread over the session, first at the start and last at the end.
    ended = contact.ts + contact.handle_seconds
    gaps = sorted(int(rng.random() * contact.handle_seconds) for _ in range(len(turns) - 2))
    times = [contact.ts, *(contact.ts + gap for gap in gaps), ended]
    identity = {"id": customer.account_id}
    if rng.random() < 0.6:
        identity["email"] = customer.email
    session = {
        "session_id": f"CH{contact.number:08d}",
        "started_at": format_iso(contact.ts),
        "ended_at": format_iso(ended),
        "customer": identity,
        "agent_id": f"agent{contact.agent:03d}",
        "queue": QUEUES[contact.defect.category],
        "order_ref": f"ORD-{contact.order_no}" if contact.show_order else None,
        "language": "en",
        "turns": [
            {"speaker": speaker, "text": text, "at": format_iso(at)}
            for (speaker, text), at in zip(turns, times, strict=True)
        ],
    }
    return json.dumps(session) + "\n"


def _tweet(tweet_id: int, author: str, inbound: bool, ts: int, text: str, child: int | None,
           parent: int | None) -> list[str]:  # fmt: skip
    # The public dataset stores the parent id as a float, hence the trailing ".0".
    return [
        str(tweet_id),
        author,
        "True" if inbound else "False",
        format_twitter_time(ts),
        text,
        "" if child is None else str(child),
        "" if parent is None else f"{parent}.0",
    ]


def _initials(rng: random.Random) -> str:
    return f"^{pick(rng, 'ABCDEGJKLMPRST')}{pick(rng, 'ABCDEGHKLMNPRSTW')}"


def render_tweets(
    contact: Contact, rng: random.Random, ledger: PiiLedger, ids: Iterator[int]
) -> tuple[list[list[str]], str]:
    """The twcs.csv rows of one customer-started thread, and its root tweet id."""
    slots = make_slots(contact.order_no, contact.ts, rng)
    reason, pii = compose_statement(contact, slots, rng, ledger, casual=True)
    text = f"{reason} {pii}".rstrip()
    text = f"@{BRAND} {text}" if rng.random() < 0.9 else f"{text} @{BRAND}"
    author = contact.customer.author_id
    # (author, inbound, seconds after the previous tweet, text)
    thread = [(author, True, 0, text)]
    if rng.random() < 0.9:
        reply = f"@{author} {pick(rng, BRAND_REPLIES)} {_initials(rng)}"
        thread.append((BRAND, False, 180 + int(rng.random() * 5200), reply))
        if rng.random() < 0.35:
            follow = pick(rng, (*FOLLOW_UPS, "DM sent", "Done, sent you a DM"))
            thread.append((author, True, 300 + int(rng.random() * 14_000), f"@{BRAND} {follow}"))
            if rng.random() < 0.5:
                done = f"@{author} Thanks, we've replied in DM. {_initials(rng)}"
                thread.append((BRAND, False, 120 + int(rng.random() * 3500), done))
    tweet_ids = [next(ids) for _ in thread]
    rows, ts = [], contact.ts
    for index, (who, inbound, delay, body) in enumerate(thread):
        ts += delay
        child = tweet_ids[index + 1] if index + 1 < len(thread) else None
        parent = tweet_ids[index - 1] if index else None
        rows.append(_tweet(tweet_ids[index], who, inbound, ts, body, child, parent))
    return rows, str(tweet_ids[0])


def render_brand_thread(
    ts: int, customer: Customer, rng: random.Random, ids: Iterator[int]
) -> list[list[str]]:
    """A thread the brand started (an announcement and a customer's answer): no contact."""
    root, answer = next(ids), next(ids)
    comment = pick(rng, ("about time", "still waiting on mine", "thanks for the heads up"))
    return [
        _tweet(root, BRAND, False, ts, pick(rng, BRAND_BROADCASTS), answer, None),
        _tweet(answer, customer.author_id, True, ts + 600, f"@{BRAND} {comment}", None, root),
    ]


def render_orphan_reply(
    ts: int, customer: Customer, rng: random.Random, ids: Iterator[int]
) -> list[list[str]]:
    """A customer reply whose root is not in the export (cut off by the time window)."""
    missing = 100_000 + int(rng.random() * 800_000)  # below every id the generator hands out
    text = f"@{BRAND} {pick(rng, FOLLOW_UPS)}"
    return [_tweet(next(ids), customer.author_id, True, ts, text, None, missing)]
