"""Risks of over-relying on the twin (notebook 13): four experiments, each measuring one risk and its safeguard.

- ``time_step_artefact``: a holding controller whose damping is tuned in a twin that steps its physics once per
  control period (semi-implicit Euler). That integrator hides the energy a sample-and-hold controller pumps in
  (about ``kp T / 2`` of missing damping), so the twin accepts gains that shake the stand-in, which runs the same
  controller over finer physics. Safeguard: check that the verdict survives a finer physics step.
- ``calibration_envelope``: a model calibrated on small torques predicts well inside the envelope of its
  calibration data and badly beyond it, where an effect it lacks (motor saturation) takes over. Safeguard:
  ``twin.analytics.envelope.OperatingEnvelope`` flags a query outside the calibrated range before it is trusted.
- ``confidently_wrong``: the joint wears day by day (``twin.studies.wear``); the twin keeps its day-0 parameters
  and the narrow interval its calibration gave them. Safeguard: CUSUM on the daily residual, then recalibrate.
- ``stale_link``: the data connection dies (stops, or a bridge re-sends its last sample) and the robot then fails;
  a twin that shows the newest sample it has shows a healthy robot for ever. Safeguard: a watchdog on the data's
  age (``twin.link.watchdog.SampleAgeWatchdog``), not only on arrivals (``twin.link.sync.StreamMonitor``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from twin.actuators import ActuatorParameters
from twin.analytics.anomaly import CusumDetector
from twin.analytics.envelope import OperatingEnvelope
from twin.calibration import calibrate, excitation_torques, predict, record_trajectory
from twin.calibration.trajectory import Trajectory
from twin.control.pd import JointPD
from twin.core.checks import check_number
from twin.core.messages import JointCommand
from twin.core.types import DEFAULT_TIME_STEP, DynamicsParameters
from twin.link.impaired_link import StepChannel
from twin.link.impairments import Impairments
from twin.link.sync import StreamMonitor
from twin.link.watchdog import SampleAgeWatchdog
from twin.physical_system.standin import DEFAULT_TRUTH, PhysicalStandIn, UnmodeledEffects
from twin.sensors.joint_state import JointStateSensor
from twin.studies.commissioning import commissioning_calibration
from twin.studies.wear import WearScenario
from twin.virtual_model.virtual import VirtualModel


def _whole(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name}={value!r} must be a whole number >= {minimum}.")
    return int(value)


# -- 3.1 a simulator artefact: the time step -----------------------------------------------------------------
HOLD_STIFFNESS = 600.0  # N m/rad: a stiff position hold
CONTROL_PERIOD = 1.0 / 60.0  # s: the controller's period, and the twin's physics step
STANDIN_SUBSTEPS = 16  # the stand-in's physics steps per control period (1/960 s: close to continuous time)
ARTEFACT_PARAMETERS = DynamicsParameters(mass_scale=1.2)  # model and stand-in alike: the parameters are perfect
SETTLED = 1e-3  # rad: a hold counts as settled when its error stays below this in the last window


def hold_trace(
    kp: float,
    kd: float,
    substeps: int = 1,
    *,
    standin: bool = False,
    control_period: float = CONTROL_PERIOD,
    seconds: float = 2.0,
    start_offset: float = 0.1,
) -> tuple[np.ndarray, np.ndarray]:
    """(times s, angles rad wrapped to [-pi, pi]) at the end of each control period of a pendulum holding 0 rad.

    A ``JointPD`` (no gravity compensation) runs every ``control_period`` s and its torque is held for
    ``substeps`` physics steps of ``control_period / substeps``. Starts ``start_offset`` rad off, at rest.

    Args:
        kp, kd: gains, N m/rad and N m s/rad.
        substeps: physics steps per control period (1: the physics steps with the controller).
        standin: False runs the twin's ``VirtualModel``; True a noiseless ``PhysicalStandIn`` with the same
            parameters (``ARTEFACT_PARAMETERS``), so the physics step is the only difference.
    """
    kp = check_number("kp", kp, "N m/rad", low=0.0, low_open=True, hint="for example 600")
    kd = check_number("kd", kd, "N m s/rad", low=0.0, hint="for example 6")
    substeps = _whole("substeps", substeps, 1)
    period = check_number("control_period", control_period, "s", low=0.0, low_open=True, hint="for example 1/60")
    periods = round(check_number("seconds", seconds, "s", low=0.0, low_open=True) / period)
    controller = JointPD(np.zeros(1), kp=kp, kd=kd, gravity_compensation=False)
    step = period / substeps
    if standin:
        sensor = JointStateSensor(position_noise_std=0.0, velocity_noise_std=0.0)
        system = PhysicalStandIn(
            "pendulum", ARTEFACT_PARAMETERS, sensor, time_step=step, initial_positions=[start_offset]
        )
    else:
        system = VirtualModel("pendulum", ARTEFACT_PARAMETERS, time_step=step, initial_positions=[start_offset])
    angles = np.empty(periods)
    with system:
        for k in range(periods):
            state = system.true_state() if standin else system.state()
            tau = controller(k * period, state.positions, state.velocities, None)
            for _ in range(substeps):
                if standin:
                    system.apply(JointCommand(system.time, tau))
                    system.step()
                else:
                    system.advance(tau)
            angle = (system.true_state() if standin else system.state()).positions[0]
            angles[k] = math.remainder(angle, 2 * math.pi)
    return period * np.arange(1, periods + 1), angles


def hold_error(
    kp: float, kd: float, substeps: int = 1, *, standin: bool = False, seconds: float = 2.0, window: float = 0.5
) -> float:
    """Largest |angle error| (rad) in the last ``window`` s of ``hold_trace`` (same arguments): 0 when it settled."""
    window, seconds = (
        check_number("window", window, "s", low=0.0, low_open=True),
        check_number("seconds", seconds, "s", low=0.0, low_open=True),
    )
    if window >= seconds:
        raise ValueError(f"window={window} s must be shorter than the run (seconds={seconds}).")
    times, angles = hold_trace(kp, kd, substeps, standin=standin, seconds=seconds)
    return float(np.max(np.abs(angles[times > times[-1] - window])))


def sample_and_hold_damping(kp: float, control_period: float = CONTROL_PERIOD) -> float:
    """Damping (N m s/rad) that holding a PD torque for one period removes, ``kp T / 2``: the least ``kd`` that keeps
    the held loop stable on a fast plant. A twin stepping its physics once per period (semi-implicit Euler) does
    not see this loss; exact zero-order hold does (eigenvalues of the sampled double integrator)."""
    return (
        check_number("kp", kp, "N m/rad", low=0.0, low_open=True)
        * check_number("control_period", control_period, "s", low=0.0, low_open=True)
        / 2
    )


@dataclass(frozen=True)
class ArtefactResult:
    """The damping sweep of ``time_step_artefact``.

    Attributes:
        kp: stiffness, N m/rad. kd_grid: damping values tried, N m s/rad.
        substeps: the twin's physics steps per control period in each column of ``twin_errors``.
        twin_errors: (kd, substeps) hold error in the twin, rad. standin_errors: (kd,) on the stand-in, rad.
        kd_twin: the least kd the twin at one step per period calls settled; kd_refined: the least kd settled at
            every refinement (``None`` when no kd on the grid is).
    """

    kp: float
    kd_grid: np.ndarray
    substeps: tuple[int, ...]
    twin_errors: np.ndarray
    standin_errors: np.ndarray
    kd_twin: float | None
    kd_refined: float | None
    control_period: float = CONTROL_PERIOD

    def standin_error(self, kd: float | None) -> float:
        """The stand-in's hold error (rad) for one kd of the grid."""
        if kd is None:
            raise ValueError("no damping on the grid settled: widen kd_grid.")
        return float(self.standin_errors[int(np.argmin(np.abs(self.kd_grid - kd)))])

    @property
    def missing_damping(self) -> float:
        """``kp T / 2``, N m s/rad: the damping the coarse twin does not see (``sample_and_hold_damping``)."""
        return sample_and_hold_damping(self.kp, self.control_period)


