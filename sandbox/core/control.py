"""The control endpoint (`/_control/`): what tests and failure demos need from the sandbox.

Mounted only when SANDBOX_CONTROL_ENABLED (off by default, never on in the demo). No
authentication and no rate limit: it is a test harness on localhost. JSON in, JSON out.

    GET    /_control/                                      stores and the partner app
    POST   /_control/stores/<store>/tokens/                {"scopes": "...", "app": false} -> {"access_token", "id"}
    POST   /_control/stores/<store>/tokens/revoke/         revoke every token of the store
    POST   /_control/stores/<store>/rate-limit/            {"per_second": 4}
    POST   /_control/stores/<store>/page-size/             {"page_size": 50} (null: SANDBOX_PAGE_SIZE)
    GET|POST|DELETE /_control/stores/<store>/faults/       see faults.py
    GET|DELETE /_control/stores/<store>/requests/          the request log
    GET    /_control/stores/<store>/orders/?<filters>      ground truth: every matching order (OrderList + tags;
                                                           with detail=1 the full Order, lines included)
    POST   /_control/stores/<store>/orders/create/         {"count": 1, "payment_status": ...} new orders placed
                                                           now (order.created); also "fulfillment_status", "status"
    POST   /_control/stores/<store>/orders/<number>/tracking/  {"tracking_link": ..., "tracking_code": ...} on each
                                                           of its fulfillments: any text, as a carrier may write it
    GET    /_control/stores/<store>/deliveries/            webhook delivery attempts
    POST   /_control/stores/<store>/uninstall/             uninstall the partner app (revoke + app.uninstalled)
    POST   /_control/stores/<store>/session-token/         {"email": ...} -> {"token", "url"} as "open app" does
    POST   /_control/stores/<store>/staff/                 {"email": ...} add a store user
    DELETE /_control/stores/<store>/staff/                 {"email": ...} remove a store user
    POST   /_control/stores/<store>/exports/<id>/url/      {"age_seconds": 0} a download URL signed that long ago
    GET    /_control/stores/<store>/products/              ground truth: every sellable product (variant) with
                                                           its prices and stock
    POST   /_control/stores/<store>/stock/                 {"sku": ..., "num_in_stock": 3}: that many at the main
                                                           location, none elsewhere, nothing allocated
    GET    /_control/stores/<store>/customers/?email=      ground truth: customers (id, email, names, phone, ...)
    GET    /_control/stores/<store>/payments/              redirect payments: token, order, status, return URL,
                                                           how the return URL answered the postback
    POST   /_control/app/                                  {"add_redirect_uri": ...}
"""

import json

from django.db.models import Prefetch
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from oauth2_provider.models import Application
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from . import faults, requestlog
from . import representations as rep
from .api import filters
from .api.throttling import reset_buckets
from .models import Customer, Order, OrderLine, PaymentSession, Product, Store, WebhookAttempt
from .partner_apps import add_redirect_uri, issue_access_token, revoke_store_tokens


def _store(subdomain: str) -> Store:
    # /_control/ URLs name the store in a later segment: the middleware does not look it up.
    return get_object_or_404(Store, subdomain=subdomain)


def _body(request) -> dict:
    if not request.body:
        return {}
    try:
        data = json.loads(request.body)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _app() -> Application | None:
    return Application.objects.filter(sandbox__isnull=False).order_by("id").first()


@csrf_exempt
@require_http_methods(["GET"])
def overview(request):
    app = _app()
    return JsonResponse(
        {
            "stores": [
                {
                    "subdomain": s.subdomain,
                    "network_domain": s.network_domain,
                    "currency": s.currency,
                    "timezone": s.timezone,
                    "page_size": s.effective_page_size(),
                    "rate_limit_per_second": s.effective_rate_limit(),
                    "faults": s.faults,
                    "orders": s.orders.count(),
                }
                for s in Store.objects.all()
            ],
            "app": {
                "client_id": app.client_id,
                "redirect_uris": app.redirect_uris.split(),
                "app_url": app.sandbox.app_url,
            }
            if app
            else None,
        }
    )


@csrf_exempt
@require_http_methods(["POST"])
def tokens(request, store):
    store = _store(store)
    data = _body(request)
    application = _app() if data.get("app") else None
    token = issue_access_token(store=store, scopes=data.get("scopes") or "", application=application)
    return JsonResponse({"access_token": token.raw_token, "id": token.id, "scope": token.scope}, status=201)


@csrf_exempt
@require_http_methods(["POST"])
def revoke_tokens(request, store):
    count = revoke_store_tokens(_store(store))
    return JsonResponse({"revoked": count})


@csrf_exempt
@require_http_methods(["POST"])
def rate_limit(request, store):
    store = _store(store)
    value = _body(request).get("per_second")
    store.rate_limit_per_second = None if value is None else float(value)
    store.save(update_fields=["rate_limit_per_second"])
    reset_buckets()
    return JsonResponse({"rate_limit_per_second": store.effective_rate_limit()})


