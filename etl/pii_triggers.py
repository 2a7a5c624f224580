"""Cheap checks of whether a redaction step could find anything in a text.

Each step of the redaction has a *trigger*: a Rust regular expression that matches every
line in which the step could change something (a superset: tests compare the vectorised
path, which skips a step where its trigger does not match, with ``redact_text``, which runs
every step). ``HINT`` is a cheaper first look over whole texts.
"""

from __future__ import annotations

from dumbcontacts.etl.ascii_regex import rust_regex

__all__ = ["HINT", "TRIGGERS"]

_SEP = r"[ \t.\-\u2010-\u2015\u2212/()+]"
_STREET_TYPES = (
    r"street|st|road|rd|avenue|ave|av|lane|ln|drive|dr|boulevard|blvd|bd|way|court|ct|place"
    r"|pl|terrace|terr|tce|loop|circle|cir|crescent|cres|close|square|sq|parkway|pkwy|highway"
    r"|hwy|trail|trl|row|mews|grove|gardens|gdns|hill|park|walk|view|rise|parade|pde"
    r"|esplanade|alley|path|plaza|point|pt|ridge|crossing|green|wharf|quay|heights|vale|gate"
    r"|yard|hollow|bend|cove|pike|turnpike|expressway|freeway|wynd|chase|drove|broadway"
    r"|rue|chemin|allée|impasse|quai|route|cours|via|viale|corso|piazza|piazzale|largo"
    r"|vicolo|calle|avenida|avda|rua|travessa|carrer|paseo|ronda|camino|ulica|ul|strada"
)
_COMPOUND_STREET = (
    r"straße|strasse|str\.|weg|gasse|platz|allee|damm|ufer|chaussee|gracht|straat|laan|plein"
    r"|kade|singel|dijk|gatan|vägen|gata|gränd|gade|vej|veien|vegen|gaten|katu|utca"
)
_PO_BOX = r"box|pob|postfach|apartado|casilla|postale|b\.?p|bag"

TRIGGERS = {
    "email": "@",
    "written email": (
        r"(?i:\bdot\b|[\[(<{][ \t]{0,2}(?:at|dot)\b|\bat[ \t]{1,2}(?:gmail|googlemail|yahoo|hotmail"
        r"|outlook|live|msn|icloud|aol|proton|protonmail|gmx)\b)"
    ),
    "handle": "@",
    "iban": r"[A-Za-z]{2}[0-9]{2}(?:[ \-]?[A-Za-z0-9]){11}",
    "ipv6": r"::|(?:[0-9A-Fa-f]{0,4}:){7}",
    "ipv4": r"[0-9]\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]",
    "dob": r"(?i:born|d\.?o\.?b|birth)",
    "ssn": rf"[0-9]{{3}}{_SEP}[0-9]{{2}}{_SEP}[0-9]{{4}}",
    "ni": r"(?i:[a-z]{2}[ -]?[0-9]{2}[ -]?[0-9]{2}[ -]?[0-9]{2}[ -]?[a-d])",
    "card": rf"[0-9](?:{_SEP}{{0,3}}[0-9]){{12}}",
    "cue": (
        r"(?i:\b(?:ssn|social|ss#|ni|nino|insurance|iban|card|account|acct|a/c|acc|sort"
        r"|routing|aba|bsb|swift|bic|customer|member|client|policy|loyalty|patient|passport"
        r"|driver|licen[cs]e|national|tax|tin|nhs|medicare|sin|pps|personnummer|bsn|cvv|cvc"
        r"|cv2|csc|security))"
        r"[^\n]{0,60}[0-9]"
    ),
    "postcode cue": (r"(?i:post|zip|pin|plz|cep|eircode|c[oó]digo|\bcap|\bc\.?p)[^\n]{0,40}[0-9]"),
    "postcode": (
        r"[A-Z]{1,2}[0-9][A-Z0-9]?[ \t]?[0-9][A-Z]{2}|GIR[ \t]?0AA"
        r"|[A-Z][0-9][A-Z][ \t]?[0-9][A-Z][0-9]|(?:[A-Z][0-9]{2}|D6W)[ \t][0-9A-Z]{4}"
        r"|[0-9]{5}[\-\u2010-\u2015\u2212][0-9]{3}|〒"
    ),
    "state code": r"[A-Z]{2,3}\.?,?[ \t]{1,2}[0-9]{4}",
    "code and town": (
        r",[ \t]{0,2}[0-9]{2}|\bin [0-9]{2}|[A-Z][a-z]{2}[a-z]*[ \t]?(?:-[ \t]?)?[1-9][0-9]{5}"
    ),
    "phone": rf"[0-9](?:{_SEP}{{0,7}}[0-9]){{5}}",
    # A street type, a compound street name or a PO box; the digit they need is HINT's.
    "address": (
        rf"(?i:\b(?:{_STREET_TYPES})\b|(?:{_COMPOUND_STREET})[ \t]{{1,3}}[0-9]|\b(?:{_PO_BOX}))"
    ),
    "name": (
        r"(?i:\bname\b|\bcalled\b)|(?i:\bi[ \t]am|\bi'm|\bi’m|\bim|\bthis[ \t]is|\bit's"
        r"|\bit’s|\bit[ \t]is|\bhere[ \t]is|\bsigned|\bcall[ \t]me)[ \t]{1,3}[A-ZÀ-ÖØ-Þ]"
        r"|\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Mme|Mlle|Herr|Frau|Sr|Sra|Srta|Sig)\b"
        r"|(?i:regards|best|thanks|you|cheers|sincerely|truly),[ \t]{1,3}[A-ZÀ-ÖØ-Þ]"
    ),
}

# A cheap first look: every trigger but these two needs a digit or an "@".
HINT = rust_regex(f"[0-9@]|{TRIGGERS['name']}|{TRIGGERS['written email']}")
