"""The upper confidence bound on a rate seen rarely or never, as the benchmarks report it."""

from __future__ import annotations

import math


def rate_upper_bound(events: int, exposure: float, confidence: float = 0.95) -> float:
    """The one-sided upper confidence bound on a Poisson rate seen as `events` in
    `exposure` (events per unit of exposure; 0 events in 30 hours bounds the rate at
    3.0 / 30 = 0.1 per hour). Exact: the rate at which `events` or fewer would be seen
    with probability 1 - `confidence`."""
    if exposure <= 0:
        raise ValueError("exposure must be positive")

    def at_most(mu: float) -> float:  # P(N <= events) for N ~ Poisson(mu)
        term = total = math.exp(-mu)
        for k in range(1, events + 1):
            term *= mu / k
            total += term
        return total

    low, high = float(events), float(events) + 10.0 * math.sqrt(events + 1) + 10.0
    for _ in range(100):  # at_most falls as mu grows: bisect for 1 - confidence
        mid = (low + high) / 2
        low, high = (mid, high) if at_most(mid) > 1 - confidence else (low, mid)
    return high / exposure
