"""What the API answers: rows turned into the `2024-04-01` schemas of the OpenAPI document.

Plain functions rather than nested serializers: the shapes are large and mostly
computed, and a list page renders fifty of them. The contract tests validate every
one of these against the official document.
"""

import datetime as _dt
from decimal import Decimal

from .models import EXPORT_TYPES, Customer, Order, Product, Store

ZERO = Decimal("0.00")


def money(value) -> str:
    if value is None:
        value = ZERO
    return f"{Decimal(value):.2f}"


def dt(value) -> str | None:
    if value is None:
        return None
    return value.astimezone(_dt.UTC).isoformat().replace("+00:00", "Z")


# --- store ---------------------------------------------------------------------------

CURRENCY_LABELS = {"USD": "US Dollar", "EUR": "Euro", "THB": "Thai Baht", "GBP": "British Pound"}
LANGUAGE_LABELS = {"en": "English", "de": "Deutsch", "th": "ภาษาไทย", "fr": "Français"}


def store_repr(store: Store) -> dict:
    address = store.contact_address or {}
    languages = ["en"] if store.language == "en" else [store.language, "en"]
    return {
        "name": store.name,
        "tagline": store.tagline,
        "primary_domain": store.network_domain,
        "timezone": store.timezone,
        "tax_id": store.tax_id,
        "available_currencies": [
            {"code": store.currency, "label": CURRENCY_LABELS.get(store.currency, store.currency)}
        ],
        "available_languages": [{"code": code, "label": LANGUAGE_LABELS.get(code, code)} for code in languages],
        "contact_address": {
            "company_name": address.get("company_name", store.name),
            "line1": address.get("line1", ""),
            "line2": address.get("line2", ""),
            "city": address.get("city", ""),
            "state": address.get("state", ""),
            "postcode": address.get("postcode", ""),
            "country": address.get("country", store.country),
            "phone_number": address.get("phone_number", ""),
        },
        "payments": {
            "available_express_payment_methods": [
                {"code": "apple_pay", "label": "Apple Pay"},
                {"code": "google_pay", "label": "Google Pay"},
            ],
            "available_payment_methods": [
                {"code": "card_token", "label": "Credit Card", "supported_currencies": [store.currency]},
                {"code": "paypal", "label": "PayPal", "supported_currencies": [store.currency]},
            ],
            "certificate_token": f"cert_{store.subdomain}_sandbox",
            "environment_key": f"env_{store.subdomain}_sandbox",
        },
    }


# --- customers -----------------------------------------------------------------------


def user_inline(customer: Customer | None) -> dict:
    if customer is None:
        return {
            "id": 0,
            "email": None,
            "first_name": "",
            "last_name": "",
            "accepts_marketing": False,
            "ip": None,
            "language": None,
            "phone_number": None,
            "user_agent": None,
        }
    return {
        "id": customer.id,
        "email": customer.email,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "accepts_marketing": customer.accepts_marketing,
        "ip": customer.ip,
        "language": customer.language,
        "phone_number": customer.phone_number,
        "user_agent": customer.user_agent,
    }


def address_repr(address) -> dict:
    return {
        "id": address.id,
        "first_name": address.first_name,
        "last_name": address.last_name,
        "line1": address.line1,
        "line2": address.line2,
        "line3": address.line3,
        "line4": address.line4,
        "state": address.state,
        "postcode": address.postcode,
        "country": address.country,
        "phone_number": address.phone_number,
        "notes": address.notes,
        "is_default_for_billing": address.is_default_for_billing,
        "is_default_for_shipping": address.is_default_for_shipping,
    }


def customer_repr(customer: Customer, addresses=None) -> dict:
    if addresses is None:
        addresses = list(customer.addresses.all())
    return {
        "id": customer.id,
        "email": customer.email,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "phone_number": customer.phone_number,
        "language": customer.language,
        "user_type": customer.user_type,
        "date_joined": dt(customer.date_joined),
        "is_blocked": customer.is_blocked,
        "accepts_marketing": customer.accepts_marketing,
        "tags": list(customer.tags or []),
        "ip": customer.ip,
        "user_agent": customer.user_agent,
        "metadata": customer.metadata or {},
        "orders_count": customer.orders_count,
        "subscriptions_count": 0,
        "total_spent": money(customer.total_spent),
        "addresses": [address_repr(a) for a in addresses],
    }


