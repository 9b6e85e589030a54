"""The one percentile of bench/: every p50, p95 and p99 that a benchmark prints comes from here."""

from __future__ import annotations

import math
from collections.abc import Iterable


def percentile(values: Iterable[float], p: float) -> float:
    """The p-th percentile (0 <= p <= 100) by linear interpolation between closest ranks.

    The sorted values x[0..n-1] are placed at ranks 0..n-1; the percentile is at rank
    h = (n - 1) * p / 100, between x[floor(h)] and x[ceil(h)] in proportion (Hyndman and Fan's
    definition 7: numpy's default, `statistics.quantiles(method="inclusive")`, Excel's
    PERCENTILE.INC). p 50 is `statistics.median`, p 0 the minimum, p 100 the maximum.
    """
    ordered = sorted(values)
    if not ordered:
        raise ValueError("percentile of no values")
    if not 0 <= p <= 100:
        raise ValueError(f"percentile {p} is not between 0 and 100")
    rank = (len(ordered) - 1) * p / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
