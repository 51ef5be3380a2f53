"""Template helpers for starting jobs from list pages (bulk toolbar, "Export these orders")."""

import uuid

from django import template

from ..forms.filters import filters_as_query

register = template.Library()


@register.simple_tag
def new_idempotency_key() -> str:
    """A fresh key for a form that starts a job: submitting it twice makes one job."""
    return uuid.uuid4().hex


@register.simple_tag
def filter_pairs(params: dict) -> list[tuple[str, str]]:
    """The list's active filters as (name, value) pairs, for hidden inputs."""
    return filters_as_query(params or {})


@register.simple_tag
def export_orders_url(store, params: dict) -> str:
    from ..views.exports import export_url_for

    return export_url_for(store, params or {})