def _least_settled(kd_grid: np.ndarray, errors: np.ndarray) -> float | None:
    ok = np.nonzero(np.all(errors < SETTLED, axis=1))[0]
    return float(kd_grid[ok[0]]) if ok.size else None


def time_step_artefact(
    kp: float = HOLD_STIFFNESS,
    kd_grid: Sequence[float] | np.ndarray = tuple(range(1, 13)),
    substeps: Sequence[int] = (1, 2, 4, 8),
    progress: bool = False,
) -> ArtefactResult:
    """Tune ``kd`` in the twin (least damping that settles), with and without refining the physics step, and run
    every kd on the stand-in (``STANDIN_SUBSTEPS`` physics steps per control period).

    The first entry of ``substeps`` must be 1 (the twin as it was used for tuning)."""
    grid = np.asarray(kd_grid, dtype=float)
    if grid.ndim != 1 or grid.size == 0 or np.any(np.diff(grid) <= 0) or np.any(grid < 0):
        raise ValueError(f"kd_grid={kd_grid!r} must be increasing damping values >= 0, e.g. range(1, 13).")
    subs = tuple(_whole("substeps", s, 1) for s in substeps)
    if not subs or subs[0] != 1:
        raise ValueError(f"substeps={substeps!r} must start with 1 (the twin as tuned), e.g. (1, 2, 4, 8).")
    iterator = grid
    if progress:
        from twin.core.progress import tqdm

        iterator = tqdm(grid, desc="damping values", unit="kd")
    twin_errors = np.empty((grid.size, len(subs)))
    standin_errors = np.empty(grid.size)
    for i, kd in enumerate(iterator):
        twin_errors[i] = [hold_error(kp, kd, s) for s in subs]
        standin_errors[i] = hold_error(kp, kd, STANDIN_SUBSTEPS, standin=True)
    return ArtefactResult(
        kp=float(kp),
        kd_grid=grid,
        substeps=subs,
        twin_errors=twin_errors,
        standin_errors=standin_errors,
        kd_twin=_least_settled(grid, twin_errors[:, :1]),
        kd_refined=_least_settled(grid, twin_errors),
    )


