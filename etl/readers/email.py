"""Read e-mail (an mbox stream or a folder of .eml files) into one staging row per thread.

A thread is one contact. Messages are grouped by their root Message-ID (first id in
References, else In-Reply-To, else their own id), so a reply whose root is in another file
still gets the root's id and later loads dedup. Bodies stay raw: greetings, quotes and
signatures are cleaned by normalisation, not here.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.errors import HeaderParseError, MessageError
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from typing import BinaryIO

from dumbcontacts.etl.bounds import excerpt_of
from dumbcontacts.etl.readers.html_text import html_to_text
from dumbcontacts.etl.staging import Reject, RejectedFile

__all__ = [
    "SUPPORT_LOCAL_PARTS",
    "find_order_ref",
    "html_to_text",
    "is_support_address",
    "read_eml_files",
    "read_mbox",
    "split_mbox",
]

SOURCE_SYSTEM = "mailbox"
_SUPPORT_WORDS = "support help care service customerservice customer.service noreply no-reply"
SUPPORT_LOCAL_PARTS = frozenset(_SUPPORT_WORDS.split())
# Possessive blanks (*+): no part after a blank starts with one, so nothing is lost, and
# "order" before a run of blanks cannot backtrack through every way of splitting it (a
# thousand blanks took minutes).
_ORDER_RE = re.compile(
    r"\border\s*+(?:#|no\.?|number|num\.?|ref\.?)?\s*+:?\s*+#?\s*+([A-Z]{2,5}-?\d{3,}|\d{3,})\b",
    re.IGNORECASE,
)
_MSG_ID_RE = re.compile(r"<([^<>\s]+)>")
_ESCAPED_FROM = re.compile(rb">+From ")
_BOUNDARY_RE = re.compile(rb'boundary\s*=\s*"?([^"\s;]{16,})', re.IGNORECASE)
_FOLD_RE = re.compile(r"\r?\n(?=[ \t])")
# The year after the month: "1 Jan 0001 00:00".
_WRITTEN_YEAR = re.compile(r"\b(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\s+(\d+)\s")
# What the email package raises on malformed input (ValueError covers UnicodeError); anything
# else is a bug and propagates with its traceback.
_MALFORMED = (MessageError, LookupError, ValueError, RecursionError)


@dataclass
class _Mail:
    """What a thread needs from one message; the parsed message itself is not kept."""

    record_no: int
    msg_id: str
    own_root: str
    is_agent: bool
    address: str
    name: str
    to: str
    sent_at: datetime | None
    raw_date: str | None
    subject: str
    body: str


def read_mbox(fp: BinaryIO, *, support_addresses: Iterable[str] = ()) -> Iterator[dict | Reject]:
    """Yield one staging row per thread (and a Reject per unreadable message) of an mbox."""
    yield from _read_messages((("", raw) for raw in split_mbox(fp)), support_addresses)


def read_eml_files(
    fps: Iterable[tuple[str, BinaryIO]], *, support_addresses: Iterable[str] = ()
) -> Iterator[dict | Reject]:
    """Like ``read_mbox`` for (file name, file object) pairs; record_no is the file's position."""
    yield from _read_messages(((name, fp.read()) for name, fp in fps), support_addresses)


def split_mbox(fp: BinaryIO) -> Iterator[bytes]:
    """Split an mbox stream on ``From `` lines at line start; each chunk keeps its From_ line.

    Body lines escaped as ``>From `` (``>>From `` ...) lose one ``>`` (mboxrd).
    """
    lines: list[bytes] = []
    for line in fp:
        if line.startswith(b"From "):
            if lines:
                yield b"".join(lines)
            lines = [line]
        elif lines:
            lines.append(line[1:] if line.startswith(b">") and _ESCAPED_FROM.match(line) else line)
        elif line.strip():
            # Text before any From_ line: this is not an mbox (perhaps a lone .eml).
            raise RejectedFile("not an mbox file: text before the first 'From ' line")
    if lines:
        yield b"".join(lines)


def is_support_address(address: str, support: Iterable[str] = ()) -> bool:
    """True for the support side: a support local part, a configured address or @domain."""
    address = address.strip().lower()
    local, _, domain = address.rpartition("@")
    configured = set(support)
    return local in SUPPORT_LOCAL_PARTS or address in configured or f"@{domain}" in configured


def find_order_ref(text: str) -> str | None:
    """The first ``Order #NNN`` / ``order NNN`` reference in text, as written."""
    match = _ORDER_RE.search(text)
    return match.group(1) if match else None


def _read_messages(
    raws: Iterable[tuple[str, bytes]], support_addresses: Iterable[str]
) -> Iterator[dict | Reject]:
    """Rejects as they come; threads only at the end, as a reply may precede its root."""
    support = frozenset(a.strip().lower() for a in support_addresses if a.strip())
    mails: list[_Mail] = []
    for record_no, (name, raw) in enumerate(raws, start=1):
        item = _read_message(record_no, raw, support, name=name)
        if isinstance(item, Reject):
            yield item
        else:
            mails.append(item)
    yield from _stage_threads(mails)


