"""Made-up personal data in many written formats, for measuring redaction (no real person).

``FORMATS`` maps a format name to its type and a function drawing one value from a seeded
``random.Random``. Numbers that carry a check (cards, IBANs) get a valid one; phone numbers
use real numbering plans (area codes, mobile ranges) with random subscriber digits.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from typing import NamedTuple

__all__ = ["FORMATS", "Format", "iban_check_digits", "luhn_complete"]


class Format(NamedTuple):
    kind: str  # phone, email, card, iban, ssn, ni, ip, postcode, dob, name, address, account
    make: Callable[[random.Random], str]
    # Personal only because of the words before it ("my number is", "DOB", "account"): on
    # its own the value could as well be an order number or a date.
    cued: bool = False


def _digits(rng: random.Random, count: int, first: str = "0123456789") -> str:
    return rng.choice(first) + "".join(rng.choice(string.digits) for _ in range(count - 1))


def _pick(rng: random.Random, options: str) -> str:
    return rng.choice(options.split("|"))


# --- phones ----------------------------------------------------------------------------
_US_AREAS = "212|213|305|312|404|415|503|512|602|617|646|702|713|718|206|303|214|919"


def _us(rng: random.Random) -> tuple[str, str, str]:
    return _pick(rng, _US_AREAS), _digits(rng, 3, "23456789"), _digits(rng, 4)


def _us_layout(layout: str) -> Callable[[random.Random], str]:
    return lambda rng: layout.format(*_us(rng))


def _uk_mobile(rng: random.Random) -> str:
    return f"07{_pick(rng, '4|5|7|8|9')}{_digits(rng, 2)} {_digits(rng, 6)}"


def _uk_london(rng: random.Random, prefix: str) -> str:
    return f"{prefix}20 {_pick(rng, '3|7|8')}{_digits(rng, 3)} {_digits(rng, 4)}"


def _india(rng: random.Random) -> str:
    return f"+91 {_digits(rng, 5, '6789')} {_digits(rng, 5)}"


def _france(rng: random.Random, international: bool) -> str:
    pairs = " ".join(_digits(rng, 2) for _ in range(4))
    first = _pick(rng, "1|2|3|4|5|6|7")
    return f"+33 {first} {pairs}" if international else f"0{first} {pairs}"


def _germany(rng: random.Random) -> str:
    return f"+49 30 {_digits(rng, 8, '123456789')}"


def _germany_mobile(rng: random.Random) -> str:
    return f"0{_pick(rng, '151|160|170|176')} {_digits(rng, 7, '123456789')}"


def _australia(rng: random.Random) -> str:
    return f"04{_digits(rng, 2)} {_digits(rng, 3)} {_digits(rng, 3)}"


def _australia_intl(rng: random.Random) -> str:
    return f"+61 {_pick(rng, '2|3|7|8')} {_digits(rng, 4, '3456789')} {_digits(rng, 4)}"


def _local_seven(rng: random.Random) -> str:
    return f"{_digits(rng, 3, '23456789')}-{_digits(rng, 4)}"


# --- e-mail ----------------------------------------------------------------------------
_FIRST = "james|maria|wei|aisha|olivia|noah|priya|lucas|fatima|liam|chen|sofia|mateo|yuki|omar"
_LAST = "smith|garcia|nguyen|khan|okafor|muller|rossi|kowalski|tanaka|haddad|silva|novak|berg"
_DOMAINS = "example.com|mail.example.org|example.co.uk|inbox.example.net|example.io|corp.example"


def _email(layout: str) -> Callable[[random.Random], str]:
    def make(rng: random.Random) -> str:
        return layout.format(
            first=_pick(rng, _FIRST),
            last=_pick(rng, _LAST),
            n=rng.randint(1, 999),
            domain=_pick(rng, _DOMAINS),
            host=_pick(rng, "gmail|yahoo|hotmail|outlook|example"),
            tld=_pick(rng, "com|org|net|co.uk|de"),
            ip=f"192.168.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        )

    return make


# --- cards, IBANs, national numbers ------------------------------------------------------
def luhn_complete(body: str) -> str:
    """``body`` plus the check digit that makes it pass the Luhn check."""
    total = 0
    for position, char in enumerate(reversed(body)):
        value = int(char)
        if position % 2 == 0:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return body + str((10 - total % 10) % 10)


def _card(prefixes: str, length: int, groups: tuple[int, ...], sep: str) -> Callable:
    def make(rng: random.Random) -> str:
        prefix = _pick(rng, prefixes)
        digits = luhn_complete(prefix + _digits(rng, length - len(prefix) - 1))
        parts, at = [], 0
        for size in groups:
            parts.append(digits[at : at + size])
            at += size
        return sep.join(parts)

    return make


def iban_check_digits(country: str, bban: str) -> str:
    """ISO 13616 check digits: 98 minus the mod-97 of the rearranged number."""
    number = int("".join(str(int(c, 36)) for c in bban + country + "00"))
    return f"{98 - number % 97:02d}"


_IBAN_BBANS = {
    "GB": lambda rng: _pick(rng, "WEST|BARC|NWBK|LOYD") + _digits(rng, 14),
    "DE": lambda rng: _digits(rng, 18),
    "FR": lambda rng: (
        _digits(rng, 10) + "".join(rng.choice("ABCDEFGHJK") for _ in range(11)) + _digits(rng, 2)
    ),
    "ES": lambda rng: _digits(rng, 20),
    "NL": lambda rng: _pick(rng, "ABNA|INGB|RABO") + _digits(rng, 10),
    "IT": lambda rng: rng.choice("ABCDEFGHIJ") + _digits(rng, 10) + _digits(rng, 12),
    "CH": lambda rng: _digits(rng, 17),
    "BE": lambda rng: _digits(rng, 12),
}


def _iban(country: str, grouped: bool) -> Callable[[random.Random], str]:
    def make(rng: random.Random) -> str:
        bban = _IBAN_BBANS[country](rng)
        iban = country + iban_check_digits(country, bban) + bban
        return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4)) if grouped else iban

    return make


def _ssn(sep: str) -> Callable[[random.Random], str]:
    def make(rng: random.Random) -> str:
        area = rng.choice([a for a in range(1, 900) if a != 666])
        return f"{area:03d}{sep}{rng.randint(1, 99):02d}{sep}{rng.randint(1, 9999):04d}"

    return make


def _ni(spaced: bool) -> Callable[[random.Random], str]:
    def make(rng: random.Random) -> str:
        prefix = rng.choice("ABCEHJKLMNOPRSTWXYZ") + rng.choice("ABCEHJKLMNPRSTWXYZ")
        pairs = [_digits(rng, 2) for _ in range(3)]
        suffix = rng.choice("ABCD")
        return (
            f"{prefix} {' '.join(pairs)} {suffix}" if spaced else prefix + "".join(pairs) + suffix
        )

    return make


def _ipv4(rng: random.Random) -> str:
    return ".".join(str(rng.randint(1, 254)) for _ in range(4))


def _ipv6(compressed: bool) -> Callable[[random.Random], str]:
    def make(rng: random.Random) -> str:
        groups = [f"{rng.randint(0, 0xFFFF):x}" for _ in range(8)]
        if compressed:
            return f"2001:db8::{groups[6]}:{groups[7]}"
        return ":".join(groups)

    return make


# --- postcodes, dates of birth, names, addresses, accounts ----------------------------------
def _uk_postcode(rng: random.Random) -> str:
    outward = _pick(rng, "SW1A|M1|B33|CR2|DN55|EC1A|W1A|LS1|G2|EH1|BS8|NW3")
    return f"{outward} {rng.randint(0, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"  # noqa: E501 (one generated value per line)


def _canada(rng: random.Random) -> str:
    letters = "ABCEGHJKLMNPRSTVXY"
    return f"{rng.choice(letters)}{rng.randint(0, 9)}{rng.choice(letters)} {rng.randint(0, 9)}{rng.choice(letters)}{rng.randint(0, 9)}"  # noqa: E501 (one generated value per line)


_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"


def _dob(layout: str) -> Callable[[random.Random], str]:
    def make(rng: random.Random) -> str:
        year, month, day = rng.randint(1940, 2006), rng.randint(1, 12), rng.randint(1, 28)
        name = _MONTHS.split("|")[month - 1]
        return layout.format(
            y=year, m=month, d=day, yy=year % 100, month=name, mon=name[:3], th=_ordinal(day)
        )

    return make


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


_FULL_NAMES = (
    "John Smith|Priya Patel|Siobhán O'Neill|Jean-Luc Moreau|Zoë Müller|Kwame Mensah"
    "|Ana Lucía Torres|Mei Lin Chen|Oluwaseun Adeyemi|Hannah Schmidt|Dmitri Volkov"
    "|Fatima Al-Sayed|Carlos de la Cruz|Aroha Ngata|Lars van der Berg|Sean McAllister"
)


def _street(layout: str, streets: str) -> Callable[[random.Random], str]:
    return lambda rng: layout.format(n=rng.randint(1, 240), street=_pick(rng, streets))


_EN_STREETS = "Baker Street|Oak Terrace|Elm Loop|Maple Avenue|Station Road|Mill Lane|Cedar Court|Kings Way|Park Drive|Church Close|Willow Crescent|Highfield Place"  # noqa: E501 (one generated value per line)
_FR_STREETS = (
    "Rue de Rivoli|Avenue des Ternes|Boulevard Saint-Michel|Rue du Bac|Place de la Bastille"
)
_TYPE_FIRST = "Via Roma|Via Garibaldi|Calle Mayor|Avenida Paulista|Rua Augusta|Corso Italia"
_COMPOUND = "Hauptstraße|Bahnhofstraße|Keizersgracht|Storgatan|Lindenweg|Marktplatz|Nørregade"

# name -> (type, how one value is drawn)
FORMATS: dict[str, Format] = {
    "phone US (415) 555-0199": Format("phone", _us_layout("({}) {}-{}")),
    "phone US 415-555-0199": Format("phone", _us_layout("{}-{}-{}")),
    "phone US 415.555.0199": Format("phone", _us_layout("{}.{}.{}")),
    "phone US +14155550199": Format("phone", _us_layout("+1{}{}{}")),
    "phone US +1 415 555 0199": Format("phone", _us_layout("+1 {} {} {}")),
    "phone US 001 415 555 0199": Format("phone", _us_layout("001 {} {} {}")),
    "phone US 1-415-555-0199": Format("phone", _us_layout("1-{}-{}-{}")),
    "phone UK mobile 07700 900123": Format("phone", _uk_mobile),
    "phone UK 020 7946 0958": Format("phone", lambda rng: _uk_london(rng, "0")),
    "phone UK +44 20 7946 0958": Format("phone", lambda rng: _uk_london(rng, "+44 ")),
    "phone UK +44 (0)20 7946 0958": Format("phone", lambda rng: _uk_london(rng, "+44 (0)")),
    "phone UK 0044 20 7946 0958": Format("phone", lambda rng: _uk_london(rng, "0044 ")),
    "phone India +91 98765 43210": Format("phone", _india),
    "phone France +33 1 23 45 67 89": Format("phone", lambda rng: _france(rng, True)),
    "phone France 01 23 45 67 89": Format("phone", lambda rng: _france(rng, False)),
    "phone Germany +49 30 12345678": Format("phone", _germany),
    "phone Germany 0151 1234567": Format("phone", _germany_mobile),
    "phone Australia 0412 345 678": Format("phone", _australia),
    "phone Australia +61 2 9876 5432": Format("phone", _australia_intl),
    "phone local 555-1234 after a cue": Format("phone", _local_seven, cued=True),
    "email plain": Format("email", _email("{first}.{last}@{domain}")),
    "email plus tag and digits": Format("email", _email("{first}_{last}{n}+shop@{domain}")),
    "email name@localhost": Format("email", _email("{first}@localhost")),
    'email "quoted local"@domain': Format("email", _email('"{first} {last}"@{domain}')),
    "email user@[IP]": Format("email", _email("{first}.{last}@[{ip}]")),
    "email UPPER case": Format("email", _email("{first}.{last}@EXAMPLE.COM")),
    "email written out with dot and at": Format(
        "email", _email("{first} dot {last} at {host} dot {tld}")
    ),
    "email written (at) (dot)": Format("email", _email("{first}{n}(at){host}(dot){tld}")),
    "email written [at] [dot]": Format("email", _email("{first}.{last} [at] {host} [dot] com")),
    "card Visa 4-4-4-4 spaces": Format("card", _card("4", 16, (4, 4, 4, 4), " ")),
    "card Mastercard 4-4-4-4 dashes": Format(
        "card", _card("51|52|53|54|55|2221|2720", 16, (4, 4, 4, 4), "-")
    ),
    "card Visa dotted": Format("card", _card("4", 16, (4, 4, 4, 4), ".")),
    "card contiguous 16": Format("card", _card("4|5|6011", 16, (16,), "")),
    "card Amex 4-6-5": Format("card", _card("34|37", 15, (4, 6, 5), " ")),
    "card 4-2-2-4-4": Format("card", _card("4|5", 16, (4, 2, 2, 4, 4), " ")),
    "card double spaces": Format("card", _card("4|5", 16, (4, 4, 4, 4), "  ")),
    "card Diners 4-6-4": Format("card", _card("36|38", 14, (4, 6, 4), " ")),
    "card UnionPay 19 digits": Format("card", _card("62", 19, (4, 4, 4, 4, 3), " ")),
    **{
        f"iban {country} {'grouped' if grouped else 'compact'}": Format(
            "iban", _iban(country, grouped)
        )
        for country in _IBAN_BBANS
        for grouped in (True, False)
    },
    "ssn 123-45-6789": Format("ssn", _ssn("-")),
    "ssn 123 45 6789": Format("ssn", _ssn(" ")),
    "ssn 123456789 after a cue": Format("ssn", _ssn(""), cued=True),
    "ni QQ 12 34 56 C": Format("ni", _ni(True)),
    "ni QQ123456C": Format("ni", _ni(False)),
    "ip IPv4": Format("ip", _ipv4),
    "ip IPv6 full": Format("ip", _ipv6(False)),
    "ip IPv6 compressed": Format("ip", _ipv6(True)),
    "postcode UK": Format("postcode", _uk_postcode),
    "postcode US ZIP after a cue": Format(
        "postcode", lambda rng: _digits(rng, 5, "123456789"), cued=True
    ),
    "postcode US ZIP+4": Format(
        "postcode", lambda rng: f"{_digits(rng, 5, '123456789')}-{_digits(rng, 4)}"
    ),
    "postcode Canada": Format("postcode", _canada),
    "postcode Germany PLZ": Format("postcode", lambda rng: _digits(rng, 5, "123456789"), cued=True),
    "postcode Netherlands": Format(
        "postcode",
        lambda rng: (
            f"{_digits(rng, 4, '123456789')} {rng.choice('ABCDEFGHJKLMNPRSTVWXZ')}{rng.choice('ABCDEFGHJKLMNPRSTVWXZ')}"  # noqa: E501 (one generated value per line)
        ),
        cued=True,
    ),
    "postcode India PIN": Format("postcode", lambda rng: _digits(rng, 6, "123456789"), cued=True),
    "postcode Ireland Eircode": Format(
        "postcode",
        lambda rng: (
            f"{_pick(rng, 'D02|A65|T12|H91|V94')} {rng.choice('ACDEFHKNPRTVWXY')}{_digits(rng, 2)}{rng.choice('ACDEFHKNPRTVWXY')}"  # noqa: E501 (one generated value per line)
        ),
    ),
    "dob 12 March 1985": Format("dob", _dob("{d} {month} {y}")),
    "dob March 12, 1985": Format("dob", _dob("{month} {d}, {y}")),
    "dob 03/12/1985": Format("dob", _dob("{m:02d}/{d:02d}/{y}")),
    "dob 1985-03-12": Format("dob", _dob("{y}-{m:02d}-{d:02d}")),
    "dob 12.03.85": Format("dob", _dob("{d:02d}.{m:02d}.{yy:02d}")),
    "dob 12th of Mar 1985": Format("dob", _dob("{th} of {mon} {y}")),
    "name after my name is": Format("name", lambda rng: _pick(rng, _FULL_NAMES)),
    "name after this is / I am / I'm": Format("name", lambda rng: _pick(rng, _FULL_NAMES)),
    "name in lower case after my name is": Format(
        "name", lambda rng: f"{_pick(rng, _FIRST)} {_pick(rng, _LAST)}"
    ),
    "name after a title": Format("name", lambda rng: _pick(rng, _LAST).capitalize()),
    "address number and English street": Format("address", _street("{n} {street}", _EN_STREETS)),
    "address lower-case street": Format(
        "address", _street("{n} {street}", _EN_STREETS.lower().replace("kings way", "oak lane"))
    ),
    "address with flat": Format("address", _street("Flat {n}, 12 {street}", _EN_STREETS)),
    "address French number first": Format("address", _street("{n} {street}", _FR_STREETS)),
    "address type first, number after": Format("address", _street("{street} {n}", _TYPE_FIRST)),
    "address compound street and number": Format("address", _street("{street} {n}", _COMPOUND)),
    "address PO box": Format(
        "address",
        lambda rng: f"{_pick(rng, 'PO Box|P.O. Box|Postfach|PO box')} {rng.randint(10, 99999)}",
    ),
    "account 12-345-678": Format(
        "account", lambda rng: f"{_digits(rng, 2)}-{_digits(rng, 3)}-{_digits(rng, 3)}"
    ),
    "account GB12345678": Format(
        "account", lambda rng: f"{_pick(rng, 'GB|AC|CU')}{_digits(rng, 8)}"
    ),
    "account long number": Format("account", lambda rng: _digits(rng, rng.randint(8, 14))),
    "account sort code 12-34-56": Format(
        "account", lambda rng: "-".join(_digits(rng, 2) for _ in range(3))
    ),
    "account routing number": Format("account", lambda rng: _digits(rng, 9)),
}
