"""The ranking as CSV that a spreadsheet opens safely.

Text cells that a spreadsheet would run as a formula (starting with ``= + - @``, or a tab,
carriage return, line feed or space that hides one) get a leading ``'``, as OWASP advises
against CSV injection: defect names, owners and descriptions come from a taxonomy file anyone
may have edited. The first character is read as NFKC, because some spreadsheets take the
full-width ``＝ ＋ － ＠`` for the ASCII ones.
Numbers stay numbers, written with every digit (``repr``), so totals add up exactly.
"""

from __future__ import annotations

import csv
import io
import math
import unicodedata

import polars as pl

__all__ = ["escape_cell", "ranking_csv"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", " ")


def escape_cell(value: object) -> str:
    """One cell as text: numbers as they are, text defused, missing values empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    text = str(value)
    starts_formula = unicodedata.normalize("NFKC", text[:1]).startswith(_FORMULA_START)
    return "'" + text if starts_formula else text


def ranking_csv(ranking: pl.DataFrame) -> str:
    """The whole frame, header first, one row per defect, ``\\n`` line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([escape_cell(name) for name in ranking.columns])
    for row in ranking.iter_rows():
        writer.writerow([escape_cell(value) for value in row])
    return out.getvalue()
