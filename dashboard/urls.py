from django.urls import path

from .views import exports, stores

urlpatterns = [
    path("", stores.home, name="home"),
    path("s/<slug:store>/", stores.store_overview, name="store_overview"),
    path("s/<slug:store>/members/", stores.store_members, name="store_members"),
    # Bulk jobs: exports and bulk actions.
    path("exports/", exports.export_list, name="export_list"),
    path("exports/notice/", exports.job_notice, name="job_notice"),
    path("exports/<uuid:job_id>/", exports.job_detail, name="job_detail"),
    path("exports/<uuid:job_id>/cancel/", exports.job_cancel, name="job_cancel"),
    path("exports/<uuid:job_id>/download/", exports.job_download, name="job_download"),
    path("exports/<uuid:job_id>/failures.csv", exports.job_failures_report, name="job_failures_report"),
    path("s/<slug:store>/bulk/orders/", exports.bulk_orders, name="bulk_orders"),
    path("s/<slug:store>/bulk/tickets/", exports.bulk_tickets, name="bulk_tickets"),
]
