"""keyflow's domain core: deploy BPMN bundles, run instances, persist and query them.

Nothing in this package knows about HTTP or queues (tests/test_layers.py checks it).
"""
