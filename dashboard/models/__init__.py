from .audit import AuditEntry
from .jobs import Job, JobItem, JobPart
from .phone_orders import PhoneOrder

__all__ = ["AuditEntry", "Job", "JobItem", "JobPart", "PhoneOrder"]
