from .audit import AuditEntry
from .phone_orders import PhoneOrder

__all__ = ["AuditEntry", "PhoneOrder"]
