"""Personal data of every supported format is fully redacted, in a customer's sentence, and
the business references in the same sentence survive; end to end through all four readers
and the reject path too (benchmarks/pii.py measures the same on a larger corpus)."""

import polars as pl
import pytest

from dumbcontacts.etl.load import load_paths
from dumbcontacts.etl.redact import redact_series, redact_text
from dumbcontacts.samples.pii_corpus import (
    leaks,
    lost_references,
    make_pii_cases,
    read_stored_texts,
    score,
    write_pii_exports,
)

# (format, message, personal values that must go, business references that must stay)
CASES = [
    # phones, by country and layout
    (
        "US (415) 555-0199",
        "Call me at (415) 555-0199, order 12345678.",
        ["(415) 555-0199"],
        ["12345678"],
    ),
    (
        "US +1 (415) 555-0199",
        "ring +1 (212) 555-0147 re SKU A12345678",
        ["+1 (212) 555-0147"],
        ["A12345678"],
    ),
    ("US dotted", "415.555.0199 after 10:30 please", ["415.555.0199"], ["10:30"]),
    ("US E.164", "whatsapp +14155550199 about $49.99", ["+14155550199"], ["$49.99"]),
    ("US 001 prefix", "from abroad: 001 415 555 0199, 3 items", ["001 415 555 0199"], ["3 items"]),
    (
        "US fictional 555",
        "my cell (555) 123-4567 since 12/03/2026",
        ["(555) 123-4567"],
        ["12/03/2026"],
    ),
    ("US toll free 1-800", "1-800-555-0199 hung up on me", ["1-800-555-0199"], []),
    (
        "UK mobile",
        "Text me on 07700 900123 about order ORD-4653713.",
        ["07700 900123"],
        ["ORD-4653713"],
    ),
    ("UK mobile, no spaces", "07700900123 is my mobile", ["07700900123"], []),
    ("UK +44 (0)", "+44 (0)20 7946 0958 is the office", ["+44 (0)20 7946 0958"], []),
    (
        "UK 0044",
        "0044 20 7946 0958 or tracking 1Z999AA10123456784",
        ["0044 20 7946 0958"],
        ["1Z999AA10123456784"],
    ),
    ("India", "Call +91 98765 43210 or +91-9876543210", ["+91 98765 43210", "+91-9876543210"], []),
    (
        "France",
        "Appelez le +33 1 23 45 67 89 ou 06 12 34 56 78",
        ["+33 1 23 45 67 89", "06 12 34 56 78"],
        [],
    ),
    ("Germany", "Tel. +49 30 12345678 oder 0151 1234567", ["+49 30 12345678", "0151 1234567"], []),
    (
        "Australia",
        "mobile 0412 345 678, 1800 123 456 for work",
        ["0412 345 678", "1800 123 456"],
        [],
    ),
    ("Brazil", "+55 11 91234-5678 whatsapp", ["+55 11 91234-5678"], []),
    ("Japan", "電話 +81 3-1234-5678", ["+81 3-1234-5678"], []),
    ("Singapore, 8 digits", "reach me +65 9123 4567", ["+65 9123 4567"], []),
    (
        "local number after a cue",
        "My number is 555-1234, order 87654321",
        ["555-1234"],
        ["87654321"],
    ),
    (
        "full-width digits",
        "call ０７７００ ９００１２３",
        ["０７７００ ９００１２３", "900123"],
        [],
    ),
    # e-mail addresses
    (
        "plain",
        "Reply to jane.doe@example.com on 2026-09-01.",
        ["jane.doe@example.com"],
        ["2026-09-01"],
    ),
    ("plus tag, subdomain", "jane+shop@mail.example.co.uk", ["jane+shop@mail.example.co.uk"], []),
    ("localhost", "mail name@localhost now", ["name@localhost"], []),
    (
        "quoted local part",
        'write to "john smith"@example.com',
        ['"john smith"@example.com', "john", "smith"],
        [],
    ),
    ("IP literal", "customer@[192.168.1.10] bounced", ["customer@[192.168.1.10]", "customer"], []),
    ("spaced @", "j.smith @ example.com", ["j.smith", "smith"], []),
    ("written out", "john dot smith at gmail dot com", ["john", "smith"], []),
    ("(at) (dot)", "jane(at)example(dot)org", ["jane"], []),
    ("[at] [dot]", "priya.k [at] example [dot] co [dot] uk", ["priya"], []),
    ("AT DOT", "JOHN AT EXAMPLE DOT COM", ["JOHN"], []),
    # payment cards, every grouping
    (
        "Visa spaces",
        "card 4111 1111 1111 1111 for $1,299.00",
        ["4111 1111 1111 1111"],
        ["$1,299.00"],
    ),
    ("Visa dots", "4111.1111.1111.1111", ["4111.1111.1111.1111"], []),
    ("Mastercard dashes", "5555-5555-5555-4444", ["5555-5555-5555-4444"], []),
    ("spaced dashes", "4111 - 1111 - 1111 - 1111", ["4111", "1111"], []),
    ("contiguous", "paid with 6011000990139424.", ["6011000990139424"], []),
    ("Amex 4-6-5", "amex 3782 822463 10005", ["3782 822463 10005"], []),
    ("4-2-2-4-4", "4111 11 11 1111 1111", ["4111", "1111"], []),
    ("double spaces", "4111  1111  1111  1111 thanks", ["4111", "1111"], []),
    ("non-breaking spaces", "4111\u00a01111\u00a01111\u00a01111", ["4111", "1111"], []),
    ("Luhn-invalid after card", "card number 4111111111111112 declined", ["4111111111111112"], []),
    ("CVV", "exp 12/27 cvv 123", ["123"], []),
    # IBANs
    ("GB grouped", "IBAN GB82 WEST 1234 5698 7654 32 please", ["GB82", "WEST", "1234", "5698"], []),
    ("DE compact", "refund DE89370400440532013000", ["DE89370400440532013000"], []),
    ("lower case", "gb82 west 1234 5698 7654 32", ["gb82", "west", "1234"], []),
    ("Norway, 15", "NO9386011117947", ["NO9386011117947"], []),
    ("Malta, 31", "MT84MALT011000012345MTLCAST001S", ["MT84MALT011000012345MTLCAST001S"], []),
    # national numbers
    ("SSN", "SSN 123-45-6789 and 078 05 1120", ["123-45-6789", "078 05 1120"], []),
    ("SSN after a cue", "social security number: 123456789", ["123456789"], []),
    ("NI", "NI QQ 12 34 56 C, ab123456c", ["QQ 12 34 56 C", "ab123456c"], []),
    # network addresses
    ("IPv4", "blocked from 203.0.113.42 at 14:45", ["203.0.113.42"], ["14:45"]),
    ("IPv4 with port", "192.168.1.10:8080", ["192.168.1.10"], []),
    ("IPv6 full", "2001:0db8:85a3:0000:0000:8a2e:0370:7334", ["85a3", "8a2e", "7334"], []),
    ("IPv6 compressed", "fe80::1ff:fe23:4567:890a", ["fe23", "4567", "890a"], []),
    # postcodes
    ("UK", "postcode SW1A 1AA; London EC1A 1BB", ["SW1A", "1AA", "EC1A", "1BB"], []),
    ("US state and ZIP", "Springfield, IL 62704 and ZIP 90210-1234", ["62704", "90210"], []),
    ("US ZIP after a cue", "zip code 90210", ["90210"], []),
    ("Canada", "K1A 0B1 Ottawa", ["K1A", "0B1"], []),
    ("France, after a comma", "55 Rue de Rivoli, 75001 Paris", ["75001", "Rivoli"], []),
    ("Germany, after a cue", "PLZ 10115", ["10115"], []),
    (
        "Netherlands, with town",
        "Keizersgracht 123, 1015 CJ Amsterdam",
        ["1015", "Keizersgracht"],
        [],
    ),
    ("India PIN", "PIN code 110001, New Delhi - 110002", ["110001", "110002"], []),
    ("Ireland", "Eircode D02 X285", ["D02", "X285"], []),
    ("Australia", "Sydney NSW 2000", ["2000"], []),
    # dates of birth (by their cue; other dates stay)
    (
        "born on",
        "I was born on 12 March 1985, ordered on 3 March 2026.",
        ["1985"],
        ["3 March 2026"],
    ),
    ("DOB numeric", "DOB: 03/12/1985, delivered 12/03/2026", ["03/12/1985"], ["12/03/2026"]),
    ("ISO", "date of birth 1985-03-12", ["1985-03-12"], []),
    ("dotted two-digit year", "D.O.B. 12.03.85", ["12.03.85"], []),
    ("month and year", "I was born in March 1985", ["1985"], []),
    ("ordinal", "birthday is the 5th of May, 1990", ["5th", "1990"], []),
    # names after a cue
    (
        "my name is",
        "Hi, my name is John Smith and my order 12345678 is late",
        ["John", "Smith"],
        ["12345678"],
    ),  # fmt: skip
    (
        "this is",
        "This is Priya Patel calling about invoice INV-2026-0042",
        ["Priya", "Patel"],
        ["INV-2026-0042"],
    ),
    ("I am, hyphen and apostrophe", "I am Anne-Marie O'Brien", ["Anne-Marie", "O'Brien"], []),
    ("I'm, accents", "I'm Siobhán Ní Bhriain", ["Siobhán"], []),
    ("lower case", "my name is maria garcia and im locked out", ["maria", "garcia"], []),
    ("upper case", "MY NAME IS JOHN SMITH", ["JOHN", "SMITH"], []),
    ("title", "please address it to Mrs. Okafor", ["Okafor"], []),
    ("sign-off", "The lamp is broken.\nKind regards, Jane Doe", ["Jane", "Doe"], []),
    # addresses
    ("English street", "send it to 221B Baker Street, 2 items", ["221B", "Baker"], ["2 items"]),
    ("Terrace", "742 Evergreen Terrace", ["742", "Evergreen"], []),
    ("Loop", "1 Infinite Loop", ["Infinite"], []),
    ("lower-case lane", "I live at 12 oak lane", ["oak"], []),
    ("abbreviation", "1600 Amphitheatre Pkwy", ["Amphitheatre"], []),
    ("flat", "Flat 3, 12 Cedar Court", ["Cedar"], []),
    ("unit after", "123 Main St Apt 4", ["Main"], []),
    ("French", "55 Rue de Rivoli", ["Rivoli"], []),
    ("type first, number after", "Via Roma 12 and Calle Mayor, 5", ["Roma", "Mayor"], []),
    ("compound street", "Hauptstraße 5 or Karl-Marx-Allee 12", ["Hauptstraße", "Karl"], []),
    ("PO box", "PO Box 1234 or P.O. Box 77", ["1234", "77"], []),
    # account numbers, by their cue
    ("account with dashes", "account 12-345-678", ["12-345-678"], []),
    ("account with letters", "my account is GB12345678", ["GB12345678"], []),
    ("sort code and account", "sort code 20-00-00 account 12345678", ["20-00-00", "12345678"], []),
    ("routing", "routing number 021000021", ["021000021"], []),
    ("policy", "policy number POL-123456", ["123456"], []),
]

