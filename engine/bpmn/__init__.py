"""SpiffWorkflow integration: safe XML, keyflow's parser, clock-aware timers, state serializer."""

from . import quiet_logs, task_walks
from .deep_trees import lift_depth_limits

# Before any workflow runs: SpiffWorkflow's own walks stop at depth 1000 (see deep_trees),
# its `get_tasks` walks with an iterator that costs more than the walk (task_walks), and it
# builds every log line's fields even when the line is dropped (quiet_logs).
lift_depth_limits()
task_walks.install()
quiet_logs.install()
