"""The repository's own rules: one test command shared by README and CI, one stack in two files,
notebooks stored without outputs."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIRS = ("notebooks", "exercises", "solutions")
CONDA_TO_PIP = {"meshcat-python": "meshcat", "msgpack-python": "msgpack"}


def readme_command(marker: str) -> str:
    """The first command line of the fenced block that follows the line containing ``marker``."""
    text = (ROOT / "README.md").read_text()
    match = re.search(re.escape(marker) + r".*?```(?:bash|sh)\n(.+?)\n", text, flags=re.S)
    assert match, f"README.md has no ```bash block after {marker!r}"
    return match.group(1).strip()


def test_ci_runs_exactly_the_readme_test_command():
    command = readme_command("Run every test")
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    commands = [line for line in ci_lines if line and not line.startswith(("#", "set ", "cd "))]
    assert commands == [command], f".ci/run must run only the README's test command {command!r}, got {commands}"


def test_readme_launch_command_installs_the_course_and_opens_jupyterlab():
    command = readme_command("Open the course")
    assert "pip install" in command and '".[course]"' in command and "jupyter lab" in command
    config = re.search(r"--config=(\S+)", command)
    assert config, "the launch command should name the course's Jupyter config"
    settings = json.loads((ROOT / config.group(1)).read_text())
    assert settings["ServerApp"]["ip"] == "127.0.0.1", "JupyterLab must listen on the loopback interface only"


def _requirement_names(requirements: list[str]) -> set[str]:
    names = set()
    for requirement in requirements:
        name = re.split(r"[<>=!~\[; ]", requirement.strip(), maxsplit=1)[0].lower()
        if name and name != "twin":
            names.add(name)
    return names


def test_environment_yml_names_the_same_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_names = _requirement_names(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        pip_names |= _requirement_names(extra)

    conda_names = set()
    text = (ROOT / "environment.yml").read_text()
    for line in text[text.index("dependencies:") :].splitlines():
        # conda packages ("  - name"), and PyPI-only ones under the "pip:" section ("      - name")
        item = re.match(r"^(?:  |      )- ([A-Za-z0-9_][A-Za-z0-9_.\-]*)", line)
        if item and item.group(1) not in {"python", "pip"}:
            name = re.split(r"[<>=!~ ]", item.group(1), maxsplit=1)[0].lower()
            conda_names.add(CONDA_TO_PIP.get(name, name))
    assert conda_names == pip_names, (
        f"only in environment.yml: {sorted(conda_names - pip_names)}; "
        f"only in pyproject.toml: {sorted(pip_names - conda_names)}"
    )


def all_notebooks() -> list[Path]:
    return sorted(p for d in NOTEBOOK_DIRS for p in (ROOT / d).glob("*.ipynb"))


def test_there_are_notebooks_to_run():
    names = {p.name for p in all_notebooks()}
    assert {"00_setup_check.ipynb", "01_what_is_a_digital_twin.ipynb"} <= names


@pytest.mark.parametrize("path", all_notebooks(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_is_stored_without_outputs(path: Path):
    notebook = json.loads(path.read_text())
    dirty = [
        i
        for i, cell in enumerate(notebook["cells"])
        if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]
    assert not dirty, (
        f"{path.name}: cells {dirty} hold outputs; strip them (jupyter nbconvert --clear-output --inplace)"
    )
