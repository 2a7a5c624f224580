"""Street addresses and PO boxes, recognised by the words around them.

Addresses -> ``[ADDRESS]``:
- house number, one to four street words and a street type: "221B Baker Street",
  "1600 Pennsylvania Avenue", "12 Oak Terrace", "4 Elm Loop", "350 5th ave", "12 oak lane"
  (a lower-case street word must not be a function word or a unit, so "3 days on the road"
  and "2 weeks on the way" stay), with "Flat 3," / "Apt 4B" in front;
- house number and a Romance street type first: "55 Rue de Rivoli", "12 avenue des Champs";
- a street type first and the number after: "Via Roma 12", "Calle Mayor, 5", "Rua Augusta 1500";
- a compound street name and its number: "Hauptstraße 5", "Keizersgracht 123", "Storgatan 3";
- PO boxes: "PO Box 1234", "P.O. Box 77", "Postfach 1020", "Apartado 45".
"""

from __future__ import annotations

import re

__all__ = ["redact_addresses"]

_UPPER = "A-ZÀ-ÖØ-Þ"
_LOWER = "a-zß-öø-ÿ"
_MARKS = "\u0300-\u036f"
_CAPITALISED = rf"[{_UPPER}](?:[\w{_MARKS}'’]|[.-](?=\w)){{0,30}}+"
_ORDINAL = r"[0-9]{1,3}(?:st|nd|rd|th)"
# Lower-case words that never name a street: "3 days on the road", "2 more in the drive".
_NOT_STREET = (
    r"(?:on|in|at|of|for|to|the|a|an|by|my|our|your|their|his|her|its|this|that|these|those"
    r"|and|or|but|with|from|into|onto|per|each|every|more|less|all|same|other|new|old|whole"
    r"|days?|weeks?|months?|years?|hours?|minutes?|mins?|times?|items?|pieces?|pcs|units?"
    r"|boxes|parcels?|packages?|orders?|way|ways|lanes?|wheel|miles?|km|blocks?)"
)
_LOWER_WORD = rf"(?!{_NOT_STREET}(?![\w]))[{_LOWER}]{{2,30}}+"
_STREET_TYPE = (
    r"street|st|road|rd|avenue|ave|av|lane|ln|drive|dr|boulevard|blvd|way|court|ct|place|pl"
    r"|terrace|terr|tce|loop|circle|cir|crescent|cres|close|square|sq|parkway|pkwy|highway"
    r"|hwy|trail|trl|row|mews|grove|gardens|gdns|hill|park|walk|view|rise|parade|pde"
    r"|esplanade|alley|path|plaza|point|pt|ridge|crossing|green|wharf|quay|heights|vale|gate"
    r"|yard|hollow|bend|cove|pike|turnpike|expressway|freeway|wynd|chase|drove|broadway"
)
# Lower-case street words go only with an unmistakable type (not "way", "drive", "park").
_LOWER_TYPE = r"street|st|road|rd|avenue|ave|lane|ln|terrace|crescent|boulevard|blvd"
_UNIT = (
    r"(?:(?i:flat|apt\.?|apartment|unit|suite|ste\.?|floor|room)[ \t]{0,2}#?[ \t]?"
    r"[0-9A-Za-z]{1,5}+,?[ \t]{1,3})?"
)
_HOUSE = r"[0-9]{1,5}+[A-Za-z]?(?:[/-][0-9]{1,5}+[A-Za-z]?)?,?"
# "123 Main St Apt 4", "12 Oak Road, Flat 2B"
_UNIT_AFTER = (
    r"(?:,?[ \t]{1,2}(?i:apt\.?|apartment|unit|suite|ste\.?|flat|#)[ \t]?#?[0-9][0-9A-Za-z]{0,4}+"
    r"(?![\w]))?"
)
_ENGLISH = (
    rf"{_UNIT}{_HOUSE}[ \t]{{1,3}}(?:(?:{_CAPITALISED}|{_ORDINAL})\.?[ \t]{{1,3}}){{1,4}}"
    rf"(?i:{_STREET_TYPE})(?![\w]){_UNIT_AFTER}"
    rf"|{_UNIT}{_HOUSE}[ \t]{{1,3}}(?:(?:{_LOWER_WORD}|{_ORDINAL})[ \t]{{1,3}}){{1,3}}"
    rf"(?:{_LOWER_TYPE})(?![\w]){_UNIT_AFTER}"
)
_ROMANCE_TYPE = (
    r"rue|avenue|av\.|boulevard|chemin|allée|impasse|quai|place|route|cours|via|viale"
    r"|corso|piazza|piazzale|largo|vicolo|calle|avenida|avda\.?|rua|travessa|carrer|paseo"
    r"|plaza|ronda|camino|ulica|ul\.|strada|straße|strasse"
)
# Written before the name, the type is capitalised ("Via Roma 12"): "sent via DHL 2 days
# ago" is no address.
_TYPE_BEFORE_NAME = "|".join(
    t[0].upper() + t[1:] for t in _ROMANCE_TYPE.split("|") if t[0].isalpha()
)
_PARTICLE = r"(?:de|del|della|dei|des|du|la|le|les|da|das|do|dos|di|von|van|der)(?![\w'’])"
_ELIDED = rf"[dlDL]['’][{_UPPER}](?:[\w{_MARKS}'’]|[.-](?=\w)){{0,30}}+"  # "de l'Église"
_PLACE_WORD = rf"(?:{_CAPITALISED}|{_ELIDED}|{_PARTICLE})"
_PLACE_WORDS = rf"(?:{_PLACE_WORD}|{_ORDINAL})(?:[ \t]{{1,2}}{_PLACE_WORD}){{0,4}}"
_ROMANCE_NUMBER_FIRST = rf"{_HOUSE}[ \t]{{1,3}}(?i:{_ROMANCE_TYPE})[ \t]{{1,3}}{_PLACE_WORDS}"
_TYPE_FIRST = (
    rf"(?<![\w])(?:{_TYPE_BEFORE_NAME}|ul\.)[ \t]{{1,3}}{_PLACE_WORDS},?[ \t]{{1,3}}"
    r"(?:n[°º.]?[ \t]?)?[0-9]{1,5}+[A-Za-z]?(?![\w])"
)
_COMPOUND = (
    r"(?:straße|strasse|str\.|weg|gasse|platz|allee|damm|ufer|chaussee|gracht|straat"
    r"|laan|plein|kade|singel|dijk|gatan|vägen|gata|gränd|gade|vej|veien|vegen|gaten|katu"
    r"|utca)"
)
_COMPOUND_STREET = (
    rf"(?<![\w])(?:{_CAPITALISED}[ \t])?(?:[{_UPPER}][\w{_MARKS}-]{{0,30}}?(?i:{_COMPOUND})"
    rf"|(?i:{_COMPOUND}))"
    rf"[ \t]{{1,3}}[0-9]{{1,5}}+[A-Za-z]?(?![\w])"
)
_PO_BOX = (
    r"(?<![\w])(?i:p\.?[ \t]?o\.?[ \t]?box|pob|post[ \t]office[ \t]box|gpo[ \t]box|postfach"
    r"|apartado(?:[ \t]de[ \t]correos)?|casilla|bo[iî]te[ \t]postale|b\.?p\.?|locked[ \t]bag"
    r"|private[ \t]bag)[ \t]{0,3}(?:no\.?[ \t]?)?#?[ \t]?[0-9]{1,6}+(?![\w])"
)
_ADDRESS = re.compile(
    rf"(?<![\w.,/$£€#{_MARKS}-])(?:{_ENGLISH}|{_ROMANCE_NUMBER_FIRST})|{_TYPE_FIRST}"
    rf"|{_COMPOUND_STREET}|{_PO_BOX}"
)