# -- 3.2 trusted outside the calibration envelope -----------------------------------------------------------
ENVELOPE_CHANNELS = ("angle", "speed", "torque")
MOTOR_LIMIT = 2.5  # N m: the stand-in's motor saturates here; the twin's model has no such limit


def trajectory_samples(trajectory: Trajectory) -> np.ndarray:
    """(samples, 3) columns angle (rad), speed (rad/s), commanded torque (N m) of a one-joint recording."""
    if trajectory.joints != 1:
        raise ValueError(f"a one-joint recording is needed (the pendulum), got {trajectory.joints} joints.")
    return np.column_stack([trajectory.positions[:, 0], trajectory.velocities[:, 0], trajectory.commands[:, 0]])


@dataclass(frozen=True)
class EnvelopeResult:
    """Prediction errors of a small-torque calibration, inside and outside its envelope.

    Attributes:
        estimate: the calibrated dynamics. envelope: the calibration data's ``OperatingEnvelope``.
        amplitudes: peak torque of each test motion, N m. distances: each test's worst distance from the envelope,
            in calibrated spans (0 = inside). errors: RMS angle prediction error of each test, rad.
        calibration_amplitude: the calibration's peak torque, N m.
    """

    estimate: DynamicsParameters
    envelope: OperatingEnvelope
    amplitudes: np.ndarray
    distances: np.ndarray
    errors: np.ndarray
    calibration_amplitude: float

    @property
    def inside(self) -> np.ndarray:
        """Per test: True when its motion stayed inside the envelope."""
        return self.distances == 0

    @property
    def error_ratio(self) -> float:
        """Mean RMS error of the tests outside the envelope over that of the tests inside (needs both)."""
        if self.inside.all() or not self.inside.any():
            raise ValueError("the ratio needs tests both inside and outside the envelope.")
        return float(self.errors[~self.inside].mean() / self.errors[self.inside].mean())


