"""The contact plan behind the sample data: who gets in touch, when, why and on which channel.

Everything is drawn up front with one seeded numpy Generator, as parallel arrays, so a
million contacts take seconds and the per-contact loop in ``fixtures`` only renders text.
Volumes use systematic sampling: each defect's weekly count sits within one contact of its
expectation (plus daily noise), which keeps the designed spike and cost ranking visible even
in the small samples tests use.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np

from dumbcontacts.samples.defects import CHANNELS, DEFECTS, SPIKE_DEFECT_ID

__all__ = [
    "CHANNEL_MIX",
    "CONTACTS_PER_ORDER",
    "CUSTOMERS_PER_CONTACT",
    "FIX_FACTOR",
    "ORDER_WEEKDAYS",
    "REPEAT_SHARE",
    "SHIPMENT_WEEKDAYS",
    "SPIKE_FACTOR",
    "ContactPlan",
    "FixEvent",
    "fit_channel_mix",
    "fix_day",
    "plan_contacts",
    "spike_week",
]

CHANNEL_MIX = np.array([0.40, 0.20, 0.25, 0.15])  # phone, email, chat, social
SPIKE_FACTOR = 3.5
FIX_FACTOR = 0.5  # a fixed defect's contact rate from its fix date on
DAILY_NOISE = 0.2  # lognormal sigma of each defect's daily volume
REPEAT_SHARE = 0.10
SAME_CHANNEL_REPEAT = 0.65
CONTACTS_PER_ORDER = 0.09
CUSTOMERS_PER_CONTACT = 2  # a big pool, so chance repeats stay rare next to planned ones
# Monday highest, weekends low (Mon..Sun).
CONTACT_WEEKDAYS = np.array([1.35, 1.15, 1.05, 1.0, 0.95, 0.6, 0.5])
ORDER_WEEKDAYS = np.array([1.08, 1.02, 1.0, 1.0, 0.98, 0.92, 1.0])
SHIPMENT_WEEKDAYS = np.array([1.35, 1.1, 1.05, 1.05, 1.05, 0.7, 0.3])
# Relative contacts per hour of day (UTC), per channel.
_OFFICE = [0.0] * 8 + [0.6, 1.0, 1.3, 1.3, 1.1, 1.1, 1.2, 1.1, 1.0, 0.8, 0.5, 0.3] + [0.0] * 4
HOURLY = np.array(
    [
        _OFFICE,
        [0.1] * 6 + [0.3, 0.6] + [1.0] * 10 + [0.8, 0.7, 0.6, 0.5, 0.3, 0.2],
        [0.0] * 8 + [0.7, 1.0, 1.2, 1.2, 1.1, 1.1, 1.2, 1.1, 1.0, 0.9, 0.8, 0.7, 0.5, 0.3]
        + [0.0] * 2,
        [0.1] * 7 + [0.4, 0.7, 0.9, 1.0, 1.0, 1.1, 1.0, 1.0, 1.0, 1.0, 1.1, 1.2, 1.2, 1.1]
        + [0.9, 0.6, 0.3],
    ]
)  # fmt: skip
_HANDLE_SHAPE = 4.0  # gamma shape: coefficient of variation 0.5
_EPOCH = datetime.date(1970, 1, 1)


@dataclass(frozen=True)
class ContactPlan:
    """Every contact, as parallel arrays sorted by start time."""

    ts: np.ndarray
    defect: np.ndarray
    channel: np.ndarray
    customer: np.ndarray
    is_repeat: np.ndarray
    handle_seconds: np.ndarray
    order_no: np.ndarray
    show_order: np.ndarray
    agent: np.ndarray


@dataclass(frozen=True)
class FixEvent:
    """A fix that ships on ``date``: from then on ``defect_id``'s contact rate is ``factor``
    times what it was, so a fix check has a known answer."""

    defect_id: str
    date: datetime.date
    factor: float = FIX_FACTOR


def fix_day(start: datetime.date, weeks: int) -> datetime.date:
    """The default fix date: the Monday five eighths into the range, after the spike week."""
    return start + datetime.timedelta(days=7 * min(max(weeks * 5 // 8, 1), weeks - 1))


def spike_week(start: datetime.date, weeks: int) -> str:
    """The ISO week that spikes: a bit before the middle of the range, never the edges."""
    index = min(max(weeks * 3 // 8, 1), weeks - 1) if weeks > 1 else 0
    year, week, _ = (start + datetime.timedelta(days=7 * index)).isocalendar()
    return f"{year}-W{week:02d}"


def fit_channel_mix(shares: np.ndarray, tilts: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Per-defect channel probabilities shaped by the tilts, with channel factors fitted so
    the overall mix matches ``target``."""
    factors = np.ones(len(target))
    for _ in range(50):
        mix = tilts * factors
        mix /= mix.sum(axis=1, keepdims=True)
        realised = shares @ mix
        # A channel left out of the mix (target 0) stays at 0 instead of dividing by it.
        factors *= np.divide(target, realised, out=np.zeros_like(target), where=realised > 0)
    mix = tilts * factors
    return mix / mix.sum(axis=1, keepdims=True)


