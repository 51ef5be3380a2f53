"""Writes of saved views: save, rename/share, reorder, delete, and the default view.

Only the owner changes a view: the views look the view up among the operator's own
(`SavedView.objects.filter(owner=...)`) before calling these.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Max

from ..audit import audit_record
from ..models import DefaultView, SavedView
from ..saved_views_cache import saved_views_changed


class NameTaken(Exception):
    """The owner has a view of that name for that list already (names are compared
    without regard to case: the model's constraints)."""

    def __init__(self, name: str):
        super().__init__(f"You already have a view named “{name}” for this list: choose another name.")


def saved_view_create(*, owner, kind: str, store, query: str, name: str, shared: bool) -> SavedView:
    """Raises NameTaken (and keeps nothing) if the name is taken, also by a save made
    at the same moment (a double-clicked button, two tabs)."""
    try:
        with transaction.atomic():
            last = SavedView.objects.select_for_update().filter(owner=owner).aggregate(m=Max("position"))["m"]
            view = SavedView.objects.create(
                owner=owner,
                kind=kind,
                store=store,
                query=query,
                name=name,
                shared=shared,
                position=0 if last is None else last + 1,
            )
            _view_audit(view, action="view.created")
            return view
    except IntegrityError:
        raise NameTaken(name) from None


def saved_view_update(*, view: SavedView, name: str, shared: bool) -> SavedView:
    """Raises NameTaken (and changes nothing) if another of the owner's views of the
    same list has that name."""
    view.name = name
    view.shared = shared
    try:
        with transaction.atomic():
            view.save(update_fields=["name", "shared", "updated_at"])
            _view_audit(view, action="view.changed")
    except IntegrityError:
        view.refresh_from_db(fields=["name", "shared", "updated_at"])
        raise NameTaken(name) from None
    return view


def saved_view_move(*, view: SavedView, up: bool) -> None:
    """One place up or down among the owner's views (the navigation's order)."""
    with transaction.atomic():
        views = list(SavedView.objects.select_for_update().filter(owner_id=view.owner_id).order_by("position", "pk"))
        index = next(i for i, v in enumerate(views) if v.pk == view.pk)
        other = index - 1 if up else index + 1
        if not 0 <= other < len(views):
            return
        views[index], views[other] = views[other], views[index]
        for position, v in enumerate(views):
            if v.position != position:
                SavedView.objects.filter(pk=v.pk).update(position=position)
        saved_views_changed()  # update() sends no post_save: the menu's order changed


def saved_view_delete(*, view: SavedView) -> None:
    with transaction.atomic():
        _view_audit(view, action="view.deleted")
        view.delete()  # defaults pointing at it go with it (CASCADE)


def _view_audit(view: SavedView, *, action: str) -> None:
    """In its store's log (a view of all stores: in no store's, but kept): a shared view
    is what the store's team opens."""
    audit_record(
        operator=view.owner,
        store=view.store,
        action=action,
        object_type="view",
        object_id=view.pk,
        summary=f"View “{view.name}” of {view.get_kind_display().lower()}, "
        + ("shared with the team" if view.shared else "not shared"),
        details={"name": view.name, "kind": view.kind, "query": view.query, "shared": view.shared},
    )


def default_view_set(*, operator, view: SavedView) -> None:
    """`view` becomes the operator's default for its list (replacing another)."""
    DefaultView.objects.update_or_create(operator=operator, kind=view.kind, store=view.store, defaults={"view": view})


def default_view_clear(*, operator, view: SavedView) -> None:
    DefaultView.objects.filter(operator=operator, view=view).delete()