def calibration_envelope(
    calibration_amplitude: float = 1.5,
    test_amplitudes: Sequence[float] = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0),
    *,
    motor_limit: float = MOTOR_LIMIT,
    seconds: float = 4.0,
    test_seconds: float = 2.0,
    horizon: float = 0.5,
    seed: int = 0,
) -> EnvelopeResult:
    """Calibrate the pendulum on ``seconds`` of multisine of peak ``calibration_amplitude`` N m, on a stand-in whose
    motor saturates at ``motor_limit`` N m; then predict test motions (multisines of other phases) of each peak
    torque, restarting from the measured state every ``horizon`` s as a monitoring twin would."""
    amplitude = check_number(
        "calibration_amplitude", calibration_amplitude, "N m", low=0.0, low_open=True, hint="for example 1.5"
    )
    tests = np.asarray(
        [
            check_number("test amplitude", a, "N m", low=0.0, low_open=True, hint="for example 3.0")
            for a in test_amplitudes
        ]
    )
    if tests.size == 0:
        raise ValueError("test_amplitudes is empty: give the peak torques (N m) of the test motions.")
    effects = UnmodeledEffects(
        actuator=ActuatorParameters(
            torque_limit=check_number("motor_limit", motor_limit, "N m", low=0.0, low_open=True)
        )
    )
    steps = round(check_number("seconds", seconds, "s", low=0.0, low_open=True) / DEFAULT_TIME_STEP)
    with PhysicalStandIn("pendulum", seed=seed, effects=effects) as robot:
        data = record_trajectory(robot, excitation_torques("pendulum", steps, seed=seed, amplitude=amplitude))
    estimate = calibrate(data, "pendulum").estimate
    envelope = OperatingEnvelope.from_samples(trajectory_samples(data), ENVELOPE_CHANNELS)
    test_steps = round(check_number("test_seconds", test_seconds, "s", low=0.0, low_open=True) / DEFAULT_TIME_STEP)
    distances, errors = [], []
    for i, peak in enumerate(tests):
        with PhysicalStandIn("pendulum", seed=seed + 1 + i, effects=effects) as robot:
            plan = excitation_torques("pendulum", test_steps, seed=seed + 100, amplitude=float(peak))
            test = record_trajectory(robot, plan)
        predicted = predict(test, "pendulum", estimate, horizon=horizon)
        errors.append(float(np.sqrt(np.mean((predicted.positions - test.positions) ** 2))))
        distances.append(envelope.check(trajectory_samples(test)).worst_distance)
    return EnvelopeResult(estimate, envelope, tests, np.array(distances), np.array(errors), amplitude)


# -- 3.3 confidently wrong as the robot wears ------------------------------------------------------------------
MILD_WEAR = WearScenario(friction_wear=0.005, wear_rate=0.1)  # friction 0.02 N m on day 0, doubled by day 17


@dataclass(frozen=True)
class WearResult:
    """What the twin said and what was true, day by day.

    Attributes:
        days: day numbers. health: the day's residual RMS (health indicator), rad.
        healthy_mean, healthy_std: the HI over ``replicates`` day-0 runs (noise only), rad.
        true_friction: per day, N m. model_friction: the twin's (never updated), N m.
        friction_interval: the calibration's 2-sigma interval for friction, N m: the twin's stated confidence.
        alarm_day: first day CUSUM on the HI alarms (``None``: never). recalibrated_health: the alarm day's HI with
            a model recalibrated on that day's robot, rad (``None`` without an alarm).
    """

    days: np.ndarray
    health: np.ndarray
    healthy_mean: float
    healthy_std: float
    true_friction: np.ndarray
    model_friction: float
    friction_interval: tuple[float, float]
    alarm_day: float | None
    recalibrated_health: float | None

    @property
    def band(self) -> float:
        """The twin's 'all nominal' band for the HI: healthy mean + 3 sigma, rad; the same on every day."""
        return self.healthy_mean + 3 * self.healthy_std

    @property
    def wrong_from_day(self) -> float | None:
        """First day the true friction lies outside the twin's own 2-sigma interval (``None``: never)."""
        low, high = self.friction_interval
        out = np.nonzero((self.true_friction < low) | (self.true_friction > high))[0]
        return float(self.days[out[0]]) if out.size else None

    @property
    def detection_delay(self) -> float | None:
        """Days from ``wrong_from_day`` to the alarm (``None`` when either never happens)."""
        if self.alarm_day is None or self.wrong_from_day is None:
            return None
        return self.alarm_day - self.wrong_from_day

    def unnoticed_days(self, alarm_day: float | None) -> int:
        """Days the twin was wrong beyond its own interval before an alarm on ``alarm_day`` (``None``: no monitor,
        so every such day of the run counts): how long it stayed confidently wrong."""
        wrong = self.wrong_from_day
        if wrong is None:
            return 0
        end = math.inf if alarm_day is None else alarm_day
        return int(np.sum((self.days >= wrong) & (self.days < end)))

    @property
    def friction_error_on_last_day(self) -> float:
        """True / model friction on the last day: how wrong the twin is by then (1 = right)."""
        return float(self.true_friction[-1] / self.model_friction)


def healthy_health(scenario: WearScenario, replicates: int = 20) -> np.ndarray:
    """The day-0 HI (rad) of ``replicates`` runs with fresh sensor noise: the spread of a healthy residual."""
    replicates = _whole("replicates", replicates, 3)
    model = scenario.model_parameters
    return np.array([replace(scenario, seed=10_000 + i, model=model).health_indicator(0) for i in range(replicates)])


