from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"

    def ready(self):
        from . import audit  # noqa: F401  (connects the audit log's signal receivers)
        from .saved_views_cache import saved_views_changed  # noqa: F401  (connects the receivers that invalidate it)
        from .services import phone_orders  # noqa: F401  (verifies payments on order.updated)
