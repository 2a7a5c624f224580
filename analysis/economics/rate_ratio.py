"""Did a rate change? The exact conditional test of two Poisson rates.

Contacts before and after a date are counts over different exposures (driver units, or
days). If contacts_before ~ Poisson(r_b * u_b) and contacts_after ~ Poisson(r_a * u_a),
then given their total n, contacts_after ~ Binomial(n, p) with p = R*u_a / (R*u_a + u_b)
and R = r_a / r_b. The exact (Clopper-Pearson) interval for p maps to one for R, and the
binomial test of p0 = u_a / (u_a + u_b) (R = 1) gives the p-value. A change is detectable
only when the interval leaves out 1: a 1 % move on 90 contacts is noise and says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["FALL", "NO_CHANGE", "RISE", "RateComparison", "compare_rates"]

FALL, RISE, NO_CHANGE = "fall", "rise", "no detectable change"


@dataclass(frozen=True)
class RateComparison:
    """The after rate over the before rate, its interval, the p-value of "no change" and
    the verdict. Without contacts on either side there is no ratio to give (None)."""

    ratio: float | None
    low: float | None
    high: float | None
    p_value: float | None
    verdict: str


def compare_rates(
    before: int, before_units: float, after: int, after_units: float, *, level: float = 0.95
) -> RateComparison:
    """Compare ``after / after_units`` with ``before / before_units`` (counts, exposures)."""
    if before < 0 or after < 0:
        raise ValueError("counts must not be negative")
    if before_units <= 0 or after_units <= 0:
        raise ValueError("units must be positive on both sides")
    from scipy.stats import binomtest  # slow to import: only when a test runs

    n = before + after
    if n == 0:
        return RateComparison(None, None, None, None, NO_CHANGE)
    test = binomtest(after, n, after_units / (after_units + before_units))
    interval = test.proportion_ci(confidence_level=level, method="exact")
    low, high = (_ratio(p, before_units, after_units) for p in interval)
    ratio = _ratio(after / n, before_units, after_units)
    verdict = FALL if high < 1 else RISE if low > 1 else NO_CHANGE
    return RateComparison(ratio, low, high, float(test.pvalue), verdict)


def _ratio(p: float, before_units: float, after_units: float) -> float:
    """R from the binomial share p: p / (1 - p) * u_b / u_a (infinite when p is 1)."""
    return math.inf if p >= 1 else p / (1 - p) * before_units / after_units
