"""The repository's own rules: one test command shared by README and CI, a course command that opens the whole
course on loopback, one stack in pyproject.toml and the conda files (checked against what conda-forge publishes),
declared dependencies = imported ones, notebooks stored without outputs."""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIRS = ("notebooks", "exercises", "solutions")
CONDA_FORGE = json.loads((ROOT / "tests" / "data" / "conda_forge.json").read_text())
STUDENT_ENV, DEV_ENV = "environment.yml", "environment-dev.yml"


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
    lab_args = command.split("jupyter lab", 1)[1].split()
    paths = [arg for arg in lab_args if not arg.startswith("-")]
    assert not paths, (
        f"the launch command names {paths}: JupyterLab then serves only that folder and exercises/ answers 404; "
        "open the first notebook with LabApp.default_url in the config instead"
    )
    first = settings["LabApp"]["default_url"].removeprefix("/lab/tree/")
    assert (ROOT / first).is_file(), f"LabApp.default_url opens {first}, which does not exist"


def _free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str, token: str) -> tuple[int, str, str]:
    """Status, Location header and body of a GET that does not follow redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect).open(
            request, timeout=10
        ) as response:
            return response.status, response.headers.get("Location", ""), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", ""), ""


def test_course_command_serves_the_whole_course_on_loopback_only(tmp_path):
    """Start JupyterLab exactly as the README's course command does (its arguments, from the repository root),
    then ask it for the exercises and the solutions, and where it opens."""
    lab_args = shlex.split(readme_command("Open the course").split("jupyter lab", 1)[1])
    port, token = _free_loopback_port(), "course-command-test"
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt")}
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", *lab_args, "--no-browser", f"--port={port}", "--port-retries=0"]
        + [f"--IdentityProvider.token={token}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while _get_status(base, token) != 200:
            assert server.poll() is None, f"JupyterLab exited: {server.communicate()[1][-2000:]}"
            assert time.monotonic() < deadline, "JupyterLab did not answer within 90 s"
            time.sleep(0.5)

        for folder in NOTEBOOK_DIRS:
            status, _, body = _get(f"{base}/api/contents/{folder}", token)
            assert status == 200, f"JupyterLab answers {status} for {folder}/: the course command must serve it"
            names = {item["name"] for item in json.loads(body)["content"]}
            assert {p.name for p in (ROOT / folder).glob("*.ipynb")} <= names
        exercise = sorted((ROOT / "exercises").glob("*.ipynb"))[0].name
        status, _, body = _get(f"{base}/api/contents/exercises/{exercise}", token)
        assert status == 200 and json.loads(body)["type"] == "notebook", f"exercises/{exercise}: {status}"

        status, location, _ = _get(f"{base}/", token)
        assert status in (301, 302) and location.split("?")[0].endswith("/lab/tree/notebooks/00_setup_check.ipynb"), (
            f"JupyterLab should open the setup check first; / answered {status} -> {location!r}"
        )

        process = psutil.Process(server.pid)
        connections = getattr(process, "net_connections", process.connections)(kind="inet")
        listening = {c.laddr.ip for c in connections if c.status == psutil.CONN_LISTEN}
        assert listening == {"127.0.0.1"}, f"JupyterLab listens on {listening}; only 127.0.0.1 is allowed"
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)
        server.stderr.close()
    assert server.returncode is not None


def _get_status(base: str, token: str) -> int | None:
    try:
        return _get(f"{base}/api/status", token)[0]
    except OSError:
        return None


# ---------------------------------------------------------------- one stack: pyproject.toml and the conda files


def _requirements(requirements: list[str]) -> dict[str, str]:
    """pip name -> version specifier, leaving out the course's own package (``twin[course]``)."""
    found = {}
    for requirement in requirements:
        match = re.match(r"\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*(.*)", requirement)
        name, spec = match.group(1).lower(), match.group(3).strip()
        if name != "twin":
            found[name] = spec
    return found


