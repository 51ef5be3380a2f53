"""Resolves the store from the first path segment and wraps every Admin API request.

Around each API request: the API version header, fault injection, a request id, and
an entry in the store's request log (what tests read to see the traffic as the
platform sees it).
"""

import hashlib
import json
import re
import time
import uuid

from django.http import Http404, JsonResponse

from . import faults, requestlog
from .models import Store
from .versions import API_VERSION, KNOWN_VERSIONS

STORE_SEGMENT = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def url_store(request) -> Store:
    """The store the URL's first segment names (SandboxMiddleware looked it up), or 404."""
    if request.sandbox_store is None:
        raise Http404
    return request.sandbox_store


class SandboxMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        segments = request.path.split("/")
        request.sandbox_store = None
        request.sandbox_token = None
        subdomain = segments[1] if len(segments) > 2 else ""
        if STORE_SEGMENT.match(subdomain):
            request.sandbox_store = Store.objects.filter(subdomain=subdomain).first()
        if not request.path.startswith(f"/{subdomain}/api/admin/") or not subdomain:
            return self.get_response(request)
        if request.sandbox_store is None:
            return JsonResponse({"detail": "Not found."}, status=404)
        return self.api(request, request.sandbox_store)

    def api(self, request, store):
        started = time.monotonic()
        # What a PATCH asked to change, for tests that check a client sent only the fields
        # it changed. Read before the view (which consumes the stream); bounded.
        changed = _patch_fields(request) if request.method == "PATCH" else None
        version = request.headers.get("X-29Next-Api-Version", "").strip() or API_VERSION
        response, fault = faults.before(store, request)
        if response is None:
            if version not in KNOWN_VERSIONS:
                response = JsonResponse({"detail": f"Unsupported API version: {version}."}, status=400)
            else:
                response = self.get_response(request)
            response = faults.after(request, response)
        response["X-Request-Id"] = uuid.uuid4().hex
        response["X-29Next-Api-Version"] = API_VERSION
        authorization = request.headers.get("Authorization", "")
        token = request.sandbox_token
        requestlog.record(
            store.subdomain,
            {
                "ts": time.time(),
                "method": request.method,
                "path": request.path,
                "query": request.META.get("QUERY_STRING", ""),
                "status": response.status_code,
                "token_id": token.id if token else None,
                "token_hash": hashlib.sha256(authorization.split()[-1].encode()).hexdigest()[:16]
                if authorization
                else None,
                "fault": fault,
                "patch_fields": changed,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
            },
        )
        return response


def _patch_fields(request) -> list[str] | None:
    """The top-level field names of a PATCH's JSON body (sorted), or None."""
    try:
        if int(request.META.get("CONTENT_LENGTH") or 0) > 100_000:
            return None
        body = json.loads(request.body or b"null")
    except ValueError:
        return None
    return sorted(str(key) for key in body) if isinstance(body, dict) else None