def staff_user_repr(staff) -> dict:
    """A store user (`StaffUser`) in the `User` schema, as `users/?user_type=dashboard`
    lists them: no orders, no addresses; joined when the store was made."""
    return {
        "id": staff.id,
        "email": staff.email,
        "first_name": staff.first_name,
        "last_name": staff.last_name,
        "phone_number": None,
        "language": None,
        "user_type": "dashboard",
        "date_joined": dt(staff.store.created_at),
        "is_blocked": False,
        "accepts_marketing": False,
        "tags": [],
        "ip": None,
        "user_agent": None,
        "metadata": {},
        "orders_count": 0,
        "subscriptions_count": 0,
        "total_spent": money(ZERO),
        "addresses": [],
    }


def author_repr(staff) -> dict:
    if staff is None:
        return {"id": 0, "email": None, "first_name": "", "last_name": ""}
    return {"id": staff.id, "email": staff.email, "first_name": staff.first_name, "last_name": staff.last_name}


def app_repr(app) -> dict:
    if app is None:
        return {}
    return {"client_id": app.client_id, "name": app.name}


def order_note_repr(note) -> dict:
    return {
        "id": note.id,
        "message": note.message,
        "author": author_repr(note.author),
        "app": app_repr(note.app),
        "date_created": dt(note.date_created),
        "date_updated": dt(note.date_updated),
    }


def customer_note_repr(note) -> dict:
    return {
        "id": note.id,
        "message": note.message,
        "author": author_repr(note.author),
        "app": app_repr(note.app),
        "created_at": dt(note.created_at),
        "updated_at": dt(note.updated_at),
    }


# --- orders --------------------------------------------------------------------------


def _tax_rate(store: Store) -> float:
    return float(store.tax_rate)


def _report(currency: str, **amounts) -> dict:
    return {"currency": currency, **{k: money(v) for k, v in amounts.items()}}


def _tax_breakdown(store: Store, amount, currency: str) -> dict:
    return {
        "tax_id": 1,
        "tax_title": store.tax_title,
        "rate": _tax_rate(store),
        "source": "standard",
        "amount": money(amount),
        "currency": currency,
        "report_values": {"amount": money(amount), "currency": currency},
    }


def order_status_url(order: Order) -> str:
    return f"{order.store.origin}/checkout/order/{order.number}/status/"


def _product_url(store: Store, slug: str) -> str:
    return f"{store.origin}/catalogue/{slug}/"


def _product_image(store: Store, slug: str) -> str:
    return f"{store.origin}/media/images/products/{slug}.jpg"


def line_repr(order: Order, line, product) -> dict:
    store = order.store
    currency = order.currency
    unit_incl = line.unit_price_excl_tax + line.unit_tax
    values = {
        "price_excl_tax": line.unit_price_excl_tax,
        "price_incl_tax": unit_incl,
        "original_price_excl_tax": line.unit_price_excl_tax,
        "original_price_incl_tax": unit_incl,
        "original_total_discount": line.total_discount,
        "total_discount": line.total_discount,
        "unit_cost": line.unit_cost,
        "total_cost": line.unit_cost * line.quantity,
    }
    current = line.quantity - line.refunded_quantity
    return {
        "id": line.id,
        "product_id": product.id,
        "variant_id": product.id,
        "product_title": line.title,
        "variant_title": line.variant_title,
        "sku": line.sku,
        "product_url": _product_url(store, product.slug),
        "product_image": _product_image(store, product.slug),
        "quantity": line.quantity,
        "current_quantity": current,
        "editable_quantity": current if order.fulfillment_status in ("unfulfilled", "on_hold") else 0,
        "fulfillable_quantity": current if order.fulfillment_status in ("unfulfilled", "processing") else 0,
        "currency": currency,
        "requires_shipping": line.requires_shipping,
        "is_gift_card": False,
        "is_upsell": False,
        "metadata": {},
        "tax_lines": [_tax_breakdown(store, line.unit_tax * line.quantity, currency)],
        "report_values": _report(currency, **values),
        "created_at": dt(order.created_at),
        "updated_at": dt(order.updated_at),
        **{k: money(v) for k, v in values.items()},
    }


def _order_amounts(order: Order) -> dict:
    shipping_incl = order.shipping_excl_tax + order.shipping_tax
    return {
        "shipping_excl_tax": order.shipping_excl_tax,
        "shipping_incl_tax": shipping_incl,
        "original_shipping_excl_tax": order.shipping_excl_tax,
        "original_shipping_incl_tax": shipping_incl,
        "total_discount": order.total_discount,
        "original_total_discount": order.total_discount,
        "total_excl_tax": order.total_excl_tax,
        "total_incl_tax": order.total_incl_tax,
        "original_total_excl_tax": order.total_excl_tax,
        "original_total_incl_tax": order.total_incl_tax,
        "total_cost": order.total_cost,
    }