def _conda_file(name: str) -> dict:
    """channels, conda dependencies (name -> spec) and pip entries of a conda environment file."""
    text = (ROOT / name).read_text()
    channels, dependencies, pip, section = [], {}, [], None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line.startswith(" "):
            section = line.split(":")[0]
            continue
        item = re.match(r"^(\s*)- (.+)$", line)
        assert item, f"{name}: cannot read the line {line!r}"
        value = item.group(2).strip()
        if section == "channels":
            channels.append(value)
        elif section == "dependencies" and len(item.group(1)) > 2:
            pip.append(value)
        elif section == "dependencies" and value != "pip:":
            spec_name = re.match(r"[A-Za-z0-9_.\-]+", value).group(0)
            dependencies[spec_name.lower()] = value[len(spec_name) :].strip()
    return {"channels": channels, "dependencies": dependencies, "pip": pip}


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _as_pip_names(conda_names) -> set[str]:
    known = CONDA_FORGE["packages"]
    unknown = sorted(set(conda_names) - set(known))
    assert not unknown, (
        f"{unknown} are not in tests/data/conda_forge.json: check their conda-forge name, versions and platforms "
        "on anaconda.org/conda-forge and record them there"
    )
    return {known[name]["pip"] for name in conda_names if known[name]["pip"]}


def test_environment_files_name_the_same_packages_as_pyproject():
    project = _pyproject()
    student = set(_requirements(project["dependencies"])) | set(
        _requirements(project["optional-dependencies"]["course"])
    )
    dev = set(_requirements(project["optional-dependencies"]["dev"]))
    for file, expected, extra in ((STUDENT_ENV, student, "dependencies + [course]"), (DEV_ENV, dev, "[dev]")):
        environment = _conda_file(file)
        named = _as_pip_names(environment["dependencies"]) | set(
            _requirements([entry for entry in environment["pip"] if not entry.startswith("-")])
        )
        assert named == expected, (
            f"{file} must install pyproject's {extra} under conda-forge's names; only in {file}: "
            f"{sorted(named - expected)}; missing from {file}: {sorted(expected - named)} "
            "(a maintainers' tool belongs in environment-dev.yml, not in the students' environment.yml)"
        )


def _conda_spec(spec: str) -> SpecifierSet:
    """A conda version constraint in PEP 440 terms (conda's ``=3.11`` means ``3.11.*``)."""
    spec = re.sub(r"(?<![<>=!])=(?!=)\s*([0-9][0-9.]*)", r"==\1.*", spec)
    return SpecifierSet(spec.replace(" ", ""))


@pytest.mark.parametrize("file", [STUDENT_ENV, DEV_ENV])
def test_environment_file_asks_conda_forge_for_versions_it_publishes_on_every_student_platform(file):
    environment = _conda_file(file)
    assert environment["channels"] == ["conda-forge", "nodefaults"], (
        f"{file}: channels must be conda-forge only (with nodefaults), got {environment['channels']}"
    )
    python = _conda_file(STUDENT_ENV)["dependencies"]["python"]
    needed = set(CONDA_FORGE["student_platforms"])
    for name, spec in environment["dependencies"].items():
        facts = CONDA_FORGE["packages"].get(name)
        assert facts, f"{file}: {name} is not recorded in tests/data/conda_forge.json ({CONDA_FORGE['how_to_refresh']})"
        published = [v for v in facts["versions"] if Version(v) in _conda_spec(spec)]
        assert published, f"{file}: {name}{spec} matches none of conda-forge's {facts['versions']}"
        platforms = set(facts["platforms"])
        assert "noarch" in platforms or needed <= platforms, (
            f"{file}: conda-forge builds {name} for {sorted(platforms)} only; students need {sorted(needed)}"
        )
        if "python" in facts:
            assert any(Version(v) in _conda_spec(python) for v in facts["python"]), (
                f"conda-forge builds {name} for Python {facts['python']}, not for the environment's python{python}"
            )


