from django.urls import path, re_path

from . import views

urlpatterns = [
    path("store/", views.StoreView.as_view()),
    path("orders/", views.OrderListView.as_view()),
    path("orders/<str:number>/", views.OrderDetailView.as_view()),
    path("orders/<str:number>/notes/", views.OrderNotesView.as_view()),
    path("orders/<str:number>/cancel/", views.OrderCancelView.as_view()),
    path("orders/<str:number>/refund/", views.OrderRefundView.as_view()),
    path("orders/<str:number>/refund/calculate/", views.OrderRefundCalculateView.as_view()),
    path("users/", views.UserListView.as_view()),
    path("users/<int:id>/", views.UserDetailView.as_view()),
    path("users/<int:id>/orders/", views.UserOrdersView.as_view()),
    path("users/<int:id>/notes/", views.UserNotesView.as_view()),
    path("users/<int:id>/addresses/", views.UserAddressesView.as_view()),
    path("tickets/", views.TicketListView.as_view()),
    path("tickets/<int:id>/", views.TicketDetailView.as_view()),
    path("tickets/<int:id>/comments/", views.TicketCommentsView.as_view()),
    path("tickettypes/", views.TicketTypeListView.as_view()),
    path("tickettypes/<int:id>/", views.TicketTypeDetailView.as_view()),
    path("webhooks/", views.WebhookListView.as_view()),
    path("webhooks/<int:id>/", views.WebhookDetailView.as_view()),
    path("exports/", views.ExportListView.as_view()),
    path("exports/types/", views.ExportTypesView.as_view()),
    path("exports/<int:id>/", views.ExportDetailView.as_view()),
    path("exports/<int:id>/download/", views.ExportDownloadView.as_view()),
    # Anything else under the API answers in the API's shape, not with an HTML page.
    re_path(r"^.*$", views.not_found),
]
