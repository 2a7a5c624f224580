"""A seeded corpus for measuring redaction: made-up personal data in customer sentences,
next to business references that must survive, written as all four raw exports.

``make_pii_cases`` draws values of every format in ``pii_values.FORMATS`` and puts each in a
customer sentence with a cue as people write it, followed by a sentence of business
references (order and tracking numbers, SKUs, amounts, dates, times, quantities).
``write_pii_exports`` writes every case as a contact of each channel (calls.csv,
chats.jsonl, emails.mbox, twcs.csv), every fourth case once more as a malformed record that
the reader rejects, and every tenth value (of the types that are personal on their own) into
the order-reference field. ``read_stored_texts`` reads every stored text column back;
``score`` counts what is left of each value (``leaks``) and which business references were
lost (``lost_references``).
"""

from __future__ import annotations

import csv
import json
import random
import re
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import select

from dumbcontacts.etl.schema import contacts, loads, rejects
from dumbcontacts.etl.warehouse import Warehouse
from dumbcontacts.samples.pii_values import FORMATS

__all__ = [
    "READERS",
    "PiiCase",
    "Placement",
    "Score",
    "leaks",
    "lost_references",
    "make_pii_cases",
    "read_stored_texts",
    "score",
    "write_pii_exports",
]

READERS = ("calls.csv", "chats.jsonl", "emails.mbox", "twcs.csv")

# How a value of each type is introduced; a format listed in _FORMAT_SENTENCES overrides.
_SENTENCES = {
    "phone": ("You can call me on {v}.", "Please ring me back at {v} after 5pm.",
              "My mobile is {v}", "reach me on {v} any time"),
    "email": ("Please reply to {v}.", "My email is {v}", "Send the label to {v} please.",
              "contact me at {v} thanks"),
    "card": ("The card I used is {v}.", "It was charged to my card {v}",
             "I paid with {v} yesterday.", "Card number {v} if you need it."),
    "iban": ("Please refund it to IBAN {v}.", "My bank account is {v}", "refund to {v} please"),
    "ssn": ("My SSN is {v}.", "social security number {v} for the credit check"),
    "ni": ("My National Insurance number is {v}.", "NI number: {v}", "it is {v} on the form"),
    "ip": ("I was blocked logging in from {v} this morning.", "my IP address is {v}"),
    "postcode": ("My postcode is {v}.", "postal code {v} is on the label"),
    "dob": ("I was born on {v}.", "DOB: {v}", "my date of birth is {v}",
            "The account holder's birthday is {v}."),
    "name": ("Hi, my name is {v} and I need help.", "My name is {v}."),
    "address": ("Please send it to {v}.", "My address is {v}, London",
                "I moved, deliver to {v} instead.", "I live at {v} now."),
    "account": ("My account number is {v}.", "account no. {v}", "Account: {v} please check"),
}  # fmt: skip
_FORMAT_SENTENCES = {
    "phone local 555-1234 after a cue": ("My number is {v}.", "call me on {v} tonight",
                                         "Phone: {v}"),
    "ssn 123456789 after a cue": ("My SSN is {v}.", "SSN: {v}"),
    "postcode US ZIP after a cue": ("zip code {v}", "My ZIP is {v}."),
    "postcode US ZIP+4": ("zip {v}", "Springfield, IL {v}", "Austin, TX {v} is the address"),
    "postcode Germany PLZ": ("PLZ {v}", "Postleitzahl: {v}", "postcode {v}"),
    "postcode Netherlands": ("postcode {v}", "my postal code is {v}"),
    "postcode India PIN": ("PIN code {v}", "pincode: {v}", "Mumbai - {v}"),
    "postcode Ireland Eircode": ("Eircode {v}", "my eircode is {v}", "Dublin {v}"),
    "postcode UK": ("My postcode is {v}.", "London {v}", "it's {v} for the courier"),
    "name after this is / I am / I'm": ("Hi, this is {v} calling about my order.",
                                        "I am {v} and I placed the order.", "I'm {v}, hello."),
    "name in lower case after my name is": ("my name is {v} and im locked out",
                                            "name: {v}"),
    "name after a title": ("Please address it to Mr. {v}.", "Dr {v} ordered this",
                           "Mrs {v} is the account holder."),
    "account sort code 12-34-56": ("sort code {v}", "Sort code: {v}"),
    "account routing number": ("routing number {v}", "the routing no. is {v}"),
}  # fmt: skip
_BUSINESS = (
    "Order {order} placed on {date} for {amount} still hasn't arrived.",
    "Tracking {tracking} says it left the depot at {time} on {date}.",
    "I ordered {qty} x SKU {sku} for {amount} on {date}.",
    "Invoice {invoice} shows {qty} items at {amount} each.",
    "The parcel, tracking number {tracking}, was due {date} by {time}.",
    "It's about order {order}: {qty} items, {amount} in total.",
)


