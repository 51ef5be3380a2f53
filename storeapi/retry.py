"""When to try a store request again, and how long to wait first.

Retried: connection failures and timeouts, and 500/502/503/504, on safe methods; 429 on
any method (after its Retry-After); a connection that never opened on any method (the
request was not sent). Never: anything else on a POST, which may have been processed.
Backoff is exponential with full jitter, capped, within a bounded total time.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RETRY_STATUSES = frozenset({500, 502, 503, 504})


def full_jitter(delay: float) -> float:
    return random.uniform(0, delay)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    base_delay: float = 0.25
    max_delay: float = 4.0
    max_total: float = 15.0  # seconds spent waiting between attempts, at most
    max_retry_after: float = 10.0  # a longer Retry-After gives up instead of waiting
    jitter: Callable[[float], float] = field(default=full_jitter, compare=False)

    def backoff(self, attempt: int) -> float:
        """Delay before retry number `attempt` (1 for the first retry)."""
        return self.jitter(min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))

    def can_retry(self, *, attempt: int, waited: float, delay: float) -> bool:
        return attempt < self.max_attempts and waited + delay <= self.max_total

    @staticmethod
    def status_is_retryable(method: str, status: int) -> bool:
        """A server error (429 is StoreClient's own case: it waits for Retry-After)."""
        return method.upper() in SAFE_METHODS and status in RETRY_STATUSES

    @staticmethod
    def exception_is_retryable(method: str, *, request_sent: bool) -> bool:
        return not request_sent or method.upper() in SAFE_METHODS


# Page views give up quickly and show a retry button; bulk jobs are patient.
INTERACTIVE_POLICY = RetryPolicy(max_attempts=3, max_total=6.0, max_retry_after=5.0)
BULK_POLICY = RetryPolicy(max_attempts=10, base_delay=0.5, max_delay=15.0, max_total=180.0, max_retry_after=60.0)
