"""The defect taxonomy: which upstream defects exist, who owns each, and what to do.

A TOML file of ``[[defect]]`` tables (see README, "Defect taxonomy"). Reading validates it
and says exactly what is wrong, because a typo here would silently misroute costs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from dumbcontacts.errors import ConfigError
from dumbcontacts.settings import parse_toml

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
    """Parse and check a taxonomy; a mistake raises ConfigError naming the defect and field."""
    spec = parse_toml(fp, "taxonomy")
    entries = spec.get("defect", [])
    if not entries or not isinstance(entries, list):
        raise ConfigError("taxonomy lists no [[defect]] tables")
    defects, seen = [], set()
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise ConfigError(f"defect {number}: must be a [[defect]] table")
        label = f"defect {number} ({entry.get('id', 'no id')})"
        texts = [*_REQUIRED, "description"]
        if not all(isinstance(entry.get(name, ""), str) for name in texts):
            raise ConfigError(f"{label}: {', '.join(texts)} must be strings")
        examples = entry.get("examples", [])
        if not isinstance(examples, list) or not all(isinstance(e, str) for e in examples):
            raise ConfigError(f"{label}: examples must be a list of strings")
        missing = [name for name in _REQUIRED if not str(entry.get(name, "")).strip()]
        if missing:
            raise ConfigError(f"{label}: missing {', '.join(missing)}")
        if entry["id"] in seen:
            raise ConfigError(f"{label}: id used twice")
        if entry["action"] not in ACTIONS:
            raise ConfigError(f"{label}: action must be one of {', '.join(ACTIONS)}")
        if entry["category"] not in CATEGORIES:
            raise ConfigError(f"{label}: category must be one of {', '.join(CATEGORIES)}")
        seen.add(entry["id"])
        defects.append(
            Defect(
                id=entry["id"],
                name=entry["name"],
                category=entry["category"],
                owner=entry["owner"],
                action=entry["action"],
                description=entry.get("description", ""),
                examples=tuple(examples),
            )
        )
    return defects
