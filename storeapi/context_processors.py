from django.utils.functional import SimpleLazyObject

from .access import request_memberships


def operator_stores(request):
    """The operator's memberships, for the store switcher (queried only if used)."""
    user = getattr(request, "user", None)
    if user is None:
        return {}
    if not user.is_authenticated:
        return {"my_memberships": []}
    return {"my_memberships": SimpleLazyObject(lambda: request_memberships(request))}
