from django import template

from storeapi.roles import Perm

register = template.Library()


@register.filter
def can_manage_macros(memberships) -> bool:
    """Whether the navigation shows Macros: a manager or owner of some store."""
    return any(m.allows(Perm.MANAGE_MACROS) for m in memberships or [])
