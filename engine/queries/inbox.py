"""The inboxes at scale: keyset pages of open tasks, the badge counts in one query, and the
process filter's choices (human_task only: invariant 4).

Order: due time ascending, undated tasks last, then id. Overdue tasks are exactly those due
before now, so "overdue first, then by due time" is this same order, and it does not depend
on the moment a page is asked for: a page's position is the (due_at, id) of its last row
(`Position`, sent as an opaque cursor). The next page is read from that position on, so tasks
added or completed between pages shift nothing: no task of the list is shown twice or
skipped (a task added before the position shows on a fresh first page).

Each scope has a partial index over open tasks in this order (migration 0010): `mine`
(assignee_id, due_at, id), `role` (role, due_at, id) of unassigned ones, `all` and the
reminders (due_at, id). `all` keeps the tasks of the instances the user sees, decided from
(assignee_id, instance_id), which its index carries after the order (migration 0029), and
the set of those instances, read once per page from indexes alone (for a senior manager,
who sees a fiftieth of the tasks, a page walks a few thousand index entries and, once
vacuumed, no table row). PostgreSQL walks the index in order, stops after a page; a position is
matched with a row comparison `(due_at, id) > (d, i)` that seeks into the index, and the
undated tail (NULL due times, which no comparison matches) is a second limited read in the
same statement (UNION ALL), so a page is always one statement. On SQLite a page of one
person's own tasks is read in a form of its own (`_merged_select`): the same rows, without
the temporary b-trees SQLite builds for the subqueries and sorts of the general form.

Text search (`q`) is a substring match (LIKE, escaped) over the task's names, the customer,
the process key and names and the business key, applied while walking the scope in order:
its cost is bounded by the size of the scope, not of the table, which keeps one- and
two-character Chinese searches (where trigram indexes find nothing to use) under the target
for every scope but an admin's `all` over a very large table (measured: bench/inbox.py).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    CompoundSelect,
    Select,
    String,
    and_,
    bindparam,
    false,
    func,
    null,
    or_,
    select,
    true,
    tuple_,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session

from engine.clock import session_now
from engine.errors import InvalidData
from engine.models import (
    HumanTask,
    ProcessDefinition,
    ProcessInstance,
    User,
)
from engine.runtime.access import (
    STANDS_IN,
    Sight,
    among,
    is_open,
    open_tasks_visible,
    plain_sight,
    sight_of,
    tasks_visible,
)

from .read_statements import ReadStatement
from .task_records import ASSIGNEE, TASK, TASK_COLUMNS, Reads, TaskRecord, orm, reading

INBOX_SCOPES = ("mine", "role", "all")
PAGE_SIZE = 50
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class Position:
    """Where a page ends (or starts): the (due_at, id) of a row in inbox order."""

    due_at: datetime | None
    id: int

    def cursor(self) -> str:
        """The position as an opaque URL-safe token."""
        due = "-" if self.due_at is None else str((self.due_at - EPOCH) // timedelta(
            microseconds=1))
        raw = f"1.{due}.{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def parse(cls, cursor: str, field: str = "cursor") -> Position:
        """A cursor back into a position; InvalidData (422) for anything it did not make."""
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
            version, due, ident = raw.split(".")
            if version != "1" or not ident.isdigit() or not 0 < int(ident) <= _MAX_ID:
                raise ValueError(raw)
            due_at = None if due == "-" else EPOCH + timedelta(microseconds=int(due))
        except (ValueError, UnicodeDecodeError, binascii.Error, OverflowError) as err:
            raise InvalidData("the page cursor is not one this server made",
                              {field: "invalid cursor"}) from err
        return cls(due_at, int(ident))

    @classmethod
    def of(cls, task: HumanTask | TaskRecord) -> Position:
        """The position of a task."""
        return cls(task.due_at, task.id)


@dataclass
class InboxRow:
    """One open task with what its inbox row shows: process names and the customer."""

    task: TaskRecord
    process_name: str
    process_name_en: str
    business_key: str | None


@dataclass
class InboxPage:
    """One page of an inbox; `next` / `previous` are cursors, None at either end."""

    rows: list[InboxRow]
    next: str | None
    previous: str | None


def _held(user: User, sight: Sight | None) -> ColumnElement[bool]:
    """Tasks assigned to `user` or, today, to a colleague they stand in for (`sight`)."""
    return among(HumanTask.assignee_id, sight.user_ids if sight is not None
                 else frozenset((user.id,)))


def scope_filter(user: User, scope: str, sight: Sight | None = None) -> ColumnElement[bool]:
    """The open tasks of `scope` for `user` (before the visibility rule); `mine` includes
    the tasks of colleagues the user stands in for when their `sight` is given."""
    return _scope_filter(scope, user.id, frozenset(user.role_names), sight)


def _scope_filter(scope: str, user_id: int, roles: frozenset[str], sight: Sight | None
                  ) -> ColumnElement[bool]:
    open_ = is_open(HumanTask.state)
    if scope == "mine":
        ids = sight.user_ids if sight is not None else frozenset((user_id,))
        return and_(open_, among(HumanTask.assignee_id, ids))
    if scope == "role":
        if not roles:
            return false()
        return and_(open_, HumanTask.assignee_id.is_(None), among(HumanTask.role, roles))
    if scope == "all":
        return open_
    raise ValueError(f"unknown scope {scope!r}")


def _rule_for(scope: str, sight: Sight, rule: Any = tasks_visible) -> ColumnElement[bool]:
    """The visibility rule (engine.runtime.access) as `scope` needs it besides its filter.

    `mine` and `role` lie inside the rule by its own terms: a task held by the sight, or open,
    unassigned and in one of the user's roles (all of them the sight's), is one of the rule's
    own ties (access._task_ties), so it adds nothing there and is left out. Written out, it
    cost SQLite the sight's whole set of visible instances, built for every page although no
    row needed it (tests/engine/test_inbox_visibility.py holds each scope to the rule).
    `all` keeps the tasks of the instances the sight sees (`rule`).
    """
    return rule(sight) if scope == "all" else true()


def _visible(session: Session, user: User, scope: str) -> ColumnElement[bool]:
    """`scope`, always within what the user may see (engine.runtime.access): `all` walks
    every open task in order and keeps those of the instances the user sees
    (`open_tasks_visible`: from the walked index's own columns and the instance set, read
    once per statement)."""
    sight = sight_of(session, user)
    return and_(scope_filter(user, scope, sight), _rule_for(scope, sight, open_tasks_visible))


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def _filtered(query: Select[Any], process: bool, overdue: bool, searching: bool
              ) -> Select[Any]:
    """The filters, on human_task alone: the process names are matched through the (small)
    definition table, the business key by its instance's primary key, row by row, so that the
    scope's index still gives the order and nothing scans every instance. Their values are
    the parameters `process`, `now` and `pattern` (`_params`)."""
    if process:
        query = query.where(HumanTask.process_key == bindparam("process"))
    if overdue:
        query = query.where(HumanTask.due_at < bindparam("now"))
    if searching:
        pattern = bindparam("pattern", type_=String())

        def like(column: Any) -> ColumnElement[bool]:
            return func.lower(column).like(pattern, escape="\\")

        named = select(ProcessDefinition.key).where(
            or_(like(ProcessDefinition.name), like(ProcessDefinition.name_en)))
        # A scalar subquery, not EXISTS: PostgreSQL would turn an EXISTS into one hashed
        # scan of every instance; this is one primary-key probe per row walked.
        business_key = select(ProcessInstance.business_key).where(
            ProcessInstance.id == HumanTask.instance_id).correlate(HumanTask).scalar_subquery()
        query = query.where(or_(like(HumanTask.name), like(HumanTask.name_en),
                                like(HumanTask.customer_name), like(HumanTask.process_key),
                                HumanTask.process_key.in_(named), like(business_key)))
    return query


def _segments(position: str | None, backward: bool) -> list[tuple[Any, list[Any], bool]]:
    """(where, order by, dated) of the stretches to read, in inbox order from a position on
    (or back from it): the dated tasks, then the undated ones. `position` is the kind of
    position (None, "undated", "dated"); its values are the parameters `due` and `after`."""
    due, ident = HumanTask.due_at, HumanTask.id
    dated_order: list[Any] = [due.desc(), ident.desc()] if backward else [due.asc(), ident.asc()]
    # The undated stretch is ordered by due_at too (all NULL there): the same order as the
    # scope's index, which PostgreSQL then walks instead of scanning by id with a filter.
    undated_order = dated_order
    dated = (due.is_not(None), dated_order, True)
    undated = (due.is_(None), undated_order, False)
    if position is None:
        return [undated, dated] if backward else [dated, undated]
    after = bindparam("after", type_=ident.type)
    if position == "undated":
        after_id = ident < after if backward else ident > after
        tail = (and_(due.is_(None), after_id), undated_order, False)
        return [tail, dated] if backward else [tail]
    key = tuple_(due, ident)
    point = tuple_(bindparam("due", type_=due.type), after)
    if backward:
        return [(and_(due.is_not(None), key < point), dated_order, True)]
    return [(and_(due.is_not(None), key > point), dated_order, True), undated]


_INSTANCE = ProcessInstance.__table__
_DEFINITION = ProcessDefinition.__table__


# A page's statement is built once per person, scope, filters used and kind of position,
# and kept with its compiled form (ReadStatement): building one cost more than running it,
# and so did finding its compiled form again by its cache key, a deep tuple hashed anew on
# every execution. The values (the process, now, the search pattern, the position) are
# parameters.
@lru_cache(maxsize=1024)
def _page_statement(scope: str, user_id: int, roles: frozenset[str], sight: Sight,
                    filters: tuple[bool, bool, bool], position: str | None, backward: bool,
                    wanted: int, probe: bool, merged: bool = False) -> ReadStatement:
    """`_page_select` (`_merged_select` when `merged`), compiled once per dialect."""
    build = _merged_select if merged else _page_select
    return ReadStatement(build(scope, user_id, roles, sight, filters, position, backward,
                               wanted, probe))


def _merges(dialect: str, scope: str, sight: Sight) -> bool:
    """Whether a page is read as `_merged_select`: on SQLite, one person's own tasks."""
    return dialect == "sqlite" and scope == "mine" and len(sight.user_ids) == 1


