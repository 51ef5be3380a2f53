"""What a ticket's thread gained since an operator's page drew it: asked before a reply is
sent, so that nobody answers a customer without seeing what a colleague (or the customer)
wrote meanwhile."""

from __future__ import annotations

from dataclasses import dataclass, field

from .tickets import ticket_get


def thread_comments(ticket) -> list[dict]:
    comments = ticket.get("comments") if isinstance(ticket, dict) else None
    return [c for c in comments or [] if isinstance(c, dict)]


def last_comment_id(ticket) -> int:
    """The newest comment's id (the platform numbers them in order), 0 for no comment:
    what the reply form carries as "the thread as I saw it"."""
    ids = [c["id"] for c in thread_comments(ticket) if isinstance(c.get("id"), int)]
    return max(ids, default=0)


def seen_comment_id(value) -> int | None:
    """The reply form's `seen_comment`; None when missing or not a number (a form drawn
    before the check existed: it is sent as before)."""
    try:
        seen = int(value)
    except (TypeError, ValueError):
        return None
    return seen if seen >= 0 else None


@dataclass
class ThreadNews:
    ticket: dict  # the ticket as the store has it now
    comments: list[dict] = field(default_factory=list)  # written after the seen one, oldest first


def ticket_thread_news(*, store, ticket_id: int, seen) -> ThreadNews | None:
    """What the thread gained since the form's `seen_comment` (read fresh from the store,
    not from the shared cache): None when nothing was added, or when the form did not say
    what it saw (a form drawn before the check existed is sent as before)."""
    seen = seen_comment_id(seen)
    if seen is None:
        return None
    ticket = ticket_get(store=store, ticket_id=ticket_id, fresh=True)
    news = [c for c in thread_comments(ticket) if isinstance(c.get("id"), int) and c["id"] > seen]
    return ThreadNews(ticket=ticket, comments=sorted(news, key=lambda c: c["id"])) if news else None
