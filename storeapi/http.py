"""The process's HTTP session to stores: one pool per process, rebuilt after a fork."""

from __future__ import annotations

import os
import urllib.request

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
        if not environment_sets_proxies_or_netrc():
            # requests otherwise looks again, on every request, for proxies, a CA bundle and
            # ~/.netrc credentials: about a millisecond of a page's own work per store asked
            # (docs/page-speed.md). The CA bundle it would find is read here, once.
            session.trust_env = False
            session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        _session, _session_pid = session, os.getpid()
    return _session


def environment_sets_proxies_or_netrc() -> bool:
    """Whether the environment sets a proxy (or its exceptions) or has a ~/.netrc file:
    what requests can only apply by looking at each request's host."""
    if urllib.request.getproxies():
        return True
    netrc = os.environ.get("NETRC")
    candidates = [netrc] if netrc else [os.path.expanduser("~/.netrc"), os.path.expanduser("~/_netrc")]
    return any(os.path.exists(path) for path in candidates)
