"""keyflow's tables, typed SQLAlchemy 2.0 (one module per area)."""

from .audit import AuditEvent
from .base import Base
from .contracts import Contract
from .customers import CUSTOMER_STATUSES, Customer
from .drafts import ProcessDraft
from .kpi_targets import KpiTarget
from .links import CustomerLink
from .outbox import Notification, NotificationStatus
from .processes import ACTIVE_STATUSES, InstanceStatus, ProcessDefinition, ProcessInstance
from .sign_in import SignInFailure
from .tasks import OPEN_TASK_STATES, HumanTask, TaskStatus
from .tick_stats import TickStat
from .users import ApiToken, Role, User, user_role

__all__ = [
    "ACTIVE_STATUSES",
    "CUSTOMER_STATUSES",
    "OPEN_TASK_STATES",
    "ApiToken",
    "AuditEvent",
    "Contract",
    "Base",
    "Customer",
    "CustomerLink",
    "HumanTask",
    "InstanceStatus",
    "KpiTarget",
    "Notification",
    "NotificationStatus",
    "ProcessDefinition",
    "ProcessDraft",
    "ProcessInstance",
    "Role",
    "SignInFailure",
    "TaskStatus",
    "TickStat",
    "User",
    "user_role",
]
