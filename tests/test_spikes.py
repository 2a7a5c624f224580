import datetime as dt

import polars as pl
import pytest

from dumbcontacts.analysis.economics.iso_week import iso_week, parse_week
from dumbcontacts.analysis.economics.spikes import elapsed_share, flag_spikes

MONDAY = dt.date(2026, 1, 5)


def weekly(counts, units=None):
    weeks = [MONDAY + dt.timedelta(weeks=i) for i in range(len(counts))]
    return pl.DataFrame(
        {
            "week_start": weeks,
            "defect_id": "d",
            "contacts": counts,
            "units": units or [0] * len(counts),
        }  # fmt: skip
    )


@pytest.mark.parametrize(
    ("counts", "units", "share", "flagged_weeks"),
    [
        ([10, 11, 9, 10, 10, 12, 9, 10, 30, 10], None, 1.0, [8]),  # a jump
        ([10, 11, 9, 10, 30], None, 1.0, [4]),  # four weeks of history suffice
        ([10, 11, 30], None, 1.0, []),  # too little history to judge
        ([1, 0, 1, 1, 0, 1, 4], None, 1.0, []),  # three more is noise, not a spike
        ([2, 2, 2, 2, 2, 2, 9], None, 1.0, [6]),  # small, but far above its baseline
        # orders doubled and contacts with them: CPX is flat, nothing broke
        ([10, 10, 10, 10, 10, 20], [1000] * 5 + [2000], 1.0, []),
        ([10, 10, 10, 10, 10, 25], [1000] * 6, 1.0, [5]),
        # a week two days old: 9 contacts is a lot for the share a Monday and Tuesday carry
        ([20, 20, 21, 19, 20, 9], None, 0.3, []),
        ([20, 20, 21, 19, 20, 18], None, 0.3, [5]),
    ],
)
def test_flag_spikes(counts, units, share, flagged_weeks):
    flags = flag_spikes(weekly(counts, units), last_week_share=share)
    assert [i for i, f in enumerate(flags["flagged"]) if f] == flagged_weeks


def test_volatile_baseline_needs_a_bigger_jump():
    calm = flag_spikes(weekly([20, 20, 20, 20, 20, 20, 40]))
    wild = flag_spikes(weekly([5, 35, 10, 30, 8, 36, 40]))
    assert calm["flagged"][-1] and not wild["flagged"][-1]


@pytest.mark.parametrize(
    ("given", "monday"),
    [
        ("2026-W38", dt.date(2026, 9, 14)),
        ("2026-09-17", dt.date(2026, 9, 14)),
        (dt.date(2026, 9, 20), dt.date(2026, 9, 14)),
        ("2026-W01", dt.date(2025, 12, 29)),
    ],
)
def test_parse_week(given, monday):
    assert parse_week(given) == monday
    assert iso_week(monday) == iso_week(parse_week(given))


def test_parse_week_rejects_nonsense():
    with pytest.raises(ValueError, match="not an ISO week"):
        parse_week("week 38")


@pytest.mark.parametrize(
    ("until", "share"),
    [
        (MONDAY, 1.0),  # the week before is complete
        (MONDAY + dt.timedelta(days=1), 0.4),  # Monday elapsed: 4 of 10
        (MONDAY + dt.timedelta(days=3), 0.7),  # Monday to Wednesday: 4 + 2 + 1 of 10
        (MONDAY + dt.timedelta(days=7), 1.0),
    ],
)
def test_a_part_week_expects_the_share_its_weekdays_usually_carry(until, share):
    per_weekday = {1: 4, 2: 2, 3: 1, 5: 3}
    assert elapsed_share(per_weekday, until) == pytest.approx(share)


def test_no_history_expects_a_whole_week():
    assert elapsed_share({}, MONDAY + dt.timedelta(days=2)) == 1.0
