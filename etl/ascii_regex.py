"""One regex, two engines, ASCII word boundaries in both.

``\\b`` and ``\\B`` in the project's patterns are ASCII word boundaries: with Rust's Unicode
``\\b``, polars falls back to a slow engine on any non-ASCII text (a curly quote, an emoji),
about 30 times slower. Python's ``re`` has no ASCII-only ``\\b``; lookarounds spell it out.
"""

import re
from functools import cache

__all__ = ["python_regex", "python_replacement", "rust_regex"]

_WORD = "[0-9A-Za-z_]"
_PY_BOUNDARY = f"(?:(?<={_WORD})(?!{_WORD})|(?<!{_WORD})(?={_WORD}))"
_PY_NOT_BOUNDARY = f"(?:(?<={_WORD})(?={_WORD})|(?<!{_WORD})(?!{_WORD}))"


def rust_regex(pattern: str) -> str:
    """The pattern for polars (Rust regex)."""
    return pattern.replace(r"\b", r"(?-u:\b)").replace(r"\B", r"(?-u:\B)")


@cache
def python_regex(pattern: str) -> re.Pattern[str]:
    """The same pattern compiled for Python's ``re``."""
    return re.compile(pattern.replace(r"\b", _PY_BOUNDARY).replace(r"\B", _PY_NOT_BOUNDARY))


def python_replacement(replacement: str) -> str:
    """A polars replacement (group references as ``${1}``) in Python's spelling, ``\\g<1>``."""
    return re.sub(r"\$\{(\d+)\}", r"\\g<\1>", replacement)
