"""The Django admin opens only to someone who gave their password in this session.

A session-token link from a store's dashboard signs an operator in without a password
(storeapi/views.py). That proves who opened the app from the store, not enough for the
admin, where a superuser can change anything (issue 11). So the admin looks at what
allauth recorded in the session about how this person authenticated: a password (at
sign-in or at a reauthentication), or a second factor, which only follows a password
here. Without one, the admin sends them to allauth's reauthentication page, which asks
for the password and then returns to the admin page they asked for. Whatever the
sign-in path, this is the one check: a path that records no password never opens the admin.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from allauth.account.authentication import get_authentication_records
from django.shortcuts import redirect
from django.urls import reverse

# allauth's record methods that mean "this person gave the password (or a second
# factor after it)" in this session. A login by e-mail code ("code") does not count.
PASSWORD_METHODS = frozenset({"password", "mfa"})


def password_given(request) -> bool:
    records = get_authentication_records(request, request.user)
    return any(isinstance(r, dict) and r.get("method") in PASSWORD_METHODS for r in records)


def admin_view_asking_for_password(site):
    """A replacement for `site.admin_view` (which wraps every admin page): a person the
    admin would let in, but who gave no password in this session, is sent to
    reauthenticate first."""
    admin_view = site.admin_view

    def wrap(view, cacheable=False):
        inner = admin_view(view, cacheable)

        @wraps(inner)
        def asking(request, *args, **kwargs):
            if request.user.is_authenticated and site.has_permission(request) and not password_given(request):
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('account_reauthenticate')}?{query}")
            return inner(request, *args, **kwargs)

        return asking

    return wrap
