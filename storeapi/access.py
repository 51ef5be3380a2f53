"""The access-control chokepoint: which store an operator may open, and as what.

Every store-scoped view goes through `store_view`. A store the operator is not a
member of is a 404 (its existence is not revealed), superusers included; a member
whose role lacks the permission gets a 403.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import Membership
from .presence import store_seen_now_and_then
from .roles import Perm


def request_memberships(request) -> list[Membership]:
    """The signed-in operator's memberships with their stores, read once per request:
    the chokepoint picks the URL's store from them and the store switcher lists them."""
    memberships = getattr(request, "_operator_memberships", None)
    if memberships is None:
        memberships = request._operator_memberships = list(Membership.objects.for_operator(request.user))
    return memberships


def store_view(perm: Perm = Perm.VIEW):
    """Decorate a view taking `store` (subdomain) from the URL.

    The view is called with the `Store` instead of the subdomain, and
    `request.membership` is set. The operator counts as present on the store
    (storeapi.presence) from then on for about a minute.
    """

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, store: str, **kwargs):
            membership = next((m for m in request_memberships(request) if m.store.subdomain == store), None)
            if membership is None:
                raise Http404("No such store.")
            if not membership.allows(perm):
                raise PermissionDenied("Your role in this store does not allow this.")
            request.membership = membership
            store_seen_now_and_then(store_id=membership.store_id, operator_id=request.user.pk)
            return view(request, *args, store=membership.store, **kwargs)

        wrapper.store_permission = perm
        return wrapper

    return decorator
