"""The inbox in keyset pages: every open task once, in inbox order, while tasks come and go
between pages; cursors this server did not make are refused (422), never a 500."""

from __future__ import annotations

import functools
import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, select

from engine.errors import InvalidData
from engine.models import HumanTask, ProcessInstance
from engine.queries.inbox import Position, _page_statement, inbox, inbox_counts
from engine.runtime.access import Sight
from engine.schema import upgrade

PAGE = 7
_ids = itertools.count(1)


@pytest.fixture
def instance_id(session, kf, users, deploy):
    """One approval instance to hang projection rows on (the inbox reads human_task only)."""
    deploy("approval")
    instance = kf.start_instance(session, "approval", users["senior_manager"])
    session.commit()
    return instance.id


def add_tasks(session, clock, instance_id, n, *, assignee=None, role="senior_manager",
              hours=None):
    """`n` open tasks: due times spread over overdue, later and none, with ties."""
    now = clock.now()
    made = []
    for k in range(n):
        slot = hours if hours is not None else [-5, -5, 3, 3, 3, 30, None][k % 7]
        task = HumanTask(spiff_task_id=f"page-{next(_ids)}", instance_id=instance_id,
                         process_key="approval", bpmn_id="submit", name=f"任务{k}",
                         name_en=f"Task {k}", role=role,
                         assignee_id=assignee.id if assignee else None,
                         state="claimed" if assignee else "ready", created_at=now,
                         claimed_at=now if assignee else None,
                         due_at=None if slot is None else now + timedelta(hours=slot))
        session.add(task)
        made.append(task)
    session.commit()
    return made


def order_key(task):
    return (task.due_at is None, task.due_at or 0, task.id)


def walk(session, user, now, scope, between=None, **filters):
    """Every page from the first, calling `between(page_number)` after each page."""
    seen, after, pages = [], None, 0
    while True:
        page = inbox(session, user, now, scope=scope, after=after, limit=PAGE, **filters)
        seen += [row.task for row in page.rows]
        pages += 1
        assert len(page.rows) <= PAGE
        if page.next is None:
            return seen, pages
        assert len(page.rows) == PAGE
        after = Position.parse(page.next)
        if between:
            between(pages)


@pytest.mark.parametrize("scope", ["mine", "role", "all"])
def test_walking_every_page_while_tasks_come_and_go(session, clock, users, instance_id,
                                                    scope):
    manager, head = users["senior_manager"], users["dept_head"]
    user = head if scope == "role" else manager
    earlier = set(session.scalars(select(HumanTask.id)))  # the instance's own first task
    mine = add_tasks(session, clock, instance_id, 24, assignee=manager)
    offered = add_tasks(session, clock, instance_id, 24, role="dept_head")
    tasks = offered if scope == "role" else mine + offered if scope == "all" else mine
    stable = {t.id for t in tasks}
    done: set[int] = set()
    shown: set[int] = set()
    added: list[HumanTask] = []

    def between(page_number):
        shown.update(row_ids)
        # complete one task already shown and one still ahead; add tasks due everywhere
        for task in (next(t for t in tasks if t.id in shown and t.id not in done),
                     next(t for t in reversed(tasks) if t.id not in shown | done)):
            task.state = "completed"
            done.add(task.id)
        session.commit()
        added.extend(add_tasks(session, clock, instance_id, 3,
                               assignee=None if scope == "role" else manager,
                               role="dept_head" if scope == "role" else "senior_manager",
                               hours=[-100, 1, 1000][page_number % 3]))

    row_ids: list[int] = []
    seen, after, pages = [], None, 0
    while True:
        page = inbox(session, user, clock.now(), scope=scope, after=after, limit=PAGE)
        row_ids = [row.task.id for row in page.rows]
        seen += [row.task for row in page.rows]
        pages += 1
        if page.next is None:
            break
        after = Position.parse(page.next)
        between(pages)
    ids = [t.id for t in seen]
    assert pages >= 4
    assert len(ids) == len(set(ids)), "a task was shown twice"
    assert stable - done <= set(ids), "a task open throughout was skipped"
    assert not (set(ids) - stable - earlier - {t.id for t in added}), "not of the scope"
    assert [order_key(t) for t in seen] == sorted(order_key(t) for t in seen)


