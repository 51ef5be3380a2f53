"""Whether the notice area of a page has anything to show: one cheap query per page.

Every full page has a notice area (base.html): jobs that ended or still run
(`jobs.selectors.job_notices`) and payment links of phone orders that were paid, failed
or still wait (`selectors.phone_orders.phone_order_notices`). On almost every page there
is none of either, and those two ORM queries cost a list page more than the whole
drawing of its filter bar (docs/page-speed.md). So a page first asks both questions in
one plain SQL statement, with the same conditions as those selectors, and runs a
selector only when its answer is yes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from ..models import Job, PhoneOrder


@dataclass(frozen=True)
class PendingNotices:
    jobs: bool
    payments: bool


def pending_notices(*, operator) -> PendingNotices:
    if not operator.is_authenticated:
        return PendingNotices(False, False)
    quote = connection.ops.quote_name
    # Table names from the models, every value a parameter.
    sql = (
        f"SELECT EXISTS (SELECT 1 FROM {quote(Job._meta.db_table)}"  # noqa: S608
        "   WHERE owner_id = %s AND notified_at IS NULL AND status <> %s),"
        f" EXISTS (SELECT 1 FROM {quote(PhoneOrder._meta.db_table)}"
        "   WHERE operator_id = %s AND notified_at IS NULL AND state = %s AND payment_status <> '')"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [operator.pk, Job.Status.EXPIRED.value, operator.pk, PhoneOrder.State.CREATED.value])
        jobs, payments = cursor.fetchone()
    return PendingNotices(bool(jobs), bool(payments))
