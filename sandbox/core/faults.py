"""Fault injection per store, for tests and demos of failure handling.

A store's `faults` (set through the control endpoint, never on by default):

    latency_ms        added to every API request
    error_rate        share of requests answered with one of `error_statuses` (500, 502, 503)
    error_statuses    default [500, 502, 503]
    rate_limit_rate   share of requests answered 429 with `Retry-After: retry_after` (a "429 storm")
    retry_after       seconds, default 1
    hang_rate         share of requests held `hang_seconds` (default SANDBOX_HANG_SECONDS), then answered normally
    hang_seconds
    malformed_rate    share of successful JSON answers cut in half (invalid JSON, status 200)
    limit             apply the faults to the next N API requests only, then stop
    seed              seed of the store's fault draws: the same requests in the same order
                      meet the same faults (a repeatable storm for tests)

Shares are between 0 and 1; 1 means every request.
"""

import random
import threading
import time

from django.conf import settings
from django.http import HttpResponse, JsonResponse

_random = random.Random()
_seeded: dict[int, random.Random] = {}  # stores whose faults name a seed
_budgets: dict[int, int] = {}
_lock = threading.Lock()

KEYS = {
    "latency_ms",
    "error_rate",
    "error_statuses",
    "rate_limit_rate",
    "retry_after",
    "hang_rate",
    "hang_seconds",
    "malformed_rate",
    "limit",
    "seed",
}

GATEWAY_PAGE = (
    "<html><head><title>{status} {reason}</title></head>"
    "<body><center><h1>{status} {reason}</h1></center></body></html>\n"
)
REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


def validate(faults: dict) -> dict:
    unknown = set(faults) - KEYS
    if unknown:
        raise ValueError(f"unknown faults: {', '.join(sorted(unknown))}")
    return faults


def reset(store_id: int, faults: dict) -> None:
    """Start the store's budget and draws over for newly set faults."""
    with _lock:
        if faults.get("limit") is not None:
            _budgets[store_id] = int(faults["limit"])
        else:
            _budgets.pop(store_id, None)
        if faults.get("seed") is not None:
            _seeded[store_id] = random.Random(faults["seed"])
        else:
            _seeded.pop(store_id, None)


def _take_budget(store_id: int) -> bool:
    with _lock:
        if store_id not in _budgets:
            return True
        if _budgets[store_id] <= 0:
            return False
        _budgets[store_id] -= 1
        return True


def _chance(rng: random.Random, share) -> bool:
    share = float(share or 0)
    return share >= 1 or (share > 0 and rng.random() < share)


def before(store, request) -> tuple[HttpResponse | None, str]:
    """A response that replaces the real one, or None; and the name of the fault applied."""
    faults = store.faults or {}
    if not faults or not _take_budget(store.id):
        return None, ""
    rng = _seeded.get(store.id, _random)
    applied = []
    if _chance(rng, faults.get("hang_rate")):
        time.sleep(float(faults.get("hang_seconds") or settings.SANDBOX_HANG_SECONDS))
        applied.append("hang")
    if faults.get("latency_ms"):
        time.sleep(float(faults["latency_ms"]) / 1000)
        applied.append("latency")
    if _chance(rng, faults.get("error_rate")):
        status = rng.choice(faults.get("error_statuses") or [500, 502, 503])
        applied.append(f"error_{status}")
        if status == 500:
            return JsonResponse({"detail": "A server error occurred."}, status=500), ",".join(applied)
        page = GATEWAY_PAGE.format(status=status, reason=REASONS.get(status, "Error"))
        return HttpResponse(page, status=status, content_type="text/html"), ",".join(applied)
    if _chance(rng, faults.get("rate_limit_rate")):
        retry_after = int(faults.get("retry_after") or 1)
        unit = "second" if retry_after == 1 else "seconds"
        response = JsonResponse(
            {"detail": f"Request was throttled. Expected available in {retry_after} {unit}."}, status=429
        )
        response["Retry-After"] = str(retry_after)
        applied.append("rate_limit")
        return response, ",".join(applied)
    if _chance(rng, faults.get("malformed_rate")):
        applied.append("malformed")
        request.sandbox_malformed = True
    return None, ",".join(applied)


def after(request, response) -> HttpResponse:
    if getattr(request, "sandbox_malformed", False) and 200 <= response.status_code < 300 and response.content:
        content = response.content
        response.content = content[: max(1, len(content) // 2)]
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
    return response
