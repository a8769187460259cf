"""Python handlers behind BPMN service tasks (`spiffworkflow:serviceTaskOperator id="…"`).

Diagrams name these services; deployment refuses any other name (engine.deployment.checks).
Each handler gets a `ServiceContext` (the command's session, the instance, now, the actor),
the task's evaluated parameters and its data, and returns JSON-like data that becomes the
task's result variable.
"""

from .customers import VARIABLES, file_customer, set_customer
from .notify import notify_role
from .registry import (
    BoundServices,
    Service,
    ServiceContext,
    ServiceError,
    ServiceRegistry,
    UnknownService,
)

SERVICES = ServiceRegistry([
    Service("keyflow.set_customer", set_customer, required=("name",)),
    Service("keyflow.file_customer", file_customer, required=("status",),
            optional=tuple(VARIABLES)),
    Service("keyflow.notify_role", notify_role, required=("role", "subject", "body"),
            optional=("subject_en", "body_en")),
])

__all__ = [
    "SERVICES",
    "BoundServices",
    "Service",
    "ServiceContext",
    "ServiceError",
    "ServiceRegistry",
    "UnknownService",
]
