"""The operation phase: monitor a running twin, predict wear, optimise and test safely.

- ``commissioning``: the model the operation phase runs, calibrated from a recording (``commissioning_calibration``).
- ``monitoring``: CUSUM detectors on a running twin's residuals (``ResidualMonitor``, ``fault_run``).
- ``wear``: a stand-in that wears over simulated days; its health indicator (``WearScenario``).
- ``tuning``: tune a controller on the model, measure the gain on the stand-in (``tune_on_model``).
- ``safety_gate``: forecast every command on the model before the robot runs it (``SafetyGate``).
"""

from twin.operation.commissioning import commissioning_calibration
from twin.operation.monitoring import FaultRun, ResidualMonitor, fault_run, monitored_twin
from twin.operation.safety_gate import GateDecision, SafetyGate
from twin.operation.tuning import TrackingTask, TuningResult, cost_on_model, cost_on_standin, tune_on_model
from twin.operation.wear import WearScenario

__all__ = [
    "FaultRun",
    "GateDecision",
    "ResidualMonitor",
    "SafetyGate",
    "TrackingTask",
    "TuningResult",
    "WearScenario",
    "commissioning_calibration",
    "cost_on_model",
    "cost_on_standin",
    "fault_run",
    "monitored_twin",
    "tune_on_model",
]
