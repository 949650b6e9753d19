"""Request latency of the sandbox's adapters: a histogram with a real service's buckets.

Each platform answers from two log-normal modes, a fast one around its own median and a slow
one (retries, cold caches) three times slower. The slow mode's share swings slowly over a
quarter of an hour, with a phase of its own per platform, so the p95 of every adapter differs
from the others' and moves from one refresh to the next, as a live fleet's does.

Bucket counters are the exact integral of that time-varying share (a sine integrates in closed
form), so rate() over any window of the exporter, the backfilled history or the stand-in
comes out the same.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

# The buckets of a typical service's request-duration histogram (client_golang's defaults
# widened to 10 s), in seconds.
BUCKETS: tuple[float, ...] = (
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, math.inf,
)  # fmt: skip
MEDIANS = {
    "amazon": 0.11,
    "shopee": 0.07,
    "tiktok": 0.16,
    "lazada": 0.09,
    "coupang": 0.13,
    "walmart": 0.08,
    "shopify": 0.05,
}
SIGMA = 0.55  # spread of each mode (log-normal shape)
SLOW_FACTOR = 3.0  # the slow mode's median against the fast one's
SLOW_SHARE = 0.08  # the slow mode's mean share of calls...
SLOW_SWING = 0.06  # ...and how far it swings either way
PERIOD_SECONDS = 15 * 60.0


def _cdf(bound: float, median: float) -> float:
    if math.isinf(bound):
        return 1.0
    return 0.5 * (1 + math.erf(math.log(bound / median) / (SIGMA * math.sqrt(2))))


@dataclass(frozen=True)
class Profile:
    """One platform's latency: its two modes' shares per bucket and its slow-share phase."""

    fast: tuple[float, ...]
    slow: tuple[float, ...]
    fast_mean: float
    slow_mean: float
    phase: float

    @classmethod
    def of(cls, platform: str) -> Profile:
        spread = zlib.crc32(platform.encode())
        median = MEDIANS.get(platform, 0.06 + (spread % 50) / 1000)
        slow = median * SLOW_FACTOR
        mean = math.exp(SIGMA**2 / 2)
        return cls(
            fast=tuple(_cdf(b, median) for b in BUCKETS),
            slow=tuple(_cdf(b, slow) for b in BUCKETS),
            fast_mean=median * mean,
            slow_mean=slow * mean,
            phase=(spread % 360) * math.pi / 180,
        )

    def slow_seconds(self, start: float, end: float) -> float:
        """Integral of the slow mode's share over [start, end]: a sine in closed form."""
        omega = 2 * math.pi / PERIOD_SECONDS
        swing = (SLOW_SWING / omega) * (
            math.cos(omega * start + self.phase) - math.cos(omega * end + self.phase)
        )
        return SLOW_SHARE * (end - start) + swing

    def buckets(self, rate: float, start: float, end: float) -> list[float]:
        """Cumulative bucket counts of `rate` calls a second from start to end."""
        slow = self.slow_seconds(start, end)
        span = end - start
        return [
            rate * (f * (span - slow) + s * slow) for f, s in zip(self.fast, self.slow, strict=True)
        ]

    def total_seconds(self, rate: float, start: float, end: float) -> float:
        """The histogram's _sum: time spent in calls from start to end."""
        slow = self.slow_seconds(start, end)
        return rate * (self.fast_mean * (end - start - slow) + self.slow_mean * slow)


def quantile(q: float, counts: list[float]) -> float:
    """Prometheus's histogram_quantile over cumulative bucket counts (BUCKETS' bounds):
    linear inside the bucket the rank falls in, the last finite bound for the +Inf bucket."""
    total = counts[-1]
    if total <= 0:
        return math.nan
    rank = q * total
    index = next(i for i, c in enumerate(counts) if c >= rank)
    if index == len(BUCKETS) - 1:
        return BUCKETS[-2]
    lower = BUCKETS[index - 1] if index > 0 else 0.0
    below = counts[index - 1] if index > 0 else 0.0
    inside = counts[index] - below
    return lower + (BUCKETS[index] - lower) * (rank - below) / inside
