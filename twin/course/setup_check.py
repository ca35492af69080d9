"""The first cell of the course: is everything here, and if not, exactly what to do."""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as dist_version
from pathlib import Path

from twin.tables import Table, make_table

INSTALL_HINT = 'from the course folder run:  .venv/bin/pip install -e ".[course]"  (see README, "Open the course")'
PACKAGES = {  # import name -> (pip name, minimum version)
    "numpy": ("numpy", "1.26"),
    "scipy": ("scipy", "1.11"),
    "matplotlib": ("matplotlib", "3.8"),
    "pybullet": ("pybullet", "3.2.5"),
    "meshcat": ("meshcat", "0.3.2"),
    "ipywidgets": ("ipywidgets", "8.1"),
    "anywidget": ("anywidget", "0.9"),
    "tqdm": ("tqdm", "4.66"),
    "allantools": ("allantools", "2024.6"),
    "zmq": ("pyzmq", "26"),
    "msgpack": ("msgpack", "1.0"),
    "mcap": ("mcap", "1.2"),
    "umsgpack": ("u-msgpack-python", "2.7"),
    "zstandard": ("zstandard", "0.22"),
    "tornado": ("tornado", "6.3"),
    "traitlets": ("traitlets", "5.9"),
    "PIL": ("pillow", "10"),
    "IPython": ("ipython", "8.12"),
    "dask": ("dask", "2024.8"),
    "distributed": ("distributed", "2024.8"),
    "paho.mqtt": ("paho-mqtt", "2.0"),
    "amqtt": ("amqtt", "0.11"),
    "psutil": ("psutil", "5.9"),
    "cma": ("cma", "4.0"),
    "gymnasium": ("gymnasium", "1.0"),
}


@dataclass(frozen=True)
class CheckItem:
    what: str
    ok: bool
    detail: str
    fix: str = ""


@dataclass(frozen=True)
class SetupReport:
    items: tuple[CheckItem, ...]

    @property
    def ok(self) -> bool:
        return all(item.ok for item in self.items)

    @property
    def problems(self) -> list[CheckItem]:
        return [item for item in self.items if not item.ok]

    def table(self) -> Table:
        rows = [("OK" if i.ok else "PROBLEM", i.what, i.detail, "" if i.ok else i.fix) for i in self.items]
        return make_table(("status", "check", "found", "how to fix"), rows, title="Course setup check")

    def __str__(self) -> str:
        verdict = "Everything is ready." if self.ok else f"{len(self.problems)} problem(s): see 'how to fix'."
        return f"{self.table()}\n\n{verdict}"

    def _repr_html_(self) -> str:
        verdict = (
            "<b style='color:#1b7f3b'>Everything is ready.</b>"
            if self.ok
            else f"<b style='color:#b3261e'>{len(self.problems)} problem(s): follow 'how to fix', then restart the "
            "kernel and run this cell again.</b>"
        )
        return self.table()._repr_html_() + f"<p>{verdict}</p>"


def _version_tuple(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def check_python() -> CheckItem:
    version = ".".join(map(str, sys.version_info[:3]))
    ok = sys.version_info[:2] == (3, 11)
    return CheckItem(
        "Python 3.11",
        ok,
        f"Python {version} at {sys.executable}",
        "pybullet ships ready-made wheels for Python 3.11 only: install Python 3.11 and recreate the virtual "
        "environment with python3.11 -m venv .venv (other versions compile pybullet from source: minutes and a "
        "C++ compiler).",
    )


def check_package(module: str) -> CheckItem:
    pip_name, minimum = PACKAGES[module]
    try:
        imported = importlib.import_module(module if module != "pybullet" else "twin.sim._bullet")
    except Exception as error:
        return CheckItem(f"package {pip_name}", False, f"cannot import: {error}", INSTALL_HINT)
    try:
        version = dist_version(pip_name)
    except PackageNotFoundError:
        version = getattr(imported, "__version__", "0")
    ok = _version_tuple(version) >= _version_tuple(minimum)
    return CheckItem(f"package {pip_name} >= {minimum}", ok, f"version {version}", INSTALL_HINT)


def check_physics() -> CheckItem:
    try:
        from twin.sim import World

        with World() as world:
            humanoid = world.load_robot("humanoid")
            start = humanoid.link_frame_poses()[0][0, 2]
            world.step(240)
            drop = abs(humanoid.link_frame_poses()[0][0, 2] - start)
        ok = drop < 0.05
        return CheckItem(
            "pybullet physics (headless)",
            ok,
            f"humanoid simulated for 1 s; its base moved {drop * 100:.1f} cm",
            "The humanoid should stand still. Reinstall pybullet (pip install --force-reinstall pybullet).",
        )
    except Exception as error:
        return CheckItem("pybullet physics (headless)", False, f"failed: {error}", INSTALL_HINT)


def check_3d_viewer_files() -> CheckItem:
    try:
        import meshcat

        script = Path(meshcat.__file__).parent / "viewer" / "dist" / "main.min.js"
        ok = script.is_file() and script.stat().st_size > 100_000
        detail = f"viewer script {script} ({script.stat().st_size // 1024} kB)" if script.is_file() else "missing"
    except Exception as error:
        ok, detail = False, f"cannot import meshcat: {error}"
    return CheckItem(
        "3D viewer (meshcat) files",
        ok,
        detail,
        "Reinstall meshcat: .venv/bin/pip install --force-reinstall meshcat. The course draws 3D inside the "
        "notebook itself and opens no port.",
    )


def check_widgets_kernel() -> CheckItem:
    try:
        from IPython import get_ipython

        shell = get_ipython()
        in_kernel = shell is not None and getattr(shell, "kernel", None) is not None
    except Exception:
        in_kernel = False
    return CheckItem(
        "running inside a Jupyter kernel",
        in_kernel,
        "yes" if in_kernel else "no kernel found (plain Python?)",
        "Open the notebooks in JupyterLab (README, 'Open the course'); widgets and the 3D view need a notebook.",
    )


def run_setup_check(require_kernel: bool = True) -> SetupReport:
    """Run every check; ``require_kernel=False`` skips the kernel check (for scripts and tests)."""
    items = [check_python(), *(check_package(module) for module in PACKAGES), check_physics(), check_3d_viewer_files()]
    if require_kernel:
        items.append(check_widgets_kernel())
    return SetupReport(tuple(items))
