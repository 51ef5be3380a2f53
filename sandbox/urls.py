"""URLs of the sandbox store: several stores, each under its subdomain as first segment."""

from django.conf import settings
from django.urls import include, path, register_converter

from sandbox.core import views


class StoreConverter:
    regex = "[a-z0-9][a-z0-9-]{0,62}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(StoreConverter, "store")

urlpatterns = [
    path("", views.index, name="index"),
    path("<store:store>/api/admin/", include("sandbox.core.api.urls")),
]
if settings.SANDBOX_CONTROL_ENABLED:
    urlpatterns.append(path("_control/", include("sandbox.core.control")))

handler500 = "sandbox.core.views.server_error"