def confidently_wrong(
    days: int = 40,
    scenario: WearScenario = MILD_WEAR,
    replicates: int = 20,
    drift: float = 0.5,
    threshold: float = 5.0,
    progress: bool = False,
) -> WearResult:
    """Run the standard test motion on each of ``days`` days while the joint wears, with the day-0 model.

    The CUSUM's mean and sigma come from ``replicates`` healthy day-0 runs; its ``drift`` and ``threshold`` are in
    sigmas. On the alarm day the model is recalibrated on that day's robot (``commissioning_calibration``)."""
    days = _whole("days", days, 2)
    calibration = commissioning_calibration(scenario.robot, scenario.day0, scenario.seed, time_step=scenario.time_step)
    scenario = replace(scenario, model=calibration.estimate)
    healthy = healthy_health(scenario, replicates)
    day_list, health = scenario.inspect(days, progress=progress)
    detector = CusumDetector(float(np.std(healthy, ddof=1)), drift, threshold, mean=float(np.mean(healthy)))
    first = detector.run(health).first_alarm
    alarm_day = None if first is None else float(day_list[first])
    recalibrated = None
    if alarm_day is not None:
        worn = scenario.day0.with_changes(joint_friction=scenario.friction(alarm_day))
        new_model = commissioning_calibration(scenario.robot, worn, scenario.seed, time_step=scenario.time_step)
        recalibrated = replace(scenario, day0=worn, model=new_model.estimate).health_indicator(0)
    return WearResult(
        days=day_list,
        health=health,
        healthy_mean=float(np.mean(healthy)),
        healthy_std=float(np.std(healthy, ddof=1)),
        true_friction=np.array([scenario.friction(d) for d in day_list]),
        model_friction=calibration.estimate.joint_friction,
        friction_interval=calibration.interval("joint_friction"),
        alarm_day=alarm_day,
        recalibrated_health=recalibrated,
    )


# -- 3.4 a stale link the twin does not notice -----------------------------------------------------------------
LINK_MODES = ("stops", "repeats")
HOLD_ANGLE = 0.8  # rad: the arm holds this angle until its motor fails
SAMPLE_EVERY = 4  # physics steps per sample sent (60 Hz at 1/240 s)
HEALTHY_LINK = Impairments(latency=0.02, jitter=0.005, loss=0.02)


@dataclass(frozen=True)
class StaleLinkResult:
    """One run: the link fails at ``fault_time``, the motor at ``failure_time``.

    Attributes:
        times: the twin's clock at each physics step, s. true_angle: the robot's real angle, rad.
        shown_angle: the newest sample the twin has (what a naive twin shows), rad (NaN before the first).
        arrival_age: s since any message arrived. sample_age: s since the newest sample was taken.
        noticed: per watchdog (``"none"``, ``"arrival"``, ``"sample age"``), the first time after the fault it
            says the data are stale, s, or ``None`` (never).
        false_alarms: per watchdog, how many times it went stale before the fault (each rising edge counts).
        stale_before: per watchdog, seconds it said "stale" before the fault (0 for a quiet watchdog).
    """

    mode: str
    timeout: float
    fault_time: float
    failure_time: float
    times: np.ndarray
    true_angle: np.ndarray
    shown_angle: np.ndarray
    arrival_age: np.ndarray
    sample_age: np.ndarray
    noticed: dict[str, float | None]
    false_alarms: dict[str, int]
    stale_before: dict[str, float]

    @property
    def healthy_ages(self) -> np.ndarray:
        """Sample ages (s) before the fault, once the first sample has arrived: what a timeout must stay above."""
        ok = (self.times < self.fault_time) & np.isfinite(self.sample_age)
        return self.sample_age[ok]

    def delay(self, watchdog: str) -> float:
        """Seconds from the link's fault until ``watchdog`` noticed (inf: never, within the run)."""
        if watchdog not in self.noticed:
            raise ValueError(f"watchdog={watchdog!r}; choose one of {list(self.noticed)}.")
        noticed = self.noticed[watchdog]
        return math.inf if noticed is None else noticed - self.fault_time

    @property
    def hidden_error(self) -> float:
        """Largest |shown - true| angle (rad) after the motor failed: how wrong the naive twin's picture gets."""
        after = self.times >= self.failure_time
        return float(np.max(np.abs(self.shown_angle[after] - self.true_angle[after])))


def _rises(stale: np.ndarray) -> int:
    """How many times a boolean series goes from False to True (a start in True counts once)."""
    return int(stale[0]) + int(np.sum(stale[1:] & ~stale[:-1])) if stale.size else 0


