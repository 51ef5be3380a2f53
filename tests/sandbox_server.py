"""The sandbox store as a real server for the tests: the `sandbox` fixture (see conftest.py).

Once per test session this creates a fresh SQLite database under `var/`, migrates it,
seeds a small deterministic data set (stores `acme`, `bergmann`, `siam`), registers
the partner app with `STOREAPI_CLIENT_ID` / `STOREAPI_CLIENT_SECRET` and the redirect
URI `http://testserver/oauth/callback/`, starts `manage.py runsandbox 127.0.0.1:$SANDBOX_PORT`
(the port `STOREAPI_STORE_URL` points at) and stops it when the session ends. Tests talk
to it over real HTTP; nothing is mocked.

API of the object the fixture returns (`Sandbox`):

    base_url                         http://127.0.0.1:PORT
    stores                           ["acme", "bergmann", "siam"]
    client_id, client_secret         the partner app (from the environment)
    store_url(store)                 http://127.0.0.1:PORT/acme           (what STOREAPI_STORE_URL builds)
    api_url(store, path="")          http://127.0.0.1:PORT/acme/api/admin/<path>
    authorize_url(store) / token_url(store) / dashboard_url(store)

    api(store, method, path, token=None, **kwargs) -> requests.Response
        an Admin API request as Storedesk sends one (X-29Next-Api-Version, the bearer token
        unless None); `path` is under the store's API or a full URL (a `next` link); kwargs
        go to requests (params, json, data, headers that add or replace, timeout)

    issue_token(store, scopes=ALL_SCOPES, app=False) -> str
        a fresh access token, as Settings > API Access hands one out (app=True: as if
        granted to the partner app, which makes the app "installed" in that store)
    revoke_tokens(store) -> int       revoke every token of the store (they answer 401)
    set_rate_limit(store, per_second) the store's limit (the session default is 1000/s)
    set_page_size(store, n)           the store's page size (the session default is 50)
    set_faults(store, **faults) / clear_faults(store)
        latency_ms, error_rate + error_statuses, rate_limit_rate + retry_after (429 storm),
        hang_rate + hang_seconds, malformed_rate, limit (next N requests only), seed
        (a repeatable storm); see
        sandbox/core/faults.py
    request_log(store) -> [{ts, method, path, query, status, token_id, token_hash, fault, duration_ms}]
    clear_request_log(store)
    webhook_deliveries(store) -> [{event_type, event_id, target, status_code, attempt, signature,
                                   signature_ok, delivery_status, webhook_id, delivery_id, error, at}]
    wait_for_deliveries(store, predicate=None, count=1, timeout=15) -> matching deliveries
    orders(store, detail=False, **filters) -> [dicts]   ground truth from the sandbox database,
                                                    newest first, filters as the API takes them;
                                                    OrderList + "tags", or with detail=True the
                                                    full Order (lines, transactions, refunds...)
    order_numbers(store, **filters) -> [str]
    create_orders(store, count=1, **state) -> [number]   new orders placed now (order.created webhooks);
                                                    state: status, payment_status, fulfillment_status
    set_tracking(store, number, tracking_link=..., tracking_code=...)   on each fulfillment
                                                    of the order, any text (a carrier's)
    add_redirect_uri(uri)                            the partner app's registration
    add_staff(store, email)                          a store user (consent page, session tokens)
    remove_staff(store, email)                       and removing one (their tickets become unassigned)
    session_token(store, email=None) -> (app_url_with_token, token)   as "open app" does
    uninstall_app(store) -> int                      revoke the app's tokens, send app.uninstalled
    export_download_url(store, export_id, age_seconds=0) -> str   a download URL signed that long ago
    sign_in(store, email=None, browser=None, page=None, allow_redirects=True) -> (browser, answer)
        sign in to the store dashboard with `requests` as the store user whose label holds
        `email` (added first if there is none; None: the first user), from `page` (a sign-in
        page open in `browser`, e.g. reached through a redirect) or the sign-in page itself;
        returns the signed-in session and the answer to the form
    sign_in_and_approve(store, authorize_url, approve=True, email=None) -> redirect URL
        drives sign-in and the consent page with `requests`; returns the Location the
        store redirects the browser to (the app's redirect URI with code/error, store, state)
    reset(store=None)                                clear faults, default rate limit and page size

    products(store) -> [{id, product_id, structure, title, variant_title, sku, price, prices {currency: price},
                         track_stock, num_in_stock, num_allocated, net_stock_level}]
                                                    ground truth: every sellable product (a variant or a
                                                    standalone product: what order lines take as product_id)
    set_stock(store, sku, num_in_stock) -> int       that many in stock (main location), nothing allocated
    customers(store, email=None) -> [{id, email, first_name, last_name, phone_number, language,
                                      accepts_marketing, tags}]      ground truth, newest first
    payments(store) -> [{token, order, payment_method, status, return_url, payment_complete_url,
                         postback_status, postback_error}]   redirect payments (PayPal), oldest first
    approve_payment(url) / cancel_payment(url) -> {"status", "postback_status", "postback_error", "order"}
        drive the buyer's payment page (`payment_complete_url` of an order paid with PayPal) with
        `requests`: approve or cancel; the store then POSTs `response=<json>` to the order's
        return URL (before this returns) and the answer says how that POST went

After every test, stores whose faults or rate limit a test changed are reset (an autouse
fixture in conftest.py), so tests stay independent.
"""