class PiiCase(NamedTuple):
    case_id: str
    kind: str
    format: str
    value: str
    text: str  # the customer's message
    sentence: str  # the part of it that holds the value
    references: tuple[str, ...]  # business references in the same message
    cued: bool  # personal only because of the words before it


class Placement(NamedTuple):
    """Where a case's message went: a contact (its source id) or a rejected record."""

    case: PiiCase
    reader: str
    source_id: str | None
    record_no: int | None  # for a rejected record


def make_pii_cases(seed: int = 7, per_format: int = 6) -> list[PiiCase]:
    rng = random.Random(seed)
    cases = []
    for name, (kind, make, cued) in FORMATS.items():
        for _ in range(per_format):
            value = make(rng)
            templates = _FORMAT_SENTENCES.get(name, _SENTENCES[kind])
            references = _references(rng)
            template = rng.choice(_BUSINESS)
            business = template.format(**references)
            sentence = rng.choice(templates).format(v=value)
            text = f"{sentence} {business}" if rng.random() < 0.7 else f"{business} {sentence}"
            used = tuple(v for k, v in references.items() if "{" + k + "}" in template)
            cued = cued or kind in ("dob", "name", "account")
            case_id = f"P{len(cases) + 1:05d}"
            cases.append(PiiCase(case_id, kind, name, value, text, sentence, used, cued))
    return cases


def _references(rng: random.Random) -> dict[str, str]:
    day, month = rng.randint(1, 28), rng.randint(1, 12)
    return {
        "order": rng.choice(
            [f"{rng.randint(10_000_000, 99_999_999)}", f"ORD-{rng.randint(1_000_000, 9_999_999)}",
             f"#{rng.randint(1_000_000, 9_999_999)}"]
        ),
        "tracking": rng.choice(
            [f"1Z{rng.randint(100, 999)}AA1{rng.randint(10**12, 10**13 - 1)}",
             "9400 " + " ".join(f"{rng.randint(0, 9999):04d}" for _ in range(4)) + " 12",
             f"JD{rng.randint(10**17, 10**18 - 1)}"]
        ),
        "sku": rng.choice([f"A{rng.randint(10**7, 10**8 - 1)}", f"SKU-{rng.randint(1000, 9999)}-BLK"]),  # noqa: E501
        "amount": rng.choice([f"${rng.randint(1, 2999):,}.{rng.randint(0, 99):02d}",
                              f"£{rng.randint(5, 500)}.{rng.randint(0, 99):02d}",
                              f"€{rng.randint(5, 900)},{rng.randint(0, 99):02d}"]),
        "date": rng.choice([f"{day:02d}/{month:02d}/2026", f"2026-{month:02d}-{day:02d}",
                            f"{day} March 2026"]),
        "time": f"{rng.randint(7, 21)}:{rng.choice(['00', '15', '30', '45'])}",
        "qty": str(rng.randint(2, 24)),
        "invoice": f"INV-2026-{rng.randint(1, 9999):04d}",
    }  # fmt: skip


def write_pii_exports(cases: list[PiiCase], folder: Path) -> list[Placement]:
    """Write the four exports into ``folder``; return where each case's message went."""
    folder.mkdir(parents=True, exist_ok=True)
    placements: list[Placement] = []
    for reader, write in (
        ("calls.csv", _write_calls),
        ("chats.jsonl", _write_chats),
        ("emails.mbox", _write_mbox),
        ("twcs.csv", _write_tweets),
    ):
        placements += write(cases, folder / reader)
    return placements


def _rejected(cases: list[PiiCase]) -> list[PiiCase]:
    return cases[::4]


def _order_ref(case: PiiCase, reference: str) -> str:
    """Every tenth case types its value where the order reference goes, when the value
    is personal on its own (a bare "555-1234" in that field may well be an order number)."""
    return case.value if case.case_id.endswith("0") and not case.cued else reference


