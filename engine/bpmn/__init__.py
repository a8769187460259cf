"""SpiffWorkflow integration: safe XML, keyflow's parser, clock-aware timers, state serializer."""

from .deep_trees import lift_depth_limits

# Before any workflow runs: SpiffWorkflow's own walks stop at depth 1000 (see deep_trees).
lift_depth_limits()
