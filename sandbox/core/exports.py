"""Native exports: CSV files the platform builds for a date range, asynchronously.

An export is `pending` for SANDBOX_EXPORT_DELAY_SECONDS, then the background thread
writes the file, marks it `available` and sends `export.created`. `download/` answers
a signed URL that works for SANDBOX_EXPORT_URL_TTL_SECONDS, like a pre-signed S3 link.
"""

import csv
import datetime as dt
import io

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from . import representations as rep
from . import webhooks, worker
from .models import Customer, Export, Order, OrderLine, Store

SALT = "sandbox.export-download"

# The header row of each type's CSV file.
ORDER_LIST_HEADER = [
    "number", "date_placed", "status", "payment_status", "fulfillment_status", "currency",
    "total_excl_tax", "total_tax", "total_incl_tax", "shipping_incl_tax", "total_discount", "total_refunded",
    "customer_id", "customer_email", "customer_first_name", "customer_last_name", "shipping_country",
    "shipping_city", "tags", "is_test", "source", "payment_method", "coupon_code",
]  # fmt: skip
ORDER_LINE_ITEMS_HEADER = [
    "number", "date_placed", "line_id", "sku", "product_title", "variant_title", "quantity",
    "price_excl_tax", "price_incl_tax", "currency",
]  # fmt: skip
CUSTOMER_LIST_HEADER = [
    "id", "email", "first_name", "last_name", "phone_number", "date_joined", "orders_count", "total_spent",
    "accepts_marketing", "is_blocked", "language",
]  # fmt: skip
TRANSACTION_LIST_HEADER = [
    "id", "order_number", "type", "status", "amount", "currency", "payment_method", "date_created",
]  # fmt: skip


def export_create(*, store: Store, type: str, date_from, date_to, app=None) -> Export:
    ready_at = timezone.now() + dt.timedelta(seconds=settings.SANDBOX_EXPORT_DELAY_SECONDS)
    export = Export.objects.create(
        store=store, app=app, type=type, date_from=date_from, date_to=date_to, ready_at=ready_at
    )
    transaction.on_commit(worker.wake)
    return export


class _BackdatedSigner(signing.TimestampSigner):
    def __init__(self, *args, issued_at: float, **kwargs):
        super().__init__(*args, **kwargs)
        self.issued_at = issued_at

    def timestamp(self):
        return signing.b62_encode(int(self.issued_at))


def signed_path(export: Export, issued_at: float | None = None) -> str:
    """The download path, signed now (or, for tests of expiry, as if at `issued_at`)."""
    claims = {"export": export.id, "store": export.store.subdomain}
    if issued_at is None:
        token = signing.dumps(claims, salt=SALT, compress=True)
    else:
        token = _BackdatedSigner(salt=SALT, issued_at=issued_at).sign_object(claims, compress=True)
    return f"/{export.store.subdomain}/exports/files/{token}/"


def unsign(token: str) -> dict | None:
    try:
        return signing.loads(token, salt=SALT, max_age=settings.SANDBOX_EXPORT_URL_TTL_SECONDS)
    except signing.BadSignature:
        return None


def process_due() -> int:
    due = list(Export.objects.filter(status=Export.PENDING, ready_at__lte=timezone.now()).select_related("store")[:5])
    for export in due:
        export_build(export)
    return len(due)


def export_build(export: Export) -> None:
    content, rows = build_csv(export)
    with transaction.atomic():
        export.content = content
        export.row_count = rows
        export.status = Export.AVAILABLE
        export.save(update_fields=["content", "row_count", "status"])
        url = f"/{export.store.subdomain}/api/admin/exports/{export.id}/"
        webhooks.emit(export.store, "export.created", "export", rep.export_repr(export, url))


def _in_range(queryset, field: str, export: Export):
    if export.date_from:
        queryset = queryset.filter(**{f"{field}__gte": export.date_from})
    if export.date_to:
        queryset = queryset.filter(**{f"{field}__lte": export.date_to})
    return queryset


