"""The taxonomy and overrides files as an analyst's decisions edit them, comments kept.

Both are TOML files a person may also edit by hand, so a change touches only the table it
is about: a value is set where it stands, a new key goes after the table's last value (before
any comment that introduces the next table), a new table goes at the end. Every function
takes and returns the file's text; the caller validates the result with the file's reader.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

import tomlkit
from tomlkit.items import AoT, Comment, Table, Whitespace

from dumbcontacts.errors import InputError

__all__ = [
    "OVERRIDES_HEADER",
    "TAXONOMY_HEADER",
    "add_defect",
    "edit_defect",
    "set_topic",
    "taxonomy_text",
    "write_atomically",
]

OVERRIDES_HEADER = (
    "Topic overrides: read by `dumbcontacts analyze` on every run, and written by the\n"
    "dashboard's triage page and `dumbcontacts topics` (see README, Overrides)."
)
TAXONOMY_HEADER = (
    "Defect taxonomy: loaded by `dumbcontacts load`, and written by the dashboard's triage\n"
    "page and `dumbcontacts defects add|edit|retire` (see README, Defect taxonomy)."
)

Value = str | bool | list[str]


def set_topic(text: str, key: str, fields: Mapping[str, str | None]) -> str:
    """The overrides with topic ``key``'s entry given ``fields`` (None removes a field);
    an entry is added if the key has none."""
    doc = _parse(text, OVERRIDES_HEADER)
    _update(_find_or_add(doc, "topic", "key", key), fields)
    return tomlkit.dumps(doc)


def add_defect(text: str, defect: Mapping[str, Value]) -> str:
    """The taxonomy with one more ``[[defect]]`` table; an id in use raises InputError."""
    doc = _parse(text, TAXONOMY_HEADER)
    if _find(doc, "defect", "id", str(defect["id"])) is not None:
        raise InputError(f"defect {defect['id']!r} already exists; edit it instead")
    _update(_find_or_add(doc, "defect", "id", str(defect["id"])), defect)
    return tomlkit.dumps(doc)


def edit_defect(text: str, defect_id: str, fields: Mapping[str, Value | None]) -> str:
    """The taxonomy with defect ``defect_id`` given ``fields`` (None removes an optional one)."""
    doc = _parse(text, TAXONOMY_HEADER)
    table = _find(doc, "defect", "id", defect_id)
    if table is None:
        raise InputError(f"no defect {defect_id!r} in the taxonomy")
    _update(table, fields)
    return tomlkit.dumps(doc)


def taxonomy_text(defects: Iterable[Mapping[str, Value]]) -> str:
    """A new taxonomy file holding ``defects`` (dicts of the ``[[defect]]`` fields)."""
    text = ""
    for defect in defects:
        text = add_defect(text, defect)
    return text or tomlkit.dumps(_parse("", TAXONOMY_HEADER))


def write_atomically(path: Path, text: str) -> None:
    """Replace the file at once (write a sibling, then rename): a reader never sees half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as fp:
            fp.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _parse(text: str, header: str) -> tomlkit.TOMLDocument:
    if text.strip():
        return tomlkit.parse(text)
    doc = tomlkit.document()
    for line in header.splitlines():
        doc.add(tomlkit.comment(line))
    return doc


def _find(doc: tomlkit.TOMLDocument, name: str, field: str, value: str) -> Table | None:
    tables = doc.get(name)
    if not isinstance(tables, AoT):
        return None
    return next((t for t in tables if t.get(field) == value), None)


def _find_or_add(doc: tomlkit.TOMLDocument, name: str, field: str, value: str) -> Table:
    found = _find(doc, name, field, value)
    if found is not None:
        return found
    table = tomlkit.table()
    table[field] = value
    tables = doc.get(name)
    if isinstance(tables, AoT):
        last = tables[-1] if len(tables) else None
        if last is not None and not _ends_blank(last):
            last.add(tomlkit.nl())  # a blank line between tables, as a person writes them
        tables.append(table)
    else:
        doc.add(tomlkit.nl())
        doc.append(name, tomlkit.aot())
        doc[name].append(table)
    return table


def _update(table: Table, fields: Mapping[str, Value | None]) -> None:
    for field, value in fields.items():
        if value is None:
            if field in table:
                del table[field]
        elif field in table:
            table[field] = _item(value)
        else:
            _append_before_trailing(table, field, _item(value))


def _item(value: Value):
    if isinstance(value, list):
        array = tomlkit.array()
        array.extend(value)
        return array.multiline(len(value) > 1)
    return value


def _append_before_trailing(table: Table, field: str, value) -> None:
    """Add ``field`` after the table's last value: comments and blank lines that follow it
    introduce the next table, so they stay last."""
    body = table.value.body
    trailing = []
    while body and body[-1][0] is None:
        item = body.pop()[1]
        if isinstance(item, Comment | Whitespace):  # others are placeholders of removed keys
            trailing.insert(0, item)
    table[field] = value
    for item in trailing:
        table.add(item)


def _ends_blank(table: Table) -> bool:
    body = table.value.body
    return bool(body) and isinstance(body[-1][1], Whitespace) and "\n" in body[-1][1].as_string()
