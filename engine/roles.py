"""The roles keyflow knows (the six BPMN lanes of domain.md plus two application roles) and
every set of roles that grants something.

The checks that use these sets on an object (who sees an instance, who may cancel it, who
handles incidents) are in engine/runtime/access.py; pages that need a role say which set
they need with `roles_required(*SET)`.
"""

from __future__ import annotations

from enum import StrEnum


class RoleName(StrEnum):
    """A role, stored by its value (table `role`, `human_task.role`, BPMN lane names)."""

    MARKETING_DIRECTOR = "marketing_director"
    DEPT_HEAD = "dept_head"
    SENIOR_MANAGER = "senior_manager"
    CLERK = "clerk"
    FINANCE = "finance"
    CUSTOMER = "customer"
    PROCESS_OWNER = "process_owner"
    ADMIN = "admin"


LANE_ROLES: tuple[RoleName, ...] = (
    RoleName.MARKETING_DIRECTOR,
    RoleName.DEPT_HEAD,
    RoleName.SENIOR_MANAGER,
    RoleName.CLERK,
    RoleName.FINANCE,
    RoleName.CUSTOMER,
)
APP_ROLES: tuple[RoleName, ...] = (RoleName.PROCESS_OWNER, RoleName.ADMIN)
ALL_ROLES: tuple[RoleName, ...] = LANE_ROLES + APP_ROLES

# The account owner keeps the later senior-manager tasks of an instance they started.
STICKY_ROLE = RoleName.SENIOR_MANAGER
# The customer has no login; its lane is reached through one-time links (issue on workers).
EXTERNAL_ROLE = RoleName.CUSTOMER

# --- who may do what ---------------------------------------------------------------------

# The department's leaders.
LEADER_ROLES = frozenset({RoleName.DEPT_HEAD, RoleName.MARKETING_DIRECTOR})
# See every instance: leaders the department's, process owners and admins all of them (one
# department per installation, so the same set today).
SEES_ALL_ROLES = LEADER_ROLES | {RoleName.PROCESS_OWNER, RoleName.ADMIN}
# See every customer of the register; a senior manager sees the accounts they own.
SEES_ALL_CUSTOMERS_ROLES = LEADER_ROLES | {RoleName.CLERK, RoleName.FINANCE, RoleName.ADMIN}
# Import customers from a spreadsheet: who writes key accounts into the register today (the
# clerk's filing task of the development process).
IMPORTS_CUSTOMERS_ROLES = frozenset({RoleName.CLERK})
# Start an instance on behalf of a senior manager (API start body "owner").
NAMES_OWNERS = LEADER_ROLES | {RoleName.ADMIN}
# Start any process, whatever its lanes.
STARTS_ANY_ROLES = frozenset({RoleName.ADMIN})
# Cancel any instance (its starter always may).
CANCELS_ANY_ROLES = frozenset({RoleName.DEPT_HEAD, RoleName.ADMIN})
# See, retry, migrate and cancel failed instances of any process.
INCIDENT_ROLES = frozenset({RoleName.PROCESS_OWNER, RoleName.ADMIN})
# Read the process variables no form defines (scripts' working data): who runs the system.
SEES_INTERNAL_DATA_ROLES = frozenset({RoleName.PROCESS_OWNER, RoleName.ADMIN})
# Read the department's indicators: who answers for its performance, and who runs the system.
KPI_ROLES = LEADER_ROLES | {RoleName.PROCESS_OWNER, RoleName.ADMIN}
# Read their own row of the indicators (engine/kpis/own.py): the senior managers.
KPI_OWN_ROW_ROLES = frozenset({RoleName.SENIOR_MANAGER})
# Record and void any customer's contracts (an account's owner always may).
CONTRACT_ROLES = frozenset({RoleName.CLERK})
# Set the indicators' targets: who answers for the department's performance.
KPI_TARGET_ROLES = LEADER_ROLES
# Deploy, edit and migrate processes.
PROCESS_OWNER_ROLES = frozenset({RoleName.PROCESS_OWNER})
# Users, roles, tokens, the mailbox and the outbox.
ADMIN_ROLES = frozenset({RoleName.ADMIN})
# Roles whose group may have a work-chat hook (engine/chat): the lanes people work in.
CHAT_HOOK_ROLES = frozenset(LANE_ROLES) - {EXTERNAL_ROLE}
# Set, change and remove a role's chat hook.
SETS_ROLE_HOOKS_ROLES = frozenset({RoleName.ADMIN})
