"""The dashboard's forms, by area. Forms import models and each other; never services,
selectors or views.

- `fields`       shared fields and widgets: dates, lists typed in a text box
- `drawn`        what an edit form was drawn from (values and version), carried by the
                 form so that only the operator's changes are sent (services/edits.py)
- `filters`      the list pages' filter forms (bound to `request.GET`), and saved
                 filters back to a query string
- `orders`       tag, cancel, refund an order
- `notes`        a note on an order or a customer
- `customers`    a new customer
- `phone_orders` the new-order page: the order, its addresses and its lines
- `tickets`      reply to a ticket, change its properties
- `members`      invite someone, change a role
- `jobs`         a new export; a bulk action on orders or tickets
"""