def _read_message(
    record_no: int, raw: bytes, support: frozenset[str], name: str = ""
) -> _Mail | Reject:
    prefix = f"{name}: " if name else ""
    try:
        # compat32 and our own header decoding: the default policy's header registry
        # parses every header on access and made 20k messages take 30 s instead of 3.
        msg = email.message_from_bytes(
            _reuse_boundaries(raw), _class=EmailMessage, policy=email.policy.compat32
        )
        headers = _raw_headers(msg)
        display, address = parseaddr(headers.get("from", ""))
        if "@" not in address:
            return Reject(record_no, f"{prefix}no From address", _excerpt(raw))
        address = address.lower()
        msg_id = next(iter(_all_ids(headers.get("message-id"))), None) or _hash_id(raw)
        # The thread root: first of References, else In-Reply-To, else the message itself.
        roots = _all_ids(headers.get("references")) or _all_ids(headers.get("in-reply-to"))
        own_root = roots[0] if roots else msg_id
        raw_date = _decode_header(headers["date"]).strip() if "date" in headers else None
        tos = getaddresses([headers.get("to", "")])
        return _Mail(
            record_no=record_no,
            msg_id=msg_id,
            own_root=own_root,
            is_agent=is_support_address(address, support),
            address=address,
            name=_decode_header(display).strip(),
            to=next((a.lower() for _, a in tos if "@" in a), ""),
            sent_at=_parse_date(raw_date),
            raw_date=raw_date,
            subject=_decode_header(headers.get("subject", "")).strip(),
            body=_read_body(msg),
        )
    except _MALFORMED as exc:  # a malformed message must never stop the file
        return Reject(
            record_no, f"{prefix}unreadable message ({type(exc).__name__})", _excerpt(raw)
        )


def _reuse_boundaries(raw: bytes) -> bytes:
    """Rename long random MIME boundaries to fixed names (longest first: one may prefix another).

    The parser compiles a regex per distinct boundary, half the parse time of multipart mail;
    fixed names hit the regex cache. Short boundaries might occur in text and are left alone.
    """
    found = {m.group(1) for m in _BOUNDARY_RE.finditer(raw)}
    for number, boundary in enumerate(sorted(found, key=len, reverse=True)):
        raw = raw.replace(boundary, b"dumbcontacts-boundary-%d" % number)
    return raw


def _raw_headers(msg: EmailMessage) -> dict[str, str]:
    """The first value of each header, unfolded, raw 8-bit bytes decoded (a UTF-8 address
    in From, RFC 6532), still RFC 2047-encoded."""
    headers: dict[str, str] = {}
    for key, value in msg.raw_items():
        key = key.lower()
        if key not in headers:
            headers[key] = _decode_8bit(_FOLD_RE.sub("", str(value)))
    return headers


def _decode_8bit(value: str) -> str:
    """Raw 8-bit bytes, which the parser keeps as lone surrogates: UTF-8, else latin-1."""
    if value.isascii():
        return value
    try:
        data = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate no byte made (UTF-7 and the like)
        return value
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _decode_header(value: str) -> str:
    """Decode RFC 2047 encoded words."""
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except (LookupError, ValueError, HeaderParseError, UnicodeError):
        return value


def _all_ids(value: str | None) -> list[str]:
    """Message ids in a header, without ``<>``; a bare id without brackets is accepted."""
    return (_MSG_ID_RE.findall(value) or value.split()) if value else []


def _hash_id(raw: bytes) -> str:
    # Line endings and the mbox From_ line differ between exports of one message; the id must not.
    body = raw.replace(b"\r\n", b"\n")
    if body.startswith(b"From "):
        body = body.partition(b"\n")[2]
    return "sha256-" + hashlib.sha256(body.strip()).hexdigest()[:32] + "@dumbcontacts"


