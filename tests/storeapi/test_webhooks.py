"""The webhook receiver: signatures, de-duplication, and what events do.

Deliveries here are signed the way the platform signs them and, where what happens
after the answer is tested, processed by the real Celery worker; deliveries by the
sandbox itself are in test_connect_sandbox.py.
"""

import hashlib
import hmac
import json
import re
import threading
import time
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from dashboard.models import AuditEntry
from storeapi import cache as read_cache
from storeapi import signals
from storeapi.events import new_counts, new_counts_reset
from storeapi.models import Store, WebhookEvent
from storeapi.tasks import webhook_process
from storeapi.webhooks import CANONICAL_FORM_MAX_BYTES, webhook_event_process
from tests.factories import StoreFactory

SECRET = "per-store-signing-secret-0001"


def sign(body: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def event(event_type="ticket.created", data=None, event_id=None) -> bytes:
    payload = {
        "object": event_type.split(".")[0],
        "event_id": event_id or str(uuid.uuid4()),
        "event_type": event_type,
        "webhook": {"id": 7},
        "api_version": "2024-04-01",
        "data": data if data is not None else {"id": 31, "order": "1042", "subject": "Where is my parcel?"},
    }
    return json.dumps(payload, separators=(",", ":")).encode()


def post(client, store, body, signature="auto", **extra):
    headers = {}
    if signature == "auto":
        signature = sign(body)
    if signature is not None:
        headers["HTTP_X_29NEXT_SIGNATURE"] = signature
    return client.post(
        reverse("webhook_receive", kwargs={"store_id": store.pk}),
        data=body,
        content_type="application/json",
        **headers,
        **extra,
    )


@pytest.fixture
def acme(db):
    store = StoreFactory(subdomain="acme")
    store.set_tokens(access_token="acme-access-token")
    store.set_webhook_secret(SECRET)
    store.save()
    return store


NOTHING_NEW = {"orders": 0, "customers": 0, "tickets": 0}


def worker_tasks(worker, since: int) -> list[tuple[str, str | None]]:
    """The webhook tasks the worker received after offset `since` of its log, in order,
    with what each returned (None: not finished)."""
    log = worker.log()[since:]
    task = re.escape("storeapi.tasks.webhook_process")
    received = re.findall(rf"Task {task}\[([^\]]+)\] received", log)
    returned = dict(re.findall(rf"Task {task}\[([^\]]+)\] succeeded in [^:]+: (\w+)", log))
    return [(task_id, returned.get(task_id)) for task_id in received]


def worker_outcomes(worker, since: int) -> list[str]:
    """What each webhook task the worker received since `since` returned, once all have
    finished. A marker task (for no event) is sent last: the queue is first in, first
    out, so once the marker has run every task sent before it has been received."""
    marker = webhook_process.delay(0).id
    deadline = time.monotonic() + 30
    while True:
        tasks = worker_tasks(worker, since)
        if (marker, "False") in tasks and all(returned is not None for _, returned in tasks):
            return [returned for task_id, returned in tasks if task_id != marker]
        assert time.monotonic() < deadline, worker.log()[since:][-3000:]
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True)
def test_a_signed_event_is_recorded_and_enqueued(client, acme, celery_worker):
    since = len(celery_worker.log())
    body = event()
    response = post(client, acme, body)
    assert response.status_code == 200
    stored = WebhookEvent.objects.get(store=acme)
    assert stored.event_type == "ticket.created"
    assert worker_outcomes(celery_worker, since) == ["True"]  # one task, which processed it
    stored.refresh_from_db()
    assert stored.processed_at is not None
    assert new_counts(acme) == {"orders": 0, "customers": 0, "tickets": 1}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "deadbeef",
        "not hex at all",
        "x" * 1000,
    ],
)
def test_bad_or_missing_signatures_are_401_with_no_side_effects(
    client, acme, signature, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as sent_to_the_worker:
        response = post(client, acme, event(), signature=signature)
    assert response.status_code == 401
    assert not WebhookEvent.objects.exists()
    assert sent_to_the_worker == []
    assert new_counts(acme) == NOTHING_NEW


@pytest.mark.django_db
def test_one_flipped_byte_or_a_truncated_signature_is_401(client, acme):
    body = event()
    good = sign(body)
    flipped = good[:10] + ("0" if good[10] != "0" else "1") + good[11:]
    assert post(client, acme, body, signature=flipped).status_code == 401
    assert post(client, acme, body, signature=good[:-2]).status_code == 401
    tampered = body.replace(b"Where is my parcel?", b"Where is my parcel!")
    assert post(client, acme, tampered, signature=good).status_code == 401
    assert not WebhookEvent.objects.exists()


@pytest.mark.django_db
def test_the_canonical_json_form_of_the_body_is_accepted(client, acme):
    body = event()
    canonical_signature = sign(json.dumps(json.loads(body)).encode())
    assert body != json.dumps(json.loads(body)).encode()  # compact vs. json.dumps spacing
    assert post(client, acme, body, signature=canonical_signature).status_code == 200


@pytest.mark.django_db
def test_a_large_body_is_only_verified_as_sent(client, acme):
    """The canonical form means parsing a body before it is verified: small bodies only."""
    body = event(data={"id": 31, "subject": "x" * (CANONICAL_FORM_MAX_BYTES + 1)})
    canonical_signature = sign(json.dumps(json.loads(body)).encode())
    assert post(client, acme, body, signature=canonical_signature).status_code == 401
    assert post(client, acme, body, signature=sign(body)).status_code == 200


@pytest.mark.django_db
def test_an_uppercase_hex_signature_is_accepted(client, acme):
    body = event()
    assert post(client, acme, body, signature=sign(body).upper()).status_code == 200


@pytest.mark.django_db
def test_another_stores_signature_is_refused(client, acme):
    bergmann = StoreFactory(subdomain="bergmann")
    bergmann.set_webhook_secret("bergmann-secret")
    bergmann.save()
    body = event()
    response = post(client, acme, body, signature=sign(body, "bergmann-secret"))
    assert response.status_code == 401


@pytest.mark.django_db
def test_a_store_without_a_secret_accepts_nothing(client, acme):
    acme.wipe_credentials()
    acme.save()
    body = event()
    assert post(client, acme, body, signature=sign(body, "")).status_code == 401


@pytest.mark.django_db
def test_an_unknown_store_is_404_never_410(client):
    body = event()
    response = client.post("/webhooks/999999/", data=body, content_type="application/json")
    assert response.status_code == 404


@pytest.mark.django_db
def test_webhooks_need_no_csrf_token_and_only_accept_post(acme):
    csrf_client = Client(enforce_csrf_checks=True)
    body = event()
    assert post(csrf_client, acme, body).status_code == 200
    assert csrf_client.get(reverse("webhook_receive", kwargs={"store_id": acme.pk})).status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize("body", [b"not json", b"[1,2]", b'{"event_type": "order.created"}', b'{"event_id": "x"}'])
def test_signed_but_malformed_bodies_are_400(client, acme, body):
    assert post(client, acme, body).status_code == 400
    assert not WebhookEvent.objects.exists()


@pytest.mark.django_db
def test_bodies_of_a_few_megabytes_are_accepted(client, acme):
    data = {"id": 5, "note": "x" * (3 * 1024 * 1024)}
    body = event("customer.updated", data=data)
    assert post(client, acme, body).status_code == 200


@pytest.mark.django_db
def test_oversized_bodies_are_refused(client, acme, settings):
    settings.STOREAPI_WEBHOOK_MAX_BYTES = 1000
    body = event("customer.updated", data={"id": 5, "note": "x" * 2000})
    assert post(client, acme, body).status_code == 413
    assert not WebhookEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_duplicate_event_is_acknowledged_and_not_processed_twice(client, acme, celery_worker):
    since = len(celery_worker.log())
    body = event("ticket.created")
    assert post(client, acme, body).status_code == 200
    stored = WebhookEvent.objects.get(store=acme)
    assert worker_outcomes(celery_worker, since) == ["True"]
    stored.refresh_from_db()
    assert stored.processed_at is not None
    since = len(celery_worker.log())
    second = post(client, acme, body)
    assert second.status_code == 200
    assert second.json()["duplicate"] is True
    assert WebhookEvent.objects.count() == 1
    assert worker_outcomes(celery_worker, since) == []  # already processed: nothing sent round again
    assert new_counts(acme)["tickets"] == 1


@pytest.mark.django_db(transaction=True)
def test_three_concurrent_copies_of_an_event_have_one_effect(acme, celery_worker):
    since = len(celery_worker.log())
    body = event("order.created", data={"number": "1042", "user": {"id": 9}})
    results = []
    barrier = threading.Barrier(3)

    def deliver():
        try:
            barrier.wait()
            results.append(post(Client(), acme, body).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200, 200, 200]
    assert WebhookEvent.objects.filter(store=acme).count() == 1
    # However many times the task runs (a copy that arrives before the event is
    # processed sends it round again), the event takes effect once.
    outcomes = worker_outcomes(celery_worker, since)
    assert 1 <= len(outcomes) <= 3
    assert outcomes.count("True") == 1
    assert WebhookEvent.objects.get(store=acme, event_id=json.loads(body)["event_id"]).processed_at is not None
    assert new_counts(acme) == {"orders": 1, "customers": 0, "tickets": 0}


def cached(store, path: str) -> read_cache.Lookup:
    """A read of `path` kept in the shared cache as Storedesk keeps one."""
    found = read_cache.lookup(store.pk, path, None)
    read_cache.save(found, {"cached": path}, fetched_at=time.time())
    return read_cache.lookup(store.pk, path, None)


def again(before: read_cache.Lookup) -> read_cache.Lookup:
    return read_cache.lookup(before.store_id, before.path, None)


@pytest.mark.django_db
def test_a_delivery_marks_what_it_changed_in_the_shared_cache_at_once(acme, client):
    """Before any task runs: the ticket and the ticket lists of this store (an order's
    tickets panel is one of them); not the order the ticket belongs to, which a ticket's
    change leaves as it is, nor another store's object with the same id."""
    ticket, order, tickets, orders = (cached(acme, p) for p in ("tickets/31/", "orders/1042/", "tickets/", "orders/"))
    other_store = StoreFactory()
    other_ticket = cached(other_store, "tickets/31/")
    tickets_version = read_cache.list_version(acme.pk, "tickets")

    assert post(client, acme, event("ticket.updated")).status_code == 200

    for stale in (ticket, tickets):
        assert stale.entry.behind(seen=again(stale).seen, own=again(stale).own)
    for unchanged in (order, orders):
        assert not unchanged.entry.behind(seen=again(unchanged).seen, own=again(unchanged).own)
    assert not other_ticket.entry.behind(seen=again(other_ticket).seen, own=again(other_ticket).own)
    # Figures counted from the store's ticket lists (the overview's) are counted again.
    assert read_cache.list_version(acme.pk, "tickets") == tickets_version + 1
    assert read_cache.list_version(other_store.pk, "tickets") == 0


TICKET = {"id": 31, "subject": "Where is my parcel?", "status": "open", "comments": [], "order": "1042"}


@pytest.mark.django_db
def test_the_object_a_delivery_carries_is_kept_as_its_answer(acme, client):
    """What the store just told us is served to the next view: no request for it."""
    cached(acme, "tickets/31/")
    data = {**TICKET, "subject": "Answered", "updated_at": "2026-12-01T10:00:05.250000Z"}
    assert post(client, acme, event("ticket.updated", data=data)).status_code == 200
    kept = read_cache.lookup(acme.pk, "tickets/31/", None)
    assert kept.entry.value == data
    assert read_cache.verdict(kept, now=time.time()) == read_cache.HIT


@pytest.mark.django_db
def test_a_late_delivery_does_not_replace_a_newer_answer(acme, client):
    newer = {**TICKET, "subject": "Newer", "updated_at": "2026-12-01T10:00:05Z"}
    found = read_cache.lookup(acme.pk, "tickets/31/", None)
    read_cache.save(found, newer, fetched_at=time.time())
    older = {**TICKET, "subject": "Older", "updated_at": "2026-12-01T10:00:04.999Z"}
    assert post(client, acme, event("ticket.updated", data=older)).status_code == 200
    after = read_cache.lookup(acme.pk, "tickets/31/", None)
    assert after.entry.value == newer
    assert after.entry.behind(seen=after.seen, own=after.own)  # and the next view asks the store


@pytest.mark.django_db
@pytest.mark.parametrize(
    "event_type, data, api_version",
    [
        ("ticket.updated", {**TICKET, "updated_at": "2026-12-01T10:00:05Z"}, "2023-02-10"),  # another shape
        ("customer.updated", {"id": 7, "email": "ana@example.com"}, "2024-04-01"),  # says not when it changed
    ],
)
def test_an_object_in_another_version_or_without_its_time_is_not_kept(acme, client, event_type, data, api_version):
    payload = json.loads(event(event_type, data=data))
    payload["api_version"] = api_version
    body = json.dumps(payload).encode()
    assert post(client, acme, body).status_code == 200
    path = "tickets/31/" if event_type.startswith("ticket") else "users/7/"
    assert read_cache.lookup(acme.pk, path, None).entry is None


@pytest.mark.django_db
def test_processing_counts_new_items_and_tells_receivers(acme):
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    signals.webhook_received.connect(receiver)
    try:
        stored = WebhookEvent.objects.create(
            store=acme, event_id="e1", event_type="ticket.created", payload=json.loads(event())
        )
        assert webhook_event_process(event_id=stored.pk) is True
    finally:
        signals.webhook_received.disconnect(receiver)

    other_store = StoreFactory()
    assert new_counts(acme) == {"orders": 0, "customers": 0, "tickets": 1}
    assert new_counts(other_store) == {"orders": 0, "customers": 0, "tickets": 0}
    assert received[0]["event_type"] == "ticket.created" and received[0]["store"] == acme
    stored.refresh_from_db()
    assert stored.processed_at is not None
    assert stored.payload == {}  # customer data is not kept


@pytest.mark.django_db
def test_updates_invalidate_but_do_not_count_and_counters_reset(acme):
    for n, kind in enumerate(["order.created", "order.created", "customer.created", "order.updated"]):
        stored = WebhookEvent.objects.create(
            store=acme, event_id=f"e{n}", event_type=kind, payload={"data": {"number": str(n), "id": n}}
        )
        webhook_event_process(event_id=stored.pk)
    assert new_counts(acme) == {"orders": 2, "customers": 1, "tickets": 0}
    new_counts_reset(acme, "orders")
    assert new_counts(acme) == {"orders": 0, "customers": 1, "tickets": 0}
    new_counts_reset(acme)
    assert new_counts(acme) == {"orders": 0, "customers": 0, "tickets": 0}
    with pytest.raises(ValueError):
        new_counts_reset(acme, "everything")


@pytest.mark.django_db
def test_the_counts_of_a_list_being_looked_at_are_reset_as_they_are_read(acme):
    for n, kind in enumerate(["order.created", "customer.created", "customer.created"]):
        stored = WebhookEvent.objects.create(
            store=acme, event_id=f"s{n}", event_type=kind, payload={"data": {"number": str(n), "id": n}}
        )
        webhook_event_process(event_id=stored.pk)
    # The customers list is open: its count is shown as nothing new, and stays reset.
    assert new_counts(acme, seen="customers") == {"orders": 1, "customers": 0, "tickets": 0}
    assert new_counts(acme) == {"orders": 1, "customers": 0, "tickets": 0}
    with pytest.raises(ValueError):
        new_counts(acme, seen="everything")


@pytest.mark.django_db
def test_app_uninstalled_wipes_the_tokens_and_disconnects(acme):
    stored = WebhookEvent.objects.create(
        store=acme, event_id="u1", event_type="app.uninstalled", payload={"event_type": "app.uninstalled", "data": {}}
    )
    assert webhook_event_process(event_id=stored.pk) is True
    acme.refresh_from_db()
    assert acme.status == Store.Status.DISCONNECTED
    assert acme.access_token_encrypted == "" and acme.webhook_secret_encrypted == ""
    entry = AuditEntry.objects.get(store=acme, action="store.disconnected")
    assert entry.details == {"reason": "app_uninstalled"}


@pytest.mark.django_db
def test_old_event_ids_are_forgotten(acme, settings):
    from datetime import timedelta

    from django.utils import timezone

    from storeapi.tasks import webhook_events_prune

    settings.STOREAPI_WEBHOOK_EVENT_RETENTION_DAYS = 30
    old = WebhookEvent.objects.create(store=acme, event_id="old", event_type="order.created")
    WebhookEvent.objects.filter(pk=old.pk).update(
        received_at=timezone.now() - timedelta(days=31), processed_at=timezone.now() - timedelta(days=31)
    )
    recent = WebhookEvent.objects.create(
        store=acme, event_id="recent", event_type="order.created", processed_at=timezone.now()
    )
    assert webhook_events_prune() == {"deleted": 1, "requeued": 0}
    assert list(WebhookEvent.objects.values_list("pk", flat=True)) == [recent.pk]


@pytest.mark.django_db
def test_a_redelivery_marks_the_cache_again(acme, client):
    """The first delivery may have been recorded and then failed before it could mark the
    shared cache (Redis down: a 503, and the platform delivers again)."""
    body = event("ticket.updated")
    assert post(client, acme, body).status_code == 200
    ticket = cached(acme, "tickets/31/")  # cached after the first delivery, as if it had not marked it
    answer = post(client, acme, body)
    assert answer.status_code == 200 and answer.json()["duplicate"] is True
    assert ticket.entry.behind(seen=again(ticket).seen, own=again(ticket).own)
