"""The defect taxonomy: which upstream defects exist, who owns each, and what to do.

A TOML file of ``[[defect]]`` tables (see README, "Defect taxonomy"). Reading validates it
and says exactly what is wrong, because a typo here would silently misroute costs.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from typing import BinaryIO

__all__ = ["ACTIONS", "CATEGORIES", "Defect", "read_taxonomy"]

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


def read_taxonomy(fp: BinaryIO) -> list[Defect]:
    """Parse and check a taxonomy; a mistake raises ValueError naming the defect and field."""
    try:
        spec = tomllib.load(fp)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"taxonomy is not valid TOML: {error}") from None
    entries = spec.get("defect", [])
    if not entries:
        raise ValueError("taxonomy lists no [[defect]] tables")
    defects, seen = [], set()
    for number, entry in enumerate(entries, start=1):
        label = f"defect {number} ({entry.get('id', 'no id')})"
        missing = [name for name in _REQUIRED if not str(entry.get(name, "")).strip()]
        if missing:
            raise ValueError(f"{label}: missing {', '.join(missing)}")
        if entry["id"] in seen:
            raise ValueError(f"{label}: id used twice")
        if entry["action"] not in ACTIONS:
            raise ValueError(f"{label}: action must be one of {', '.join(ACTIONS)}")
        if entry["category"] not in CATEGORIES:
            raise ValueError(f"{label}: category must be one of {', '.join(CATEGORIES)}")
        seen.add(entry["id"])
        defects.append(
            Defect(
                id=entry["id"],
                name=entry["name"],
                category=entry["category"],
                owner=entry["owner"],
                action=entry["action"],
                description=entry.get("description", ""),
                examples=tuple(entry.get("examples", ())),
            )
        )
    return defects
