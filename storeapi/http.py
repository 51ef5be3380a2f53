"""The process's HTTP session to stores: one pool per process, rebuilt after a fork."""

from __future__ import annotations

import os

import requests
from requests.adapters import HTTPAdapter

_session: requests.Session | None = None
_session_pid: int | None = None


def shared_session() -> requests.Session:
    global _session, _session_pid
    if _session is None or _session_pid != os.getpid():
        session = requests.Session()
        # Retries are ours (storeapi.retry), never urllib3's.
        adapter = HTTPAdapter(pool_connections=20, pool_maxsize=50, max_retries=0)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        session.headers["User-Agent"] = "Storedesk/1.0"
        _session, _session_pid = session, os.getpid()
    return _session