# Business text that must come back unchanged.
KEPT = [
    "order 12345678 and order #12345678 and Order No. 12345678",
    "ORD-12345678, ord-4111111111111111, #4155550199, ref 12345678901234567890",
    "tracking number 1Z999AA10123456784, tracking 9400 1000 0000 0000 0000 00",
    "PO 4500012345, ticket 4567890, RMA 123456, invoice INV-2026-0042, case #00123456",
    "SKU A12345678, SKU 4006381333931, barcode 4006381333931, 012345678905, SKU-5521-BLK",
    "$1,299.99, USD 2,500, €1.234,56, £45.50, 1,000,000 points, 12 500 €",
    "2024-03-15, 15/03/2024, 03.15.2024, March 15, 2024, 15-03-2024 14:30, 09:00-17:00",
    "from 2026-09-01 2026-09-05 and 100 200 300 points",
    "version 10.0.19045.2006, v2.3.1, iPhone 15 Pro Max 256GB, Windows 11 Home, Galaxy S23",
    "waited 2 weeks on the way, 3 days on the road, 3-5 business days, 2 x 500g, BA 2490",
    "I am Very upset, this is The third time, I'm Not happy",
]


@pytest.mark.parametrize(("name", "text", "values", "references"), CASES, ids=[c[0] for c in CASES])
def test_every_format_is_fully_redacted_and_references_stay(name, text, values, references):
    redacted = redact_text(text)
    assert redact_series(pl.Series([text]))[0] == redacted
    assert not [piece for value in values for piece in leaks(value, redacted)], redacted
    assert not lost_references(tuple(references), redacted), redacted


