from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from accounts.admin_access import admin_view_asking_for_password

# The admin is for superusers only, and its sign-in goes through allauth (rate limits, MFA).
admin.site.login = secure_admin_login(admin.site.login)
admin.site.has_permission = lambda request: request.user.is_active and request.user.is_superuser
# Signed in without a password (a session-token link): the admin asks for it first.
admin.site.admin_view = admin_view_asking_for_password(admin.site)
admin.site.site_header = "Storedesk administration"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("storeapi.urls")),
    path("", include("dashboard.urls")),
]

# An error no view handled: a 503 naming the service when Redis or the database does not
# answer, else Django's 500 page (dashboard/views/errors.py).
handler500 = "dashboard.views.errors.server_error"
