"""The audit log, as owners read it."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

from ..models import AuditEntry

PAGE_SIZE = 50


def audit_actions(*, store) -> list[str]:
    return list(AuditEntry.objects.filter(store=store).order_by("action").values_list("action", flat=True).distinct())


def audit_object_types(*, store) -> list[str]:
    entries = AuditEntry.objects.filter(store=store).exclude(object_type="")
    return list(entries.order_by("object_type").values_list("object_type", flat=True).distinct())


def _start_of(day: date, zone) -> datetime | None:
    """Midnight of `day` in the store's zone, as an instant; None past the calendar's
    ends (the filter form refuses such days; this keeps the selector safe on its own)."""
    try:
        return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)
    except OverflowError:
        return None


def audit_entries_page(
    *,
    store,
    operator_email: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    before: int | None = None,
) -> tuple[list[AuditEntry], int | None]:
    """One page, newest first, and the `before` value of the next page (or None).
    Dates are days in the store's time zone."""
    try:
        zone = zoneinfo.ZoneInfo(store.timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    entries = AuditEntry.objects.filter(store=store).select_related("operator")
    if operator_email:
        entries = entries.filter(operator_email__icontains=operator_email)
    if action:
        entries = entries.filter(action=action)
    if object_type:
        entries = entries.filter(object_type=object_type)
    if object_id:
        entries = entries.filter(object_id=object_id)
    if date_from and (start := _start_of(date_from, zone)) is not None:
        entries = entries.filter(created_at__gte=start)
    if date_to and date_to < date.max and (end := _start_of(date_to + timedelta(days=1), zone)) is not None:
        entries = entries.filter(created_at__lt=end)
    if before:
        entries = entries.filter(pk__lt=before)
    rows = list(entries.order_by("-pk")[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return rows, (rows[-1].pk if more and rows else None)
