"""The query string of the page a Voila kernel serves, without importing Voila in the kernel.

``voila.utils.get_query_string`` does this job, but importing ``voila.utils`` loads Jupyter
Server and JupyterLab Server: about 1.9 s of CPU in every kernel ``cjmkit serve`` preheats,
which more than doubled what a waiting kernel costs and made visitors in a burst wait for one
(``benchmarks/bench_serve.py``). This module speaks the same small protocol as Voila 0.5:

- a kernel started for one request has the request's ``QUERY_STRING`` in its environment;
- a preheated kernel (``VOILA_PREHEAT=True``) connects to the server's
  ``voila/query/<kernel id>`` websocket and blocks until the server sends the request's
  variables as one JSON object, which it then puts in its environment.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping

QUERY_STRING = "QUERY_STRING"


def query_url(environ: Mapping[str, str] = os.environ) -> str:
    """Return the websocket URL on which a preheated kernel waits for its request (as Voila builds it)."""
    protocol = environ.get("VOILA_WS_PROTOCOL", "ws")
    ip = environ.get("VOILA_APP_IP", "127.0.0.1")
    port = environ.get("VOILA_APP_PORT", "8866")
    base = environ.get("VOILA_WS_BASE_URL", environ.get("VOILA_SERVER_URL", "/"))
    return f"{protocol}://{ip}:{port}{base}voila/query/{environ.get('VOILA_KERNEL_ID', '')}"


def wait_for_request() -> None:
    """In a preheated kernel, block until a visitor's request arrives and copy its variables to ``os.environ``.

    Does nothing in a kernel that was started for its request (its environment already holds them).
    """
    if os.environ.get("VOILA_PREHEAT", "False") == "False":
        return
    try:
        from websockets.sync.client import connect
    except ImportError:  # an older websockets: let Voila do it, at Voila's import cost
        from voila.utils import wait_for_request as voila_wait

        voila_wait()
        return
    with connect(query_url(), open_timeout=5) as socket:
        message = socket.recv()
    for key, value in json.loads(message).items():
        os.environ[key] = value


def query_string() -> str:
    """Return the query string of the page request this kernel serves ("" outside Voila)."""
    wait_for_request()
    return os.environ.get(QUERY_STRING, "")