def _write_calls(cases: list[PiiCase], path: Path) -> list[Placement]:
    header = ["call_id", "started_at", "ended_at", "caller_number", "queue", "agent_id",
              "wrap_up_code", "order_ref", "transcript"]  # fmt: skip
    placements = []
    with path.open("w", newline="", encoding="utf-8") as fp:
        writer = csv.writer(fp)
        writer.writerow(header)
        record = 0
        for case in cases:
            order_ref = _order_ref(case, "ORD-1234567")
            transcript = f"Agent: Thanks for calling, how can I help?\nCustomer: {case.text}"
            writer.writerow([f"C-{case.case_id}", "2026-09-01T08:00:00Z", "2026-09-01T08:05:00Z",
                             "+15550000000", "billing", "agent7", "W1", order_ref, transcript])  # fmt: skip  # noqa: E501
            record += 1
            placements.append(Placement(case, "calls.csv", f"C-{case.case_id}", None))
        for case in _rejected(cases):
            # One field too many; short, so the reader's excerpt holds the whole sentence.
            writer.writerow([f"X-{case.case_id}", case.sentence, *["x"] * len(header)])
            record += 1
            placements.append(Placement(case, "calls.csv", None, record))
    return placements


def _write_chats(cases: list[PiiCase], path: Path) -> list[Placement]:
    placements = []
    with path.open("w", encoding="utf-8") as fp:
        line = 0
        for case in cases:
            session = {
                "session_id": f"S-{case.case_id}",
                "started_at": "2026-09-01T08:00:00Z",
                "order_ref": _order_ref(case, "#7654321"),
                "turns": [
                    {"speaker": "bot", "text": "Hi! How can I help today?"},
                    {"speaker": "customer", "text": case.text},
                ],
            }
            fp.write(json.dumps(session, ensure_ascii=False) + "\n")
            line += 1
            placements.append(Placement(case, "chats.jsonl", f"S-{case.case_id}", None))
        for case in _rejected(cases):
            # A line cut short: not JSON, rejected with its text as the excerpt.
            fp.write(json.dumps({"id": f"X-{case.case_id}", "text": case.sentence})[:-1] + "\n")
            line += 1
            placements.append(Placement(case, "chats.jsonl", None, line))
    return placements


def _write_mbox(cases: list[PiiCase], path: Path) -> list[Placement]:
    placements = []
    with path.open("w", encoding="utf-8") as fp:
        message = 0
        for case in cases:
            fp.write(_mail(f"<{case.case_id}@customer.example>", "customer@example.net", case.text))
            message += 1
            placements.append(
                Placement(case, "emails.mbox", f"{case.case_id}@customer.example", None)
            )
        for case in _rejected(cases):
            fp.write(_mail(f"<X{case.case_id}@customer.example>", "", case.sentence))  # no From
            message += 1
            placements.append(Placement(case, "emails.mbox", None, message))
    return placements


def _mail(message_id: str, sender: str, body: str) -> str:
    body = re.sub(r"(?m)^From ", ">From ", body)
    return (
        "From customer@example.net Tue Sep  1 08:00:00 2026\n"
        f"From: {sender}\nTo: support@shop.example\nSubject: Help with my order\n"
        f"Date: Tue, 01 Sep 2026 08:00:00 +0000\nMessage-ID: {message_id}\n"
        "Content-Type: text/plain; charset=utf-8\n\n"
        f"Hello,\n\n{body}\n\nThanks\n\n"
    )


def _write_tweets(cases: list[PiiCase], path: Path) -> list[Placement]:
    placements = []
    with path.open("w", newline="", encoding="utf-8") as fp:
        writer = csv.writer(fp)
        writer.writerow(["tweet_id", "author_id", "inbound", "created_at", "text",
                         "response_tweet_id", "in_response_to_tweet_id"])  # fmt: skip
        record = 0
        for number, case in enumerate(cases, start=1):
            writer.writerow([str(number), f"u{number}", "True", "Tue Sep 01 08:00:00 +0000 2026",
                             f"@ShopHelp {case.text}", "", ""])  # fmt: skip
            record += 1
            placements.append(Placement(case, "twcs.csv", str(number), None))
        for case in _rejected(cases):
            writer.writerow([f"x{case.case_id}", "u0", "True", case.sentence])
            record += 1
            placements.append(Placement(case, "twcs.csv", None, record))
    return placements


