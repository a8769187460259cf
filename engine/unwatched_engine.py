"""Connections for readings that nobody watches: SQLAlchemy's event dispatch left out.

A reading request (engine.db.Reading) checks a connection out, begins, reads and rolls
back. SQLAlchemy dispatches a connection's events whenever its engine has any
ConnectionEvents listener, and on SQLite keyflow's own `begin` hook (engine.db) is one:
each connection then joins its listener collections with its engine's (and the read
engine's with the engine's) and calls engine_connect, begin, rollback and every
statement's events through them. For a one-statement read that cost more than the
statement: opening, beginning and closing a reading took ~200k instructions (callgrind,
SQLite), of which the pool checkout, BEGIN, ROLLBACK and return ~70k; without the
dispatch (this check included) it takes ~115k.

`unwatched_twin(engine)` answers whether a reading on `engine` may skip that: only when
no listener at all is registered for any connection event, on the engine, the read
engine or their classes, besides keyflow's own `begin` hook. The reading then connects
through the read engine's twin (`UnwatchedEngine`: the same pool, dialect and execution
options, so pool events such as PostgreSQL's idle ping still run), its Connection made
without joining any dispatch, and calls the `begin` hook itself. Anything else
listening, a statement counter in the tests or bench.sql_counts, instrumentation, sends
readings the usual way, where it sees every event and statement. The dialect's events
(handle_error, do_execute) and the pool's do not depend on a connection's dispatch and
are heard either way.

The check is cheap because it is done in full once per state of the listeners: SQLAlchemy
replaces an event's empty collection with a new one when a listener is added, and a
collection only grows by adding; so the same collections holding as many listeners as at
the last full check mean nothing was added since. A class-level listener marks its class
for good (`_has_events`). Approximate: a listener added while a reading is open sees that
reading's events only from the next reading on.

This leans on SQLAlchemy 2.0's event internals (listener collections per event with
`listeners`, `Connection(engine, _has_events=False)`, OptionEngine); the tests in
tests/engine/test_db_unwatched_reading.py fail if any of it changes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from operator import attrgetter
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine
from sqlalchemy.engine.base import OptionEngine, OptionEngineMixin

# Every ConnectionEvents event, and a getter of an engine's listener collections for them.
_EVENT_NAMES: tuple[str, ...] = tuple(Engine.dispatch._event_names)
_collections = attrgetter(*_EVENT_NAMES)
# A collection's own listeners: a constant empty tuple until an event is first listened
# to, then a deque that listeners are added to and removed from.
_own_listeners = attrgetter("listeners")

BeginHook = Callable[[Connection], None]


class UnwatchedEngine(OptionEngine):
    """A read engine's twin whose connections dispatch no events (see the module)."""

    _has_events = False  # SQLAlchemy's per-engine "dispatch events" flag, never set here


@dataclass(frozen=True, slots=True)
class Twin:
    """An engine's twin, and the state of the listeners when nobody but keyflow listened."""

    engine: UnwatchedEngine
    begin_hooks: tuple[BeginHook, ...]  # keyflow's own, for the reading to call itself
    options: Mapping[str, Any]  # the read engine's execution options then
    collections: tuple[Any, ...]  # the base engine's listener collections then
    growing: tuple[Any, ...]  # those of them that take listeners in place
    listening: int  # how many listeners these held then (keyflow's own)

    def unchanged(self, options: Mapping[str, Any], collections: tuple[Any, ...]) -> bool:
        """Whether the engine still has these options and collections, holding as many
        listeners (none can have been added since: see the module)."""
        return (options is self.options and collections == self.collections
                and sum(map(len, map(_own_listeners, self.growing))) == self.listening)


_twins: WeakKeyDictionary[Engine, Twin] = WeakKeyDictionary()


def unwatched_twin(engine: Engine, own_begin_hooks: Collection[BeginHook],
                   required_option: str) -> Twin | None:
    """`engine`'s twin when nothing but `own_begin_hooks` listens for connection events,
    and `engine` carries `required_option`; otherwise None (connect the usual way)."""
    if Engine._has_events or Connection._has_events:
        return None  # a listener for every engine or every connection
    base = engine
    while isinstance(base, OptionEngineMixin):
        if base.__dict__.get("_has_events"):
            return None  # a listener on this option engine itself
        base = base._proxied
    options = engine.get_execution_options()
    collections = _collections(base.dispatch)
    twin = _twins.get(engine)
    if twin is not None and twin.unchanged(options, collections):
        return twin
    if not options.get(required_option):
        return None
    hooks: tuple[BeginHook, ...] = ()
    for name, listeners in zip(_EVENT_NAMES, collections, strict=True):
        found = tuple(listeners)
        if name == "begin" and all(fn in own_begin_hooks for fn in found):
            hooks = found
        elif found:
            return None
    growing = tuple(c for c in collections if not isinstance(_own_listeners(c), tuple))
    listening = sum(map(len, map(_own_listeners, growing)))
    twin = _twins[engine] = Twin(UnwatchedEngine(base, options), hooks, options, collections,
                                 growing, listening)
    return twin
