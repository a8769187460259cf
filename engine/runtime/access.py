"""Who may see and act on what: one visibility rule, as a per-object check and as SQL.

Who sees an instance (and so its tasks, its data, history and diagram, and its place on a
customer's page):

- its owner (the senior manager who started it or was named at the start), its starter, and
  everyone who holds or held one of its tasks (the assignee, or who completed it);
- holders of the role of an open, unassigned task of it, while that task is open;
- leaders (`dept_head`, `marketing_director`): every instance of the department;
- `process_owner` and `admin`: every instance (incidents, version migration);
- everyone else (`senior_manager`, `finance`, `clerk`) only through the ties above: another
  senior manager's deal stays hidden although both hold the same role;
- someone standing in for a colleague sees what that colleague sees (`shared_views`): a
  substitute, on the days of their substitution (engine.runtime.substitutes), sees what the
  absent person sees, and may act on the tasks assigned to them (`can_act_on`). The days
  are read against the session's clock (engine.clock.session_now), which the web request
  and the engine's commands bind.

The rule exists twice, kept side by side here: `can_see_instance` / `can_see_task` for one
object, and `instances_visible` / `tasks_visible` / `open_tasks_visible` as SQL filters, so
lists never check row by row. The task filters test the row's own ties, then its instance
against `visible_instance_ids`: the instances the sight sees, one CTE made of a branch per tie
(assignee, completer, offered role, owner, starter), each read from an index that ends with
the instance id (migration 0029), computed once per statement and probed per row (a hashed
subplan on PostgreSQL), which keeps every inbox cheap at 100k tasks.
Invisible objects answer NotFound, never Forbidden: nobody learns that they exist.

A customer of the register is seen by leaders, the clerk, finance and admins; a senior
manager sees the accounts they own (`customers_visible`). The role sets are engine/roles.py's.

Seeing is not acting: a task is acted on by its assignee, or by holders of its role (a
claimed task then answers Conflict to everyone but its assignee).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    bindparam,
    exists,
    false,
    literal,
    literal_column,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from engine.clock import session_now
from engine.errors import Conflict, Forbidden, NotFound
from engine.models import (
    OPEN_TASK_STATES,
    Customer,
    HumanTask,
    ProcessDefinition,
    ProcessInstance,
    Substitution,
    User,
)
from engine.roles import (
    CANCELS_ANY_ROLES,
    INCIDENT_ROLES,
    SEES_ALL_CUSTOMERS_ROLES,
    SEES_ALL_ROLES,
    STARTS_ANY_ROLES,
)


@dataclass(frozen=True)
class Sight:
    """Whose eyes a user looks through: the user ids and roles of everyone whose view they
    share (themself, and the colleagues they stand in for today)."""

    user_ids: frozenset[int]
    roles: frozenset[str]

    @property
    def sees_all(self) -> bool:
        """Whether one of the shared views is a leader's, a process owner's or an admin's."""
        return bool(self.roles & SEES_ALL_ROLES)


STAND_INS = "keyflow.stand_ins"  # session.info: (transaction, {substitute id: windows})


def _stand_ins(session: Session, user_id: int, now: datetime
               ) -> list[tuple[datetime, datetime, int]]:
    """(starts_at, ends_at, absent id) of the substitutions `user_id` serves that were not
    over at the first check of the transaction: one indexed query per user and transaction
    (a page checks visibility several times); `forget_stand_ins` drops what was read."""
    transaction = session.get_transaction()
    held = session.info.get(STAND_INS)
    if held is None or held[0] is not transaction:
        held = (transaction, {})
        if transaction is not None:
            session.info[STAND_INS] = held
    windows: dict[int, list[tuple[datetime, datetime, int]]] = held[1]
    if user_id not in windows:
        windows[user_id] = list(session.execute(
            _STAND_INS, {"user_id": user_id, "now": now}).tuples())
    return windows[user_id]


