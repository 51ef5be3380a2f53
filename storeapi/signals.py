"""What storeapi tells the rest of Storedesk (the dashboard's audit log listens).

store_connected(store, operator, method)   method: "oauth" or "token"
store_disconnected(store, operator, reason) reason: "operator", "app_uninstalled"
webhook_received(store, event_type, data)  after a verified, first-seen event is processed
"""

from django.dispatch import Signal

store_connected = Signal()
store_disconnected = Signal()
webhook_received = Signal()
