"""keyflow's tables, typed SQLAlchemy 2.0 (one module per area)."""

from .attachments import Attachment, MediaType
from .audit import AuditEvent
from .base import Base
from .chat_hooks import ChatFormat, ChatHook, ChatKind
from .comments import Comment
from .contracts import Contract
from .customers import CUSTOMER_STATUSES, Customer
from .drafts import ProcessDraft
from .imports import OPEN_IMPORT_STATUSES, CustomerImport, ImportStatus
from .kpi_targets import KpiTarget
from .links import CustomerLink
from .outbox import Notification, NotificationChannel, NotificationStatus
from .processes import (
    ACTIVE_STATUSES,
    InstanceStatus,
    ProcessCurrent,
    ProcessDefinition,
    ProcessInstance,
)
from .reminder_marks import ReminderMark
from .sign_in import SignInFailure
from .substitutes import Substitution
from .tasks import OPEN_TASK_STATES, HumanTask, TaskStatus
from .tick_stats import TickStat
from .users import ApiToken, Role, User, user_role

__all__ = [
    "ACTIVE_STATUSES",
    "CUSTOMER_STATUSES",
    "OPEN_IMPORT_STATUSES",
    "OPEN_TASK_STATES",
    "ApiToken",
    "Attachment",
    "AuditEvent",
    "ChatFormat",
    "ChatHook",
    "ChatKind",
    "Comment",
    "Contract",
    "Base",
    "Customer",
    "CustomerImport",
    "CustomerLink",
    "HumanTask",
    "ImportStatus",
    "InstanceStatus",
    "KpiTarget",
    "MediaType",
    "Notification",
    "NotificationChannel",
    "NotificationStatus",
    "ProcessCurrent",
    "ProcessDefinition",
    "ProcessDraft",
    "ProcessInstance",
    "ReminderMark",
    "Role",
    "SignInFailure",
    "Substitution",
    "TaskStatus",
    "TickStat",
    "User",
    "user_role",
]