def _page_select(scope: str, user_id: int, roles: frozenset[str], sight: Sight,
                 filters: tuple[bool, bool, bool], position: str | None, backward: bool,
                 wanted: int, probe: bool) -> Select[Any]:
    """Up to `wanted` rows from a position on (or back from it), in one statement: each
    segment's ids from human_task alone in its index order (UNION ALL of limited reads),
    then the columns a row shows joined to those ids only (Core: `TaskRecord`s, no ORM).

    With `probe`, the statement also says whether the user stands in for a colleague now
    (access.STANDS_IN, first column, one row even for an empty page): `sight` is then their
    plain sight, which is right exactly when the answer is no."""
    visible = and_(_scope_filter(scope, user_id, roles, sight), _rule_for(scope, sight))
    base = _filtered(select(HumanTask.id).where(visible), *filters)
    parts = [base.where(where).order_by(*order).limit(wanted).subquery()
             for where, order, _ in _segments(position, backward)]
    segments = [select(part.c.id) for part in parts]
    ids = union_all(*segments).subquery() if len(segments) > 1 else segments[0].subquery()
    task = TASK.c
    page = (
        select(*TASK_COLUMNS, ASSIGNEE.c.username, _DEFINITION.c.name.label("process_name"),
               _DEFINITION.c.name_en.label("process_name_en"), _INSTANCE.c.business_key)
        .join(ids, ids.c.id == task.id)
        .join(_INSTANCE, _INSTANCE.c.id == task.instance_id)
        .join(_DEFINITION, _DEFINITION.c.id == _INSTANCE.c.definition_id)
        .outerjoin(ASSIGNEE, ASSIGNEE.c.id == task.assignee_id)
    )
    if not probe:
        return page.order_by(*_order(task.due_at, task.id, backward)).limit(wanted)
    rows = page.order_by(*_order(task.due_at, task.id, backward)).limit(wanted).subquery("page")
    asked = select(STANDS_IN.label("stands_in")).subquery("asked")
    return (select(asked.c.stands_in, *(rows.c[c.name] for c in page.selected_columns))
            .select_from(asked.outerjoin(rows, true()))
            .order_by(*_order(rows.c.due_at, rows.c.id, backward)))


