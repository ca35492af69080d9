"""The humanoid digital twin: stand-in -> link -> estimator + model -> balance controller, forecasts on demand.

``HumanoidTwin`` is the virtual side. Each ``step(measurement)`` folds a measurement into the floating-base
estimate (which also mirrors the model, the ghost of the 3D view) and returns the servo targets to send back.
``forecast()`` and ``try_push()`` run the model ahead of the robot; ``safe_push`` refuses a push the twin
predicts the robot will not survive.

``run_push_trial`` is one experiment: stand, get pushed, recover or fall, over an in-process data connection.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from twin.core.checks import check_count, check_number, check_seed
from twin.humanoid.balance import CapturePointBalance, JointPDOnly
from twin.humanoid.body import ServoGains
from twin.humanoid.estimation import BaseEstimate, EstimatorGains, FloatingBaseEstimator, HumanoidModel
from twin.humanoid.forecast import FallForecast, Forecast
from twin.humanoid.standin import HumanoidMeasurement, HumanoidStandIn, HumanoidTruth, PostureCommand
from twin.link import InProcessLink

Controller = CapturePointBalance | JointPDOnly


class HumanoidTwin:
    """The virtual humanoid that follows a real (or stand-in) one.

    Args:
        controller: the balance controller the twin runs (``CapturePointBalance`` or ``JointPDOnly``).
        gains: the servo gains the twin believes the robot uses (for forecasts).
        estimator_gains: ``EstimatorGains``.
        horizon: forecast horizon, s.
    """

    def __init__(
        self,
        controller: Controller | None = None,
        gains: ServoGains | None = None,
        estimator_gains: EstimatorGains | None = None,
        time_step: float = 1.0 / 240.0,
        horizon: float = 0.6,
    ) -> None:
        check_number("horizon", horizon, "s", low=0.05, high=5.0, hint="how far ahead a forecast runs, e.g. 0.6")
        self.controller = controller if controller is not None else CapturePointBalance(time_step=time_step)
        self.gains = gains or ServoGains()
        self.model = HumanoidModel(time_step)
        self.estimator = FloatingBaseEstimator(self.model, estimator_gains, time_step)
        self.horizon = horizon
        self._forecast: FallForecast | None = None
        self.estimate: BaseEstimate | None = None

    def close(self) -> None:
        """Disconnect every pybullet world the twin holds."""
        self.model.close()
        if self._forecast is not None:
            self._forecast.close()

    def __enter__(self) -> HumanoidTwin:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def step(self, measurement: HumanoidMeasurement) -> PostureCommand:
        """Estimate, mirror, decide: the servo targets for this measurement."""
        self.estimate = self.estimator.update(measurement)
        return self.controller.command(self.estimate)

    @property
    def forecaster(self) -> FallForecast:
        if self._forecast is None:
            self._forecast = FallForecast(self.horizon, self.estimator.dt)
        return self._forecast

    def forecast(self, push: tuple[float, float] | None = None) -> Forecast:
        """Run the model ``horizon`` s ahead from the current estimate (with a push first, if given)."""
        if self.estimate is None:
            raise RuntimeError("the twin has no estimate yet: call step(measurement) first.")
        return self.forecaster.predict(self.estimate, self.controller, self.gains, push)

    def safe_push(self, standin: HumanoidStandIn, impulse: float, direction_deg: float) -> bool:
        """Try the push on the twin first; apply it to the robot only if the twin predicts it survives."""
        check_push(impulse, direction_deg)
        if self.forecast((impulse, direction_deg)).falls:
            return False
        standin.push(impulse, direction_deg)
        return True


def check_push(impulse: float, direction_deg: float) -> None:
    """A clear error for a push that is not an impulse in 0..500 N s in a finite direction (deg)."""
    check_number("impulse", impulse, "N s", low=0, high=500)
    check_number("direction_deg", direction_deg, "deg")


@dataclass
class TrialResult:
    """One push trial: did the robot stay up, when did it fall (s after the push), what the twin saw.

    ``log`` holds per-step arrays: time, true and estimated pelvis position, CoM, capture point, CoP,
    orientation error (rad), and the first forecast of a fall (s after the push, or nan).
    """

    survived: bool
    fall_time: float
    predicted_fall_at: float
    log: dict[str, np.ndarray] = field(repr=False)


def make_controller(kind: str, gains: object = None) -> Controller:
    """``'pd'`` (joint PD only) or ``'balance'`` (capture-point balance with ``gains``)."""
    if kind == "pd":
        return JointPDOnly()
    if kind == "balance":
        return CapturePointBalance(gains)  # type: ignore[arg-type]
    raise ValueError(f"controller kind={kind!r} is unknown; choose 'pd' or 'balance'.")


def run_push_trial(
    kind: str,
    impulse: float,
    direction_deg: float,
    seed: int = 0,
    *,
    truth: HumanoidTruth | None = None,
    balance_gains: object = None,
    estimator_gains: EstimatorGains | None = None,
    settle: float = 0.5,
    after: float = 2.0,
    delay_steps: int = 1,
    forecast_every: int = 0,
    record: bool = False,
    on_step: Callable[[HumanoidStandIn, HumanoidTwin, int], None] | None = None,
) -> TrialResult:
    """Stand for ``settle`` s, push (impulse N s towards direction_deg at the chest, over 0.1 s), watch ``after`` s.

    The robot is ``HumanoidTruth.random(seed)`` unless ``truth`` is given. The twin runs the controller over an
    ``InProcessLink`` with ``delay_steps`` of latency each way, estimating with ``estimator_gains``.
    ``forecast_every`` > 0 runs a fall forecast every that many steps after the push and notes when it first
    predicts the fall. ``on_step(robot, twin, k)`` is called after every step ``k`` (a 3D view draws from it);
    it must not change the experiment.
    """
    check_push(impulse, direction_deg)
    seed = check_seed(seed)
    check_number("settle", settle, "s", low=0.0, high=60.0, hint="seconds of standing before the push, e.g. 0.5")
    check_number(
        "after", after, "s", low=0.0, high=60.0, low_open=True, hint="seconds watched after the push, e.g. 2.0"
    )
    forecast_every = check_count("forecast_every", forecast_every, "steps between forecasts (0: none)")
    truth = truth if truth is not None else HumanoidTruth.random(seed)
    controller = make_controller(kind, balance_gains)
    link = InProcessLink(delay_steps)
    dt = 1.0 / 240.0
    push_step = round(settle / dt)
    total = push_step + round(after / dt)
    names = ("time", "true_pelvis", "est_pelvis", "true_com", "est_com", "capture_point", "cop", "orientation_error")
    log: dict[str, list] = {name: [] for name in names}
    predicted = math.nan
    with HumanoidStandIn(truth, seed=seed) as robot, HumanoidTwin(controller, estimator_gains=estimator_gains) as twin:
        for k in range(total):
            if k == push_step:
                robot.push(impulse, direction_deg)
            measurement = robot.step()
            link.uplink.send(measurement, k)
            for m in link.uplink.receive(k):
                link.downlink.send(twin.step(m), k)
            for command in link.downlink.receive(k):
                robot.apply(command)
            if (
                forecast_every
                and k >= push_step
                and math.isnan(predicted)
                and (k - push_step) % forecast_every == 0
                and twin.estimate is not None
                and twin.forecast().falls
            ):
                predicted = (k - push_step + 1) * dt
            if record and twin.estimate is not None:
                from twin.humanoid.estimation import orientation_error

                truth_now = robot.hidden_state()
                e = twin.estimate
                for name, value in zip(
                    names,
                    (robot.world.time, truth_now.pelvis_position, e.pelvis_position, truth_now.com, e.com,
                     e.capture_point, e.cop, orientation_error(e.pelvis_orientation, truth_now.pelvis_orientation)),
                    strict=True,
                ):  # fmt: skip
                    log[name].append(value)
            if on_step is not None:
                on_step(robot, twin, k)
            if robot.fallen and not record:
                break
        fall_time = robot.fall_time - (push_step + 1) * dt if robot.fallen else math.inf  # type: ignore[operator]
        survived = not robot.fallen
    return TrialResult(survived, fall_time, predicted, {k: np.array(v) for k, v in log.items()})


def largest_survived_impulse(
    kind: str, direction_deg: float, seed: int = 0, *, high: float = 32.0, iterations: int = 5, **options: object
) -> float:
    """Bisection on the impulse (N s) in 0..``high``: the largest one survived, to ``high / 2**iterations``."""
    up = check_number(
        "high", high, "N s", low=0.0, high=500.0, low_open=True, hint="the largest impulse tried, e.g. 32"
    )
    iterations = check_count("iterations", iterations, "bisection steps", low=1)
    low = 0.0
    for _ in range(iterations):
        middle = 0.5 * (low + up)
        if run_push_trial(kind, middle, direction_deg, seed, **options).survived:  # type: ignore[arg-type]
            low = middle
        else:
            up = middle
    return low
