"""The roles keyflow knows: the six BPMN lanes of domain.md plus two application roles."""

from __future__ import annotations

LANE_ROLES: tuple[str, ...] = (
    "marketing_director",
    "dept_head",
    "senior_manager",
    "clerk",
    "finance",
    "customer",
)
APP_ROLES: tuple[str, ...] = ("process_owner", "admin")
ALL_ROLES: tuple[str, ...] = LANE_ROLES + APP_ROLES

# The account owner keeps the later senior-manager tasks of an instance they started.
STICKY_ROLE = "senior_manager"
# The customer has no login; its lane is reached through one-time links (issue on workers).
EXTERNAL_ROLE = "customer"
