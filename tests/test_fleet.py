"""The fleet and its executors: identical results on every executor, a dying worker reported by robot name,
the rest kept; fleet analytics that find the worn robot; nothing left running."""

from __future__ import annotations

import dataclasses

import numpy as np
import psutil
import pytest

from twin.fleet import Fleet, RobotSpec, WorkerDied, fleet_health, make_executor, warehouse
from twin.fleet.fleet import health_indicator

SMALL = dict(inspections=4, steps_per_inspection=120)


def small_fleet(n: int = 3) -> list[RobotSpec]:
    return warehouse(n, seed=5, worn_fraction=1 / 3, **SMALL)


def assert_same_reports(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_array_equal(a[name].health, b[name].health, err_msg=name)
        np.testing.assert_array_equal(a[name].friction, b[name].friction, err_msg=name)
        assert a[name].steps == b[name].steps


def children() -> set[int]:
    """This process's descendants, less multiprocessing's resource tracker (stopped once per module)."""
    found = set()
    for process in psutil.Process().children(recursive=True):
        try:
            if "resource_tracker" not in " ".join(process.cmdline()):
                found.add(process.pid)
        except psutil.NoSuchProcess:
            continue
    return found


def assert_no_new_children(before: set[int], timeout: float) -> None:
    new = [psutil.Process(p) for p in children() - before if psutil.pid_exists(p)]
    _, alive = psutil.wait_procs(new, timeout=timeout)
    assert not alive, f"processes left after close: {[(p.pid, p.cmdline()) for p in alive]}"


@pytest.fixture(scope="module")
def serial_run():
    with Fleet(small_fleet(), "serial") as fleet:
        return fleet.run()


def test_processes_give_bit_identical_results_to_serial_and_leave_no_process(serial_run):
    before = children()
    with Fleet(small_fleet(), "processes", workers=2) as fleet:
        parallel = fleet.run()
    assert not parallel.failures
    assert_same_reports(serial_run.reports, parallel.reports)
    assert len({o.worker for o in parallel.outcomes}) >= 1
    assert_no_new_children(before, timeout=5)


def test_dask_local_cluster_gives_the_same_results_and_reports_a_dead_worker(serial_run):
    specs = small_fleet()
    crashing = dataclasses.replace(specs[1], crash_at=1)
    before = children()
    with Fleet([specs[0], crashing, specs[2]], "dask", workers=2) as fleet:
        run = fleet.run()
    assert list(run.failures) == [crashing.name]
    assert isinstance(run.failures[crashing.name], WorkerDied)
    assert crashing.name in str(run.failures[crashing.name])
    kept = {name: serial_run.reports[name] for name in (specs[0].name, specs[2].name)}
    assert_same_reports(kept, run.reports)
    assert_no_new_children(before, timeout=10)


def test_a_worker_that_dies_is_reported_with_its_robot_and_the_rest_are_kept(serial_run):
    specs = small_fleet()
    crashing = dataclasses.replace(specs[0], crash_at=2)
    with Fleet([crashing, *specs[1:]], "processes", workers=2) as fleet:
        run = fleet.run()
    assert list(run.failures) == [crashing.name]
    error = run.failures[crashing.name]
    assert isinstance(error, WorkerDied) and crashing.name in str(error)
    assert_same_reports({s.name: serial_run.reports[s.name] for s in specs[1:]}, run.reports)
    health = fleet_health(run, threshold=0.6e-3)
    assert health.failed == (crashing.name,)
    assert "run failed" in str(health.table())


def test_fleet_health_flags_the_worn_robot_only(serial_run):
    specs = small_fleet()
    worn = [s.name for s in specs if s.wear_per_inspection >= 0.3]
    assert len(worn) == 1
    report = serial_run.reports[worn[0]]
    # friction grows 0.3 N m per inspection: the health indicator must rise every time
    assert np.all(np.diff(report.health) > 0), report.health
    health = fleet_health(serial_run, threshold=0.6e-3, horizon=5)
    assert health.drifting == worn
    assert health.needs_maintenance == worn


def test_health_indicator_averages_white_noise_away_and_keeps_a_bias():
    rng = np.random.default_rng(0)
    noise = rng.normal(0.0, 1e-3, size=(2400, 1))
    # white noise of std s averaged over 24 samples has std s / sqrt(24): 0.204e-3 rad, within 10 %
    assert health_indicator(noise) == pytest.approx(1e-3 / np.sqrt(24), rel=0.1)
    assert health_indicator(noise + 5e-3) == pytest.approx(5e-3, rel=0.02)
    with pytest.raises(ValueError, match="need"):
        health_indicator(np.zeros((10, 1)))


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(name="a/b"), "without '/'"),
        (dict(robot="humanoid"), "one of"),
        (dict(wear_per_inspection=-0.1), "do not heal"),
        (dict(inspections=3), ">= 4"),
        (dict(steps_per_inspection=5), ">= 24"),
    ],
)
def test_bad_robot_specs_say_what_to_fix(changes, message):
    with pytest.raises(ValueError, match=message):
        RobotSpec(**{"name": "axis-00", **changes})


def test_bad_fleet_and_executor_arguments_say_what_to_fix():
    with pytest.raises(ValueError, match="choose one of"):
        make_executor("threads")
    with pytest.raises(ValueError, match="workers=0"):
        make_executor("processes", workers=0)
    with pytest.raises(ValueError, match="at least one"):
        Fleet([], "serial")
    with pytest.raises(ValueError, match="unique"):
        Fleet([RobotSpec("a"), RobotSpec("a")], "serial")
    with pytest.raises(ValueError, match="threshold"):
        fleet_health({}, threshold=-1.0)


def test_counts_from_numpy_are_counts():
    import numpy as np

    from twin.fleet.executors import executor_for
    from twin.fleet.fleet import warehouse

    with executor_for(np.int64(1)) as executor:
        assert executor.workers == 1
    assert len(warehouse(np.int64(2))) == 2
    with pytest.raises(ValueError, match="workers"):
        executor_for(1.5)
