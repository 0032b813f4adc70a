"""How a viewer kernel learns its page request, and what it imports while it waits for one."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

from websockets.sync.server import serve

from cjmkit.widgets import voila_request


def test_a_kernel_started_for_its_request_reads_the_query_from_its_environment(monkeypatch):
    monkeypatch.setenv("VOILA_PREHEAT", "False")
    monkeypatch.setenv("QUERY_STRING", "map=acme")
    assert voila_request.query_string() == "map=acme"


def test_outside_voila_the_query_is_empty(monkeypatch):
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    monkeypatch.delenv("QUERY_STRING", raising=False)
    assert voila_request.query_string() == ""


def test_the_query_socket_url_is_the_one_voila_serves():
    environ = {"VOILA_APP_PORT": "8870", "VOILA_SERVER_URL": "/base/", "VOILA_KERNEL_ID": "k-1"}
    assert voila_request.query_url(environ) == "ws://127.0.0.1:8870/base/voila/query/k-1"
    environ["VOILA_WS_BASE_URL"] = "/ws/"
    assert voila_request.query_url(environ) == "ws://127.0.0.1:8870/ws/voila/query/k-1"


def test_a_preheated_kernel_waits_for_the_request_the_server_sends(monkeypatch):
    paths = []

    def handler(connection):
        paths.append(connection.request.path)
        connection.send(json.dumps({"QUERY_STRING": "map=acme&x=1", "SERVER_NAME": "127.0.0.1"}))

    with serve(handler, "127.0.0.1", 0) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.socket.getsockname()[1]
        monkeypatch.setenv("VOILA_PREHEAT", "True")
        monkeypatch.setenv("VOILA_APP_PORT", str(port))
        monkeypatch.setenv("VOILA_SERVER_URL", "/")
        monkeypatch.setenv("VOILA_KERNEL_ID", "kernel-7")
        monkeypatch.delenv("VOILA_WS_BASE_URL", raising=False)
        monkeypatch.delenv("QUERY_STRING", raising=False)
        assert voila_request.query_string() == "map=acme&x=1"
        server.shutdown()
    assert paths == ["/voila/query/kernel-7"]


def test_the_viewer_kernel_imports_neither_voila_nor_the_workshop():
    # every preheated kernel of `cjmkit serve` runs this: Voila's own helper would add ~2 s of CPU
    heavy = ("voila", "jupyter_server", "cjmkit.widgets.board", "cjmkit.widgets.app")
    code = (
        "import sys, os; os.environ['CJMKIT_BOKEHJS_IN_PAGE'] = '1'\n"
        # no query given: the viewer reads the request's, as in a served page
        "os.environ['QUERY_STRING'] = 'map=none'; os.environ.pop('VOILA_PREHEAT', None)\n"
        "from cjmkit.widgets import viewer; viewer.setup()\n"
        "page = viewer.from_request('.')\n"
        "assert 'No such map' in page.value, page.value\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_every_widget_the_package_names_can_be_imported_from_it():
    import cjmkit.widgets as widgets

    for name in widgets.__all__:
        assert getattr(widgets, name).__name__ == name
