"""URLs of named routes, reversed once per process.

`django.urls.reverse` matches the route's pattern on every call (30-40 µs here), and the
layout and a list page reverse about twenty routes each (the navigation, the store
switcher, the account menu, the toolbars). A route's URL depends only on its name, its
arguments, the URLconf and the script prefix, so it is remembered per those.

    url_for("order_list", store.subdomain)       in Python
    {% url_of "order_list" store.subdomain %}    in a template (templatetags/storedesk.py)
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse


def url_for(name: str, *args) -> str:
    """`reverse(name, args=args)`, remembered."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    return _reversed(name, tuple(str(arg) for arg in args), urlconf, get_script_prefix())


@lru_cache(maxsize=4096)
def _reversed(name: str, args: tuple[str, ...], urlconf: str, prefix: str) -> str:
    return reverse(name, args=args or None, urlconf=urlconf)
