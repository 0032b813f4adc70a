"""The core command line as a user runs it: new, validate, schema, info; bad input gives exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from support import SAMPLE_MAP, cjmkit_command

from cjmkit.cli import main
from cjmkit.model import json_schema


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real ``cjmkit`` command line in a child process."""
    return subprocess.run(cjmkit_command(*args), capture_output=True, text=True, cwd=cwd, timeout=120)


def test_new_validate_info_round_trip(tmp_path):
    result = run("new", "acme", "--template", "support-to-care", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    path = tmp_path / "acme.cjm.json"
    assert "Created acme.cjm.json from the 'support-to-care' template" in result.stdout
    assert run("validate", str(path)).returncode == 0
    info = run("info", str(path))
    assert info.returncode == 0
    assert info.stdout.splitlines()[0] == "Acme"
    assert "Handoffs:" in info.stdout and "Lanes:" in info.stdout


def test_new_lists_templates(capsys):
    assert main(["new", "x", "--list"]) == 0
    out = capsys.readouterr().out
    for name in ("see-think-do-care", "support-to-care", "saas-onboarding", "ecommerce-purchase"):
        assert name in out


def test_new_refuses_to_overwrite_and_unknown_templates(tmp_path, capsys):
    path = tmp_path / "m.cjm.json"
    assert main(["new", str(path)]) == 0
    before = path.read_bytes()
    assert main(["new", str(path)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert path.read_bytes() == before
    assert main(["new", str(tmp_path / "other"), "--template", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nope" in err and "support-to-care" in err
    assert not (tmp_path / "other.cjm.json").exists()


def test_schema_prints_the_model_schema():
    result = run("schema")
    assert result.returncode == 0
    assert json.loads(result.stdout) == json_schema()


def test_sample_map_is_valid():
    result = run("validate", str(SAMPLE_MAP))
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout


def _broken_maps(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    good = json.loads(SAMPLE_MAP.read_text(encoding="utf-8"))

    def write(name: str, data: object | str) -> Path:
        path = tmp_path / f"{name}.cjm.json"
        path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
        return path

    def broken(mutate) -> dict:
        data = json.loads(json.dumps(good))
        mutate(data)
        return data

    first_tp = good["touchpoints"][0]["id"]
    return {
        "missing": (tmp_path / "nothing-here.cjm.json", "does not exist"),
        "directory": (tmp_path, "is a folder"),
        "invalid json": (write("invalid", '{"title": "x",\n  "stages": [}'), "line 2"),
        "not a map": (write("notmap", {"hello": "world"}), "not a journey map"),
        "a list": (write("list", [1, 2]), "a journey map is a JSON object"),
        "newer version": (write("newer", broken(lambda d: d.update(schema_version="9.0"))), "9.0"),
        "stage ref": (
            write("stage", broken(lambda d: d["touchpoints"][0].update(stage="nowhere"))),
            "touchpoints[0].stage: no stage has the id 'nowhere'",
        ),
        "lane ref": (
            write("lane", broken(lambda d: d["touchpoints"][1].update(lane="nolane"))),
            "touchpoints[1].lane: no lane has the id 'nolane'",
        ),
        "persona ref": (
            write("persona", broken(lambda d: d["touchpoints"][0].update(emotions={"ghost": 1}))),
            "touchpoints[0].emotions.ghost: no persona has the id 'ghost'",
        ),
        "handoff ref": (
            write("handoff", broken(lambda d: d["handoffs"][0].update(to_touchpoint="gone"))),
            "handoffs[0].to_touchpoint: no touchpoint has the id 'gone'",
        ),
        "handoff to itself": (
            write(
                "self",
                broken(lambda d: d["handoffs"][0].update(from_touchpoint=first_tp, to_touchpoint=first_tp)),
            ),
            "a handoff must lead to another touchpoint",
        ),
        "kpi ref": (
            write("kpi", broken(lambda d: d["kpis"][0].update(touchpoint="gone"))),
            "kpis[0].touchpoint: no touchpoint has the id 'gone'",
        ),
        "emotion": (
            write(
                "emotion",
                broken(lambda d: d["touchpoints"][2]["emotions"].update({d["personas"][0]["id"]: 9})),
            ),
            "must be between -2 and 2, got 9",
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "missing",
        "directory",
        "invalid json",
        "not a map",
        "a list",
        "newer version",
        "stage ref",
        "lane ref",
        "persona ref",
        "handoff ref",
        "handoff to itself",
        "kpi ref",
        "emotion",
    ],
)
@pytest.mark.parametrize("command", ["validate", "info"])
def test_bad_input_exits_2_with_a_clear_line(tmp_path, capsys, case, command):
    path, expected = _broken_maps(tmp_path)[case]
    assert main([command, str(path)]) == 2
    captured = capsys.readouterr()
    assert expected in captured.err
    assert str(path) in captured.err
    assert "Traceback" not in captured.err + captured.out


def test_validate_lists_every_problem_and_checks_every_map(tmp_path):
    data = json.loads(SAMPLE_MAP.read_text(encoding="utf-8"))
    data["touchpoints"][0]["stage"] = "nowhere"
    data["touchpoints"][1]["lane"] = "nolane"
    bad = tmp_path / "bad.cjm.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    result = run("validate", str(bad), str(SAMPLE_MAP))
    assert result.returncode == 2
    assert "2 problem(s)" in result.stderr
    assert "touchpoints[0].stage" in result.stderr and "touchpoints[1].lane" in result.stderr
    assert f"{SAMPLE_MAP}: valid" in result.stdout
    assert "Traceback" not in result.stderr


def test_a_real_process_never_shows_a_traceback(tmp_path):
    (tmp_path / "x.cjm.json").write_bytes(b"\xff\xfe not utf-8 \x00")
    result = run("validate", str(tmp_path / "x.cjm.json"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_the_command_line_starts_without_the_heavy_libraries():
    # every subcommand is registered, yet none of pandas, Bokeh, widgets or Voila is imported yet
    code = (
        "import sys; from cjmkit.cli import build_parser; build_parser(); "
        "print(sorted(m for m in ('pandas', 'bokeh', 'ipywidgets', 'voila') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
