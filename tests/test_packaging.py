"""Packaging: conda and pip agree, and a built wheel carries templates and schema."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent


def _requirement(text: str) -> tuple[str, str]:
    name, spec = re.match(r"\s*([A-Za-z0-9_.-]+)\s*(.*)", text).groups()
    return re.sub(r"[-_.]+", "-", name).lower(), spec.replace(" ", "")


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + [
        r for extra in project["optional-dependencies"].values() for r in extra
    ]
    environment = yaml.safe_load((REPO / "environment.yml").read_text())
    conda = [
        dep
        for dep in environment["dependencies"]
        if isinstance(dep, str) and _requirement(dep)[0] not in {"python", "pip"}
    ]
    assert sorted(map(_requirement, conda)) == sorted(map(_requirement, wanted))


@pytest.mark.slow
def test_built_wheel_finds_its_templates_and_schema(tmp_path):
    dist = tmp_path / "dist"
    # --no-isolation: build with the hatchling of the test environment, nothing downloaded
    built = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(REPO)],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    wheel = next(dist.glob("cjmkit-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "cjmkit/schema/journey.schema.json" in names
    assert any(name.startswith("cjmkit/_templates/") and name.endswith(".cjm.json") for name in names)
    # the Voila template is installed the standard way, under share/jupyter/voila/templates/
    assert any(name.endswith(".data/data/share/jupyter/voila/templates/cjmkit/conf.json") for name in names)
    # install it into an isolated folder and use it from elsewhere: no access to the repo's templates/
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    code = "\n".join(
        [
            "import cjmkit.templates as t, cjmkit.model as m, json, importlib.resources as r",
            f"assert str(t.__file__).startswith({str(target)!r}), t.__file__",
            "names = [i.name for i in t.list_templates()]",
            "j = t.new_journey('support-to-care', 'From wheel')",
            "assert j.touchpoints and j.problems() == []",
            "schema = r.files('cjmkit').joinpath('schema/journey.schema.json').read_text()",
            "assert json.loads(schema) == m.json_schema()",
            "print(' '.join(sorted(names)))",
        ]
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert {"see-think-do-care", "support-to-care", "saas-onboarding", "ecommerce-purchase"} <= set(
        result.stdout.split()
    )
