from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"

    def ready(self):
        from . import audit  # noqa: F401  (connects the audit log's signal receivers)
        from .selectors import overview  # noqa: F401  (webhooks make the overview's figures stale)
