"""Did a fix work? The exact rate-ratio test, and a generated sample whose fix is known."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from scipy.stats import beta

from dumbcontacts.analysis.economics.fixes import verify_fix
from dumbcontacts.analysis.economics.rate_ratio import compare_rates
from dumbcontacts.etl.load import load_paths
from dumbcontacts.samples.generate import SAMPLE_START, write_sample_data
from dumbcontacts.samples.plan import FixEvent, fix_day
from tests.truth import assign_ground_truth, read_truth

WEEKS = 10
FIXED = "shipping-late-delivery"  # the largest defect: about 140 contacts in four weeks
FIX_DATE = dt.date(2026, 9, 14)


def _clopper_pearson(after: int, n: int, share_after: float) -> tuple[float, float]:
    """The exact 95 % interval of the rate ratio, worked from the beta quantiles."""
    low = beta.ppf(0.025, after, n - after + 1) if after else 0.0
    high = beta.ppf(0.975, after + 1, n - after) if after < n else 1.0
    odds = share_after / (1 - share_after)
    return low / (1 - low) / odds, high / (1 - high) / odds if high < 1 else float("inf")


@pytest.mark.parametrize(
    ("before", "before_units", "after", "after_units", "ratio", "low", "high", "p", "verdict"),
    [
        # A 1 % move on 90 contacts is noise.
        (90, 1000, 91, 1000, 1.0111, 0.7472, 1.3685, 1.0, "no detectable change"),
        (200, 1000, 100, 1000, 0.5, 0.3893, 0.6388, 8.015e-9, "fall"),
        (100, 1000, 200, 1000, 2.0, 1.5655, 2.5688, 8.015e-9, "rise"),
        # Fewer units after: the same count is a higher rate.
        (90, 1000, 91, 1100, 0.9192, 0.6792, 1.2441, 0.6027, "no detectable change"),
        (30, 28, 12, 28, 0.4, 0.1865, 0.8045, 0.007916, "fall"),
        (5, 1000, 0, 1000, 0.0, 0.0, 1.0913, 0.0625, "no detectable change"),
        (0, 1000, 5, 1000, float("inf"), 0.9164, float("inf"), 0.0625, "no detectable change"),
    ],
)
def test_compare_rates(before, before_units, after, after_units, ratio, low, high, p, verdict):
    got = compare_rates(before, before_units, after, after_units)
    assert (got.ratio, got.low, got.high) == pytest.approx((ratio, low, high), rel=1e-3)
    assert got.p_value == pytest.approx(p, rel=1e-3)
    assert got.verdict == verdict
    n, share = before + after, after_units / (before_units + after_units)
    assert (got.low, got.high) == pytest.approx(_clopper_pearson(after, n, share), rel=1e-9)


def test_compare_rates_without_contacts_or_units():
    nothing = compare_rates(0, 1000, 0, 1000)
    assert (nothing.ratio, nothing.low, nothing.high, nothing.p_value) == (None,) * 4
    assert nothing.verdict == "no detectable change"
    with pytest.raises(ValueError, match="units must be positive"):
        compare_rates(3, 0, 4, 1000)


@pytest.fixture(scope="module")
def fixed_sample(tmp_path_factory):
    directory = tmp_path_factory.mktemp("fixed")
    write_sample_data(directory, contacts=2_000, weeks=WEEKS, fix=FixEvent(FIXED, FIX_DATE))
    return directory


def test_the_sample_records_its_fix(fixed_sample):
    assert fix_day(SAMPLE_START, WEEKS) == dt.date(2026, 9, 14)  # a Monday after the spike
    truth = json.loads((fixed_sample / "ground_truth.json").read_text())
    assert truth["fix"] == {"defect_id": FIXED, "date": "2026-09-14", "factor": 0.5}


@pytest.mark.parametrize("volumes", ["orders", "no volumes"])
def test_the_fixed_defect_falls_by_about_half_and_nothing_else_moves(
    warehouse, fixed_sample, volumes
):
    names = ["calls.csv", "emails.mbox", "chats.jsonl", "twcs.csv", "defects.toml"]
    if volumes == "orders":  # without them, the test is on contacts per day
        names.append("business_volumes.csv")
    list(load_paths(warehouse, [fixed_sample / name for name in names]))
    assign_ground_truth(warehouse, read_truth(fixed_sample, warehouse))
    per = "driver" if volumes == "orders" else "day"

    fixed = verify_fix(warehouse, FIXED, FIX_DATE, as_polars=True).row(1, named=True)
    assert (fixed["per"], fixed["verdict"]) == (per, "fall")
    assert fixed["ratio_low"] < 0.5 < fixed["ratio_high"] < 1
    assert fixed["p_value"] < 0.001

    for defect_id, day, days in (
        (FIXED, dt.date(2026, 8, 17), 14),  # before its fix
        ("billing-double-charge", FIX_DATE, 28),  # another defect at the fix date
    ):
        quiet = verify_fix(warehouse, defect_id, day, days=days, as_polars=True).row(1, named=True)
        assert (quiet["per"], quiet["verdict"]) == (per, "no detectable change"), defect_id
        assert quiet["ratio_low"] < 1 < quiet["ratio_high"]
