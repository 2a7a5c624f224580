"""Tell what a path holds (channel and format) from its name and first bytes.

``--channel`` and ``--format`` override the guess; a mapping file decides everything itself.
An empty file is skipped (an export of a quiet day is not an error); a compressed one is
refused, naming its compression: readers take text, and a silent decompression would make the
file's hash, and what was loaded, differ from what the user sees.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from dumbcontacts.errors import InputError
from dumbcontacts.etl.readers.encoding import as_utf8

__all__ = ["FORMATS", "Source", "detect_mapped", "detect_source", "expand_paths"]

# The values --format accepts.
FORMATS = ("csv", "mbox", "eml", "json", "volumes", "taxonomy")

_SNIFF_BYTES = 4096
_COMPRESSIONS = {
    b"\x1f\x8b": "gzip",
    b"PK\x03\x04": "zip",
    b"BZh": "bzip2",
    b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "zstd",
}


@dataclass(frozen=True)
class Source:
    path: Path
    kind: str  # "contacts", "volumes", "taxonomy", or "skip" (known, not stored)
    channel: str | None
    format: str
    note: str = ""


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files and folders to load, in a stable order. A folder of ``.eml`` files is one
    source (its threads span files); any other folder stands for the files inside it."""
    expanded: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir() and not any(path.glob("*.eml")):
            expanded.extend(expand_paths(sorted(p for p in path.iterdir() if _is_visible(p))))
        else:
            expanded.append(path)
    return expanded


def detect_source(path: Path, *, channel: str | None = None, fmt: str | None = None) -> Source:
    """Raises InputError with a one-line reason when the path cannot be recognised."""
    if not path.exists():
        raise InputError("no such file or folder")
    if path.is_dir():
        return Source(path, "contacts", "email", "eml")
    head = _head(path)
    if skip := _skip_or_refuse(path, head):
        return skip
    head = as_utf8(head)
    fmt = fmt or _guess_format(path, head)
    if fmt == "volumes":
        return Source(path, "volumes", None, "volumes")
    if fmt in ("mbox", "eml"):
        return Source(path, "contacts", channel or "email", fmt)
    if fmt == "json":
        return Source(path, "contacts", channel or "chat", "json")
    if fmt == "skip":
        return Source(path, "skip", None, "skip", "sample-data ground truth, not a contact log")
    if fmt == "taxonomy":
        return Source(path, "taxonomy", None, "taxonomy")
    if fmt == "csv":
        return Source(path, "contacts", channel or _guess_csv_channel(head), "csv")
    raise InputError("cannot tell what this file holds; give --channel and --format, or --mapping")


def detect_mapped(path: Path, channel: str) -> Source:
    """A CSV described by a mapping file: checked only for being there, empty or compressed."""
    if not path.is_file():
        raise InputError("no such file")
    return _skip_or_refuse(path, _head(path)) or Source(path, "contacts", channel, "mapped")


def _skip_or_refuse(path: Path, head: bytes) -> Source | None:
    for magic, kind in _COMPRESSIONS.items():
        if head.startswith(magic):
            raise InputError(f"{kind}-compressed; decompress it first, then load the file inside")
    if not as_utf8(head).strip() and (len(head) < _SNIFF_BYTES or _is_blank(path)):
        return Source(path, "skip", None, "skip", "empty file")
    return None


def _is_blank(path: Path) -> bool:
    return not as_utf8(path.read_bytes()).strip()


def _is_visible(path: Path) -> bool:
    return not path.name.startswith(".")


def _head(path: Path) -> bytes:
    with path.open("rb") as fp:
        return fp.read(_SNIFF_BYTES)


def _guess_format(path: Path, head: bytes) -> str | None:
    name = path.name.lower()
    text = head.lstrip(b" \r\n\t")
    if name.startswith("ground_truth"):
        return "skip"
    if name.endswith(".toml") and b"[[defect]]" in head:
        return "taxonomy"
    if name.endswith(".mbox") or text.startswith(b"From "):
        return "mbox"
    if name.endswith(".eml"):
        return "eml"
    if name.endswith((".json", ".jsonl")) or text[:1] in (b"{", b"["):
        return "json"
    if name.endswith((".csv", ".tsv", ".txt")):
        first_line = _first_line(text)
        columns = {c.strip().strip(b'"') for c in first_line.split(b",")}
        if {b"day", b"driver", b"count"} <= columns:
            return "volumes"
        return "csv"
    return None


def _first_line(head: bytes) -> bytes:
    # Any line end: CR alone ends lines in old Mac exports.
    return next(iter(head.splitlines()), b"").lower()


def _guess_csv_channel(head: bytes) -> str:
    first_line = _first_line(head)
    columns = {c.strip().strip(b'"').decode("utf-8", "replace") for c in first_line.split(b",")}
    if {"tweet_id", "author_id", "inbound"} <= columns:
        return "social"
    if "call_id" in columns:
        return "phone"
    raise InputError(
        "CSV columns match no known export (call_id for calls, tweet_id for social); "
        "describe them with --mapping"
    )