def _merged_select(scope: str, user_id: int, roles: frozenset[str], sight: Sight,
                   filters: tuple[bool, bool, bool], position: str | None, backward: bool,
                   wanted: int, probe: bool) -> CompoundSelect | Select[Any]:
    """`_page_select`'s rows, as SQLite reads one person's own tasks (`_merges`): each
    segment's rows joined to what they show, merged in inbox order (UNION ALL with ORDER BY
    and LIMIT), each segment walked in the order of the partial index (assignee_id, due_at,
    id).

    SQLite builds a temporary b-tree (a pager and a table of its own) for every subquery it
    materializes and every ORDER BY no index gives it: `_page_select` took four of them, six
    with the probe, and they cost more than all the rest (a page of one task: ~230,000
    instructions in SQLite and its driver, ~95,000 read this way). Here each segment is an
    equality on assignee_id and a range of the index, so SQLite merges the walks with none,
    joins only the rows it keeps and stops after a page (tests/engine/test_inbox_pages.py
    holds the plan to that). Overdue tasks all have a due time: the undated stretch is left
    out then, as SQLite cannot tell that it is empty.

    The probe is one more row (`stands_in`, the rest NULL), first because its assignee_id is
    NULL (NULLs sort first in SQLite; the page's rows all have one): LIMIT `wanted` + 1. The
    rows have `_page_select`'s columns, `stands_in` first (NULL but in the probe's row).
    """
    visible = _scope_filter(scope, user_id, roles, sight)
    task = TASK.c
    # each named (AS) in the statement: SQLite finds a compound's ORDER BY terms by name
    columns = [column.label(column.name) for column in (
        *TASK_COLUMNS, ASSIGNEE.c.username, _DEFINITION.c.name.label("process_name"),
        _DEFINITION.c.name_en.label("process_name_en"), _INSTANCE.c.business_key)]
    shown = (TASK.join(_INSTANCE, _INSTANCE.c.id == task.instance_id)
             .join(_DEFINITION, _DEFINITION.c.id == _INSTANCE.c.definition_id)
             .outerjoin(ASSIGNEE, ASSIGNEE.c.id == task.assignee_id))
    segments = _segments(position, backward)
    if filters[1]:
        segments = [segment for segment in segments if segment[2]]
    lead = (type_coerce(null(), Boolean).label("stands_in"),) if probe else ()
    arms = [_filtered(select(*lead, *columns).select_from(shown).where(visible, where),
                      *filters) for where, _, _ in segments]
    if probe:
        arms.append(select(STANDS_IN.label("stands_in"), *(null() for _ in columns)))
    if not arms:  # overdue, from a position among the undated tasks: none follow
        return select(*columns).select_from(shown).where(false())
    if len(arms) == 1:  # one segment in its own order, the index's (or the probe alone)
        return arms[0].order_by(*(segments[0][1] if segments else ())).limit(wanted)
    merged = union_all(*arms)
    row = merged.selected_columns
    first = [row.assignee_id] if probe else []
    return (merged.order_by(*first, *_order(row.due_at, row.id, backward))
            .limit(wanted + 1 if probe else wanted))


