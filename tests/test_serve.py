"""``cjmkit serve`` without a browser: its settings, its start message, its refusals."""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from support import SAMPLE_MAP, cjmkit_command, free_port

from cjmkit.errors import CjmError
from cjmkit.serve import (
    VIEWER_CELLS,
    check_port,
    listening_message,
    serve,
    template_roots,
    viewer_notebook,
    voila_argv,
)


def test_voila_runs_locked_down(tmp_path: Path) -> None:
    argv = voila_argv(tmp_path / "viewer.ipynb", "127.0.0.1", 8866, tmp_path, preheat=2)
    for setting in (
        "--Voila.ip=127.0.0.1",
        "--Voila.port_retries=0",
        f"--Voila.root_dir={tmp_path}",
        f"--Voila.config_file_paths={tmp_path}",
        "--VoilaConfiguration.template=cjmkit",
        "--VoilaConfiguration.allow_template_override=NO",
        "--VoilaConfiguration.allow_theme_override=NO",
        "--VoilaConfiguration.strip_sources=True",
        "--VoilaConfiguration.show_tracebacks=False",
        "--VoilaConfiguration.file_denylist=.*",
        "--MappingKernelManager.cull_idle_timeout=600",
        "--VoilaConfiguration.preheat_kernel=True",
        "--VoilaConfiguration.default_pool_size=2",
    ):
        assert setting in argv
    assert not any("debug" in arg or "show_tracebacks=True" in arg for arg in argv)
    assert "--VoilaConfiguration.preheat_kernel=True" not in voila_argv(tmp_path, "127.0.0.1", 1, tmp_path)


def test_the_template_ships_without_outside_requests() -> None:
    (root,) = template_roots()
    folder = root / "voila" / "templates" / "cjmkit"
    page = (folder / "index.html.j2").read_text(encoding="utf-8")
    assert '"base_template": "lab"' in (folder / "conf.json").read_text(encoding="utf-8")
    assert "http" not in page.replace("http-equiv", "")
    frame = (folder / "page.html").read_text(encoding="utf-8")  # Voila's error pages
    assert "http" not in frame and "{% block body %}" in frame
    for block in ("html_head", "body_header", "body_footer"):
        assert f"block {block}" in page


def test_start_message_says_who_can_reach_it() -> None:
    assert listening_message("127.0.0.1", 8866) == (
        "Listening on http://127.0.0.1:8866/ (this machine only; use --host to share)"
    )
    assert "anyone who can reach this port can view these maps" in listening_message("0.0.0.0", 80)
    assert listening_message("::1", 9).startswith("Listening on http://[::1]:9/")
    # the workshop's address carries its token, and sharing it says plainly what others can do
    assert listening_message("127.0.0.1", 8867, token="T", action="edit the map") == (
        "Listening on http://127.0.0.1:8867/?token=T (this machine only; use --host to share)"
    )
    shared = listening_message("0.0.0.0", 8867, token="T", action="edit the map")
    assert "anyone on the network who has this link can edit the map" in shared
    assert "http://127.0.0.1:8867/?token=T" in shared
    assert "anyone who can reach this address and has this link can edit the map" in listening_message(
        "192.168.1.20", 8867, token="T", action="edit the map"
    )


def test_serve_says_where_it_listens_and_serves_pages_without_voila(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cjmkit.viewer_server

    shutil.copyfile(SAMPLE_MAP, tmp_path / "acme.cjm.json")
    os.mkfifo(tmp_path / "pipe.cjm.json")
    served: list[tuple] = []
    monkeypatch.setattr(cjmkit.viewer_server, "run", lambda *args, **kwargs: served.append(args))
    lines: list[str] = []
    port = free_port()
    assert serve(tmp_path, port=port, print_fn=lines.append) == 0
    assert lines[0] == f"Listening on http://127.0.0.1:{port}/ (this machine only; use --host to share)"
    assert lines[1].startswith(f"Serving 1 map from {tmp_path.resolve()}")
    assert lines[2] == "skipped pipe.cjm.json: it is a named pipe"
    ((folder, host, port_given, guard, handlers),) = served
    assert (folder, host, port_given, handlers) == (tmp_path.resolve(), "127.0.0.1", port, ())
    assert guard.token is None and "localhost" in guard.hosts


def test_serve_notebook_runs_voila_on_a_private_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import cjmkit.serve as serve_module

    shutil.copyfile(SAMPLE_MAP, tmp_path / "acme.cjm.json")
    notebook = tmp_path / "mine.ipynb"
    notebook.write_text(json.dumps(viewer_notebook(VIEWER_CELLS)), encoding="utf-8")
    started: list[list[str]] = []

    class FakeVoila:  # records what Voila would be started with
        log = logging.getLogger("fake-voila")

        def __init__(self, config: object) -> None:
            self.config = config

        def initialize(self, argv: list[str]) -> None:
            started.append(argv)
            copied = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
            assert [c["source"] for c in copied["cells"]] == list(VIEWER_CELLS)
            assert sorted(p.name for p in Path(argv[0]).parent.iterdir()) == ["viewer.ipynb"]

        def start(self) -> None:
            assert os.environ["CJMKIT_MAPS_DIR"] == str(tmp_path.resolve())
            # the kernels' IPython profile is private, outside the served folder, and quiet
            profile = Path(os.environ["IPYTHONDIR"]) / "profile_default" / "ipython_kernel_config.py"
            assert profile.read_text(encoding="utf-8") == serve_module.KERNEL_CONFIG
            assert Path(started[0][0]).parent not in profile.parents
            assert not self.log.filters[0](logging.makeLogRecord({"msg": "Notebook %s is not trusted"}))

    monkeypatch.setattr(serve_module, "_voila_class", lambda guard, handlers, limits: FakeVoila)
    for name in (
        "CJMKIT_MAPS_DIR",
        "CJMKIT_BOKEHJS_IN_PAGE",
        "JUPYTER_PATH",
        "IPYTHONDIR",
    ):  # serve() sets them
        monkeypatch.delenv(name, raising=False)
    lines: list[str] = []
    port = free_port()
    assert serve_module.serve(tmp_path, port=port, notebook=notebook, print_fn=lines.append) == 0
    assert lines[0].startswith(f"Listening on http://127.0.0.1:{port}/")
    assert len(started) == 1 and not Path(started[0][0]).exists()  # the private copy is gone


def test_a_busy_port_is_one_sentence() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(CjmError, match=f"cannot listen on 127.0.0.1:{port}"):
            check_port("127.0.0.1", port)


@pytest.mark.parametrize(
    ("args", "sentence"),
    [
        (["missing-folder"], "no such folder of maps"),
        ([".", "--port", "0"], "--port must be between 1 and 65535"),
        ([".", "--preheat", "-1"], "--preheat must be 0 or more"),
        ([".", "--notebook", "nope.ipynb"], "no such notebook"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(tmp_path: Path, args: list[str], sentence: str) -> None:
    result = subprocess.run(
        cjmkit_command("serve", *args), cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    assert sentence in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
