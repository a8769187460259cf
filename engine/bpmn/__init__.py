"""SpiffWorkflow integration: safe XML, keyflow's parser, clock-aware timers, state serializer."""
