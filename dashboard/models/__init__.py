from .audit import AuditEntry
from .authors import OperatorAuthorship
from .export_schedules import ExportRun, ExportSchedule
from .jobs import Job, JobItem, JobPart
from .macros import Macro
from .phone_orders import PhoneOrder
from .refunds import OrderRefund
from .saved_views import DefaultView, SavedView

__all__ = [
    "AuditEntry",
    "DefaultView",
    "ExportRun",
    "ExportSchedule",
    "Job",
    "JobItem",
    "JobPart",
    "Macro",
    "OperatorAuthorship",
    "OrderRefund",
    "PhoneOrder",
    "SavedView",
]