def _parse_date(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        sent = parsedate_to_datetime(raw)
        # RFC 2822's two-digit years ("26") mean 19xx or 20xx, but the parser reads any
        # year below 100 that way, so "0001" became 2001: a year of 3+ digits is as written.
        written = _WRITTEN_YEAR.search(raw)
        if written and len(written[1]) > 2 and int(written[1]) != sent.year:
            sent = sent.replace(year=int(written[1]))
        # RFC 2822 "-0000" means UTC with unknown local zone; Python returns it naive.
        return sent.replace(tzinfo=UTC) if sent.tzinfo is None else sent.astimezone(UTC)
    except (TypeError, ValueError, IndexError, OverflowError):  # past year 9999 in UTC too
        return None


def _format_utc(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _read_body(msg: EmailMessage) -> str:
    """The text of the message: the text/plain part, else the text/html part as text."""
    candidates = list(_body_candidates(msg))
    part = next((p for p in candidates if p.get_content_subtype() == "plain"), None)
    part = part or next((p for p in candidates if p.get_content_subtype() == "html"), None)
    if part is None:
        # Odd structures (text parts marked as attachments): take the first text part at all.
        part = next(
            (p for p in msg.walk() if p.get_content_maintype() == "text" and not p.is_multipart()),
            None,
        )
    if part is None:
        return ""
    text = _decode_part(part).replace("\r\n", "\n")
    # Trailing newlines are the mbox separator's, not the writer's.
    return html_to_text(text) if part.get_content_subtype() == "html" else text.rstrip("\r\n")


def _body_candidates(msg: EmailMessage) -> Iterator[EmailMessage]:
    """The text parts that are not attachments, in order, as ``get_body`` finds them.

    ``get_body`` itself fails on any Content-Disposition header under compat32 (it asks the
    header for an attribute only the default policy's headers have); and a stack, not
    recursion, so a hostile nesting of parts costs no stack.
    """
    stack = [msg]
    while stack:
        part = stack.pop()
        if part.get_content_disposition() == "attachment":
            continue
        if part.get_content_maintype() == "text":
            yield part
        elif part.get_content_maintype() == "multipart" and part.is_multipart():
            stack.extend(reversed(part.get_payload()))


def _decode_part(part: EmailMessage) -> str:
    payload = part.get_payload(decode=True) or b""
    declared = part.get_content_charset()
    # Declared charset first; then UTF-8 (the usual undeclared 8-bit); latin-1 never fails.
    for charset in filter(None, (declared, "utf-8")):
        try:
            return payload.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("latin-1", errors="replace")


def _excerpt(raw: bytes) -> str:
    return excerpt_of(raw)


def _resolve_roots(mails: list[_Mail]) -> dict[str, str]:
    """Map every message id to its thread root, following roots that are themselves replies
    (a reply with only In-Reply-To names its parent; when that is in the input, use its root).
    """
    own = {m.msg_id: m.own_root for m in mails}
    roots: dict[str, str] = {}
    for msg_id, root in own.items():
        seen = {msg_id}
        while root in own and own[root] != root and root not in seen:
            seen.add(root)
            root = own[root]
        roots[msg_id] = root
    return roots


def _stage_threads(mails: list[_Mail]) -> Iterator[dict]:
    roots = _resolve_roots(mails)
    threads: dict[str, list[_Mail]] = {}
    seen_ids: set[str] = set()
    for mail in mails:
        if mail.msg_id in seen_ids:  # the same message twice (e.g. a copy in Sent)
            continue
        seen_ids.add(mail.msg_id)
        threads.setdefault(roots[mail.msg_id], []).append(mail)
    for root, thread in threads.items():
        row = _stage_thread(root, thread)
        if row is not None:
            yield row


def _stage_thread(root: str, thread: list[_Mail]) -> dict | None:
    customers = [m for m in thread if not m.is_agent]
    if not customers:
        return None  # outbound only (a campaign, a notice): nobody contacted us
    ordered = sorted(
        thread, key=lambda m: (m.sent_at is None, m.sent_at or datetime.min, m.record_no)
    )
    customers = [m for m in ordered if not m.is_agent]
    agents = [m for m in ordered if m.is_agent]
    dated = [m.sent_at for m in ordered if m.sent_at is not None]
    bad_dates = [m.raw_date for m in ordered if m.raw_date and m.sent_at is None]
    first = customers[0]
    # The body states the reason; the subject is only a fallback when no body does.
    turns = [m.body for m in customers] + ([first.subject] if first.subject else [])
    transcript = "\n\n".join(
        [f"Subject: {first.subject}"]
        + [f"Agent: {m.body}" if m.is_agent else f"Customer: {m.body}" for m in ordered]
    )
    return {
        "record_no": min(m.record_no for m in thread),
        "source_system": SOURCE_SYSTEM,
        "source_id": root,
        # We cannot order a thread with an unreadable Date; pass it on so normalisation
        # rejects the contact and names the value.
        "started_at": bad_dates[0] if bad_dates else (_format_utc(dated[0]) if dated else None),
        "ended_at": _format_utc(dated[-1]) if dated else None,
        "handle_seconds": None,
        "customer_id": first.address,
        "agent_id": _agent_key(agents[0]) if agents else None,
        "order_ref": _thread_order_ref(customers, agents),
        "queue": first.to or None,
        "disposition_code": None,
        "language": None,
        "customer_turns": turns,
        "transcript": transcript,
    }


def _agent_key(mail: _Mail) -> str:
    # A shared support@ address says nothing about who answered; the display name does.
    local = mail.address.partition("@")[0]
    return mail.name if mail.name and local in SUPPORT_LOCAL_PARTS else mail.address


def _thread_order_ref(customers: list[_Mail], agents: list[_Mail]) -> str | None:
    for mail in (*customers, *agents):
        ref = find_order_ref(mail.subject) or find_order_ref(mail.body)
        if ref:
            return ref
    return None
