"""The finished part of a task tree, kept out of the saved state (issue 12, item 3).

SpiffWorkflow keeps every task an instance ever ran: each pass of a loop hangs below the
previous one, so the tree, the saved state and every command's work (restoring, the engine's
tree walks, serializing, writing) grew with the instance's history — a submit at step 200 of
a loop cost ~2.9x one at step 10 over HTTP (state 286 KB). The saved state now holds only
the part of the tree that can still matter; the rest is summarised in a small `path`.

What is cut (`prune`, on the serialized dict, the in-memory workflow is left alone): a
*completed* task whose only child is completed too — a link in the chain of finished
ancestors above the live tasks. Its child is re-attached to its parent, so every ancestor /
descendant relation between the tasks kept is unchanged. Never cut: the root, the last
completed task, a task owning a subprocess, a join (parallel, inclusive, event joins) or the
parent of one (joins read their tasks' parents and other passes' join tasks), and a split a
structured join looks up (`find_ancestor`) while a task of that join is unfinished. The
immediate parent of an unfinished task is never cut (its child is not completed), so data
inheritance is unchanged. Only the top-level process is pruned; subprocesses keep theirs.

What is kept of a cut task (`Path`): the diagram elements completed and the sequence flows
taken (as the instance page draws them, deduplicated, so the path is bounded by the diagram),
the element each re-attached task was originally reached from, and a count. Task data of cut
tasks is not kept: the live tasks carry the current data and the audit log the submissions.

Designs measured and not taken (bench.history, loaded 2-core machine):
- a per-process cache of restored workflows by (instance, version): saves only the restore
  (~a third of a step-200 submit); the engine's tree walks, serializing and writing stay
  proportional to history, and each gunicorn worker holds its own copy to invalidate;
  measured again on the reference workload (2026-11-30): the restore is ~0.25 ms of a
  ~3.5 ms submit (engine side), and the object a command leaves behind is not what
  restoring its saved state gives (an unpruned tree and old path, data not round-tripped,
  dict key order of merged data, SpiffWorkflow's unsaved fields), so a cached workflow could
  behave differently from a restored one in another process: still not taken;
- a faster JSON library: the time is in SpiffWorkflow's per-task conversion, not in JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

from .task_ids import parse_id

_ATTRIBUTE = "_keyflow_path"


@dataclass
class Path:
    """What the saved state remembers of the tasks it no longer holds."""

    completed: dict[str, None] = field(default_factory=dict)  # bpmn ids, first completion first
    taken: dict[tuple[str, str], None] = field(default_factory=dict)  # (from, to) bpmn ids
    # task id -> bpmn id it was reached from, for kept tasks whose parent was cut
    sources: dict[str, str | None] = field(default_factory=dict)
    pruned: int = 0  # tasks cut so far

    def to_dict(self) -> dict[str, Any]:
        """The JSON form stored in the state."""
        return {"completed": list(self.completed), "taken": [list(e) for e in self.taken],
                "sources": dict(self.sources), "pruned": self.pruned}

    @classmethod
    def from_dict(cls, dct: dict[str, Any] | None) -> Path:
        """Read the stored form back (an empty path for states saved before pruning)."""
        if not dct:
            return cls()
        return cls({str(e): None for e in dct["completed"]},
                   {(str(a), str(b)): None for a, b in dct["taken"]},
                   {str(k): v for k, v in dct["sources"].items()}, int(dct["pruned"]))

    def copy(self) -> Path:
        """An independent copy (dumping a workflow must not change it)."""
        return Path(dict(self.completed), dict(self.taken), dict(self.sources), self.pruned)


def path_of(workflow: Any) -> Path:
    """The path a restored workflow carries (empty for one never saved)."""
    path = getattr(workflow, _ATTRIBUTE, None)
    return path if isinstance(path, Path) else Path()


def attach_path(workflow: Any, path: Path) -> None:
    """Remember on the restored workflow what its state had pruned."""
    setattr(workflow, _ATTRIBUTE, path)


def bpmn_source(task: Any) -> str | None:
    """The diagram element `task` was reached from, across cut ancestors."""
    sources = path_of(task.workflow).sources
    current = task
    while True:
        key = str(current.id)
        if key in sources:
            return sources[key]
        parent = current.parent
        if parent is None:
            return None
        bpmn_id = getattr(parent.task_spec, "bpmn_id", None)
        if bpmn_id:
            return str(bpmn_id)
        current = parent


def prune(dct: dict[str, Any], workflow: Any, path: Path) -> None:
    """Cut the finished chain links out of `dct`, the top-level `workflow` as SpiffWorkflow's
    serializer wrote it, into `path`."""
    tasks: dict[str, dict[str, Any]] = dct["tasks"]
    specs = workflow.spec.task_specs
    moved: set[str] = set()
    joins = {name for name, ts in specs.items() if isinstance(ts, Join)}
    keep = {dct["root"], dct.get("last_task"), *dct.get("subprocesses", {})}
    guarded = _guarded_splits(tasks, specs)

    def bpmn(task: dict[str, Any]) -> str | None:
        found = getattr(specs.get(task["task_spec"]), "bpmn_id", None)
        return str(found) if found else None

    def source(task_id: str) -> str | None:
        while task_id not in path.sources:
            parent_id = tasks[task_id]["parent"]
            if parent_id is None:
                return None
            if (found := bpmn(tasks[parent_id])) is not None:
                return found
            task_id = parent_id
        return path.sources[task_id]

    for task_id in list(tasks):
        task = tasks[task_id]
        children = task["children"]
        if (task_id in keep or task["parent"] is None or len(children) != 1
                or task["state"] != TaskState.COMPLETED or task["task_spec"] in joins
                or task["task_spec"] in guarded):
            continue
        child_id = children[0]
        child = tasks[child_id]
        if child["state"] != TaskState.COMPLETED or child["task_spec"] in joins:
            continue
        came_from, element = source(task_id), bpmn(task)
        if element is not None:
            path.completed[element] = None
            if came_from is not None:
                path.taken[(came_from, element)] = None
        path.sources[child_id] = element if element is not None else came_from
        path.sources.pop(task_id, None)
        parent = tasks[task["parent"]]
        parent["children"] = [child_id if c == task_id else c for c in parent["children"]]
        child["parent"] = task["parent"]
        moved.add(child_id)
        del tasks[task_id]
        path.pruned += 1
    for gone in [k for k in path.sources if k not in tasks]:  # dropped since (a reset)
        del path.sources[gone]
    for task_id in moved & tasks.keys():
        _rebase_data(tasks[task_id], workflow)


def _rebase_data(task: dict[str, Any], workflow: Any) -> None:
    """Write the task's data as a change from its new parent's, as SpiffWorkflow does."""
    if not task.get("delta"):  # stored whole, not as a change from its parent
        return
    data = workflow.tasks[parse_id(task["id"])].data
    base = workflow.tasks[parse_id(task["parent"])].data
    task["delta"] = {"updates": DeepMerge.get_updated_keys(base, data),
                     "deletions": DeepMerge.get_deleted_keys(base, data)}


def _guarded_splits(tasks: dict[str, dict[str, Any]], specs: dict[str, Any]) -> set[str]:
    """Split specs that an unfinished structured join will look up among its ancestors."""
    unfinished = {t["task_spec"] for t in tasks.values()
                  if not t["state"] & TaskState.FINISHED_MASK}
    return {str(split) for name in unfinished
            if isinstance(ts := specs.get(name), Join) and (split := ts.split_task)}