import hashlib
import html
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urljoin

import requests

BASE_DIR = Path(__file__).resolve().parent.parent
STORES = ["acme", "bergmann", "siam"]
DEFAULT_RATE_LIMIT = 1000
API_VERSION = "2024-04-01"  # what Storedesk sends as X-29Next-Api-Version
ALL_SCOPES = (
    "store:read orders:read orders:write users:read users:write tickets:read tickets:write "
    "exports:read exports:write webhooks:read webhooks:write catalogue:read transactions:read"
)
TEST_REDIRECT_URI = "http://testserver/oauth/callback/"
TEST_APP_URL = "http://testserver/oauth/app/"
DEFAULT_PAGE_SIZE = 50
SEED_ARGS = [
    "--orders",
    "250",
    "--customers",
    "80",
    "--tickets",
    "40",
    "--page-size",
    str(DEFAULT_PAGE_SIZE),
    "--seed",
    "42",
]

_running: "Sandbox | None" = None


def running() -> "Sandbox | None":
    return _running


class SandboxError(RuntimeError):
    pass


class Sandbox:
    def __init__(self, port: int, client_id: str, client_secret: str):
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.client_id = client_id
        self.client_secret = client_secret
        self.stores = list(STORES)
        self.http = requests.Session()
        self._dirty: set[str] = set()

    # --- URLs ----------------------------------------------------------------------------

    def store_url(self, store: str) -> str:
        return f"{self.base_url}/{store}"

    def api_url(self, store: str, path: str = "") -> str:
        return f"{self.base_url}/{store}/api/admin/{path.lstrip('/')}"

    def authorize_url(self, store: str) -> str:
        return f"{self.store_url(store)}/oauth2/authorize/"

    def token_url(self, store: str) -> str:
        return f"{self.store_url(store)}/oauth2/token/"

    def dashboard_url(self, store: str) -> str:
        return f"{self.store_url(store)}/dashboard/"

    # --- the Admin API ----------------------------------------------------------------------

    def api(self, store: str, method: str, path: str, token: str | None = None, **kwargs) -> requests.Response:
        url = path if path.startswith(("http://", "https://")) else self.api_url(store, path)
        headers = {"X-29Next-Api-Version": API_VERSION}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        headers.update(kwargs.pop("headers", None) or {})
        kwargs.setdefault("timeout", 30)
        return requests.request(method, url, headers=headers, **kwargs)

    # --- control endpoint --------------------------------------------------------------------

    def control(self, method: str, path: str, payload: dict | None = None, params: dict | None = None):
        response = self.http.request(
            method, f"{self.base_url}/_control/{path}", json=payload, params=params, timeout=60
        )
        if response.status_code >= 400:
            raise SandboxError(f"{method} /_control/{path}: {response.status_code} {response.text[:500]}")
        return response.json()

    def issue_token(self, store: str, scopes: str = ALL_SCOPES, app: bool = False) -> str:
        return self.control("POST", f"stores/{store}/tokens/", {"scopes": scopes, "app": app})["access_token"]

    def revoke_tokens(self, store: str) -> int:
        return self.control("POST", f"stores/{store}/tokens/revoke/")["revoked"]

    def set_rate_limit(self, store: str, per_second: float | None) -> None:
        self._dirty.add(store)
        self.control("POST", f"stores/{store}/rate-limit/", {"per_second": per_second})

    def set_page_size(self, store: str, page_size: int | None) -> None:
        self._dirty.add(store)
        self.control("POST", f"stores/{store}/page-size/", {"page_size": page_size})

    def set_faults(self, store: str, **faults) -> None:
        self._dirty.add(store)
        self.control("POST", f"stores/{store}/faults/", faults)

    def clear_faults(self, store: str) -> None:
        self.control("DELETE", f"stores/{store}/faults/")

    def request_log(self, store: str) -> list[dict]:
        return self.control("GET", f"stores/{store}/requests/")["requests"]

    def clear_request_log(self, store: str) -> None:
        self.control("DELETE", f"stores/{store}/requests/")

    def webhook_deliveries(self, store: str) -> list[dict]:
        return self.control("GET", f"stores/{store}/deliveries/")["deliveries"]

    def wait_for_deliveries(self, store: str, predicate=None, count: int = 1, timeout: float = 15) -> list[dict]:
        deadline = time.monotonic() + timeout
        while True:
            found = [d for d in self.webhook_deliveries(store) if predicate is None or predicate(d)]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.1)

    def orders(self, store: str, detail: bool = False, **filters) -> list[dict]:
        params = {**filters, "detail": "1"} if detail else filters
        return self.control("GET", f"stores/{store}/orders/", params=params)["results"]

    def order_numbers(self, store: str, **filters) -> list[str]:
        return [order["number"] for order in self.orders(store, **filters)]

    def create_orders(self, store: str, count: int = 1, **state) -> list[str]:
        return self.control("POST", f"stores/{store}/orders/create/", {"count": count, **state})["numbers"]

    def set_tracking(self, store: str, number: str, **fields) -> list[dict]:
        return self.control("POST", f"stores/{store}/orders/{number}/tracking/", fields)["fulfillments"]

    def add_redirect_uri(self, uri: str) -> None:
        self.control("POST", "app/", {"add_redirect_uri": uri})

    def add_staff(self, store: str, email: str) -> int:
        return self.control("POST", f"stores/{store}/staff/", {"email": email})["id"]

    def remove_staff(self, store: str, email: str) -> int:
        return self.control("DELETE", f"stores/{store}/staff/", {"email": email})["removed"]

    def session_token(self, store: str, email: str | None = None) -> tuple[str, str]:
        data = self.control("POST", f"stores/{store}/session-token/", {"email": email} if email else {})
        return data["url"], data["token"]

    def uninstall_app(self, store: str) -> int:
        return self.control("POST", f"stores/{store}/uninstall/")["revoked"]

    def export_download_url(self, store: str, export_id: int, age_seconds: float = 0) -> str:
        return self.control("POST", f"stores/{store}/exports/{export_id}/url/", {"age_seconds": age_seconds})["url"]

    def products(self, store: str) -> list[dict]:
        return self.control("GET", f"stores/{store}/products/")["products"]

    def set_stock(self, store: str, sku: str, num_in_stock: int) -> int:
        return self.control("POST", f"stores/{store}/stock/", {"sku": sku, "num_in_stock": num_in_stock})[
            "net_stock_level"
        ]

    def customers(self, store: str, email: str | None = None) -> list[dict]:
        return self.control("GET", f"stores/{store}/customers/", params={"email": email} if email else None)[
            "customers"
        ]

    def payments(self, store: str) -> list[dict]:
        return self.control("GET", f"stores/{store}/payments/")["payments"]

    def approve_payment(self, url: str) -> dict:
        return self._pay(url, "approve")

    def cancel_payment(self, url: str) -> dict:
        return self._pay(url, "cancel")

    def _pay(self, url: str, action: str) -> dict:
        """The buyer on the payment page: open it, press the button."""
        if not url.startswith(self.base_url + "/"):
            raise SandboxError(f"not a payment page of this sandbox: {url}")
        buyer = requests.Session()
        page = buyer.get(url, timeout=30)
        if page.status_code != 200 or 'value="approve"' not in page.text:
            raise SandboxError(f"no pending payment at {url}: {page.status_code} {page.text[:300]}")
        form = _form(page.text)
        form["action"] = action
        answer = buyer.post(url, data=form, headers={"Referer": url}, timeout=60)
        if answer.status_code != 200:
            raise SandboxError(f"payment page answered {answer.status_code}: {answer.text[:300]}")
        token = url.rstrip("/").rsplit("/", 1)[1]
        store = url[len(self.base_url) + 1 :].split("/", 1)[0]
        return next(p for p in self.payments(store) if p["token"] == token)

    def reset(self, store: str | None = None) -> None:
        for name in [store] if store else list(self._dirty):
            self.clear_faults(name)
            self.control("POST", f"stores/{name}/rate-limit/", {"per_second": DEFAULT_RATE_LIMIT})
            self.control("POST", f"stores/{name}/page-size/", {"page_size": DEFAULT_PAGE_SIZE})
            self._dirty.discard(name)

    # --- the store dashboard, driven like a browser ----------------------------------------------

    def sign_in_and_approve(
        self, store: str, authorize_url: str, approve: bool = True, email: str | None = None
    ) -> str:
        """Sign in to the store dashboard, answer the consent page; return the redirect URL.

        Redirects within the sandbox are followed; the first one that leaves it (to the
        app's redirect URI, with `code` or `error`, `store` and `state`) is returned.
        Raises SandboxError when the store shows an error page instead (e.g. an
        unregistered redirect URI).
        """
        browser = requests.Session()
        response, leaving = self._follow(browser, browser.get(authorize_url, allow_redirects=False, timeout=30))
        if leaving:
            return leaving
        if "/dashboard/sign-in/" in response.url:
            _, answer = self.sign_in(store, email, browser=browser, page=response, allow_redirects=False)
            response, leaving = self._follow(browser, answer)
            if leaving:
                return leaving
        if response.status_code != 200 or 'name="allow"' not in response.text:
            raise SandboxError(f"no consent page at {response.url}: {response.status_code} {response.text[:300]}")
        form = _form(response.text)
        if approve:
            form["allow"] = "Authorize"
        else:
            form.pop("allow", None)
        answer = browser.post(
            response.url, data=form, headers={"Referer": response.url}, allow_redirects=False, timeout=30
        )
        response, leaving = self._follow(browser, answer)
        if not leaving:
            raise SandboxError(f"consent answered {response.status_code}: {response.text[:300]}")
        return leaving

    def sign_in(
        self,
        store: str,
        email: str | None = None,
        browser: requests.Session | None = None,
        page: requests.Response | None = None,
        allow_redirects: bool = True,
    ) -> tuple[requests.Session, requests.Response]:
        """Sign in to the store dashboard as a browser would: pick the store user whose
        label holds `email` (a new store user with it when none does), or the first one.

        `page` is a sign-in page already open in `browser` (its form carries the `next` of
        the redirect that led there); by default the sign-in page itself, in a new session.
        Returns the session, now signed in, and the answer to the form.
        """
        browser = browser or requests.Session()
        page = page or browser.get(self.dashboard_url(store) + "sign-in/", timeout=30)
        form = _form(page.text)
        users = re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', page.text)
        choice = next((uid for uid, label in users if email and email.lower() in label.lower()), None)
        if choice is None:
            choice = str(self.add_staff(store, email)) if email else users[0][0]
        form["user"] = choice
        answer = browser.post(
            page.url, data=form, headers={"Referer": page.url}, allow_redirects=allow_redirects, timeout=30
        )
        return browser, answer

    def _follow(self, browser, response):
        """Follow redirects while they stay on the sandbox: (last response, URL it leaves for)."""
        while response.is_redirect:
            location = urljoin(response.url, response.headers["Location"])
            if not location.startswith(self.base_url + "/"):
                return response, location
            response = browser.get(location, allow_redirects=False, timeout=30)
        return response, None


