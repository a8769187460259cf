"""The process data a task or instance page shows, kept per saved state.

What a page shows as an instance's data is a function of its saved state text (and the spec
of its version): the data of its ready task, else of its last task. Restoring the whole
workflow to read it was most of a task page's CPU, and the page is read right after the
command that wrote the state, so the command keeps the data of the state it saved (as the
saved text would give it back, `StateSerializer.round_trip`), and readers keep what they
restored. Entries are keyed by the definition and the state text itself, so an entry can
only ever be read for exactly that state; a command rolled back leaves an entry that no row
holds, which ages out. The last DATA_KEPT states are kept; each caller gets its own copy,
but a reader that only serializes the data at once may read the kept dict itself (`shared`):
an entry is never changed once kept.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

DATA_KEPT = 256
_kept: OrderedDict[tuple[int, str], dict[str, Any]] = OrderedDict()
_lock = threading.Lock()


def data_of(workflow: BpmnWorkflow, *, single: bool = False) -> dict[str, Any] | None:
    """The data of the workflow's (first) ready task, else of its last task. With `single`,
    None when several tasks are ready: which comes first may differ between a workflow in
    memory and one restored from its saved state."""
    ready = workflow.get_tasks(state=TaskState.READY)
    if single and len(ready) > 1:
        return None
    source = ready[0] if ready else workflow.last_task
    return dict(source.data) if source is not None else dict(workflow.data)


def kept_data(definition_id: int, state: str, *, shared: bool = False
              ) -> dict[str, Any] | None:
    """A copy of the data kept for `state`, or None; with `shared`, the kept dict itself,
    which the caller must not change (a reply that serializes it at once)."""
    key = (definition_id, state)
    with _lock:
        kept = _kept.get(key)
        if kept is None:
            return None
        _kept.move_to_end(key)
    return kept if shared else copy.deepcopy(kept)


def keep_data(definition_id: int, state: str, data: dict[str, Any]) -> None:
    """Keep a copy of `data` as the data of `state`."""
    kept = copy.deepcopy(data)
    with _lock:
        _kept[(definition_id, state)] = kept
        _kept.move_to_end((definition_id, state))
        while len(_kept) > DATA_KEPT:
            _kept.popitem(last=False)