def stale_link(
    mode: str = "stops",
    timeout: float = 0.1,
    *,
    seconds: float = 4.0,
    fault_time: float = 1.5,
    failure_after: float = 0.5,
    impairments: Impairments = HEALTHY_LINK,
    seed: int = 0,
) -> StaleLinkResult:
    """A pendulum holding ``HOLD_ANGLE`` sends a sample every ``SAMPLE_EVERY`` steps over an impaired uplink.

    At ``fault_time`` (s) the link fails: ``"stops"`` (nothing more is sent) or ``"repeats"`` (a bridge keeps
    re-sending the last sample taken before the fault, time stamp and all). ``failure_after`` s later the motor
    fails and the arm falls. Two watchdogs with the same ``timeout`` (s) watch: ``StreamMonitor`` on arrivals,
    ``SampleAgeWatchdog`` on the samples' own time stamps."""
    if mode not in LINK_MODES:
        raise ValueError(f"mode={mode!r}; choose one of {list(LINK_MODES)}.")
    timeout = check_number("timeout", timeout, "s", low=0.0, low_open=True, hint="for example 0.1")
    seconds = check_number("seconds", seconds, "s", low=0.0, low_open=True)
    fault_time = check_number("fault_time", fault_time, "s", low=0.0, low_open=True)
    failure_time = fault_time + check_number("failure_after", failure_after, "s", low=0.0)
    if failure_time >= seconds:
        raise ValueError(f"the motor fails at {failure_time} s, after the run ends ({seconds} s): run longer.")
    dt = DEFAULT_TIME_STEP
    steps = round(seconds / dt)
    uplink = StepChannel("measurement", impairments, dt, seed)
    arrivals, ages = StreamMonitor(stale_after=timeout), SampleAgeWatchdog(timeout)
    controller = JointPD(np.array([HOLD_ANGLE]), kp=50.0, kd=5.0)
    rows = np.full((steps, 4), np.nan)  # true angle, shown angle, arrival age, sample age
    stale = np.zeros((steps, 2), dtype=bool)
    shown_time, shown, last_sent = -math.inf, math.nan, None
    truth = DEFAULT_TRUTH["pendulum"]
    with (
        PhysicalStandIn("pendulum", truth, seed=seed, initial_positions=[HOLD_ANGLE]) as robot,
        VirtualModel("pendulum", truth) as onboard,  # the robot's own gravity model for its controller
    ):
        for k in range(steps):
            now = k * dt
            measurement = robot.measure()
            if k % SAMPLE_EVERY == 0:
                if now < fault_time:
                    last_sent = measurement
                    uplink.send(measurement, k)
                elif mode == "repeats" and last_sent is not None:
                    uplink.send(last_sent, k)
            for sample in uplink.receive(k):
                arrivals.heartbeat("robot", now)
                ages.observe(sample.time)
                if sample.time > shown_time:
                    shown_time, shown = sample.time, float(sample.positions[0])
            rows[k] = robot.true_state().positions[0], shown, arrivals.age(now), ages.age(now)
            stale[k] = arrivals.is_stale(now), ages.is_stale(now)
            if now < failure_time:
                q, qd = measurement.positions, measurement.velocities
                tau = controller(now, q, qd, onboard.gravity_torques(q))
            else:
                tau = np.zeros(1)
            robot.apply(JointCommand(robot.time, tau))
            robot.step()
    times = dt * np.arange(steps)
    before, after = times < fault_time, times >= fault_time
    started = np.isfinite(rows[:, 3])
    noticed: dict[str, float | None] = {"none": None}
    false_alarms, stale_before = {"none": 0}, {"none": 0.0}
    for j, name in enumerate(("arrival", "sample age")):
        hits = np.nonzero(stale[:, j] & after)[0]
        noticed[name] = float(times[hits[0]]) if hits.size else None
        false_alarms[name] = _rises(stale[before & started, j])
        stale_before[name] = dt * float(np.sum(stale[before & started, j]))
    return StaleLinkResult(
        mode=mode,
        timeout=timeout,
        fault_time=fault_time,
        failure_time=failure_time,
        times=times,
        true_angle=rows[:, 0],
        shown_angle=rows[:, 1],
        arrival_age=rows[:, 2],
        sample_age=rows[:, 3],
        noticed=noticed,
        false_alarms=false_alarms,
        stale_before=stale_before,
    )
