"""Pricing: counts times the cost model (``dumbcontacts.settings.CostModel``).

Costs are applied at query time to counts the warehouse aggregates (handled seconds and
contacts without a handle time), so changing a rate needs no reload.
"""

from __future__ import annotations

import polars as pl

from dumbcontacts.settings import CostModel

__all__ = ["price_facts"]


def price_facts(facts: pl.DataFrame, costs: CostModel) -> pl.Series:
    """``cost_usd`` of rows with ``channel``, ``handled_seconds`` and ``unhandled`` (the
    contacts without a handle time): handled minutes at the rate plus the flat charges."""
    if facts.is_empty():
        return pl.Series("cost_usd", [], pl.Float64)
    channels = facts["channel"].unique().to_list()
    per_minute = {c: costs.rate(c).per_minute_usd for c in channels}
    flat = {c: costs.rate(c).flat_usd for c in channels}
    channel = pl.col("channel")
    return facts.select(
        (
            pl.col("handled_seconds").cast(pl.Float64)
            * channel.replace_strict(per_minute, return_dtype=pl.Float64)
            / 60
            + pl.col("unhandled").cast(pl.Float64)
            * channel.replace_strict(flat, return_dtype=pl.Float64)
        ).alias("cost_usd")
    ).to_series()