def _form(page: str) -> dict:
    """The hidden fields of the page's form (CSRF token included)."""
    fields = {}
    for tag in re.findall(r"<input[^>]*>", page):
        if 'type="hidden"' not in tag:
            continue
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
    return fields


def _manage(*args: str, env: dict, log) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    if result.returncode != 0:
        raise SandboxError(f"manage.py {args[0]} failed; see {log.name}")


def _migrated_template(env: dict, log) -> Path:
    """An empty, migrated sandbox database, made once per set of migrations and copied."""
    from importlib.metadata import version

    digest = hashlib.sha256()
    for name in ("django", "django-oauth-toolkit", "djangorestframework"):
        digest.update(version(name).encode())
    for path in sorted((BASE_DIR / "sandbox").rglob("migrations/*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    template = BASE_DIR / "var" / f"sandbox-template-{digest.hexdigest()[:16]}.sqlite3"
    if not template.exists():
        partial = template.with_suffix(f".{os.getpid()}.tmp")
        _manage("sandbox_migrate", env={**env, "SANDBOX_DATABASE_URL": f"sqlite:///{partial}"}, log=log)
        with sqlite3.connect(partial) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            connection.execute("PRAGMA journal_mode=DELETE")
        partial.replace(template)
        for suffix in ("-wal", "-shm"):
            Path(f"{partial}{suffix}").unlink(missing_ok=True)
    return template


def start(
    stores: list[str] | None = None, seed_args: list[str] | None = None
) -> tuple[Sandbox, subprocess.Popen, list[Path]]:
    """Create, seed and start the sandbox server; return it with its process and files.

    The tests take the defaults (STORES, SEED_ARGS); a benchmark may seed other stores.
    """
    global _running
    stores = list(stores or STORES)
    port = int(os.environ["SANDBOX_PORT"])
    var = BASE_DIR / "var"
    var.mkdir(exist_ok=True)
    db_path = var / f"sandbox-test-{os.getpid()}.sqlite3"
    log_path = var / f"sandbox-test-{os.getpid()}.log"
    for path in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
        path.unlink(missing_ok=True)
    client_id = os.environ.get("STOREAPI_CLIENT_ID") or "storedesk-test-client"
    client_secret = os.environ.get("STOREAPI_CLIENT_SECRET") or "storedesk-test-secret"
    env = {
        **os.environ,
        "ENV_FILE": "",
        "SANDBOX_DATABASE_URL": f"sqlite:///{db_path}",
        "SANDBOX_CONTROL_ENABLED": "true",
        "SANDBOX_WEBHOOK_RETRY_BASE_SECONDS": "0.2",
        "SANDBOX_WEBHOOK_RETRY_MAX_SECONDS": "1",
        "SANDBOX_WEBHOOK_TIMEOUT_SECONDS": "5",
        "SANDBOX_EXPORT_DELAY_SECONDS": "1",
        "SANDBOX_EXPORT_URL_TTL_SECONDS": "300",
        "SANDBOX_WORKER_POLL_SECONDS": "0.1",
        "SANDBOX_HANG_SECONDS": "30",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    log = log_path.open("w")
    shutil.copyfile(_migrated_template(env, log), db_path)
    _manage(
        "seed_sandbox",
        "--stores",
        ",".join(stores),
        *(SEED_ARGS if seed_args is None else seed_args),
        "--rate-limit",
        str(DEFAULT_RATE_LIMIT),
        "--client-id",
        client_id,
        "--client-secret",
        client_secret,
        "--redirect-uri",
        TEST_REDIRECT_URI,
        "--app-url",
        TEST_APP_URL,
        env=env,
        log=log,
    )
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runsandbox", f"127.0.0.1:{port}", "--quiet"],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    sandbox = Sandbox(port, client_id, client_secret)
    sandbox.stores = stores
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise SandboxError(f"runsandbox exited with {process.returncode}; see {log_path}")
        try:
            requests.get(sandbox.base_url + "/", timeout=1)
            break
        except requests.RequestException:
            if time.monotonic() > deadline:
                process.kill()
                raise SandboxError(f"runsandbox did not answer within 60 s; see {log_path}") from None
            time.sleep(0.1)
    _running = sandbox
    return sandbox, process, [db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm"), log_path]


def stop(process: subprocess.Popen, files: list[Path]) -> None:
    global _running
    _running = None
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if not os.environ.get("SANDBOX_KEEP_TEST_FILES"):
        for path in files:
            path.unlink(missing_ok=True)


class WebhookReceiver:
    """A tiny HTTP server in the test process that records webhook deliveries.

    with WebhookReceiver(answers=[500, 500]) as receiver:   # then 200 for the rest
        ...register receiver.url as a webhook target...
        (headers, body), = receiver.wait(1)
    """

    def __init__(self, answers: list[int] | None = None, default: int = 200):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.answers = list(answers or [])
        self.default = default
        self.received: list[tuple[dict, bytes]] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.received.append((dict(self.headers), body))
                    status = receiver.answers.pop(0) if receiver.answers else receiver.default
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/webhooks/"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    def wait(self, count: int = 1, timeout: float = 15, predicate=None) -> list[tuple[dict, bytes]]:
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                found = [r for r in self.received if predicate is None or predicate(r)]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.05)
