"""Which macros an operator may use on a ticket, and which they may manage.

The rules (docs/macros.md):
- A store's macro is usable on that store's tickets by its members who may reply
  (agents, managers, owners), and managed by its managers and owners.
- An all-stores macro (no store) is usable on a ticket of store S while its author is a
  manager or owner of S: a manager's team-wide replies reach the stores they manage,
  never a store where they are a viewer, an agent or not a member. Only its author
  edits or deletes it.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from storeapi.models import Membership
from storeapi.roles import ROLE_PERMISSIONS, Perm

from ..models import Macro

# Longest list the picker shows at once: type to narrow it.
PICKER_LIMIT = 20


def roles_allowing(perm: Perm) -> list[str]:
    return [role for role, perms in ROLE_PERMISSIONS.items() if perm in perms]


def _author_manages(store_ids) -> Exists:
    """The macro's author is a manager or owner of one of `store_ids` (a store id or a list)."""
    stores = Q(store_id__in=store_ids) if isinstance(store_ids, list | tuple | set) else Q(store_id=store_ids)
    return Exists(
        Membership.objects.filter(
            stores, operator_id=OuterRef("author_id"), role__in=roles_allowing(Perm.MANAGE_MACROS)
        )
    )


def macro_reach(macro: Macro) -> list:
    """The stores whose tickets `macro` is offered on: its store, or for an all-stores
    macro every store its author manages."""
    if macro.store_id:
        return [macro.store]
    memberships = Membership.objects.filter(
        operator_id=macro.author_id, role__in=roles_allowing(Perm.MANAGE_MACROS)
    ).select_related("store")
    return [m.store for m in memberships] if macro.author_id else []


def macros_usable(*, store) -> QuerySet[Macro]:
    """The macros usable on a ticket of `store` (by any member who may reply there)."""
    return Macro.objects.filter(
        Q(store=store) | Q(store__isnull=True, author__isnull=False) & _author_manages(store.pk)
    )


def macros_usable_search(*, store, query: str = "", limit: int = PICKER_LIMIT) -> list[Macro]:
    """The picker's list: usable macros whose name (or body) holds `query`, names first."""
    macros = macros_usable(store=store)
    query = (query or "").strip()[:100]
    if query:
        macros = macros.filter(Q(name__icontains=query) | Q(body__icontains=query))
    found = list(macros.select_related("store")[: limit * 2])
    if query:
        lowered = query.lower()
        found.sort(key=lambda m: (lowered not in m.name.lower(), m.name.lower(), m.pk))
    return found[:limit]


def macro_usable_get(*, store, macro_id) -> Macro | None:
    return macros_usable(store=store).filter(pk=macro_id).first()


def macros_managed_stores(*, memberships) -> list:
    """The stores whose macros the operator manages (manager or owner there)."""
    return [m.store for m in memberships if m.allows(Perm.MANAGE_MACROS)]


def macros_for_page(*, operator, stores) -> QuerySet[Macro]:
    """The Macros page's list: the macros of the stores the operator manages, and the
    all-stores macros usable in at least one of them (their own included)."""
    ids = [s.pk for s in stores]
    return (
        Macro.objects.filter(
            Q(store_id__in=ids)
            | Q(store__isnull=True) & (Q(author=operator) | Q(author__isnull=False) & _author_manages(ids))
        )
        .select_related("store", "author")
        .order_by("name", "pk")
    )


def macros_editable(*, operator, stores) -> QuerySet[Macro]:
    """What the operator may edit or delete: macros of the stores they manage, and
    their own all-stores macros."""
    return Macro.objects.filter(Q(store_id__in=[s.pk for s in stores]) | Q(store__isnull=True, author=operator))


def macro_can_edit(macro: Macro, *, operator, stores) -> bool:
    if macro.store_id is None:
        return macro.author_id == operator.pk
    return macro.store_id in {s.pk for s in stores}
