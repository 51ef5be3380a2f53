"""Collision warnings on tickets: the reply form's "thread as I saw it", and the inbox's
mark on a ticket someone else has open (dashboard/presence.py)."""

from html import escape

from django import template

from ..presence import Presence
from ..selectors.ticket_thread import last_comment_id as _last_comment_id

register = template.Library()


@register.filter
def last_comment_id(ticket) -> int:
    """`{{ ticket|last_comment_id }}`: the newest comment's id, for the reply form."""
    return _last_comment_id(ticket)


def presence_words(others: list[Presence]) -> str:
    """ "Ana has it open · Ben is typing a reply"."""
    return " · ".join(f"{p.name} {'is typing a reply' if p.typing else 'has it open'}" for p in others)


def presence_mark(others: list[Presence]) -> str:
    """The inbox row's mark, as HTML (list_tables draws rows in Python): the first
    name, how many more, and the whole sentence for a screen reader and a tooltip."""
    words = escape(presence_words(others))
    first = escape(others[0].name)
    more = f" +{len(others) - 1}" if len(others) > 1 else ""
    typing = any(p.typing for p in others)
    return (
        f'<span class="badge rounded-pill presence-mark{" presence-mark-typing" if typing else ""} ms-1" '
        f'data-presence-mark title="{words}"><span class="presence-dot" aria-hidden="true"></span>'
        f'<span aria-hidden="true">{first}{more} {"typing" if typing else "viewing"}</span>'
        f'<span class="visually-hidden">{words}</span></span>'
    )
