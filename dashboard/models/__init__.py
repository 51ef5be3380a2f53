from .audit import AuditEntry
from .jobs import Job, JobItem, JobPart

__all__ = ["AuditEntry", "Job", "JobItem", "JobPart"]