def test_environment_versions_follow_pyproject():
    project = _pyproject()
    pip_specs = _requirements(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        pip_specs |= _requirements(extra)
    for file in (STUDENT_ENV, DEV_ENV):
        for name, spec in _conda_file(file)["dependencies"].items():
            facts = CONDA_FORGE["packages"][name]
            # a name missing from pyproject is test_environment_files_name_the_same_packages_as_pyproject's report
            if facts["pip"] in pip_specs and "own_version_numbers" not in facts:
                assert _conda_spec(spec) == SpecifierSet(pip_specs[facts["pip"]]), (
                    f"{file}: {name}{spec} differs from pyproject's {facts['pip']}{pip_specs[facts['pip']]}"
                )


def test_student_environment_installs_only_the_course_package_with_pip():
    """pip adds the course's own package and, by name, only packages recorded as missing from conda-forge."""
    pip_entries = _conda_file(STUDENT_ENV)["pip"]
    assert pip_entries[0] == "-e .", "environment.yml's pip section should start with `-e .` (the course package)"
    by_pip = _requirements(pip_entries[1:])
    not_on_conda_forge = set(CONDA_FORGE["not_on_conda_forge"])
    assert set(by_pip) <= not_on_conda_forge, (
        f"environment.yml installs {sorted(set(by_pip) - not_on_conda_forge)} with pip; a package goes there only "
        "when recorded under not_on_conda_forge in tests/data/conda_forge.json (otherwise ask conda-forge for it)"
    )
    specs = _requirements(_pyproject()["dependencies"])
    for name, spec in by_pip.items():
        assert SpecifierSet(spec) == SpecifierSet(specs.get(name, "")), (
            f"environment.yml pip-installs {name}{spec}, pyproject.toml asks for {name}{specs.get(name)}"
        )
    assert _conda_file(DEV_ENV)["pip"] == []


def test_declared_dependencies_are_exactly_what_twin_imports():
    """deptry: every module twin imports comes from a declared distribution, and every declared runtime
    distribution is imported (configured in pyproject.toml's [tool.deptry])."""
    result = subprocess.run(
        [sys.executable, "-m", "deptry", "--no-ansi", "twin"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, (
        "deptry found undeclared, unused or transitive dependencies; declare what twin imports in pyproject.toml "
        f"(and environment.yml), drop what it does not:\n{result.stdout}{result.stderr}"
    )


def test_readme_binder_badge_opens_the_first_notebook():
    text = (ROOT / "README.md").read_text()
    badge = re.search(r"\]\((https://mybinder\.org/v2/gh/[^)\s]+)\)", text)
    assert badge, "README.md should carry a Binder badge linking to mybinder.org/v2/gh/..."
    urlpath = re.search(r"urlpath=lab/tree/([^&)]+)", badge.group(1))
    assert urlpath and (ROOT / urlpath.group(1)).is_file(), f"the Binder badge should open a notebook: {badge.group(1)}"


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


def test_a_stuck_notebook_cell_fails_with_a_timeout_instead_of_hanging(tmp_path: Path):
    """The suite's options give nbval a per-cell time limit; a cell that never returns then fails, saying so."""
    import subprocess
    import sys

    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["addopts"]
    limit = re.search(r"--nbval-cell-timeout=(\d+)", options)
    assert limit and 0 < int(limit.group(1)) <= 600, "pyproject's addopts must give nbval a per-cell time limit"

    stuck = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "execution_count": None,
                "outputs": [],
                "source": "import threading\nthreading.Event().wait()  # waits for ever, like a deadlocked thread",
            }
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    notebook = tmp_path / "stuck.ipynb"
    notebook.write_text(json.dumps(stuck))
    # the suite's own options, with a short limit so that the test is quick (a later option wins)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-c", str(ROOT / "pyproject.toml"), "-n", "0", "--nbval-cell-timeout=5"]
        + [str(notebook)],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=ROOT,
    )
    assert run.returncode == 1, run.stdout[-2000:]
    assert "Timeout of 5 seconds exceeded executing cell" in run.stdout, run.stdout[-2000:]
