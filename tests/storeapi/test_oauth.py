"""Refreshing a store's access token (storeapi.oauth) against the sandbox over real HTTP:
across a key rotation, and from two processes at once.

A store "connected by OAuth whose access token has stopped working" holds the refresh
token of a grant made through the consent page and an access token of the app that the
store has revoked (at its RFC 7009 revocation endpoint): the API answers it 401, as it
does an expired one, and the refresh token is good. (Revoking the grant's own access
token would revoke its refresh token too, as django-oauth-toolkit does.)
"""

import hashlib
import io
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from cryptography.fernet import Fernet
from django.core.management import call_command

from storeapi.client import StoreClient
from storeapi.models import Store
from tests.celery_worker import worker_env
from tests.storeapi.test_client import api_log, oauth_grant
from tests.storeapi.wiretap import before_sending


def revoke_access_token(sandbox, store: str, access_token: str) -> None:
    response = requests.post(
        f"{sandbox.store_url(store)}/oauth2/revoke_token/",
        data={
            "token": access_token,
            "token_type_hint": "access_token",
            "client_id": sandbox.client_id,
            "client_secret": sandbox.client_secret,
        },
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert sandbox.api(store, "GET", "store/", token=access_token).status_code == 401


def oauth_store_with_a_revoked_access_token(sandbox, subdomain: str = "siam") -> tuple[Store, str]:
    """The store row, and the revoked access token it holds."""
    grant = oauth_grant(sandbox, subdomain)
    revoked = sandbox.issue_token(subdomain, app=True)
    revoke_access_token(sandbox, subdomain, revoked)
    store, _ = Store.objects.update_or_create(
        subdomain=subdomain, defaults={"name": subdomain.title(), "status": Store.Status.CONNECTED}
    )
    store.set_tokens(access_token=revoked, refresh_token=grant["refresh_token"])
    store.save()
    sandbox.clear_request_log(subdomain)
    return store, revoked


# --- a key rotation between a request and its 401 --------------------------------------------


@pytest.mark.django_db
def test_a_key_rotation_during_a_request_does_not_cost_the_connection(sandbox, settings):
    """`rotate_token_keys` re-encrypts every token: the ciphertext changes, the token
    does not. A request that started before the rotation and met a 401 after it must
    refresh the token, not take the new ciphertext for a token another process saved."""
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.TOKEN_ENCRYPTION_KEYS = [old_key]
    store, revoked = oauth_store_with_a_revoked_access_token(sandbox)
    settings.TOKEN_ENCRYPTION_KEYS = [new_key, old_key]  # step 1 of a rotation: the new key first

    rotated = []

    def rotate_once(request):
        if not rotated:  # step 2, while the first request is on its way
            call_command("rotate_token_keys", stdout=io.StringIO())
            rotated.append(Store.objects.get(pk=store.pk).access_token_encrypted)

    with before_sending(sandbox.api_url("siam"), rotate_once):
        assert StoreClient.for_store(store).get("store/")[0]["name"]

    store.refresh_from_db()
    assert store.status == Store.Status.CONNECTED
    assert rotated and rotated[0] != store.access_token_encrypted  # refreshed after the rotation
    assert store.access_token() != revoked
    assert [e["status"] for e in api_log(sandbox, "siam", "store/")] == [401, 200]
    # Everything is under the new key: the old one can go (step 3).
    settings.TOKEN_ENCRYPTION_KEYS = [new_key]
    assert Store.objects.get(pk=store.pk).refresh_token()


# --- two processes refreshing one token at once ------------------------------------------------


class RecordingProxy:
    """A forwarding HTTP proxy in the test process: Storedesk's processes talk to the
    sandbox through it (STOREAPI_STORE_URL points here), and it records every request
    that passes, token endpoint included (the sandbox's own log has only the Admin API)."""

    def __init__(self, upstream: str):
        self.upstream = upstream
        self.seen: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with proxy._lock:
                    proxy.seen.append((self.command, self.path))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                answer = requests.request(
                    self.command, proxy.upstream + self.path, headers=headers, data=body, timeout=60
                )
                self.send_response(answer.status_code)
                for name in ("Content-Type", "Retry-After", "X-Request-Id"):
                    if name in answer.headers:
                        self.send_header(name, answer.headers[name])
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_PATCH = do_DELETE = _forward  # the names http.server calls

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def requests_to(self, path: str) -> list[str]:
        with self._lock:
            return [method for method, seen in self.seen if seen.split("?", 1)[0] == path]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


READ_STORE = """
import hashlib, sys, time
import django
django.setup()
from storeapi.client import StoreClient
from storeapi.models import Store
store = Store.objects.get(pk=int(sys.argv[1]))
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
StoreClient.for_store(store).get("store/")
print(hashlib.sha256(store.access_token().encode()).hexdigest())
"""


def fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@pytest.mark.django_db(transaction=True)
def test_two_processes_meeting_a_401_at_once_refresh_the_token_once(sandbox):
    store, revoked = oauth_store_with_a_revoked_access_token(sandbox)
    # Both first requests are held a while at the store, so both 401s come back together.
    sandbox.set_faults("siam", latency_ms=1500, limit=2)
    proxy = RecordingProxy(sandbox.base_url)
    try:
        env = worker_env(STOREAPI_STORE_URL=proxy.url + "/{store}")
        go = time.time() + 4  # both start together, after Django has loaded
        processes = [
            subprocess.Popen(
                [sys.executable, "-c", READ_STORE, str(store.pk), str(go)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for _ in range(2)
        ]
        outputs = []
        for process in processes:
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0, err.decode()[-3000:]
            outputs.append(out.decode().strip())
    finally:
        proxy.close()

    assert sorted(e["status"] for e in api_log(sandbox, "siam", "store/")) == [200, 200, 401, 401]
    assert proxy.requests_to("/siam/oauth2/token/") == ["POST"]  # one refresh for both
    store.refresh_from_db()
    assert store.status == Store.Status.CONNECTED
    assert store.access_token() != revoked
    assert outputs == [fingerprint(store.access_token())] * 2  # both ended with the new token
