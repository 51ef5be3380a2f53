from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path

from accounts.admin_access import admin_view_asking_for_password

# The admin is for superusers only, and its sign-in goes through allauth (rate limits, MFA).
admin.site.login = secure_admin_login(admin.site.login)
admin.site.has_permission = lambda request: request.user.is_active and request.user.is_superuser
# Signed in without a password (a session-token link): the admin asks for it first.
admin.site.admin_view = admin_view_asking_for_password(admin.site)
admin.site.site_header = "Storedesk administration"


def favicon(request):
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's): the site's
    own, rather than a 404 in every such page's console."""
    return redirect(static("img/favicon.svg"), permanent=True)


urlpatterns = [
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("storeapi.urls")),
    path("", include("dashboard.urls")),
]

# Errors no view handled: the site's own pages, with the navigation (templates/<status>.html);
# a 503 naming the service when Redis or the database does not answer (dashboard/views/errors.py).
handler400 = "dashboard.views.errors.bad_request"
handler403 = "dashboard.views.errors.permission_denied"
handler404 = "dashboard.views.errors.page_not_found"
handler500 = "dashboard.views.errors.server_error"