# Built once: nearly every request asks it, and building it cost more than running it.
_STAND_INS = (select(Substitution.starts_at, Substitution.ends_at, Substitution.absent_id)
              .where(Substitution.substitute_id == bindparam("user_id"),
                     Substitution.ends_at > bindparam("now"))
              .order_by(Substitution.absent_id))


def plain_sight(user: User) -> Sight:
    """The sight of `user` standing in for nobody: what `sight_of` answers whenever
    STANDS_IN is false, known without a statement."""
    return Sight(frozenset((user.id,)), user.role_names)


# EXISTS: user `:stand_in_user` stands in for a colleague at `:stand_in_now` (a substitution
# under way). Where it is false, their sight is `plain_sight`: a list can ask it in its own
# statement instead of reading the substitutions first (engine.queries.inbox). It may say
# true where `sight_of` still finds nobody (an absent colleague since deactivated): the
# reader then asks `sight_of`, which decides.
STANDS_IN = exists().where(Substitution.substitute_id == bindparam("stand_in_user"),
                           Substitution.starts_at <= bindparam("stand_in_now"),
                           Substitution.ends_at > bindparam("stand_in_now"))


def forget_stand_ins(session: Session) -> None:
    """Drop the substitutions read in this transaction (after arranging or ending one)."""
    session.info.pop(STAND_INS, None)


def shared_views(session: Session, user: User) -> list[User]:
    """The users whose view `user` shares: themself, and the active colleagues whose
    substitute they are at the session's current time."""
    now = session_now(session)
    absent_ids = sorted({absent for starts, ends, absent in _stand_ins(session, user.id, now)
                         if starts <= now < ends})
    absent = [session.get(User, absent_id) for absent_id in absent_ids]
    return [user, *(a for a in absent if a is not None and a.active)]


def sight_of(session: Session, user: User) -> Sight:
    """The combined view of everyone in `shared_views` (for both checks and filters)."""
    people = shared_views(session, user)
    return Sight(frozenset(p.id for p in people),
                 frozenset(role for p in people for role in p.role_names))


