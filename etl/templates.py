"""Starter files shipped with the package: defect taxonomies and CSV mappings to copy and edit.

Each is a TOML file in ``etl/taxonomies/`` or ``etl/mappings/``, named by its file name
without ``.toml``. Its first comment line is its title; a mapping also says, in a comment
line starting ``# Column names:``, where its column names come from and how sure that is.
"""

from __future__ import annotations

import difflib
import io
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from dumbcontacts.errors import ConfigError, InputError
from dumbcontacts.etl.readers.mapping import Mapping, read_mapping

__all__ = [
    "MAPPINGS",
    "TAXONOMIES",
    "Template",
    "find_template",
    "list_templates",
    "open_mapping",
]

TAXONOMIES = "taxonomies"
MAPPINGS = "mappings"

_KIND_NAMES = {TAXONOMIES: "taxonomy template", MAPPINGS: "mapping template"}
_SOURCE_PREFIX = "Column names:"  # after the "#" of a comment line


@dataclass(frozen=True)
class Template:
    name: str
    kind: str  # TAXONOMIES or MAPPINGS
    file: Traversable

    def read_bytes(self) -> bytes:
        return self.file.read_bytes()

    @property
    def title(self) -> str:
        """The first comment line."""
        return next(iter(self._comments()), "")

    @property
    def column_source(self) -> str:
        """Where a mapping's column names come from: its ``# Column names:`` line."""
        found = (c for c in self._comments() if c.startswith(_SOURCE_PREFIX))
        return next(found, "").removeprefix(_SOURCE_PREFIX).strip()

    def _comments(self) -> list[str]:
        comments = []
        for line in self.read_bytes().decode("utf-8").splitlines():
            if not line.startswith("#"):
                break
            comments.append(line.removeprefix("#").strip())
        return comments


def list_templates(kind: str) -> list[Template]:
    """The shipped templates of one kind, by name."""
    folder = files("dumbcontacts.etl").joinpath(kind)
    found = [
        Template(entry.name.removesuffix(".toml"), kind, entry)
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    ]
    return sorted(found, key=lambda t: t.name)


def find_template(kind: str, name: str) -> Template:
    """The shipped template called ``name``; InputError listing the names otherwise."""
    templates = list_templates(kind)
    for template in templates:
        if template.name == name:
            return template
    names = [t.name for t in templates]
    close = [n for n in names if n.startswith(name)] or difflib.get_close_matches(name, names, 1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    raise InputError(f"no {_KIND_NAMES[kind]} named '{name}'; {hint}choose from {', '.join(names)}")


def open_mapping(name_or_path: str) -> tuple[str, Mapping]:
    """Read the mapping file at a path, else the shipped template of that name.

    Returns a display name and the mapping; raises ConfigError (naming it) on a mistake.
    """
    path = Path(name_or_path)
    if path.is_file():
        try:
            data = path.read_bytes()
        except OSError as error:
            raise ConfigError(f"{path}: cannot read: {error.strerror}") from None
        shown = str(path)
    elif path.suffix or path.parent != Path("."):
        raise ConfigError(f"{path}: no such mapping file")
    else:
        try:
            template = find_template(MAPPINGS, name_or_path)
        except InputError as error:
            raise ConfigError(f"{name_or_path}: no such file, and {error}") from None
        data, shown = template.read_bytes(), f"{template.name} (shipped template)"
    try:
        return shown, read_mapping(io.BytesIO(data))
    except ConfigError as error:
        raise ConfigError(f"{shown}: {error}") from None