# After "my address is", "deliver to", "I live at", any street type goes with lower case.
_ADDRESS_CUE = (
    r"(?i:address(?:[ \t]is|[ \t]?:)|live[ \t]at|living[ \t]at|deliver(?:ed)?(?:[ \t]it)?[ \t]to"
    r"|send(?:[ \t](?:it|them))?[ \t]to|ship(?:ped)?(?:[ \t]it)?[ \t]to|post(?:[ \t]it)?[ \t]to"
    r"|moved[ \t]to|reside[ \t]at)"
)
_CUED_ADDRESS = re.compile(
    rf"(?<![\w]){_ADDRESS_CUE}[ \t]{{1,3}}(?P<value>{_UNIT}{_HOUSE}[ \t]{{1,3}}"
    rf"(?:(?:{_LOWER_WORD}|{_CAPITALISED}|{_ORDINAL})[ \t]{{1,3}}){{1,3}}"
    rf"(?i:{_STREET_TYPE})(?![\w]))"
)


def redact_addresses(text: str) -> str:
    return _ADDRESS.sub("[ADDRESS]", _CUED_ADDRESS.sub(_redact_cued_address, text))


def _redact_cued_address(match: re.Match[str]) -> str:
    return match.group()[: match.start("value") - match.start()] + "[ADDRESS]"
