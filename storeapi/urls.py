from django.urls import path

from . import views

urlpatterns = [
    # Registered in the partner app's settings: the App URL and the Redirect URL.
    path("oauth/app/", views.oauth_app, name="oauth_app"),
    path("oauth/app/switch/", views.session_token_switch, name="session_token_switch"),
    path("oauth/callback/", views.oauth_callback, name="oauth_callback"),
    path("webhooks/<int:store_id>/", views.webhook_receive, name="webhook_receive"),
    path("stores/connect/", views.store_connect, name="store_connect"),
    path("s/<slug:store>/connection/", views.store_connection, name="store_connection"),
    path("s/<slug:store>/connection/disconnect/", views.store_disconnect_view, name="store_disconnect"),
    # What the dashboard's "Reconnect" buttons link to.
    path("s/<slug:store>/reconnect/", views.store_reconnect, name="store_reconnect"),
]