@pytest.mark.parametrize("text", KEPT)
def test_business_text_is_kept(text):
    assert redact_text(text) == text
    assert redact_series(pl.Series([text]))[0] == text


def test_leaks_finds_what_is_left_of_a_value():
    assert leaks("001 415 555 0199", "call [PHONE] 0199") == ["0199"]
    assert leaks("John Smith", "this is [NAME] Smith") == ["Smith"]
    assert leaks("QQ 12 34 56 C", "NI QQ 12 34 56") == ["123456"]
    assert leaks("4111 1111 1111 1111", "card [CARD]") == []


def test_no_value_of_the_corpus_is_stored_by_any_reader(warehouse, tmp_path):
    cases = make_pii_cases(seed=11, per_format=1)
    placements = write_pii_exports(cases, tmp_path / "exports")
    results = list(
        load_paths(warehouse, sorted((tmp_path / "exports").iterdir()), keep_transcripts=True)
    )
    assert [r.rows_rejected for r in results] == [len(cases[::4])] * 4
    result = score(placements, read_stored_texts(warehouse))
    assert [(p.reader, p.case.format, found) for p, found in result.misses] == []
    assert [(p.reader, p.case.format, gone) for p, gone in result.lost] == []
    assert sum(result.values.values()) == len(placements)
    assert result.references == result.references_kept > 1000
