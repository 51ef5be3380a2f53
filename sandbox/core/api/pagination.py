"""Cursor pagination as the platform does it: `next`, `previous`, `results`, opaque cursors.

Each list view names a unique ordering (`-number` for orders, `-id` elsewhere): newest
first, and a walk over every page returns each row exactly once. The page size is the
store's (`seed_sandbox --page-size`, default SANDBOX_PAGE_SIZE).
"""

from rest_framework.pagination import CursorPagination


class StoreCursorPagination(CursorPagination):
    ordering = "-id"
    page_size_query_param = None

    def get_page_size(self, request):
        return request._request.sandbox_store.effective_page_size()

    def get_ordering(self, request, queryset, view):
        return (getattr(view, "cursor_ordering", self.ordering),)