ATTRIBUTION_KEYS = [
    "affiliate",
    "funnel",
    "gclid",
    "subaffiliate1",
    "subaffiliate2",
    "subaffiliate3",
    "subaffiliate4",
    "subaffiliate5",
    "utm_campaign",
    "utm_content",
    "utm_medium",
    "utm_source",
    "utm_term",
]


def attribution_repr(stored: dict | None) -> dict:
    """`MarketingAttribution`: stored without empty keys. No agent is an agent with id 0."""
    stored = stored or {}
    data = {key: stored.get(key) for key in ATTRIBUTION_KEYS}
    data["agent"] = stored.get("agent") or author_repr(None)
    data["metadata"] = stored.get("metadata") or {}
    return data


def order_list_repr(order: Order) -> dict:
    """The `OrderList` schema: what /orders/ lists."""
    amounts = _order_amounts(order)
    return {
        "number": str(order.number),
        "status": order.status,
        "payment_status": order.payment_status,
        "fulfillment_status": order.fulfillment_status,
        "is_test": order.is_test,
        "source": order.source,
        "currency": order.currency,
        "display_taxes": "inclusive" if order.store.prices_include_tax else "exclusive",
        "date_placed": dt(order.date_placed),
        "created_at": dt(order.created_at),
        "updated_at": dt(order.updated_at),
        "order_status_url": order_status_url(order),
        "shipping_method": order.shipping_method,
        "shipping_code": order.shipping_code,
        "shipping_tax": money(order.shipping_tax),
        "total_tax": money(order.total_tax),
        "total_outstanding": money(order.total_outstanding),
        "metadata": order.metadata or {},
        "user": user_inline(order.customer),
        **{k: money(v) for k, v in amounts.items()},
    }


def order_repr(order: Order, lines=None) -> dict:
    """The `Order` schema: what /orders/{number}/ answers."""
    store = order.store
    currency = order.currency
    if lines is None:
        lines = list(order.lines.select_related("product").all())
    amounts = _order_amounts(order)
    lines_tax = sum((line.unit_tax * line.quantity for line in lines), ZERO)
    data = order_list_repr(order)
    data.update(
        {
            "attribution": attribution_repr(order.attribution),
            "billing_address": order.billing_address,
            "shipping_address": order.shipping_address,
            "tags": list(order.tags or []),
            "lines": [line_repr(order, line, line.product) for line in lines],
            "fulfillments": [fulfillment_repr(order, record, lines) for record in order.fulfillments or []],
            "offer_discounts": (
                [{"name": order.offer, "description": order.offer, "amount": money(order.total_discount)}]
                if order.offer
                else []
            ),
            "voucher_discounts": (
                [
                    {
                        "name": order.coupon_code,
                        "description": f"Coupon {order.coupon_code}",
                        "amount": money(order.total_discount),
                        "voucher": {
                            "code": order.coupon_code,
                            "name": order.coupon_code,
                            "start_datetime": dt(order.store.created_at),
                            "end_datetime": dt(order.store.created_at + _dt.timedelta(days=3650)),
                        },
                    }
                ]
                if order.coupon_code
                else []
            ),
            "refunds": [refund_repr(order, record, lines) for record in order.refunds or []],
            "transactions": list(order.transactions or []),
            "report_values": _report(currency, **amounts),
            "shipping_tax_lines": [_tax_breakdown(store, order.shipping_tax, currency)] if order.shipping_tax else [],
            "tax_lines": [
                {
                    "id": 1,
                    "tax_title": store.tax_title,
                    "rate": _tax_rate(store),
                    "source": "standard",
                    "amount": money(lines_tax),
                    "currency": currency,
                    "report_values": {"amount": money(lines_tax), "currency": currency},
                }
            ],
            "subscription_lifecycle": order.subscription_lifecycle,
            "subscriptions": [],
            "supports_post_purchase_upsells": False,
        }
    )
    return data


