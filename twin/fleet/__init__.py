"""Many twins at once: executors (serial, processes, Dask), a fleet of robots, real-time pacing, fidelity
against cost, and fleet telemetry over MQTT. Numbers only: the plots live in ``twin.plotting_compute``."""

from twin.fleet.executors import (
    DaskExecutor,
    Executor,
    JobOutcome,
    ProcessExecutor,
    SerialExecutor,
    WorkerDied,
    borrowed_or_new,
    default_workers,
    executor_for,
    make_executor,
    map_or_raise,
)
from twin.fleet.fleet import Fleet, FleetHealth, FleetRun, RobotReport, RobotSpec, fleet_health, run_robot, warehouse

__all__ = [
    "DaskExecutor",
    "Executor",
    "Fleet",
    "FleetHealth",
    "FleetRun",
    "JobOutcome",
    "ProcessExecutor",
    "RobotReport",
    "RobotSpec",
    "SerialExecutor",
    "WorkerDied",
    "borrowed_or_new",
    "default_workers",
    "executor_for",
    "fleet_health",
    "make_executor",
    "map_or_raise",
    "run_robot",
    "warehouse",
]
