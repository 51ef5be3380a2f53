"""What a job acts on: the platform's list endpoint of each resource, the bulk actions
of each resource, and the permission a job needs in every store it touches."""

from __future__ import annotations

from storeapi.roles import Perm

from ..models import Job

PAGE_PATHS = {Job.Resource.ORDERS: "orders/", Job.Resource.ORDER_LINES: "orders/", Job.Resource.TICKETS: "tickets/"}
ORDER_ACTIONS = (Job.Action.TAG_ADD, Job.Action.TAG_REMOVE, Job.Action.NOTE_ADD)
TICKET_ACTIONS = (Job.Action.TICKET_STATUS, Job.Action.TICKET_PRIORITY, Job.Action.TICKET_ASSIGNEE)


def required_perm(job: Job) -> Perm:
    if job.kind == Job.Kind.EXPORT:
        return Perm.EXPORT_ORDERS
    return Perm.BULK_TICKETS if job.resource == Job.Resource.TICKETS else Perm.BULK_ORDERS