def test_previous_pages_mirror_the_next_ones(session, clock, users, instance_id):
    manager = users["senior_manager"]
    add_tasks(session, clock, instance_id, 30, assignee=manager)
    now = clock.now()
    forward, after = [], None
    while True:
        page = inbox(session, manager, now, after=after, limit=PAGE)
        forward.append([r.task.id for r in page.rows])
        if page.next is None:
            break
        assert page.previous is None if after is None else page.previous
        after = Position.parse(page.next)
    assert [len(p) for p in forward] == [7, 7, 7, 7, 3]
    backward, before = [forward[-1]], Position.parse(page.previous)
    while True:
        page = inbox(session, manager, now, before=before, limit=PAGE)
        backward.append([r.task.id for r in page.rows])
        if page.previous is None:
            break
        before = Position.parse(page.previous)
    assert backward[::-1] == forward


def test_overdue_and_search_page_too(session, clock, users, instance_id):
    manager = users["senior_manager"]
    add_tasks(session, clock, instance_id, 20, assignee=manager, hours=-2)
    add_tasks(session, clock, instance_id, 20, assignee=manager, hours=5)
    late, _ = walk(session, manager, clock.now(), "mine", overdue=True)
    assert len(late) == 20 and all(t.due_at < clock.now() for t in late)
    found, _ = walk(session, manager, clock.now(), "mine", q="任务1")  # 任务1, 任务10…任务19
    names = ["任务1", *(f"任务{k}" for k in range(10, 20))]
    assert sorted(t.name for t in found) == sorted(names * 2)
    for scope in ("mine", "all"):  # no overdue task follows one without a due time
        assert inbox(session, manager, clock.now(), scope=scope, overdue=True,
                     after=Position(None, 1)).rows == []
        back = inbox(session, manager, clock.now(), scope=scope, overdue=True, limit=PAGE,
                     before=Position(None, 1))
        assert [r.task for r in back.rows] == late[-PAGE:]


def test_counts_in_one_query(session, clock, users, instance_id):
    manager, head = users["senior_manager"], users["dept_head"]
    before = inbox_counts(session, manager, clock.now())  # the instance's own first task
    add_tasks(session, clock, instance_id, 5, assignee=manager, hours=-1)
    add_tasks(session, clock, instance_id, 3, assignee=manager, hours=4)
    add_tasks(session, clock, instance_id, 4, role="dept_head", hours=-1)
    add_tasks(session, clock, instance_id, 2, role="dept_head", hours=30)
    mine = inbox_counts(session, manager, clock.now())
    assert mine == {"mine": before["mine"] + 8, "mine_overdue": before["mine_overdue"] + 5,
                    "role": 0, "role_overdue": 0}
    assert inbox_counts(session, head, clock.now()) == {
        "mine": 0, "mine_overdue": 0, "role": 6, "role_overdue": 4}
    assert inbox_counts(session, users["nobody"], clock.now()) == {
        "mine": 0, "mine_overdue": 0, "role": 0, "role_overdue": 0}


@pytest.mark.parametrize("cursor", [
    "", "x", "!!!", "MS4tLjA", "Mi4tLjU", "MS4tLi01", "MS5hYmMuNQ",
    "MS45OTk5OTk5OTk5OTk5OTk5OTkuNQ", "MS4tLjk5OTk5OTk5OTk5OTk5OTk5OTk5OTk", "wqM",
    "MS4xMjMuNS42"])
def test_a_cursor_this_server_did_not_make_is_invalid_data(cursor):
    with pytest.raises(InvalidData) as caught:
        Position.parse(cursor, "after")
    assert caught.value.details == {"after": "invalid cursor"}


def test_a_cursor_round_trips(clock):
    for position in (Position(None, 5), Position(clock.now(), 2**40),
                     Position(clock.now() - timedelta(days=20000), 1)):
        assert Position.parse(position.cursor()) == position


# Only one person's own tasks are read in one merge (`merged`).
@pytest.mark.parametrize("scope, index, merged", [
    ("mine", "ix_human_task_open_assignee", False), ("role", "ix_human_task_open_role", False),
    ("mine", "ix_human_task_open_assignee", True)])
def test_sqlite_walks_the_scopes_partial_index(scope, index, merged):
    """The open states are written into the statement, as the partial indexes declare them:
    SQLite uses a partial index only when the query says what its predicate says (a bound
    parameter never does), and otherwise scans every task of the table for a page."""
    steps = _sqlite_plan(scope, (False, False, False), None, False, True, merged)
    assert any(index in step for step in steps), steps
    assert not any(step.startswith("SCAN human_task") for step in steps), steps


# Every filter, position and direction, but overdue forward from an undated task: no overdue
# task follows an undated one, so that page reads no task at all.
_PAGES = [(filters, position, backward)
          for filters in [(False, False, False), (True, False, False), (True, True, False)]
          for position, backward in [(None, False), (None, True), ("dated", False),
                                     ("dated", True), ("undated", False), ("undated", True)]
          if not (filters[1] and position == "undated" and not backward)]


