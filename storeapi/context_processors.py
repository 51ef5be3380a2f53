from django.utils.functional import SimpleLazyObject

from .models import Membership


def operator_stores(request):
    """The operator's memberships, for the store switcher (queried only if used)."""
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {"my_memberships": SimpleLazyObject(lambda: list(Membership.objects.for_operator(user)))}
