"""Notices are announced once: after a page has shown the operator's ended jobs and
payments (base.html's notice area, filled by `dashboard.context_processors`, which only
read), they are marked as seen, so the next page does not show them again."""

from .context_processors import shown_notices
from .jobs.notices import jobs_mark_notified
from .services.payment_notices import phone_orders_mark_notified


class NoticesSeenMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)  # rendered: the page has read its notices
        shown = shown_notices(request)
        jobs_mark_notified(shown["jobs"])
        phone_orders_mark_notified(shown["payments"])
        return response