def fulfillment_repr(order: Order, record: dict, lines) -> dict:
    store = order.store
    currency = order.currency
    address = store.contact_address or {}
    return {
        "id": record["id"],
        "order_number": str(order.number),
        "location_id": record["location_id"],
        "status": "success",
        "delivery_status": record.get("delivery_status") or None,
        "shipping_method": order.shipping_method,
        "tracking_carrier": record["carrier"],
        "tracking_carriers": record["carrier"],
        "tracking_code": record["tracking_code"],
        "tracking_codes": record["tracking_code"],
        "tracking_link": record["tracking_link"],
        "tracking_links": record["tracking_link"],
        "requires_shipping": True,
        "created_at": record["created_at"],
        "last_event_date": record.get("last_event_date"),
        "origin_address": {
            "line1": address.get("line1", ""),
            "line2": address.get("line2", ""),
            "line3": "",
            "line4": address.get("city", ""),
            "state": address.get("state", ""),
            "postcode": address.get("postcode", ""),
            "country": address.get("country", store.country),
            "phone_number": address.get("phone_number", ""),
        },
        "line_items": [
            {
                "id": line.id,
                "order_line_id": line.id,
                "product_id": line.product_id,
                "product_title": line.title,
                "product_image": _product_image(store, line.product.slug),
                "sku": line.sku,
                "quantity": line.quantity,
                "fulfilled_quantity": str(line.quantity),
                "returnable_quantity": str(line.quantity - line.refunded_quantity),
                "returned_quantity": str(line.refunded_quantity),
                "fulfillment_service": "manual",
                "requires_shipping": line.requires_shipping,
                "currency": currency,
                "price_excl_tax": money(line.unit_price_excl_tax),
                "price_incl_tax": money(line.unit_price_excl_tax + line.unit_tax),
                "total_discount": money(line.total_discount),
                "tax_lines": [_tax_breakdown(store, line.unit_tax * line.quantity, currency)],
            }
            for line in lines
        ],
    }


def refund_repr(order: Order, record: dict, lines) -> dict:
    """A refund from its compact record: `lines` is "all" or [[line index, quantity], ...]."""
    currency = order.currency
    if record.get("lines") == "all":
        picked = [(line, line.quantity) for line in lines]
    else:
        picked = [(lines[index], quantity) for index, quantity in record.get("lines") or [] if index < len(lines)]
    refund_lines = []
    return_excl = return_incl = ZERO
    for line, quantity in picked:
        excl = line.unit_price_excl_tax * quantity
        incl = (line.unit_price_excl_tax + line.unit_tax) * quantity
        return_excl += excl
        return_incl += incl
        refund_lines.append(
            {
                "id": record["id"] * 10 + len(refund_lines) + 1,
                "line_item_id": line.id,
                "location_id": 1,
                "quantity": quantity,
                "restock_type": "return",
                "amount_excl_tax": money(excl),
                "amount_incl_tax": money(incl),
                "report_values": _report(currency, amount_excl_tax=excl, amount_incl_tax=incl),
            }
        )
    adjustments = []
    shipping = Decimal(record.get("shipping") or "0")
    if shipping:
        adjustments.append(
            {
                "id": record["id"] * 10,
                "type": "refund_shipping",
                "amount_excl_tax": money(order.shipping_excl_tax),
                "amount_incl_tax": money(shipping),
                "report_values": _report(currency, amount_excl_tax=order.shipping_excl_tax, amount_incl_tax=shipping),
            }
        )
    amount = Decimal(record["amount"])
    return {
        "id": record["id"],
        "order_number": str(order.number),
        "user_id": record.get("user_id") or 0,
        "note": record.get("note"),
        "created_at": record["created_at"],
        "total_refund_amount": money(amount),
        "total_return_excl_tax": money(return_excl),
        "total_return_incl_tax": money(return_incl),
        "refund_line_items": refund_lines,
        "adjustments": adjustments,
        "transactions": [record["transaction"]] if record.get("transaction") else [],
        "report_values": _report(
            currency,
            total_refund_amount=amount,
            total_return_excl_tax=return_excl,
            total_return_incl_tax=return_incl,
        ),
    }


def user_order_repr(order: Order, lines=None) -> dict:
    """`UserOrderInline`: an order as /users/{id}/orders/ lists it (no `user`)."""
    data = order_repr(order, lines)
    data.pop("user", None)
    return data


# --- tickets -------------------------------------------------------------------------


def comment_repr(comment) -> dict:
    return {
        "id": comment.id,
        "author": comment.author_id,
        "from_email": comment.from_email,
        "body": comment.body,
        "is_public": comment.is_public,
        "created_at": dt(comment.created_at),
        "attachments": [],
    }


