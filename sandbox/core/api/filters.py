"""The query-string filters of each list, as the OpenAPI document lists them.

Each is a form bound to the query string; an invalid value (an unknown status, a date
that is not YYYY-MM-DD) is a 400 with field errors, as on the platform. List
parameters are repeated keys (`status=open&status=canceled`). Date ranges are whole
days in the store's timezone, both ends included.
"""

import datetime as dt
import re
from zoneinfo import ZoneInfo

from django import forms
from django.db.models import Q
from rest_framework.exceptions import ValidationError

from ..models import WEBHOOK_EVENTS


class ListField(forms.Field):
    """A repeated query parameter: `?tags=a&tags=b` -> ["a", "b"]."""

    widget = forms.MultipleHiddenInput

    def __init__(self, *, item=str, choices=None, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.item = item
        self.choices = choices

    def to_python(self, value):
        if not value:
            return []
        if not isinstance(value, list | tuple):
            value = [value]
        result = []
        for raw in value:
            if self.choices is not None and raw not in self.choices:
                raise forms.ValidationError(f"Select a valid choice. {raw} is not one of the available choices.")
            try:
                value = self.item(raw)
            except (TypeError, ValueError):
                raise forms.ValidationError("Enter a whole number.") from None
            if isinstance(value, int) and not -MAX_INT <= value <= MAX_INT:
                raise forms.ValidationError("Ensure this value is within range.")
            result.append(value)
        return result


def _text(**kwargs):
    return forms.CharField(required=False, **kwargs)


def _bool():
    return forms.NullBooleanField(required=False)


def _date():
    return forms.DateField(required=False, input_formats=["%Y-%m-%d"])


def _int():
    return forms.IntegerField(required=False, min_value=-MAX_INT, max_value=MAX_INT)


def _choice(choices):
    return forms.ChoiceField(required=False, choices=[("", "")] + [(c, c) for c in choices])


def bind(form_class, request):
    form = form_class(request.query_params)
    if not form.is_valid():
        raise ValidationError(
            {field: [e["message"] for e in errors] for field, errors in form.errors.get_json_data().items()}
        )
    return form.cleaned_data


MAX_INT = 2**63 - 1
NUMBER = re.compile(r"^[0-9]{1,18}$")


def is_number(text: str) -> bool:
    """ASCII digits that fit a database integer (str.isdigit() also takes '³')."""
    return bool(NUMBER.match(text))


def day_start(store, day: dt.date) -> dt.datetime | None:
    """Midnight of that day in the store's timezone; None past the calendar's ends."""
    try:
        return dt.datetime.combine(day, dt.time.min, tzinfo=ZoneInfo(store.timezone)).astimezone(dt.UTC)
    except OverflowError:
        return None


def date_range(field: str, store, start: dt.date | None, end: dt.date | None) -> Q:
    query = Q()
    if start and (moment := day_start(store, start)) is not None:
        query &= Q(**{f"{field}__gte": moment})
    if end and end < dt.date.max and (moment := day_start(store, end + dt.timedelta(days=1))) is not None:
        query &= Q(**{f"{field}__lt": moment})
    return query


def _any_icontains(field: str, values) -> Q:
    query = Q()
    for value in values:
        query |= Q(**{f"{field}__icontains": value})
    return query


# --- orders ---------------------------------------------------------------------------

ORDER_STATUSES = ["archived", "canceled", "open"]
FULFILLMENT_STATUSES = [
    "fulfilled",
    "incomplete",
    "not_required",
    "on_hold",
    "partially_fulfilled",
    "processing",
    "rejected",
    "unfulfilled",
]
DELIVERY_STATUSES = [
    "attempted_delivery",
    "delayed",
    "delivered",
    "failed_delivery",
    "in_transit",
    "out_for_delivery",
    "tracking_added",
]
PAYMENT_STATUSES = [
    "authorized",
    "expired",
    "expiring",
    "paid",
    "partially_paid",
    "partially_refunded",
    "partially_voided",
    "pending",
    "refunded",
    "voided",
]
SOURCES = ["admin_api", "checkout", "dashboard", "subscription"]


class OrderFilters(forms.Form):
    search_text = _text()
    address = _text()
    order_number = _text()
    name = _text()
    product = ListField(item=int)
    location_id = ListField(item=int)
    sku = ListField()
    status = ListField(choices=ORDER_STATUSES)
    payment_method = ListField()
    currency = _text()
    fulfillment_status = ListField(choices=FULFILLMENT_STATUSES)
    delivery_status = ListField(choices=DELIVERY_STATUSES)
    payment_status = ListField(choices=PAYMENT_STATUSES)
    subscription_lifecycle = _choice(["non-recurring", "recurring"])
    date_placed_from = _date()
    date_placed_to = _date()
    coupon_code = ListField()
    tags = ListField()
    offers = ListField()
    countries = ListField()
    funnels = ListField()
    sources = ListField(choices=SOURCES)
    agents = ListField()
    utm_source = _text()
    utm_campaign = _text()
    utm_term = _text()
    utm_content = _text()
    affiliate = _text()
    subaffiliate1 = _text()
    subaffiliate2 = _text()
    subaffiliate3 = _text()
    subaffiliate4 = _text()
    subaffiliate5 = _text()
    is_disputed = _bool()
    has_outstanding_balance = _bool()
    has_split_fulfillment = _bool()
    is_test = _bool()


ATTRIBUTION_FILTERS = ["utm_source", "utm_campaign", "utm_term", "utm_content", "affiliate"] + [
    f"subaffiliate{i}" for i in range(1, 6)
]


def filter_orders(queryset, store, f: dict):
    q = Q()
    if f["search_text"]:
        q &= Q(search_blob__icontains=f["search_text"].strip().lower())
    if f["address"]:
        q &= Q(address_blob__icontains=f["address"].strip().lower())
    if f["order_number"]:
        numbers = [int(n) for n in f["order_number"].replace(",", " ").split() if is_number(n)]
        q &= Q(number__in=numbers or [-1])
    if f["name"]:
        for part in f["name"].split():
            q &= Q(customer__first_name__icontains=part) | Q(customer__last_name__icontains=part)
    if f["product"]:
        q &= Q(id__in=_lines_matching(product_id__in=f["product"]))
    if f["sku"]:
        q &= Q(id__in=_lines_matching(sku__in=f["sku"]))
    if f["location_id"]:
        q &= Q(fulfillment_location_id__in=f["location_id"])
    for name in ("status", "payment_status", "fulfillment_status", "delivery_status", "payment_method"):
        if f[name]:
            q &= Q(**{f"{name}__in": f[name]})
    if f["sources"]:
        q &= Q(source__in=f["sources"])
    if f["currency"]:
        q &= Q(currency__iexact=f["currency"])
    if f["subscription_lifecycle"]:
        q &= Q(subscription_lifecycle=f["subscription_lifecycle"])
    q &= date_range("date_placed", store, f["date_placed_from"], f["date_placed_to"])
    if f["coupon_code"]:
        q &= Q(coupon_code__in=f["coupon_code"])
    if f["offers"]:
        q &= Q(offer__in=f["offers"])
    if f["tags"]:
        q &= _any_icontains("tags_index", [f"|{tag}|" for tag in f["tags"]])
    if f["countries"]:
        q &= Q(country__in=[c.upper() for c in f["countries"]])
    if f["funnels"]:
        q &= Q(attribution__funnel__in=f["funnels"])
    if f["agents"]:
        q &= Q(attribution__agent__email__in=f["agents"])
    for name in ATTRIBUTION_FILTERS:
        if f[name]:
            q &= Q(**{f"attribution__{name}": f[name]})
    if f["is_disputed"] is not None:
        q &= Q(is_disputed=f["is_disputed"])
    if f["has_outstanding_balance"] is not None:
        q &= Q(total_outstanding__gt=0) if f["has_outstanding_balance"] else Q(total_outstanding__lte=0)
    if f["has_split_fulfillment"]:
        q &= Q(pk__in=[])  # the sandbox never splits a fulfillment
    if f["is_test"] is not None:
        q &= Q(is_test=f["is_test"])
    return queryset.filter(q)


def _lines_matching(**lookup):
    from ..models import OrderLine

    return OrderLine.objects.filter(**lookup).values("order_id")


# --- customers ------------------------------------------------------------------------

LANGUAGES = ["da", "de", "en", "es", "fi", "fr", "it", "nl", "no", "pt", "sv", "th"]


class UserFilters(forms.Form):
    email = _text()
    name = _text()
    phone_number = _text()
    language = _choice(LANGUAGES)
    user_type = _text()
    date_joined_from = _date()
    date_joined_to = _date()
    is_blocked = _bool()
    accepts_marketing = _bool()


def filter_users(queryset, store, f: dict):
    q = Q()
    if f["email"]:
        q &= Q(email__icontains=f["email"].strip())
    if f["name"]:
        for part in f["name"].split():
            q &= Q(first_name__icontains=part) | Q(last_name__icontains=part)
    if f["phone_number"]:
        q &= Q(phone_number__icontains=f["phone_number"].strip())
    if f["language"]:
        q &= Q(language=f["language"])
    if f["user_type"]:
        q &= Q(user_type=f["user_type"])
    q &= date_range("date_joined", store, f["date_joined_from"], f["date_joined_to"])
    if f["is_blocked"] is not None:
        q &= Q(is_blocked=f["is_blocked"])
    if f["accepts_marketing"] is not None:
        q &= Q(accepts_marketing=f["accepts_marketing"])
    return queryset.filter(q)


def filter_staff(queryset, store, f: dict):
    """`users/?user_type=dashboard`: the store's own users (`StaffUser`), with the
    filters that mean something for them. They joined when the store was made, have no
    phone number or language, are never blocked and receive no marketing."""
    q = Q()
    if f["email"]:
        q &= Q(email__icontains=f["email"].strip())
    if f["name"]:
        for part in f["name"].split():
            q &= Q(first_name__icontains=part) | Q(last_name__icontains=part)
    if f["phone_number"] or f["language"] or f["is_blocked"] or f["accepts_marketing"]:
        return queryset.none()
    q &= date_range("store__created_at", store, f["date_joined_from"], f["date_joined_to"])
    return queryset.filter(q)


# --- tickets --------------------------------------------------------------------------


class TicketFilters(forms.Form):
    filter_text = _text()
    id = _int()
    subject = _text()
    status = ListField(choices=["closed", "new", "open", "pending", "solved"])
    requester = _int()
    assignee = _int()
    order_number = _text()
    product = ListField(item=int)
    tags = ListField(item=int)
    ticket_type = _int()
    priority = _choice(["high", "low", "medium"])
    channel = _choice(["api", "customer_account", "dashboard", "email", "follow_up"])
    created_from = _date()
    created_to = _date()


def filter_tickets(queryset, store, f: dict):
    q = Q()
    if f["filter_text"]:
        text = f["filter_text"].strip()
        match = Q(subject__icontains=text) | Q(requester__email__icontains=text) | Q(from_email__icontains=text)
        if is_number(text):
            match |= Q(id=int(text))
        q &= match
    if f["id"] is not None:
        q &= Q(id=f["id"])
    if f["subject"]:
        q &= Q(subject__icontains=f["subject"])
    if f["status"]:
        q &= Q(status__in=f["status"])
    if f["requester"] is not None:
        q &= Q(requester_id=f["requester"])
    if f["assignee"] is not None:
        q &= Q(assignee_id=f["assignee"])
    if f["order_number"]:
        number = f["order_number"].strip()
        q &= Q(order__number=int(number)) if is_number(number) else Q(pk__in=[])
    if f["tags"]:
        q &= Q(tags__id__in=f["tags"])
    if f["ticket_type"] is not None:
        q &= Q(ticket_type_id=f["ticket_type"])
    if f["priority"]:
        q &= Q(priority=f["priority"])
    if f["channel"]:
        q &= Q(channel=f["channel"])
    q &= date_range("created_at", store, f["created_from"], f["created_to"])
    queryset = queryset.filter(q)
    if f["tags"]:
        queryset = queryset.distinct()
    if f["product"]:
        wanted = set(f["product"])
        ids = [pk for pk, products in queryset.values_list("id", "products") if wanted & set(products or [])]
        queryset = queryset.filter(id__in=ids)
    return queryset


class TicketTypeFilters(forms.Form):
    name = _text()


class ExportFilters(forms.Form):
    type = _text()
    date_created_from = _date()
    date_created_to = _date()


class WebhookFilters(forms.Form):
    name = _text()
    events = ListField(item=int)
    active = _bool()


def filter_webhooks(queryset, f: dict):
    if f["name"]:
        queryset = queryset.filter(name__icontains=f["name"])
    if f["active"] is not None:
        queryset = queryset.filter(active=f["active"])
    if f["events"]:
        names = {WEBHOOK_EVENTS[i - 1] for i in f["events"] if 0 < i <= len(WEBHOOK_EVENTS)}
        ids = [pk for pk, events in queryset.values_list("id", "events") if names & set(events or [])]
        queryset = queryset.filter(id__in=ids)
    return queryset


# --- catalogue --------------------------------------------------------------------------


class ProductFilters(forms.Form):
    title = _text()
    category = ListField(item=int)
    range = ListField(item=int)
    is_public = _bool()
    is_gift_card = _bool()
    sku = ListField()


def filter_products(queryset, f: dict):
    """Parents and standalone products; `title` matches part of the title, `sku` a
    variant's whole SKU (any case)."""
    q = Q()
    if f["title"]:
        for part in f["title"].split():
            q &= Q(title__icontains=part)
    if f["sku"]:
        skus = Q()
        for sku in f["sku"]:
            skus |= Q(sku__iexact=sku.strip()) | Q(children__sku__iexact=sku.strip())
        q &= skus
    if f["is_public"] is not None:
        q &= Q(is_public=f["is_public"])
    if f["is_gift_card"]:
        q &= Q(pk__in=[])  # the sandbox sells no gift cards
    if f["category"] or f["range"]:
        q &= Q(pk__in=[])  # nor has categories or ranges
    return queryset.filter(q).distinct()


class StockRecordFilters(forms.Form):
    search_text = _text()
    location_id = ListField()
    sku = _text()
    inventory_availability = _choice(["in_stock", "low_stock", "out_of_stock", "untracked"])
    purchase_availability = _choice(["available", "unavailable"])


def filter_stockrecords(queryset, f: dict):
    from django.db.models import F

    q = Q()
    if f["search_text"]:
        text = f["search_text"].strip()
        q &= (
            Q(product__title__icontains=text)
            | Q(product__variant_title__icontains=text)
            | Q(product__sku__icontains=text)
        )
    if f["location_id"]:
        q &= Q(location_id__in=[int(v) for v in f["location_id"] if is_number(v)] or [-1])
    if f["sku"]:
        q &= Q(product__sku__iexact=f["sku"].strip())
    queryset = queryset.filter(q).annotate(net=F("num_in_stock") - F("num_allocated"))
    availability = f["inventory_availability"]
    if availability == "untracked":
        queryset = queryset.filter(product__track_stock=False)
    elif availability == "out_of_stock":
        queryset = queryset.filter(product__track_stock=True, net__lte=0)
    elif availability == "low_stock":
        queryset = queryset.filter(product__track_stock=True, net__gt=0, net__lte=F("low_stock_threshold"))
    elif availability == "in_stock":
        queryset = queryset.filter(product__track_stock=True, net__gt=F("low_stock_threshold"))
    if f["purchase_availability"] == "available":
        queryset = queryset.filter(Q(net__gt=0) | Q(product__allow_backorders=True) | Q(product__track_stock=False))
    elif f["purchase_availability"] == "unavailable":
        queryset = queryset.filter(net__lte=0, product__allow_backorders=False, product__track_stock=True)
    return queryset


# --- transactions ------------------------------------------------------------------------

TRANSACTION_TYPES = {
    "authorize": ["authorization"],
    "debit": ["sale", "capture"],
    "refund": ["refund"],
    "void": ["void"],
}
CARD_TYPES = ["american_express", "dankort", "diners_club", "discover", "jcb", "maestro", "mastercard", "visa"]
CARD_PREFIXES = {"visa": ["4"], "mastercard": ["5", "2"], "american_express": ["34", "37"], "discover": ["6011", "65"]}


class TransactionFilters(forms.Form):
    external_id = _text()
    date_created_from = _date()
    date_created_to = _date()
    type = _choice(list(TRANSACTION_TYPES))
    card_type = ListField(choices=CARD_TYPES)
    bankcard_first_six = _text()
    bankcard_last_four = _text()
    gateway_id = _int()
    payment_method = _text()
    amount_min = forms.DecimalField(required=False, max_digits=14, decimal_places=2)
    amount_max = forms.DecimalField(required=False, max_digits=14, decimal_places=2)
    currency = _text()
    core_transaction_code = _text()
    status = _choice(["failed", "succeeded"])
    auth_code = _text()
    network_transaction_id = _text()
    is_3ds = _bool()
    optimized_3ds = _bool()
    is_initial_retry = _bool()
    subscription_life_cycle = _choice(["non-recurring", "recurring"])
    funnels = ListField()
    is_external = _bool()
    is_test = _bool()
    utm_source = _text()
    utm_campaign = _text()
    utm_content = _text()
    utm_term = _text()
    affiliate = _text()
    subaffiliate1 = _text()
    subaffiliate2 = _text()
    subaffiliate3 = _text()
    subaffiliate4 = _text()
    subaffiliate5 = _text()


def filter_transactions(queryset, store, f: dict):
    q = Q()
    for name in ("external_id", "auth_code", "bankcard_first_six", "bankcard_last_four"):
        if f[name]:
            q &= Q(**{name: f[name].strip()})
    q &= date_range("date_created", store, f["date_created_from"], f["date_created_to"])
    if f["type"]:
        q &= Q(type__in=TRANSACTION_TYPES[f["type"]])
    if f["card_type"]:
        cards = Q()
        for card in f["card_type"]:
            for prefix in CARD_PREFIXES.get(card, []):
                cards |= Q(bankcard_first_six__startswith=prefix)
        q &= cards if cards else Q(pk__in=[])
    if f["gateway_id"] is not None:
        q &= Q(gateway_id=f["gateway_id"])
    if f["payment_method"]:
        q &= Q(payment_method=f["payment_method"].strip())
    if f["amount_min"] is not None:
        q &= Q(amount__gte=f["amount_min"])
    if f["amount_max"] is not None:
        q &= Q(amount__lte=f["amount_max"])
    if f["currency"]:
        q &= Q(currency__iexact=f["currency"].strip())
    if f["core_transaction_code"]:
        code = f["core_transaction_code"].strip()
        q &= Q(id=int(code)) if is_number(code) else Q(pk__in=[])
    if f["status"]:
        q &= Q(status=f["status"])
    if f["network_transaction_id"] or f["is_initial_retry"]:
        q &= Q(pk__in=[])  # the sandbox's gateways report neither
    if f["is_3ds"] is not None:
        q &= Q(is_3ds=f["is_3ds"])
    if f["optimized_3ds"]:
        q &= Q(pk__in=[])
    if f["subscription_life_cycle"]:
        q &= Q(order__subscription_lifecycle=f["subscription_life_cycle"])
    if f["funnels"]:
        q &= Q(order__attribution__funnel__in=f["funnels"])
    if f["is_external"] is not None:
        q &= Q(is_external=f["is_external"])
    if f["is_test"] is not None:
        q &= Q(is_test=f["is_test"])
    for name in ATTRIBUTION_FILTERS:
        if f[name]:
            q &= Q(**{f"order__attribution__{name}": f[name]})
    return queryset.filter(q)
