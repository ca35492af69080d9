"""The operation phase: monitor a running twin, predict wear, optimise and test safely.

- ``monitoring``: CUSUM detectors on a running twin's residuals (``ResidualMonitor``).
- ``tuning``: tune a controller on the model, measure the gain on the stand-in (``tune_on_model``).
- ``safety_gate``: forecast every command on the model before the robot runs it (``SafetyGate``).

The studies of the operation phase build their own twins and stand-ins, so they live with the studies:
``twin.studies.commissioning`` (``commissioning_calibration``), ``twin.studies.fault_detection``
(``monitored_twin``, ``fault_run``) and ``twin.studies.wear`` (``WearScenario``).
"""

from twin.operation.monitoring import ResidualMonitor
from twin.operation.safety_gate import GateDecision, SafetyGate
from twin.operation.tuning import TrackingTask, TuningResult, cost_on_model, cost_on_standin, tune_on_model

__all__ = [
    "GateDecision",
    "ResidualMonitor",
    "SafetyGate",
    "TrackingTask",
    "TuningResult",
    "cost_on_model",
    "cost_on_standin",
    "tune_on_model",
]
