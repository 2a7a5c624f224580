"""The defect taxonomy: which upstream defects exist, who owns each, and what to do.

A TOML file of ``[[defect]]`` tables (see README, "Defect taxonomy"). Reading validates it
and says exactly what is wrong, because a typo here would silently misroute costs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import BinaryIO

import polars as pl

from dumbcontacts.errors import ConfigError
from dumbcontacts.settings import parse_toml

__all__ = ["ACTIONS", "CATEGORIES", "Defect", "defect_rows", "read_taxonomy"]

# The value-irritant matrix: what to do about a contact reason.
ACTIONS = ("eliminate", "simplify", "automate", "leverage")
CATEGORIES = (
    "billing",
    "shipping",
    "product",
    "account",
    "website/app",
    "returns/refunds",
    "policy/pricing",
    "pre-sales",
    "other",
)
_REQUIRED = ("id", "name", "category", "owner", "action")


@dataclass(frozen=True)
class Defect:
    id: str
    name: str
    category: str
    owner: str
    action: str
    description: str = ""
    examples: tuple[str, ...] = ()
    # Retired: kept in the file for the record, but no topic maps to it any more.
    retired: bool = False


def read_taxonomy(fp: BinaryIO) -> list[Defect]:
    """Parse and check a taxonomy; a mistake raises ConfigError naming the defect and field,
    in one line."""
    spec = parse_toml(fp, "taxonomy")
    entries = spec.get("defect", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ConfigError("taxonomy: each defect must be a [[defect]] table")
    if not entries:
        raise ConfigError("taxonomy lists no [[defect]] tables")
    defects, seen = [], set()
    for number, entry in enumerate(entries, start=1):
        defect = _read_defect(entry, f"defect {number} ({_label(entry.get('id'))})")
        if defect.id in seen:
            raise ConfigError(f"defect {number} ({defect.id}): id used twice")
        seen.add(defect.id)
        defects.append(defect)
    return defects


def defect_rows(taxonomy: list[Defect]) -> pl.DataFrame:
    """The rows of the warehouse's ``defects`` table (without ``load_id``): every defect that
    is not retired."""
    active = [d for d in taxonomy if not d.retired]
    return pl.DataFrame(
        {
            "defect_id": [d.id for d in active],
            "name": [d.name for d in active],
            "category": [d.category for d in active],
            "owner": [d.owner for d in active],
            "action": [d.action for d in active],
            "description": [d.description for d in active],
            "examples": [json.dumps(list(d.examples)) for d in active],
        },
        schema=dict.fromkeys(
            ["defect_id", "name", "category", "owner", "action", "description", "examples"],
            pl.Utf8,
        ),
    )


def _read_defect(entry: dict, label: str) -> Defect:
    for name in (*_REQUIRED, "description"):
        if not isinstance(entry.get(name, ""), str):
            raise ConfigError(f"{label}: {name} must be text in quotes")
    missing = [name for name in _REQUIRED if not entry.get(name, "").strip()]
    if missing:
        raise ConfigError(f"{label}: missing {', '.join(missing)}")
    if entry["action"] not in ACTIONS:
        raise ConfigError(f"{label}: action must be one of {', '.join(ACTIONS)}")
    if entry["category"] not in CATEGORIES:
        raise ConfigError(f"{label}: category must be one of {', '.join(CATEGORIES)}")
    examples = entry.get("examples", [])
    # Not a string: iterating one would make every character an example phrase.
    if not isinstance(examples, list) or not all(isinstance(e, str) for e in examples):
        raise ConfigError(f'{label}: examples must be a list of phrases, as ["...", "..."]')
    if not isinstance(entry.get("retired", False), bool):
        raise ConfigError(f"{label}: retired must be true or false")
    return Defect(
        id=entry["id"],
        name=entry["name"],
        category=entry["category"],
        owner=entry["owner"],
        action=entry["action"],
        description=entry.get("description", ""),
        examples=tuple(examples),
        retired=entry.get("retired", False),
    )


def _label(value: object) -> str:
    return value if isinstance(value, str) and value.strip() else "no id"