def ticket_repr(ticket, comments=None, tags=None) -> dict:
    if comments is None:
        comments = list(ticket.comments.all())
    if tags is None:
        tags = [tag.name for tag in ticket.tags.all()]
    return {
        "id": ticket.id,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "requester": ticket.requester_id,
        "from_email": ticket.from_email,
        "assignee": ticket.assignee_id,
        "order": str(ticket.order.number) if ticket.order_id else "",
        "ticket_type": ticket.ticket_type_id,
        "tags": tags,
        "products": list(ticket.products or []),
        "comments": [comment_repr(c) for c in comments],
        "created_at": dt(ticket.created_at),
        "updated_at": dt(ticket.updated_at),
    }


def ticket_type_repr(ticket_type) -> dict:
    return {"id": ticket_type.id, "name": ticket_type.name}


# --- webhooks and exports --------------------------------------------------------------


def webhook_repr(webhook) -> dict:
    return {
        "id": webhook.id,
        "name": webhook.name,
        "target": webhook.target,
        "events": list(webhook.events or []),
        "api_version": webhook.api_version,
        "secret_key": webhook.secret_key,
        "active": webhook.active,
        "warning_count": webhook.warning_count,
        "next_check_date": dt(webhook.next_check_date),
        "created_at": dt(webhook.created_at),
        "updated_at": dt(webhook.updated_at),
    }


def export_repr(export, url: str) -> dict:
    return {
        "id": export.id,
        "type": export.type,
        "status": export.status,
        "date_from": dt(export.date_from),
        "date_to": dt(export.date_to),
        "created_at": dt(export.created_at),
        "url": url,
    }


def export_types_repr() -> dict:
    return {"types": [{"code": code, "name": name} for code, name in EXPORT_TYPES.items()]}


# --- catalogue -------------------------------------------------------------------------


def _availability(product: Product, records) -> tuple[str, str]:
    """(inventory_availability, purchase_availability) of a sellable product."""
    if not product.track_stock:
        return "untracked", "available"
    net = sum(r.net_stock_level for r in records)
    threshold = max((r.low_stock_threshold for r in records), default=0)
    if net <= 0:
        inventory = "out_of_stock"
    elif net <= threshold:
        inventory = "low_stock"
    else:
        inventory = "in_stock"
    purchase = "available" if net > 0 or product.allow_backorders else "unavailable"
    return inventory, purchase


def variant_title(product: Product) -> str:
    return f"{product.title} - {product.variant_title}" if product.variant_title else product.title


def stockrecord_location_repr(record) -> dict:
    return {
        "id": record.id,
        "location_id": record.location_id,
        "num_in_stock": record.num_in_stock,
        "num_allocated": record.num_allocated,
        "low_stock_threshold": record.low_stock_threshold,
    }


def variant_repr(product: Product, prices=None, records=None) -> dict:
    """`ProductVariant`: a sellable product (a child, or a standalone product as its own
    only variant) with its prices per currency and its stock per location."""
    if prices is None:
        prices = list(product.prices.all())
    if records is None:
        records = list(product.stockrecords.all())
    inventory, purchase = _availability(product, records)
    return {
        "id": product.id,
        "product_id": product.parent_id or product.id,
        "title": variant_title(product),
        "sku": product.sku,
        "upc": product.upc,
        "prices": [
            {
                "currency": p.currency,
                "price": money(p.price),
                "retail": money(p.retail) if p.retail is not None else None,
                "subscription": None,
                "subscription_suggested_downsell": None,
            }
            for p in prices
        ],
        "stockrecords": [stockrecord_location_repr(r) for r in records],
        "inventory_availability": inventory,
        "purchase_availability": purchase,
        "track_stock": product.track_stock,
        "allow_backorders": product.allow_backorders,
        "requires_shipping": product.requires_shipping,
        "unit_cost": money(product.cost),
        "images": "",
        "metadata": {},
        "variant_attribute_values": (
            [{"code": "option", "name": "Option", "value": product.variant_title}] if product.variant_title else []
        ),
        "date_created": dt(product.date_created),
        "date_updated": dt(product.date_updated),
    }


