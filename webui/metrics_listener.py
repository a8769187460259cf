"""The separate metrics listener (`KEYFLOW_METRICS_BIND`): `/metrics` on its own address.

It answers without a token, so it is bound to an address only the monitoring network
reaches (`127.0.0.1:9464`, a private interface); the web port's `/metrics` keeps asking for
an admin's token. One listener per server: in `keyflow serve` a thread of the process, under
gunicorn a thread of the master (webui/gunicorn_config.py), which adds up every worker's
HTTP metrics from the multiprocess folder.
"""

from __future__ import annotations

import logging

from prometheus_client import start_http_server
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)


def start_metrics_listener(address: tuple[str, int], registry: Collector) -> None:
    """Serve `registry` at http://HOST:PORT/metrics from a daemon thread."""
    host, port = address
    start_http_server(port, addr=host, registry=registry)
    log.info("metrics listener on http://%s:%s/metrics (no token: keep it private)", host, port)
