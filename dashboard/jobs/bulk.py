"""One store's part of a bulk action: tag, untag or note orders; set tickets' status,
priority or assignee.

The part keeps one JobItem per object (collected first, page by page, when the job
targets "all matching this filter"); each item is marked "started" before its call
and "ok"/"failed" after, so a resumed part redoes at most the one item in flight
(idempotent for tags, statuses, priorities and assignees; a note is first looked for).
"""

from __future__ import annotations

from django.db.models import F
from django.utils import timezone

from storeapi.client import StoreClient
from storeapi.errors import InvalidRequest, NotFound

from ..audit import audit_record
from ..models import Job, JobItem, JobPart
from .resources import PAGE_PATHS


def bulk_items(part: JobPart, client: StoreClient, save) -> None:
    """Apply the job's action to every item of the part not yet done. `save(**changes)`
    persists progress under the part's lease; `save(also=fn)` runs `fn` with it."""
    job = part.job
    if not part.collected:
        _collect_items(part, client, save)
    while True:
        batch = list(
            part.items.filter(status__in=[JobItem.Status.PENDING, JobItem.Status.STARTED]).order_by("position")[:50]
        )
        if not batch:
            return
        for item in batch:
            was_started = item.status == JobItem.Status.STARTED
            JobItem.objects.filter(pk=item.pk).update(status=JobItem.Status.STARTED)
            try:
                summary = _apply_action(job, client, item.object_id, resumed=was_started)
                status, message = JobItem.Status.OK, summary
            except (NotFound, InvalidRequest) as exc:
                status, message = JobItem.Status.FAILED, exc.user_message

            def record(item=item, status=status, message=message):
                JobItem.objects.filter(pk=item.pk).update(status=status, message=message[:500])
                if status == JobItem.Status.OK:
                    _audit_item(job, part, item.object_id, message)

            counter = "items_done" if status == JobItem.Status.OK else "items_failed"
            save(also=record, **{counter: F(counter) + 1})


def _collect_items(part: JobPart, client: StoreClient, save) -> None:
    """List every object matching the filters as a JobItem, resumably."""
    job = part.job
    key = "id" if job.resource == Job.Resource.TICKETS else "number"
    cursor = part.cursor or None
    total = part.items_total or 0
    if not (part.pages_done and not part.cursor):  # else every page is already in
        while True:
            page = client.list_page(PAGE_PATHS[job.resource], job.filters, cursor=cursor)
            new = [
                JobItem(part=part, position=total + n, object_id=str(obj[key])) for n, obj in enumerate(page.results)
            ]
            total += len(new)
            save(
                also=lambda new=new: JobItem.objects.bulk_create(new, ignore_conflicts=True),
                cursor=page.next_cursor or "",
                pages_done=F("pages_done") + 1,
                items_total=total,
                collected=not page.has_next,
            )
            if not page.has_next:
                break
            cursor = page.next_cursor
    part.collected = True
    JobPart.objects.filter(pk=part.pk).update(collected=True, items_total=part.items.count())


def _apply_action(job: Job, client: StoreClient, object_id: str, *, resumed: bool) -> str:
    value = job.action_value
    if job.action in (Job.Action.TAG_ADD, Job.Action.TAG_REMOVE):
        order = client.get(f"orders/{object_id}/")
        tags = list(order.get("tags") or [])
        if job.action == Job.Action.TAG_ADD:
            if value in tags:
                return f"already tagged “{value}”"
            new_tags = [*tags, value]
        else:
            if value not in tags:
                return f"had no tag “{value}”"
            new_tags = [t for t in tags if t != value]
        client.patch(f"orders/{object_id}/", {"tags": new_tags})
        return f"tag “{value}” {'added' if job.action == Job.Action.TAG_ADD else 'removed'}"
    if job.action == Job.Action.NOTE_ADD:
        if resumed:
            # The call may have gone through before the worker died: look first.
            page = client.list_page(f"orders/{object_id}/notes/")
            if any(n.get("message") == value for n in page.results):
                return "note already added"
        client.post(f"orders/{object_id}/notes/", {"message": value})
        return "note added"
    if job.action == Job.Action.TICKET_STATUS:
        client.patch(f"tickets/{object_id}/", {"status": value})
        return f"status set to {value}"
    if job.action == Job.Action.TICKET_PRIORITY:
        client.patch(f"tickets/{object_id}/", {"priority": value})
        return f"priority set to {value}"
    if job.action == Job.Action.TICKET_ASSIGNEE:
        assignee = int(value) if value else None
        client.patch(f"tickets/{object_id}/", {"assignee": assignee})
        return "assignee set" if assignee else "unassigned"
    raise ValueError(f"Unknown bulk action {job.action!r}.")


_ITEM_AUDIT = {
    Job.Action.TAG_ADD: ("order.tag_added", "order"),
    Job.Action.TAG_REMOVE: ("order.tag_removed", "order"),
    Job.Action.NOTE_ADD: ("order.note_added", "order"),
    Job.Action.TICKET_STATUS: ("ticket.status_changed", "ticket"),
    Job.Action.TICKET_PRIORITY: ("ticket.priority_changed", "ticket"),
    Job.Action.TICKET_ASSIGNEE: ("ticket.assignee_changed", "ticket"),
}


def _audit_item(job: Job, part: JobPart, object_id: str, summary: str) -> None:
    action, object_type = _ITEM_AUDIT[job.action]
    audit_record(
        operator=job.owner,
        store=part.store,
        action=action,
        object_type=object_type,
        object_id=object_id,
        summary=f"{summary} (bulk job)",
        details={"job": str(job.pk), "value": job.action_value},
    )


def bulk_finish(job: Job) -> None:
    """Every part is done: the job is finished, with how many items failed."""
    now = timezone.now()
    failed = sum(job.parts.values_list("items_failed", flat=True))
    job.status = Job.Status.FINISHED
    job.finished_at = now
    job.rows_total = sum(job.parts.values_list("items_done", flat=True))
    job.error = f"{failed} failed; download the report for details." if failed else ""
    job.save(update_fields=["status", "finished_at", "rows_total", "error"])