@pytest.mark.parametrize("filters, position, backward", _PAGES)
@pytest.mark.parametrize("probe", [True, False])
def test_sqlite_reads_ones_own_tasks_without_temporary_tables(filters, position, backward,
                                                              probe):
    """On SQLite a page of one person's own tasks is one merge of walks of the partial
    index, in its order: no temporary b-tree (a subquery materialized, an ORDER BY sorted),
    each of which cost more than the rest of the statement."""
    steps = _sqlite_plan("mine", filters, position, backward, probe, True)
    assert any("ix_human_task_open_assignee" in step for step in steps), steps
    assert not any("TEMP B-TREE" in step or "MATERIALIZE" in step for step in steps), steps
    assert not any(step.startswith("SCAN human_task") for step in steps), steps


@functools.cache
def _migrated_sqlite():
    """An empty SQLite database built as keyflow builds one (its migrations, in their order).

    Where two indexes cost the same to SQLite's planner, it takes the one listed first, and
    create_all lists a table's indexes in set order (PYTHONHASHSEED): with it, the plan of
    one statement changed from run to run."""
    engine = create_engine("sqlite://")
    upgrade(engine)
    return engine


def _sqlite_plan(scope, filters, position, backward, probe, merged):
    """SQLite's query plan of a page's statement, its steps as text."""
    engine = _migrated_sqlite()
    sight = Sight(frozenset({1}), frozenset({"senior_manager"}))
    query = _page_statement(scope, 1, sight.roles, sight, filters, position, backward,
                            PAGE + 1, probe, merged).statement
    compiled = query.compile(engine)
    now = datetime.now(UTC)
    params = compiled.construct_params({
        "stand_in_user": 1, "stand_in_now": now, "process": "approval", "now": now,
        "pattern": "%a%", "due": now, "after": 5})
    with engine.connect() as connection:
        plan = connection.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {compiled}",
            tuple(compiled.dialect.execute_sequence_format(
                [_bound(params[name]) for name in compiled.positiontup or []]))).all()
    return [str(row[-1]) for row in plan]


def _bound(value):
    return value.replace(tzinfo=None) if isinstance(value, datetime) else value


@pytest.mark.parametrize("n", [PAGE - 2, PAGE - 1, PAGE, 2 * PAGE + 3])
def test_a_page_of_ones_own_tasks_shows_them_all_in_order(session, clock, users, instance_id,
                                                          n):
    """The first page and the one before a cursor, rows as shown (names, customer, holder),
    and `next` exactly when more follow: the instance's own task and `n` more."""
    manager = users["senior_manager"]
    add_tasks(session, clock, instance_id, n, assignee=manager)
    held = sorted(session.scalars(select(HumanTask).where(
        HumanTask.assignee_id == manager.id, HumanTask.state.in_(("ready", "claimed")))),
        key=order_key)
    instance = session.get(ProcessInstance, instance_id)
    page = inbox(session, manager, clock.now(), limit=PAGE)
    assert [r.task.id for r in page.rows] == [t.id for t in held[:PAGE]]
    assert (page.next is None) == (len(held) <= PAGE)
    for row, task in zip(page.rows, held, strict=False):
        assert (row.process_name, row.process_name_en, row.business_key) == (
            instance.definition.name, instance.definition.name_en, instance.business_key)
        assert (row.task.due_at, row.task.name, row.task.assignee_name, row.task.notices) == (
            task.due_at, task.name, manager.username, task.notices)
    if page.next is not None:
        back = inbox(session, manager, clock.now(), limit=PAGE,
                     before=Position.parse(inbox(session, manager, clock.now(), limit=PAGE,
                                                 after=Position.parse(page.next)).previous))
        assert [r.task.id for r in back.rows] == [r.task.id for r in page.rows]


def test_standing_in_for_a_colleague_since_deactivated_shows_ones_own_tasks(
        session, kf, clock, users, instance_id):
    """The substitution is under way, but its absent colleague left: the page is read again
    with the sight `sight_of` decides on, the substitute's own."""
    manager, sub = users["senior_manager"], users["sm2"]
    own = add_tasks(session, clock, instance_id, 3, assignee=sub)
    add_tasks(session, clock, instance_id, 2, assignee=manager)
    today = clock.now().astimezone(ZoneInfo("Asia/Shanghai")).date()
    kf.set_substitute(session, manager, substitute="sm2", starts_on=today, ends_on=today,
                      tz=ZoneInfo("Asia/Shanghai"))
    manager.active = False
    session.commit()
    page = inbox(session, sub, clock.now(), limit=PAGE)
    assert [r.task.id for r in page.rows] == [t.id for t in sorted(own, key=order_key)]