def build_csv(export: Export) -> tuple[str, int]:
    store = export.store
    out = io.StringIO()
    writer = csv.writer(out)
    rows = 0
    orders = _in_range(Order.objects.filter(store=store), "date_placed", export).order_by("-number")
    if export.type == "order_list":
        writer.writerow(ORDER_LIST_HEADER)
        # Only what the file needs: decoding every order's JSON would triple the time.
        needed = [
            "customer",
            "number", "date_placed", "status", "payment_status", "fulfillment_status", "currency",
            "total_excl_tax", "total_tax", "total_incl_tax", "shipping_excl_tax", "shipping_tax",
            "total_discount", "total_refunded", "shipping_address", "tags", "is_test", "source",
            "payment_method", "coupon_code", "customer__id", "customer__email", "customer__first_name",
            "customer__last_name",
        ]  # fmt: skip
        for order in orders.select_related("customer").only(*needed).iterator(chunk_size=2000):
            customer = order.customer
            address = order.shipping_address or {}
            writer.writerow(
                [
                    order.number,
                    rep.dt(order.date_placed),
                    order.status,
                    order.payment_status,
                    order.fulfillment_status,
                    order.currency,
                    rep.money(order.total_excl_tax),
                    rep.money(order.total_tax),
                    rep.money(order.total_incl_tax),
                    rep.money(order.shipping_excl_tax + order.shipping_tax),
                    rep.money(order.total_discount),
                    rep.money(order.total_refunded),
                    customer.id if customer else "",
                    customer.email if customer else "",
                    customer.first_name if customer else "",
                    customer.last_name if customer else "",
                    address.get("country", ""),
                    address.get("line4", ""),
                    "|".join(order.tags or []),
                    str(order.is_test).lower(),
                    order.source,
                    order.payment_method,
                    order.coupon_code,
                ]
            )
            rows += 1
    elif export.type == "order_line_items":
        writer.writerow(ORDER_LINE_ITEMS_HEADER)
        lines = OrderLine.objects.filter(order__in=orders).select_related("order").order_by("-order__number", "id")
        for line in lines.iterator(chunk_size=2000):
            writer.writerow(
                [
                    line.order.number,
                    rep.dt(line.order.date_placed),
                    line.id,
                    line.sku,
                    line.title,
                    line.variant_title,
                    line.quantity,
                    rep.money(line.unit_price_excl_tax),
                    rep.money(line.unit_price_excl_tax + line.unit_tax),
                    line.order.currency,
                ]
            )
            rows += 1
    elif export.type == "customer_list":
        writer.writerow(CUSTOMER_LIST_HEADER)
        customers = _in_range(Customer.objects.filter(store=store), "date_joined", export).order_by("-id")
        for c in customers.iterator(chunk_size=2000):
            writer.writerow(
                [
                    c.id,
                    c.email,
                    c.first_name,
                    c.last_name,
                    c.phone_number or "",
                    rep.dt(c.date_joined),
                    c.orders_count,
                    rep.money(c.total_spent),
                    str(c.accepts_marketing).lower(),
                    str(c.is_blocked).lower(),
                    c.language or "",
                ]
            )
            rows += 1
    elif export.type == "transaction_list":
        writer.writerow(TRANSACTION_LIST_HEADER)
        for order in orders.only("number", "transactions").iterator(chunk_size=2000):
            for t in order.transactions or []:
                writer.writerow(
                    [
                        t["id"],
                        order.number,
                        t.get("type"),
                        t.get("status"),
                        t.get("amount"),
                        t.get("currency"),
                        t.get("payment_method"),
                        t.get("date_created"),
                    ]
                )
                rows += 1
    else:
        # Disputes, subscriptions, carts, returns and fulfillments do not exist in the sandbox.
        writer.writerow(["id", "created_at"])
    return out.getvalue(), rows