def _order(due: Any, ident: Any, backward: bool) -> list[Any]:
    """Inbox order (or its reverse) over a due time and an id column."""
    return [due.desc().nulls_first(), ident.desc()] if backward \
        else [due.asc().nulls_last(), ident.asc()]


@dataclass
class _Ask:
    """What one inbox call asks for, apart from where its page starts; `sight` is learnt
    with its first page (None until then)."""

    scope: str
    user: User
    now: datetime
    process: str | None
    overdue: bool
    q: str | None
    sight: Sight | None = None

    def read(self, session: Reads, position: Position | None, backward: bool,
             wanted: int) -> list[InboxRow]:
        """Up to `wanted` rows from `position` on (or back from it). The first read also
        learns the user's sight in its own statement (`_page_statement`'s probe): only
        someone standing in for a colleague today costs a statement more, or two."""
        searching = bool(self.q and self.q.strip())
        kind = None if position is None else "undated" if position.due_at is None \
            else "dated"
        params: dict[str, Any] = {"process": self.process, "now": self.now}
        if searching:
            params["pattern"] = _like((self.q or "").strip()[:100])
        if position is not None:
            params.update(due=position.due_at, after=position.id)
        roles = self.user.role_names
        shape = ((bool(self.process), self.overdue, searching), kind, backward, wanted)
        connection = reading(session)
        dialect = connection.dialect.name
        if self.sight is None:
            plain = plain_sight(self.user)
            params.update(stand_in_user=self.user.id, stand_in_now=session_now(session))
            found = _page_statement(self.scope, self.user.id, roles, plain, *shape, True,
                                    _merges(dialect, self.scope, plain)).rows(
                connection, params)
            self.sight = plain
            if found and found[0][0]:
                self.sight = sight_of(orm(session), self.user)
            if self.sight == plain:
                return [_row(r, 1) for r in found if r[1] is not None]
        query = _page_statement(self.scope, self.user.id, roles, self.sight, *shape, False,
                                _merges(dialect, self.scope, self.sight))
        return [_row(r, 0) for r in query.rows(connection, params)]