def product_list_repr(product: Product, variants: list[dict]) -> dict:
    """`ProductList`: a parent with its variants, or a standalone product (one variant: itself)."""
    store = product.store
    values = [v["variant_attribute_values"][0]["value"] for v in variants if v["variant_attribute_values"]]
    return {
        "id": product.id,
        "title": product.title,
        "slug": product.slug,
        "structure": product.structure,
        "url": _product_url(store, product.slug),
        "images": [],
        "categories": [],
        "rating": None,
        "ranking": 0,
        "is_public": product.is_public,
        "is_discountable": True,
        "enable_subscription": False,
        "interval": None,
        "interval_counts": None,
        "external_tax_code": None,
        "metadata": {},
        "recommended_products": [],
        "variant_attributes": [{"code": "option", "name": "Option", "values": values}] if values else [],
        "variants": variants,
        "date_created": dt(product.date_created),
        "date_updated": dt(product.date_updated),
    }


def product_repr(product: Product, variants: list[dict]) -> dict:
    """`Product`: what the list shows of it, and its description and page texts."""
    return {
        **product_list_repr(product, variants),
        "description": f"<p>{product.title}: made to last, from the {product.store.name} catalogue.</p>",
        "meta_title": product.title,
        "meta_description": None,
        "template": None,
    }


def location_repr(location) -> dict:
    address = location.address or {}
    return {
        "id": location.id,
        "name": location.name,
        "accept_return": location.accept_return,
        "callback_url": None,
        "address": {
            "line1": address.get("line1", ""),
            "line2": address.get("line2", ""),
            "line3": "",
            "line4": address.get("line4", ""),
            "state": address.get("state", ""),
            "postcode": address.get("postcode", ""),
            "country": address.get("country", ""),
            "phone_number": address.get("phone_number", ""),
        },
    }


def stockrecord_repr(record) -> dict:
    product = record.product
    return {
        "id": record.id,
        "location": location_repr(record.location),
        "low_stock_threshold": record.low_stock_threshold,
        "net_stock_level": record.net_stock_level,
        "num_allocated": record.num_allocated,
        "num_in_stock": record.num_in_stock,
        "product": {
            "id": product.parent_id or product.id,
            "variant_id": product.id,
            "sku": product.sku,
            "title": product.title,
            "variant_title": product.variant_title,
        },
        "date_created": dt(record.date_created),
        "date_updated": dt(record.date_updated),
    }


COUNTRY_NAMES = {
    "US": "United States",
    "CA": "Canada",
    "GB": "United Kingdom",
    "DE": "Germany",
    "AT": "Austria",
    "CH": "Switzerland",
    "TH": "Thailand",
    "SG": "Singapore",
    "MY": "Malaysia",
}


def shipping_method_repr(method) -> dict:
    return {
        "id": method.id,
        "name": method.name,
        "code": method.code,
        "description": method.description,
        "delivery_time": method.delivery_time,
        "is_public": True,
        "countries": [{"code": c, "name": COUNTRY_NAMES.get(c, c)} for c in method.countries],
        "prices": [{"currency": currency, "price_per_order": money(price)} for currency, price in method.prices],
    }


# --- transactions ------------------------------------------------------------------------

NO_SUBSCRIPTION = {"id": 0, "billing_cycle": None}


def transaction_repr(row, refundable=None) -> dict:
    """`Transaction` (and `TransactionList`): a row with its order's customer and attribution."""
    record = row.record
    order = row.order
    data = {
        "id": row.id,
        "type": row.type,
        "status": row.status,
        "amount": money(row.amount),
        "amount_available_for_refund": money(refundable if refundable is not None else ZERO),
        "currency": row.currency,
        "date_created": dt(row.date_created),
        "order": str(order.number) if order is not None else None,
        "parent_id": record.get("parent_id"),
        "payment_method": row.payment_method or None,
        "response_code": record.get("response_code") or (100 if row.status == "succeeded" else 200),
        "auth_code": row.auth_code,
        "external_id": row.external_id,
        "network_transaction_id": record.get("network_transaction_id"),
        "is_disputed": bool(record.get("is_disputed")),
        "is_external": row.is_external,
        "is_test": row.is_test,
        "statement_descriptor": record.get("statement_descriptor"),
        "payment_details": record.get("payment_details")
        or {
            "bankcard_first_six": None,
            "bankcard_last_four": None,
            "card_token": "",
            "gateway": {"id": 0, "name": "", "type": ""},
            "is_3ds": False,
            "optimized_3ds": False,
            "paypal_vault_id": "",
            "sca_flow": "",
        },
        "attribution": attribution_repr(order.attribution if order is not None else None),
        "initiator": (record.get("initiator") or author_repr(None)),
        "subscription": NO_SUBSCRIPTION,
        "user": user_inline(order.customer if order is not None else None),
        "report_values": {"amount": money(row.amount), "currency": row.currency},
    }
    return data