_GENERIC = {
    *[
        "street",
        "road",
        "lane",
        "avenue",
        "terrace",
        "loop",
        "court",
        "drive",
        "close",
        "crescent",
        "place",
        "way",
        "box",
        "rue",
        "via",
        "calle",
        "avenida",
        "rua",
        "corso",
        "de",
        "la",
        "du",
        "des",
        "del",
        "van",
        "der",
        "at",
        "dot",
        "com",
        "org",
        "net",
        "co",
        "uk",
        "de",
        "io",
        "gmail",
        "yahoo",
        "hotmail",
        "outlook",
        "example",
        "mail",
        "inbox",
        "corp",
        "localhost",
        "flat",
        "shop",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "oct",
        "nov",
        "dec",
    ]
}


def leaks(value: str, stored: str) -> list[str]:
    """The pieces of ``value`` still in ``stored``: the value, a 3+ character token holding
    a digit ("0199", "1AA"), a 4+ digit run, or a word of 3+ letters that is not generic."""
    found = [value] if value.lower() in stored.lower() else []
    stored_tokens = {t.lower() for t in re.findall(r"\w+", stored)}
    for token in set(re.findall(r"\w+", value)):
        has_digit = any(c.isdigit() for c in token)
        specific = has_digit or token.lower() not in _GENERIC
        if specific and len(token) >= 3 and token.lower() in stored_tokens:
            found.append(token)
    stored_runs = set(re.findall(r"[0-9]+", stored))
    found += [run for run in re.findall(r"[0-9]{4,}", value) if run in stored_runs]
    # Split differently, the digits are still the number: "AB 12 34 56" of "AB 12 34 56 C".
    digits = re.sub(r"[^0-9]", "", value)
    if len(digits) >= 6 and digits in re.sub(r"(?<=[0-9])[ .()/-]+(?=[0-9])", "", stored):
        found.append(digits)
    return sorted(set(found))


def lost_references(references: tuple[str, ...], stored: str) -> list[str]:
    """The business references that did not survive verbatim."""
    return [reference for reference in references if reference not in stored]


def read_stored_texts(warehouse: Warehouse) -> dict[tuple[str, str], str]:
    """Every stored text column, per (export file name, contact source id or reject number)."""
    stored: dict[tuple[str, str], str] = {}
    with warehouse.connect() as conn:
        names = {
            load_id: Path(source).name
            for load_id, source in conn.execute(select(loads.c.load_id, loads.c.source))
        }
        columns = (contacts.c.reason_text, contacts.c.transcript, contacts.c.order_ref,
                   contacts.c.queue, contacts.c.disposition_code)  # fmt: skip
        for load_id, source_id, *texts in conn.execute(
            select(contacts.c.load_id, contacts.c.source_id, *columns)
        ):
            stored[(names[load_id], source_id)] = "\n".join(t for t in texts if t)
        for load_id, record_no, reason, excerpt in conn.execute(
            select(rejects.c.load_id, rejects.c.record_no, rejects.c.reason, rejects.c.excerpt)
        ):
            stored[(names[load_id], f"#{record_no}")] = f"{reason}\n{excerpt or ''}"
    return stored


class Score(NamedTuple):
    values: dict[str, int]  # per type
    removed: dict[str, int]
    references: int
    references_kept: int
    misses: list[tuple[Placement, list[str]]]
    lost: list[tuple[Placement, list[str]]]


def score(placements: list[Placement], stored: dict[tuple[str, str], str]) -> Score:
    """Recall per type (a value counts only if nothing of it is left where it went) and the
    business references kept (in contacts; a reject's excerpt may be cut short)."""
    values: dict[str, int] = {}
    removed: dict[str, int] = {}
    misses, lost = [], []
    references = kept = 0
    for placement in placements:
        key = placement.source_id if placement.record_no is None else f"#{placement.record_no}"
        text = stored.get((placement.reader, key))
        if text is None:
            raise ValueError(
                f"{placement.reader} {key}: nothing stored for {placement.case.case_id}"
            )
        kind = placement.case.kind
        values[kind] = values.get(kind, 0) + 1
        found = leaks(placement.case.value, text)
        if found:
            misses.append((placement, found))
        else:
            removed[kind] = removed.get(kind, 0) + 1
        if placement.record_no is None:
            gone = lost_references(placement.case.references, text)
            references += len(placement.case.references)
            kept += len(placement.case.references) - len(gone)
            if gone:
                lost.append((placement, gone))
    return Score(values, removed, references, kept, misses, lost)
