"""Run a test's own code at the moment a request to the store is about to leave.

    with before_sending(sandbox.api_url("acme", "webhooks/"), pause, method="POST"):
        ...  # every POST under that URL first calls pause(request), then goes out as usual

The request itself is untouched and still goes over real HTTP to the sandbox through
the process's shared session (storeapi.http); the hook only decides *when* it leaves.
That is how a test puts something (a key rotation, a look at the database's locks)
exactly between two steps of Storedesk's code, with no timing involved.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import requests
from requests.adapters import BaseAdapter

from storeapi.http import shared_session


class _Hook(BaseAdapter):
    def __init__(self, real: BaseAdapter, action: Callable[[requests.PreparedRequest], None], method: str | None):
        super().__init__()
        self.real, self.action, self.method = real, action, method

    def send(self, request, **kwargs):
        if self.method is None or request.method == self.method:
            self.action(request)
        return self.real.send(request, **kwargs)

    def close(self):
        pass  # the real adapter belongs to the shared session


@contextlib.contextmanager
def before_sending(
    url_prefix: str, action: Callable[[requests.PreparedRequest], None], *, method: str | None = None
) -> Iterator[None]:
    session = shared_session()
    session.mount(url_prefix, _Hook(session.get_adapter(url_prefix), action, method))
    try:
        yield
    finally:
        session.adapters.pop(url_prefix, None)