@csrf_exempt
@require_http_methods(["POST"])
def page_size(request, store):
    store = _store(store)
    value = _body(request).get("page_size")
    try:
        store.page_size = None if value is None else max(1, int(value))
    except (TypeError, ValueError):
        return JsonResponse({"detail": "page_size must be a whole number or null."}, status=400)
    store.save(update_fields=["page_size"])
    return JsonResponse({"page_size": store.effective_page_size()})


@csrf_exempt
@require_http_methods(["GET", "POST", "DELETE"])
def store_faults(request, store):
    store = _store(store)
    if request.method != "GET":
        config = {} if request.method == "DELETE" else _body(request)
        try:
            faults.validate(config)
        except ValueError as exc:
            return JsonResponse({"detail": str(exc)}, status=400)
        store.faults = config
        store.save(update_fields=["faults"])
        faults.reset(store.id, config)
    return JsonResponse({"faults": store.faults})


@csrf_exempt
@require_http_methods(["GET", "DELETE"])
def requests_log(request, store):
    store = _store(store)
    if request.method == "DELETE":
        requestlog.clear(store.subdomain)
        return JsonResponse({"requests": []})
    return JsonResponse({"requests": requestlog.entries(store.subdomain)})


@csrf_exempt
@require_http_methods(["GET"])
def orders(request, store):
    """Every order matching the API's filters, straight from the database, newest first."""
    store = _store(store)
    try:
        cleaned = filters.bind(filters.OrderFilters, Request(request))
    except ValidationError as exc:
        return JsonResponse(exc.detail, status=400)
    queryset = filters.filter_orders(
        Order.objects.filter(store=store).select_related("customer"), store, cleaned
    ).order_by("-number")
    results = []
    if request.GET.get("detail") in ("1", "true"):
        lines = Prefetch("lines", queryset=OrderLine.objects.select_related("product").order_by("id"))
        for order in queryset.prefetch_related(lines):
            order.store = store
            results.append(rep.order_repr(order, list(order.lines.all())))
        return JsonResponse({"count": len(results), "results": results})
    for order in queryset.iterator(chunk_size=2000):
        order.store = store
        results.append({**rep.order_list_repr(order), "tags": list(order.tags or [])})
    return JsonResponse({"count": len(results), "results": results})


@csrf_exempt
@require_http_methods(["POST"])
def create_orders(request, store):
    from .seeding.live_orders import orders_create_random

    store = _store(store)
    data = _body(request)
    created = orders_create_random(store=store, count=int(data.get("count") or 1), state=data)
    return JsonResponse({"numbers": [str(o.number) for o in created]}, status=201)


@csrf_exempt
@require_http_methods(["POST"])
def order_tracking(request, store, number):
    """What a carrier integration wrote on an order's fulfillments, as it is: the platform
    does not check that a tracking link is a web address."""
    order = get_object_or_404(Order, store=_store(store), number=number)
    if not order.fulfillments:
        return JsonResponse({"detail": "The order has no fulfillment."}, status=409)
    data = _body(request)
    for record in order.fulfillments:
        for key in ("tracking_link", "tracking_code"):
            if key in data:
                record[key] = str(data[key])
    order.save(update_fields=["fulfillments"])
    return JsonResponse({"fulfillments": order.fulfillments})


@csrf_exempt
@require_http_methods(["GET"])
def deliveries(request, store):
    store = _store(store)
    attempts = (
        WebhookAttempt.objects.filter(delivery__store=store)
        .select_related("delivery", "delivery__webhook")
        .order_by("id")
    )
    result = []
    for attempt in attempts:
        delivery = attempt.delivery
        webhook = delivery.webhook
        result.append(
            {
                "delivery_id": delivery.id,
                "webhook_id": webhook.id,
                "event_type": delivery.event_type,
                "event_id": str(delivery.event_id),
                "target": delivery.target,
                "attempt": attempt.number,
                "status_code": attempt.status_code,
                "error": attempt.error,
                "signature": attempt.signature,
                "signature_ok": attempt.signature == webhook.sign(delivery.payload.encode()),
                "delivery_status": delivery.status,
                "at": rep.dt(attempt.at),
            }
        )
    return JsonResponse({"deliveries": result})


@csrf_exempt
@require_http_methods(["POST"])
def uninstall(request, store):
    from .services import app_uninstall

    store = _store(store)
    app = _app()
    if app is None:
        raise Http404
    revoked = app_uninstall(store=store, application=app)
    return JsonResponse({"revoked": revoked})


@csrf_exempt
@require_http_methods(["POST"])
def session_token(request, store):
    from .services import staff_get_or_create
    from .session_tokens import open_app_url

    store = _store(store)
    app = _app()
    if app is None:
        raise Http404
    data = _body(request)
    if data.get("email"):
        user = staff_get_or_create(store=store, email=data["email"])
    else:
        user = store.staff.filter(is_owner=True).first()
    url, token = open_app_url(store=store, user=user, application=app)
    return JsonResponse({"url": url, "token": token})


