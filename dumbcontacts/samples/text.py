"""Text pieces for the sample data: customers, timestamps, reasons, typos and PII.

Everything here is a pure function of its arguments and a ``random.Random``, so the
generator stays deterministic. Every PII value put into any text goes through a
``PiiLedger``, which is how ``ground_truth.json`` can list them all.
"""

from __future__ import annotations

import datetime
import random
from functools import lru_cache
from typing import NamedTuple

from dumbcontacts.samples.phrases import (
    AREA_CODES,
    CARRIERS,
    CUSTOMER_DOMAINS,
    FIRST_NAMES,
    LAST_NAMES,
    PII_SENTENCES,
    PRODUCTS,
    STREETS,
)

__all__ = [
    "Customer",
    "PiiLedger",
    "add_typos",
    "format_asctime",
    "format_iso",
    "format_phone",
    "format_quote_date",
    "format_rfc2822",
    "format_spoken_date",
    "format_twitter_time",
    "luhn_check_digit",
    "make_card_number",
    "make_customer",
    "make_slots",
    "pick",
    "render_pii_sentence",
]

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")  # fmt: skip
_EPOCH = datetime.date(1970, 1, 1)


def pick(rng: random.Random, items):
    """One item of a sequence; cheaper than ``rng.choice`` in the per-contact loop."""
    return items[int(rng.random() * len(items))]


class Customer(NamedTuple):
    account_id: str
    first: str
    last: str
    email: str
    area: str
    exchange: int
    line: int
    author_id: str

    @property
    def e164(self) -> str:
        return f"+1{self.area}{self.exchange}{self.line:04d}"


