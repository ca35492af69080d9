"""The package's layering holds: the import-linter contracts in pyproject.toml, run as ``lint-imports``."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _contract_names() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return [c["name"] for c in config["tool"]["importlinter"]["contracts"]]


def test_the_layering_contracts_are_kept() -> None:
    """core imports nothing; link no simulation or model; domain packages no view; nothing imports the course;
    the layers, and no cycles between packages or modules."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=ROOT, capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    names = _contract_names()
    assert len(names) >= 6
    assert f"Contracts: {len(names)} kept, 0 broken." in result.stdout  # every contract analysed, none skipped


def _lint_a_copy(tmp_path: Path, edits: dict[str, str]) -> subprocess.CompletedProcess:
    """Run ``lint-imports`` on a copy of ``twin`` with ``edits`` (path in twin -> text appended) applied."""
    package = tmp_path / "twin"
    for source in (ROOT / "twin").rglob("*.py"):
        target = package / source.relative_to(ROOT / "twin")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source.read_text())
    for path, text in edits.items():
        target = package / path
        target.write_text((target.read_text() if target.exists() else "") + text)
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300
    )


def test_a_broken_layer_is_caught(tmp_path: Path) -> None:
    """The check can fail: a copy of core that imports the simulation breaks the first contract."""
    result = _lint_a_copy(tmp_path, {"core/leak.py": "from twin.sim.world import World\n"})
    assert result.returncode != 0
    assert "twin.core.leak -> twin.sim.world" in result.stdout


def test_a_cycle_hidden_in_a_function_is_caught(tmp_path: Path) -> None:
    """Cycles between the modules of one package count too, even behind an import inside a function:
    ``robots`` imports ``frames`` at the top, so ``frames`` importing ``robots`` in a function closes a cycle."""
    hidden = "\n\ndef _late():\n    from twin.sim.robots import Robot\n\n    return Robot\n"
    result = _lint_a_copy(tmp_path, {"sim/frames.py": hidden})
    assert result.returncode != 0
    assert "No cycles are allowed in twin.sim." in result.stdout
    assert ".frames -> .robots" in result.stdout or ".robots -> .frames" in result.stdout, result.stdout[-3000:]


def _contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return {c["name"].split(" ")[0]: c for c in config["tool"]["importlinter"]["contracts"]}


def test_every_package_of_twin_has_its_place_in_the_contracts() -> None:
    """A new package (twin.manipulation, twin.learn, ...) must be placed before it is merged: in a layer, in the
    "nothing imports the course" contract, and either among the views or in "domain packages draw nothing"."""
    packages = sorted(
        p.stem if p.is_file() else p.name
        for p in (ROOT / "twin").iterdir()
        if (p.is_dir() and (p / "__init__.py").exists()) or (p.suffix == ".py" and p.name != "__init__.py")
    )
    contracts = _contracts()
    layered = {name.strip().strip("()") for layer in contracts["layers:"]["layers"] for name in layer.split(":")}
    course_free = {m.removeprefix("twin.") for m in contracts["nothing"]["source_modules"]}
    draws_nothing = {m.removeprefix("twin.") for m in contracts["domain"]["source_modules"]}
    views = {m.removeprefix("twin.") for m in contracts["domain"]["forbidden_modules"] if m.startswith("twin.")}
    for package in packages:
        where = f"twin.{package} has no place in pyproject.toml's [tool.importlinter] contracts"
        assert package in layered, f"{where}: add it to a layer of the layers contract (docs/ARCHITECTURE.md)."
        if package != "course":
            assert package in course_free, f"{where}: add it to 'nothing in the library imports the course'."
            assert package in draws_nothing | views, f"{where}: add it to 'domain packages draw nothing'."
    assert "learn" in layered and "manipulation" in layered  # their places are kept while they are being written
