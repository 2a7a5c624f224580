"""The cost model: what a handled minute, or a contact of unknown length, costs per channel.

Costs are applied at query time to counts the warehouse aggregates (handled seconds and
contacts without a handle time), so changing a rate needs no reload.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl

__all__ = ["DEFAULT_RATES", "ChannelRate", "CostModel", "price_facts"]


@dataclass(frozen=True)
class ChannelRate:
    per_minute_usd: float  # fully loaded cost of one handled minute
    flat_usd: float  # cost of a contact whose handle time is unknown


# Loaded rates typical of an in-house contact centre: an agent minute on the phone costs
# more than on chat (agents hold two or three chats at once); e-mail and social threads
# rarely record handle time, so they are usually priced per contact.
DEFAULT_RATES: Mapping[str, ChannelRate] = {
    "phone": ChannelRate(per_minute_usd=1.20, flat_usd=7.00),
    "email": ChannelRate(per_minute_usd=1.00, flat_usd=6.00),
    "chat": ChannelRate(per_minute_usd=0.80, flat_usd=5.00),
    "social": ChannelRate(per_minute_usd=1.00, flat_usd=4.50),
}


@dataclass(frozen=True)
class CostModel:
    rates: Mapping[str, ChannelRate] = field(default_factory=lambda: dict(DEFAULT_RATES))

    @classmethod
    def from_mapping(cls, spec: Mapping[str, Mapping[str, float]]) -> CostModel:
        """From ``{channel: {per_minute_usd, flat_usd}}`` (the config file's ``[costs]``);
        channels and fields left out keep their defaults. Bad values raise ValueError."""
        rates = dict(DEFAULT_RATES)
        for channel, values in spec.items():
            if channel not in DEFAULT_RATES:
                raise ValueError(f"costs: unknown channel {channel!r}")
            if extra := sorted(set(values) - {"per_minute_usd", "flat_usd"}):
                raise ValueError(f"costs.{channel}: unknown key {extra[0]!r}")
            for key, value in values.items():
                if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                    raise ValueError(f"costs.{channel}.{key}: must be a number of dollars >= 0")
            default = DEFAULT_RATES[channel]
            rates[channel] = ChannelRate(
                per_minute_usd=float(values.get("per_minute_usd", default.per_minute_usd)),
                flat_usd=float(values.get("flat_usd", default.flat_usd)),
            )
        return cls(rates)

    def rate(self, channel: str) -> ChannelRate:
        return self.rates.get(channel, ChannelRate(0.0, 0.0))


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