def make_customer(index: int, salt: int) -> Customer:
    """The pool customer ``index``. Multipliers are coprime with their moduli, so ids,
    e-mails and handles are unique per index without storing the pool."""
    mix = (index * 0x9E3779B1 + salt) & 0xFFFFFFFF
    first = FIRST_NAMES[mix % len(FIRST_NAMES)]
    last = LAST_NAMES[(mix >> 8) % len(LAST_NAMES)]
    domain = CUSTOMER_DOMAINS[(mix >> 16) % len(CUSTOMER_DOMAINS)]
    style = (mix >> 20) % 3
    if style == 0:
        local = f"{first}.{last}{index}"
    elif style == 1:
        local = f"{first[0]}{last}{index}"
    else:
        local = f"{first}_{last}{index}"
    phone = (index * 2654435761 + salt) % (len(AREA_CODES) * 800 * 10_000)
    return Customer(
        account_id=f"ACC{(index * 7919 + salt) % 100_000_000:08d}",
        first=first,
        last=last,
        email=f"{local.lower()}@{domain}",
        area=AREA_CODES[phone % len(AREA_CODES)],
        exchange=200 + (phone // len(AREA_CODES)) % 800,
        line=phone // (len(AREA_CODES) * 800),
        author_id=str(100_000 + (index * 48271 + salt) % 900_000_000),
    )


def format_phone(area: str, exchange: int, line: int, style: int) -> str:
    """The same number the many ways people write it."""
    if style == 0:
        return f"+1 {area} {exchange} {line:04d}"
    if style == 1:
        return f"({area}) {exchange}-{line:04d}"
    if style == 2:
        return f"{area}.{exchange}.{line:04d}"
    if style == 3:
        return f"{area}-{exchange}-{line:04d}"
    return f"+1{area}{exchange}{line:04d}"


def luhn_check_digit(digits: str) -> str:
    """The digit that makes ``digits + it`` pass the Luhn check."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:  # doubled: these sit at odd positions once the check is added
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return str(-total % 10)


def make_card_number(rng: random.Random) -> str:
    """A Luhn-valid 16-digit Visa or Mastercard number, spaced in fours half the time."""
    body = pick(rng, ("4", "51", "52", "53", "54", "55"))
    body += "".join(str(int(rng.random() * 10)) for _ in range(15 - len(body)))
    number = body + luhn_check_digit(body)
    if rng.random() < 0.5:
        return " ".join(number[i : i + 4] for i in range(0, 16, 4))
    return number


@lru_cache(maxsize=4096)
def _day_parts(day_number: int) -> tuple[str, str, int, str, int]:
    day = _EPOCH + datetime.timedelta(days=day_number)
    return day.isoformat(), _DAYS[day.weekday()], day.day, _MONTHS[day.month - 1], day.year


def _split(ts: int) -> tuple[tuple[str, str, int, str, int], str]:
    day_number, seconds = divmod(ts, 86_400)
    hours, rest = divmod(seconds, 3600)
    return _day_parts(day_number), f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def format_iso(ts: int) -> str:
    """``2026-08-03T09:15:22Z`` for POSIX seconds ``ts``."""
    (iso, *_), clock = _split(ts)
    return f"{iso}T{clock}Z"


def format_rfc2822(ts: int, offset_minutes: int = 0) -> str:
    """An e-mail ``Date``: the same instant shown in a sender's local time."""
    (_, wday, mday, mon, year), clock = _split(ts + offset_minutes * 60)
    sign = "-" if offset_minutes < 0 else "+"
    hours, minutes = divmod(abs(offset_minutes), 60)
    return f"{wday}, {mday:02d} {mon} {year} {clock} {sign}{hours:02d}{minutes:02d}"


def format_asctime(ts: int) -> str:
    """The date on an mbox ``From `` separator line."""
    (_, wday, mday, mon, year), clock = _split(ts)
    return f"{wday} {mon} {mday:2d} {clock} {year}"


def format_twitter_time(ts: int) -> str:
    """``Tue Oct 31 22:10:47 +0000 2017``, as in the public dataset."""
    (_, wday, mday, mon, year), clock = _split(ts)
    return f"{wday} {mon} {mday:02d} {clock} +0000 {year}"


def format_quote_date(ts: int) -> str:
    """The date in an ``On <date>, <name> wrote:`` quote header."""
    (_, wday, mday, mon, year), clock = _split(ts)
    return f"{wday}, {mday} {mon} {year} at {clock[:5]}"


def format_spoken_date(ts: int, rng: random.Random) -> str:
    """A date a few days before ``ts`` the way a customer would write it."""
    day = _EPOCH + datetime.timedelta(days=ts // 86_400 - 2 - int(rng.random() * 12))
    style = int(rng.random() * 4)
    if style == 0:
        return f"{_MONTHS[day.month - 1]} {day.day}"
    if style == 1:
        return f"{day.day} {_MONTH_NAMES[day.month - 1]}"
    if style == 2:
        return f"{day.month}/{day.day}"
    return f"last {_DAY_NAMES[day.weekday()]}"


def make_slots(order_no: int, ts: int, rng: random.Random) -> dict[str, object]:
    """Values for every template slot, shared by a contact's reason and subject line."""
    order = (f"#{order_no}", str(order_no), f"ORD-{order_no}")[int(rng.random() * 3)]
    product = pick(rng, PRODUCTS)
    item2 = pick(rng, PRODUCTS)
    if item2 == product:
        item2 = PRODUCTS[(PRODUCTS.index(product) + 1) % len(PRODUCTS)]
    return {
        "order": order,
        "product": product,
        "item2": item2,
        "amount": f"${5 + int(rng.random() * 400)}.{int(rng.random() * 100):02d}",
        "date": format_spoken_date(ts, rng),
        "days": 3 + int(rng.random() * 12),
        "carrier": pick(rng, CARRIERS),
    }


_NEIGHBOURS = "qwertyuiopasdfghjklzxcvbnm"


def add_typos(text: str, rng: random.Random) -> str:
    """One or two slips (swap, drop, double, wrong key) in alphabetic words only, so
    order numbers, amounts and PII are never touched."""
    words = text.split(" ")
    candidates = [i for i, word in enumerate(words) if len(word) >= 4 and word.isalpha()]
    if not candidates:
        return text
    for _ in range(1 + int(rng.random() * 2)):
        index = pick(rng, candidates)
        word = words[index]
        at = 1 + int(rng.random() * (len(word) - 2))
        kind = int(rng.random() * 4)
        if kind == 0:
            word = word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]
        elif kind == 1:
            word = word[:at] + word[at + 1 :]
        elif kind == 2:
            word = word[:at] + word[at] + word[at:]
        else:
            word = word[:at] + pick(rng, _NEIGHBOURS) + word[at + 1 :]
        words[index] = word
    return " ".join(words)


class PiiLedger:
    """Every PII value written into any text, in first-use order (dicts keep order)."""

    def __init__(self) -> None:
        self.values: dict[str, dict[str, None]] = {
            "emails": {},
            "phones": {},
            "cards": {},
            "addresses": {},
            "account_numbers": {},
        }

    def record(self, kind: str, value: str) -> str:
        self.values[kind][value] = None
        return value

    def as_lists(self) -> dict[str, list[str]]:
        return {kind: list(values) for kind, values in self.values.items()}


_PII_KINDS = ("phone", "phone", "email", "email", "card", "card", "street", "account")


def render_pii_sentence(customer: Customer, rng: random.Random, ledger: PiiLedger) -> str:
    """A sentence carrying one PII value of the customer's, recorded in ``ledger``."""
    kind = pick(rng, _PII_KINDS)
    template = pick(rng, PII_SENTENCES[kind])
    if kind == "phone":
        style = int(rng.random() * 5)
        value = format_phone(customer.area, customer.exchange, customer.line, style)
        return template.format(phone=ledger.record("phones", value))
    if kind == "email":
        return template.format(email=ledger.record("emails", customer.email))
    if kind == "card":
        return template.format(card=ledger.record("cards", make_card_number(rng)))
    if kind == "street":
        value = f"{1 + int(rng.random() * 240)} {pick(rng, STREETS)}"
        return template.format(street=ledger.record("addresses", value))
    digits = 10 + int(rng.random() * 7)
    value = str(1 + int(rng.random() * 9)) + "".join(
        str(int(rng.random() * 10)) for _ in range(digits - 1)
    )
    return template.format(account=ledger.record("account_numbers", value))