@csrf_exempt
@require_http_methods(["POST", "DELETE"])
def staff(request, store):
    """POST adds a store user (or finds them); DELETE removes one, as a store owner
    removing a colleague does (their tickets become unassigned)."""
    from .services import staff_get_or_create

    store = _store(store)
    email = _body(request).get("email") or ""
    if request.method == "DELETE":
        leaving = store.staff.filter(email__iexact=email)
        removed = leaving.count()
        leaving.delete()
        return JsonResponse({"removed": removed})
    user = staff_get_or_create(store=store, email=email)
    return JsonResponse({"id": user.id, "email": user.email}, status=201)


@csrf_exempt
@require_http_methods(["POST"])
def export_url(request, store, export_id):
    import time

    from .exports import signed_path
    from .models import Export

    export = Export.objects.filter(store=_store(store), id=export_id).first()
    if export is None:
        raise Http404
    age = float(_body(request).get("age_seconds") or 0)
    return JsonResponse({"url": request.build_absolute_uri(signed_path(export, issued_at=time.time() - age))})


@csrf_exempt
@require_http_methods(["POST"])
def app_settings(request):
    app = _app()
    if app is None:
        raise Http404
    data = _body(request)
    if data.get("add_redirect_uri"):
        add_redirect_uri(app, data["add_redirect_uri"])
    return JsonResponse(
        {"client_id": app.client_id, "redirect_uris": app.redirect_uris.split(), "app_url": app.sandbox.app_url}
    )


@csrf_exempt
@require_http_methods(["GET"])
def products(request, store):
    store = _store(store)
    result = []
    sellable = (
        Product.objects.filter(store=store)
        .exclude(structure=Product.PARENT)
        .prefetch_related("prices", "stockrecords")
        .order_by("id")
    )
    for product in sellable:
        records = list(product.stockrecords.all())
        result.append(
            {
                "id": product.id,
                "product_id": product.parent_id or product.id,
                "structure": product.structure,
                "title": product.title,
                "variant_title": product.variant_title,
                "sku": product.sku,
                "price": rep.money(product.price),
                "prices": {p.currency: rep.money(p.price) for p in product.prices.all()},
                "track_stock": product.track_stock,
                "num_in_stock": sum(r.num_in_stock for r in records),
                "num_allocated": sum(r.num_allocated for r in records),
                "net_stock_level": sum(r.net_stock_level for r in records),
            }
        )
    return JsonResponse({"products": result})


@csrf_exempt
@require_http_methods(["POST"])
def stock(request, store):
    store = _store(store)
    data = _body(request)
    product = Product.objects.filter(store=store, sku=data.get("sku") or "").first()
    if product is None:
        raise Http404
    records = list(product.stockrecords.order_by("id"))
    for index, record in enumerate(records):
        record.num_in_stock = int(data.get("num_in_stock") or 0) if index == 0 else 0
        record.num_allocated = 0
        record.save(update_fields=["num_in_stock", "num_allocated"])
    return JsonResponse({"sku": product.sku, "net_stock_level": sum(r.net_stock_level for r in records)})


@csrf_exempt
@require_http_methods(["GET"])
def customers(request, store):
    store = _store(store)
    queryset = Customer.objects.filter(store=store).order_by("-id")
    if request.GET.get("email"):
        queryset = queryset.filter(email__iexact=request.GET["email"])
    fields = ["id", "email", "first_name", "last_name", "phone_number", "language", "accepts_marketing", "tags"]
    return JsonResponse({"customers": list(queryset.values(*fields)[:500])})


@csrf_exempt
@require_http_methods(["GET"])
def payments(request, store):
    from .payments import payment_url

    store = _store(store)
    sessions = PaymentSession.objects.filter(store=store).select_related("order", "store").order_by("id")
    return JsonResponse(
        {
            "payments": [
                {
                    "token": s.token,
                    "order": str(s.order.number),
                    "payment_method": s.payment_method,
                    "status": s.status,
                    "return_url": s.return_url,
                    "payment_complete_url": payment_url(request, s),
                    "postback_status": s.postback_status,
                    "postback_error": s.postback_error,
                }
                for s in sessions
            ]
        }
    )


urlpatterns = [
    path("", overview),
    path("app/", app_settings),
    path("stores/<store:store>/tokens/", tokens),
    path("stores/<store:store>/tokens/revoke/", revoke_tokens),
    path("stores/<store:store>/rate-limit/", rate_limit),
    path("stores/<store:store>/page-size/", page_size),
    path("stores/<store:store>/faults/", store_faults),
    path("stores/<store:store>/requests/", requests_log),
    path("stores/<store:store>/orders/", orders),
    path("stores/<store:store>/orders/create/", create_orders),
    path("stores/<store:store>/orders/<int:number>/tracking/", order_tracking),
    path("stores/<store:store>/deliveries/", deliveries),
    path("stores/<store:store>/uninstall/", uninstall),
    path("stores/<store:store>/session-token/", session_token),
    path("stores/<store:store>/staff/", staff),
    path("stores/<store:store>/exports/<int:export_id>/url/", export_url),
    path("stores/<store:store>/products/", products),
    path("stores/<store:store>/stock/", stock),
    path("stores/<store:store>/customers/", customers),
    path("stores/<store:store>/payments/", payments),
]
