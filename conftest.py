"""Test-session settings shared by unit tests and the notebooks that nbval runs."""

from __future__ import annotations

import os

import psutil
import pytest

# Set before any kernel starts, so every notebook run by nbval sees it and shortens long work.
os.environ["TWIN_TEST_MODE"] = "1"
os.environ.setdefault("MPLBACKEND", "Agg")


def _listening_sockets(processes: list[psutil.Process]) -> list[str]:
    found = []
    for process in processes:
        try:
            connections = process.net_connections(kind="inet")
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        found += [f"{process.pid}:{c.laddr.ip}:{c.laddr.port}" for c in connections if c.status == psutil.CONN_LISTEN]
    return found


def _resource_tracker(process: psutil.Process) -> bool:
    """Python's multiprocessing resource tracker: one per interpreter, started by the first process pool, it lives
    as long as this process by design and exits with it; not a leftover."""
    try:
        return "multiprocessing.resource_tracker" in " ".join(process.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


@pytest.fixture(scope="session", autouse=True)
def leaves_no_process_or_port_behind():
    """After the whole session, this test process has no children left and listens on no port."""
    me = psutil.Process()
    before = {p.pid for p in me.children(recursive=True)}
    yield
    leftovers = [p for p in me.children(recursive=True) if p.pid not in before and not _resource_tracker(p)]
    # Kernels that nbval shut down may need a moment to exit: wait for them, then judge.
    _, alive = psutil.wait_procs(leftovers, timeout=10)
    listening = _listening_sockets([me, *alive])
    assert not alive, f"processes left running after the tests: {[(p.pid, p.name(), p.cmdline()[:6]) for p in alive]}"
    assert not listening, f"sockets still listening after the tests: {listening}"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # pytest exits with 5 when it collected nothing; a fresh checkout with no tests selected is not a failure.
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        session.exitstatus = pytest.ExitCode.OK


@pytest.fixture
def closes_figures():
    """Close every matplotlib figure a test opened (figure tests: ``pytestmark = pytest.mark.usefixtures(...)``)."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