def among(column: Any, values: frozenset[Any]) -> ColumnElement[bool]:
    """`column IN (values)` for a filter built once and kept (the sight's ids and roles):
    one plain bound parameter per value, `=` for a single one. SQLAlchemy's usual IN list
    (an "expanding" parameter) is rewritten into the SQL text at every execution, which cost
    the inbox more than running its statement."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return column == literal(ordered[0], column.type)
    return column.in_([literal(value, column.type) for value in ordered])


# The open states written into the SQL: fixed values, so the statement reads exactly as the
# open tasks' partial indexes are declared (engine.models.tasks.OPEN_ONLY). SQLite uses a
# partial index only for a query whose WHERE says what its predicate says: a bound
# parameter there leaves it scanning the whole table.
_OPEN_STATES: list[ColumnElement[Any]] = [literal_column(f"'{state.value}'")
                                          for state in OPEN_TASK_STATES]


def is_open(column: Any) -> ColumnElement[bool]:
    """`column IN ('ready', 'claimed')`: a task state column that says the task is open."""
    return column.in_(_OPEN_STATES)


def _task_ties(task: type[HumanTask], sight: Sight) -> ColumnElement[bool]:
    """A task row that makes its instance visible: held, done, or offered to the sight."""
    ids = sight.user_ids
    offered = (among(task.role, sight.roles) & task.assignee_id.is_(None)
               & is_open(task.state)) if sight.roles else false()
    return or_(among(task.assignee_id, ids), among(task.completed_by_id, ids), offered)


def _instance_ties(sight: Sight) -> ColumnElement[bool]:
    ids = sight.user_ids
    return or_(among(ProcessInstance.owner_id, ids), among(ProcessInstance.started_by_id, ids))


# One alias for every filter: making one per query costs more than running the query.
_OTHER_TASK = aliased(HumanTask)


# The filters are built once per sight (a few hundred at most: one per person and role set)
# and reused: SQL clauses are immutable, and building these costs more than running them.
@lru_cache(maxsize=1024)
def instances_visible(sight: Sight) -> ColumnElement[bool]:
    """A WHERE clause for queries over process_instance: the instances `sight` sees."""
    if sight.sees_all:
        return true()
    other = _OTHER_TASK
    return or_(_instance_ties(sight),
               ProcessInstance.id.in_(select(other.instance_id).where(_task_ties(other, sight))))


@lru_cache(maxsize=1024)
def visible_instance_ids(sight: Sight) -> CTE:
    """The ids of the instances `sight` sees, for a sight that does not see everything: the
    same set as `instances_visible`, read as one UNION ALL of a branch per tie, each from
    the index that carries both the tie and the instance id (the tasks' assignee, completer
    and offered role, the instances' owner and starter: migration 0029), so PostgreSQL reads
    each from its index alone. A CTE, so that a statement reading it twice (an inbox page's
    dated and undated stretches) computes it once; ids may repeat (IN does not mind)."""
    ids = sight.user_ids
    task = _OTHER_TASK
    branches = [
        select(task.instance_id.label("id")).where(among(task.assignee_id, ids)),
        select(task.instance_id).where(among(task.completed_by_id, ids)),
        select(ProcessInstance.id).where(among(ProcessInstance.owner_id, ids)),
        select(ProcessInstance.id).where(among(ProcessInstance.started_by_id, ids)),
    ]
    if sight.roles:
        branches.append(select(task.instance_id).where(
            among(task.role, sight.roles), task.assignee_id.is_(None), is_open(task.state)))
    return union_all(*branches).cte("visible_instance")


@lru_cache(maxsize=1024)
def tasks_visible(sight: Sight) -> ColumnElement[bool]:
    """A WHERE clause for queries over human_task: tasks of the instances `sight` sees.

    The row's own ties come first: a list whose rows are tied by themselves (mine, role, the
    badge counts) never reads the instance set, which PostgreSQL computes only when a row
    needs it (a hashed subplan)."""
    if sight.sees_all:
        return true()
    visible = visible_instance_ids(sight)
    return or_(_task_ties(HumanTask, sight),  # the row itself: cheapest, tried first
               HumanTask.instance_id.in_(select(visible.c.id)))


@lru_cache(maxsize=1024)
def open_tasks_visible(sight: Sight) -> ColumnElement[bool]:
    """`tasks_visible` for a walk over every open task (the inbox's `all`): the same rows,
    decided from the two columns that the index of open tasks in inbox order carries
    (assignee_id, instance_id), so that PostgreSQL walks that index alone. A task's own ties
    make its instance visible, so the instance set decides; the assignee test only spares
    the set's lookup for one's own tasks."""
    if sight.sees_all:
        return true()
    visible = visible_instance_ids(sight)
    return or_(among(HumanTask.assignee_id, sight.user_ids),
               HumanTask.instance_id.in_(select(visible.c.id)))


def _sees_instance(session: Session, sight: Sight, instance: ProcessInstance) -> bool:
    if sight.sees_all or instance.owner_id in sight.user_ids \
            or instance.started_by_id in sight.user_ids:
        return True
    found = session.scalar(select(HumanTask.id).where(
        HumanTask.instance_id == instance.id, _task_ties(HumanTask, sight)).limit(1))
    return found is not None


def plainly_sees(user: User, *ids: int | None) -> bool:
    """Whether `user` sees a record without asking whom they stand in for: it is theirs (one
    of `ids`: the task's assignee or completer, the instance's owner or starter), or they see
    everything. Saves the substitutes' lookup on the hot path; False decides nothing."""
    return user.id in ids or bool(user.role_names & SEES_ALL_ROLES)


def can_see_instance(session: Session, user: User, instance: ProcessInstance) -> bool:
    """Whether `user` sees `instance` (the rule in this module's docstring)."""
    if plainly_sees(user, instance.owner_id, instance.started_by_id):
        return True
    return _sees_instance(session, sight_of(session, user), instance)


def can_see_task(session: Session, user: User, task: HumanTask,
                 sight: Sight | None = None) -> bool:
    """A task is seen by whoever sees its instance."""
    sight = sight or sight_of(session, user)
    if sight.sees_all or task.assignee_id in sight.user_ids \
            or task.completed_by_id in sight.user_ids:
        return True
    instance = session.get(ProcessInstance, task.instance_id)
    return instance is not None and _sees_instance(session, sight, instance)


def can_act_on(user: User, task: HumanTask, sight: Sight | None = None) -> bool:
    """Its assignee and whoever stands in for them (given their `sight`), and holders of
    its role (who get a Conflict if someone else holds it)."""
    return (task.assignee_id == user.id or user.has_role(task.role)
            or (sight is not None and task.assignee_id in sight.user_ids))


def holds_for(user: User, task: HumanTask, sight: Sight) -> bool:
    """Whether `task` is assigned to `user` or to a colleague they stand in for."""
    return task.assignee_id is not None and (task.assignee_id == user.id
                                             or task.assignee_id in sight.user_ids)


def load_task(session: Session, task_id: int, user: User, *, for_action: bool) -> HumanTask:
    """The task `task_id` if `user` may see it (NotFound otherwise: no IDOR); with
    `for_action`, Forbidden when they see it but may not act on it."""
    task = session.scalars(
        select(HumanTask).where(HumanTask.id == task_id).execution_options(populate_existing=True)
    ).first()
    if task is None:
        raise NotFound(f"task {task_id} not found")
    return check_task(session, task, user, for_action=for_action)


def check_task(session: Session, task: HumanTask, user: User, *, for_action: bool
               ) -> HumanTask:
    """`task` if `user` may see it (NotFound otherwise); with `for_action`, Forbidden when
    they see it but may not act on it (the rule of `load_task`, for a task already read)."""
    task_id = task.id
    if task.assignee_id == user.id:
        return task  # one's own task: seen and workable, without looking up whom one stands in for
    sight = sight_of(session, user)
    if not can_see_task(session, user, task, sight):
        if for_action and was_offered_to(user, task):
            raise Conflict(f"task {task_id} was taken by someone else first",
                           {"task_id": task_id, "state": task.state})
        raise NotFound(f"task {task_id} not found")
    if for_action and not can_act_on(user, task, sight):
        raise Forbidden("this task is not yours or your role's to work on")
    return task


def was_offered_to(user: User, task: HumanTask) -> bool:
    """Whether `task` waited in the pool of one of `user`'s roles, so they knew of it and a
    colleague taking it first is a conflict (409), not a secret (404). A task assigned when it
    was created (an owner's sticky task) never waited in a pool: its claim time is its birth."""
    return user.has_role(task.role) and task.claimed_at != task.created_at


def can_cancel(user: User, instance: ProcessInstance) -> bool:
    """The starter, department heads and admins may cancel."""
    return may_cancel(user, instance.started_by_id)


def may_cancel(user: User, started_by_id: int | None) -> bool:
    """`can_cancel` of an instance started by `started_by_id` (read without the ORM)."""
    return started_by_id == user.id or bool(user.role_names & CANCELS_ANY_ROLES)


def may_handle_incidents(user: User) -> bool:
    """Process owners and admins see, retry, migrate and cancel failed instances of any process."""
    return bool(user.role_names & INCIDENT_ROLES)


def may_start(user: User, definition: ProcessDefinition) -> bool:
    """Anyone holding one of the process's lane roles (or admin) may start it."""
    return bool(user.role_names & (set(definition.lanes) | STARTS_ANY_ROLES))


def customers_visible(user: User) -> ColumnElement[bool]:
    """A WHERE clause over customer: the whole register for leaders, the clerk, finance and
    admins; the accounts a senior manager owns for everyone else."""
    if user.role_names & SEES_ALL_CUSTOMERS_ROLES:
        return true()
    return Customer.owner_id == user.id
