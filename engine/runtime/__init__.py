"""Running instances: the commands (start, claim, complete, cancel, fire timers)."""
