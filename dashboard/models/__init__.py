from .audit import AuditEntry
from .authors import OperatorAuthorship
from .jobs import Job, JobItem, JobPart
from .macros import Macro
from .phone_orders import PhoneOrder
from .refunds import OrderRefund

__all__ = ["AuditEntry", "Job", "JobItem", "JobPart", "Macro", "OperatorAuthorship", "OrderRefund", "PhoneOrder"]
