"""The humanoid as a digital twin: a stand-in that sends what a real humanoid sends, floating-base estimation,
balance theory (LIPM, capture point, CoP, support polygon), a balance controller, push recovery and fall
forecasts. Nothing here draws: views live in ``twin.viz`` and ``twin.plotting``.

- ``body``: joint names, servos, centre of mass, feet of the catalogue humanoid (both sides share it).
- ``standin``: ``HumanoidStandIn`` (hidden truth, sensors, pushes, falls) and the messages on the link.
- ``estimation``: ``HumanoidModel`` (the twin's model) and ``FloatingBaseEstimator``.
- ``lipm``: omega, the closed-form LIPM, capture point, CoP, support polygon.
- ``balance``: ``JointPDOnly`` and ``CapturePointBalance``.
- ``forecast``: ``FallForecast``, the twin running ahead of the robot.
- ``twin``: ``HumanoidTwin``, ``run_push_trial``, ``largest_survived_impulse``.
- ``pendulum``: the LIPM's physical counterparts (a point mass on a massless leg; a rigid body on its ankles).
- ``experiments``: estimation graded against hidden truth, push-survival grids, safe push requests.
- ``process``: ``HumanoidProcess``, the stand-in in its own process behind a ZeroMQ link.
"""

from twin.humanoid.balance import BalanceGains, CapturePointBalance, JointPDOnly
from twin.humanoid.estimation import BaseEstimate, EstimatorGains, FloatingBaseEstimator, HumanoidModel
from twin.humanoid.forecast import FallForecast, Forecast
from twin.humanoid.lipm import capture_point, center_of_pressure, lipm_omega, lipm_state, support_margin
from twin.humanoid.standin import HumanoidMeasurement, HumanoidStandIn, HumanoidTruth, PostureCommand
from twin.humanoid.twin import HumanoidTwin, largest_survived_impulse, run_push_trial

__all__ = [
    "BalanceGains",
    "BaseEstimate",
    "CapturePointBalance",
    "EstimatorGains",
    "FallForecast",
    "FloatingBaseEstimator",
    "Forecast",
    "HumanoidMeasurement",
    "HumanoidModel",
    "HumanoidStandIn",
    "HumanoidTruth",
    "HumanoidTwin",
    "JointPDOnly",
    "PostureCommand",
    "capture_point",
    "center_of_pressure",
    "largest_survived_impulse",
    "lipm_omega",
    "lipm_state",
    "run_push_trial",
    "support_margin",
]