def _row(row: Any, start: int) -> InboxRow:
    """An inbox row of a statement's row whose task columns begin at `start`."""
    end = start + len(TASK_COLUMNS) + 1
    return InboxRow(TaskRecord.of(row, start), row[end], row[end + 1], row[end + 2])


def inbox(session: Reads, user: User, now: datetime, *, scope: str = "mine",
          process: str | None = None, overdue: bool = False, q: str | None = None,
          after: Position | None = None, before: Position | None = None,
          limit: int = PAGE_SIZE) -> InboxPage:
    """One page of open tasks in `scope`, overdue first, then by due time.

    `after` (the position of the previous page's `next`) reads forward, `before` (of a
    page's `previous`) reads the page that precedes it, or the first page when nothing
    precedes it any more. Filters: process key, overdue, text `q`. One statement, the
    user's sight included, unless they stand in for someone today (engine.runtime.access).
    """
    if scope not in INBOX_SCOPES:
        raise ValueError(f"unknown scope {scope!r}")
    ask = _Ask(scope, user, now, process, overdue, q)
    if before is not None:
        found = ask.read(session, before, True, limit + 1)
        if len(found) > limit:
            rows = found[:limit][::-1]
            return InboxPage(rows, Position.of(rows[-1].task).cursor(),
                             Position.of(rows[0].task).cursor())
        after = None  # nothing further back: the first page
    found = ask.read(session, after, False, limit + 1)
    rows = found[:limit]
    more = len(found) > limit
    return InboxPage(rows, Position.of(rows[-1].task).cursor() if more else None,
                     Position.of(rows[0].task).cursor() if after and rows else None)


def inbox_counts(session: Session, user: User, now: datetime) -> dict[str, int]:
    """How many open tasks are mine, offered to my roles, and overdue among those: one query
    over the two scopes' indexes."""
    sight = sight_of(session, user)
    mine = _held(user, sight)
    roles = user.role_names
    offered = and_(HumanTask.assignee_id.is_(None), among(HumanTask.role, roles)) if roles \
        else false()
    late = HumanTask.due_at < now
    query = (select(func.count().filter(mine), func.count().filter(and_(mine, late)),
                    func.count().filter(offered), func.count().filter(and_(offered, late)))
             .where(is_open(HumanTask.state), or_(mine, offered)))  # both the rule's own ties
    row = session.execute(query).one()
    return {"mine": int(row[0] or 0), "mine_overdue": int(row[1] or 0),
            "role": int(row[2] or 0), "role_overdue": int(row[3] or 0)}


def inbox_processes(session: Session, user: User, scope: str = "all") -> list[str]:
    """Process keys that have open tasks the user can see in `scope` (the process filter)."""
    query = select(HumanTask.process_key).distinct().where(_visible(session, user, scope))
    return sorted(session.scalars(query))
