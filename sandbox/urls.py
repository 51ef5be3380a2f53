"""URLs of the sandbox store: several stores, each under its subdomain as first segment."""

from django.conf import settings
from django.urls import include, path, register_converter

from sandbox.core import dashboard, oauth, views


class StoreConverter:
    regex = "[a-z0-9][a-z0-9-]{0,62}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(StoreConverter, "store")

store_patterns = (
    [
        path("oauth2/authorize/", oauth.StoreAuthorizationView.as_view(), name="authorize"),
        path("oauth2/token/", oauth.StoreTokenView.as_view(), name="token"),
        path("oauth2/revoke_token/", oauth.StoreRevokeTokenView.as_view(), name="revoke-token"),
        path("dashboard/", dashboard.home, name="home"),
        path("dashboard/sign-in/", dashboard.sign_in, name="sign-in"),
        path("dashboard/sign-out/", dashboard.sign_out, name="sign-out"),
        path("dashboard/apps/install-app/", dashboard.install_app, name="install-app"),
        path("dashboard/apps/<str:client_id>/open/", dashboard.open_app, name="open-app"),
        path("dashboard/apps/<str:client_id>/uninstall/", dashboard.uninstall_app, name="uninstall-app"),
        path("dashboard/settings/api-access/", dashboard.api_access, name="api-access"),
        path("dashboard/webhooks/", dashboard.webhook_log, name="webhooks"),
        path("exports/files/<str:token>/", views.export_file, name="export-file"),
    ],
    "sandbox",
)

urlpatterns = [
    path("", views.index, name="index"),
    path("<store:store>/api/admin/", include("sandbox.core.api.urls")),
    path("<store:store>/", include(store_patterns)),
]
if settings.SANDBOX_CONTROL_ENABLED:
    urlpatterns.append(path("_control/", include("sandbox.core.control")))

handler500 = "sandbox.core.views.server_error"
