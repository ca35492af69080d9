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
    the layers and no cycles between the packages."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=ROOT, capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    names = _contract_names()
    assert len(names) >= 6
    assert f"Contracts: {len(names)} kept, 0 broken." in result.stdout  # every contract analysed, none skipped


def test_a_broken_layer_is_caught(tmp_path: Path) -> None:
    """The check can fail: a copy of core that imports the simulation breaks the first contract."""
    package = tmp_path / "twin"
    for source in (ROOT / "twin").rglob("*.py"):
        target = package / source.relative_to(ROOT / "twin")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source.read_text())
    (package / "core" / "leak.py").write_text("from twin.sim.world import World\n")
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode != 0
    assert "twin.core.leak -> twin.sim.world" in result.stdout
