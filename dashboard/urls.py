from django.urls import path

from .views import (
    audit,
    catalogue,
    cross_store,
    customers,
    exports,
    members,
    orders,
    overview,
    payments,
    phone_orders,
    search,
    stores,
    tickets,
    transactions,
)

urlpatterns = [
    path("", stores.home, name="home"),
    # Across every store of the operator
    path("orders/", cross_store.all_orders, name="all_orders"),
    path("tickets/", cross_store.all_tickets, name="all_tickets"),
    path("products/", catalogue.all_products, name="all_products"),
    path("products/low-stock/", catalogue.low_stock_list, name="low_stock"),
    path("search/", search.search, name="search"),
    path("notices/payments/", payments.payment_notice, name="payment_notice"),
    # Where stores post the outcome of a payment link (public; see views/payments.py)
    path("payments/return/<str:token>/", payments.payment_return, name="payment_return"),
    # One store
    path("s/<slug:store>/", overview.store_overview, name="store_overview"),
    path("s/<slug:store>/orders/", orders.order_list, name="order_list"),
    path("s/<slug:store>/orders/new/", phone_orders.order_new, name="order_new"),
    path("s/<slug:store>/orders/<slug:number>/", orders.order_detail, name="order_detail"),
    path("s/<slug:store>/orders/<slug:number>/payment/", phone_orders.order_payment, name="order_payment"),
    path(
        "s/<slug:store>/orders/<slug:number>/payment/check/",
        phone_orders.order_payment_check,
        name="order_payment_check",
    ),
    path(
        "s/<slug:store>/orders/<slug:number>/payment/email/",
        phone_orders.order_payment_email,
        name="order_payment_email",
    ),
    path("s/<slug:store>/orders/<slug:number>/notes/", orders.order_note_add_view, name="order_note_add"),
    path("s/<slug:store>/orders/<slug:number>/tags/add/", orders.order_tag_add_view, name="order_tag_add"),
    path("s/<slug:store>/orders/<slug:number>/tags/remove/", orders.order_tag_remove_view, name="order_tag_remove"),
    path("s/<slug:store>/orders/<slug:number>/cancel/", orders.order_cancel_view, name="order_cancel"),
    path("s/<slug:store>/orders/<slug:number>/refund/", orders.order_refund_view, name="order_refund"),
    path("s/<slug:store>/customers/", customers.customer_list, name="customer_list"),
    path("s/<slug:store>/customers/new/", customers.customer_new, name="customer_new"),
    path("s/<slug:store>/customers/<int:customer_id>/", customers.customer_detail, name="customer_detail"),
    path(
        "s/<slug:store>/customers/<int:customer_id>/notes/", customers.customer_note_add_view, name="customer_note_add"
    ),
    path("s/<slug:store>/products/", catalogue.product_list, name="product_list"),
    path("s/<slug:store>/products/<int:product_id>/", catalogue.product_detail, name="product_detail"),
    path("s/<slug:store>/products/variants/<int:variant_id>/", catalogue.variant_detail, name="variant_detail"),
    path("s/<slug:store>/transactions/", transactions.transaction_list, name="transaction_list"),
    path("s/<slug:store>/tickets/", tickets.ticket_list, name="ticket_list"),
    path("s/<slug:store>/tickets/<int:ticket_id>/", tickets.ticket_detail, name="ticket_detail"),
    path("s/<slug:store>/tickets/<int:ticket_id>/reply/", tickets.ticket_reply_view, name="ticket_reply"),
    path("s/<slug:store>/tickets/<int:ticket_id>/properties/", tickets.ticket_update_view, name="ticket_update"),
    path("s/<slug:store>/members/", members.store_members, name="store_members"),
    path("s/<slug:store>/members/<int:membership_id>/role/", members.member_role_change, name="member_role_change"),
    path("s/<slug:store>/members/<int:membership_id>/remove/", members.member_remove, name="member_remove"),
    path(
        "s/<slug:store>/invitations/<int:invitation_id>/revoke/",
        members.invitation_revoke_view,
        name="invitation_revoke",
    ),
    path("s/<slug:store>/audit/", audit.audit_log, name="audit_log"),
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