def plan_contacts(
    contacts: int,
    seed: int,
    start: datetime.date,
    weeks: int,
    channel_mix: np.ndarray = CHANNEL_MIX,
    fix: FixEvent | None = None,
) -> ContactPlan:
    """Draw every contact's attributes, vectorised, then sort them by start time; ``fix``
    scales one defect's volume from its date on."""
    rng = np.random.default_rng(seed)
    n_days = 7 * weeks
    dates = [start + datetime.timedelta(days=i) for i in range(n_days)]
    weekday = np.array([day.weekday() for day in dates])
    growth = 1 + 0.1 * np.arange(n_days) / n_days
    day_weight = CONTACT_WEEKDAYS[weekday] * growth * rng.lognormal(0, 0.05, n_days)
    shares = np.array([defect.share for defect in DEFECTS])
    shares /= shares.sum()
    joint = np.outer(day_weight, shares)
    target_week = spike_week(start, weeks)
    in_spike = np.array([f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}" == target_week
                         for d in dates])  # fmt: skip
    spike_index = next(i for i, defect in enumerate(DEFECTS) if defect.id == SPIKE_DEFECT_ID)
    joint[in_spike, spike_index] *= SPIKE_FACTOR
    if fix is not None:
        fixed = next(i for i, defect in enumerate(DEFECTS) if defect.id == fix.defect_id)
        joint[np.array(dates) >= fix.date, fixed] *= fix.factor
    # Daily noise that moves volume between days but keeps each defect's total.
    totals = joint.sum(axis=0)
    joint *= rng.lognormal(0, DAILY_NOISE, joint.shape)
    joint *= totals / joint.sum(axis=0)

    repeats = round(contacts * REPEAT_SHARE) if n_days > 1 else 0
    base = contacts - repeats
    # Systematic sampling, defect-major: each defect's weekly volume lands within one
    # contact of its expectation, so the spike stands out even in a 2,000-contact sample
    # while the daily noise above keeps the series from looking drawn with a ruler.
    expected = np.cumsum(joint.T.ravel())
    expected *= base / expected[-1]
    expected[-1] = base
    edges = np.floor(expected + rng.random()).astype(np.int64)
    cell = np.repeat(np.arange(joint.size), np.diff(edges, prepend=0))
    defect, day = cell // n_days, cell % n_days
    tilts = np.array([d.channel_tilt for d in DEFECTS]) * channel_mix
    mix = fit_channel_mix(shares, tilts, channel_mix)
    cumulative = mix.cumsum(axis=1)
    # Stratified uniforms per defect: channel counts match the mix, not just on average.
    draw = np.empty(base)
    for index in range(len(DEFECTS)):
        rows = np.flatnonzero(defect == index)
        draw[rows] = (rng.permutation(len(rows)) + rng.random(len(rows))) / max(len(rows), 1)
    channel = (draw[:, None] > cumulative[defect]).sum(axis=1).clip(0, 3)
    customer = rng.integers(0, max(contacts * CUSTOMERS_PER_CONTACT, 10), size=base)
    order_no = rng.integers(1_000_000, 10_000_000, size=base)

    # Repeats: same customer, defect and order 1-6 days later, often on the same channel.
    eligible = np.flatnonzero(day < n_days - 1)
    if repeats and len(eligible):
        # Evenly spaced over the defect-major order: every defect gets its share of repeats.
        spacing = len(eligible) / repeats
        origin = eligible[((np.arange(repeats) + rng.random()) * spacing).astype(np.int64)]
    else:
        origin = np.zeros(0, dtype=np.int64)
        repeats = 0
    delay = rng.integers(1, 7, size=len(origin))
    switched = (rng.random((len(origin), 1)) > cumulative[defect[origin]]).sum(axis=1).clip(0, 3)
    same = rng.random(len(origin)) < SAME_CHANNEL_REPEAT
    day = np.concatenate([day, np.minimum(day[origin] + delay, n_days - 1)])
    defect = np.concatenate([defect, defect[origin]])
    channel = np.concatenate([channel, np.where(same, channel[origin], switched)])
    customer = np.concatenate([customer, customer[origin]])
    order_no = np.concatenate([order_no, order_no[origin]])
    is_repeat = np.arange(base + len(origin)) >= base
    total = len(day)

    second = np.zeros(total, dtype=np.int64)
    for index in range(len(CHANNELS)):
        rows = np.flatnonzero(channel == index)
        hours = rng.choice(24, size=len(rows), p=HOURLY[index] / HOURLY[index].sum())
        second[rows] = hours * 3600 + rng.integers(0, 3600, size=len(rows))
    means = np.array([[d.phone_seconds, 0, d.chat_seconds, 0] for d in DEFECTS])[defect, channel]
    handle = rng.gamma(_HANDLE_SHAPE, 1.0, size=total) * means / _HANDLE_SHAPE
    handle = np.where(means > 0, np.maximum(handle, 60), 0)
    # Rescale each defect and channel to its design mean, so costs rank as designed even
    # in small samples (ground_truth.json still reports the realised means).
    group = defect * len(CHANNELS) + channel
    sums = np.bincount(group, weights=handle, minlength=len(DEFECTS) * len(CHANNELS))
    sizes = np.bincount(group, minlength=len(DEFECTS) * len(CHANNELS))
    realised = np.divide(sums, sizes, out=np.ones_like(sums), where=sums > 0)
    handle = np.maximum((handle * means / realised[group]).round(), 60 * (means > 0))
    handle = handle.astype(np.int64)
    categories = {"shipping", "billing", "returns/refunds", "product", "policy/pricing"}
    order_prone = np.array([d.category in categories for d in DEFECTS])[defect]
    show_order = rng.random(total) < np.where(order_prone, 0.6, 0.1)
    agent = rng.integers(1, 121, size=total)

    start_ts = (start - _EPOCH).days * 86_400
    ts = start_ts + day * 86_400 + second
    order = np.lexsort((np.arange(total), ts))
    return ContactPlan(
        ts=ts[order],
        defect=defect[order],
        channel=channel[order],
        customer=customer[order],
        is_repeat=is_repeat[order],
        handle_seconds=handle[order],
        order_no=order_no[order],
        show_order=show_order[order],
        agent=agent[order],
    )
