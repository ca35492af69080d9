"""Calibration as system identification: find the dynamics parameters that make the model reproduce the data.

The method is *multiple shooting*: cut the recorded trajectory into short segments, start the model at
the measured state at the beginning of each segment, replay the recorded commands, and compare the
simulated states with the measured ones. ``scipy.optimize.least_squares`` moves the parameters until
that simulation error is as small as the data allows. Short segments keep a slightly wrong model from
drifting far away (which would make the cost bumpy) while still letting the parameters act for long
enough to leave a trace.

The Jacobian of the residuals at the solution says how well each parameter is pinned down: the
covariance of the estimate is approximately ``s^2 (J^T J)^-1`` (``s^2`` the residual variance). A
parameter whose column in ``J`` is zero (the data does not depend on it) or that moves together with
another (only their combination shows) has a huge standard error: it is *unidentifiable* from this
data. ``calibrate`` then reports it, keeps its initial value and fits the others, instead of
returning a number that means nothing; their standard errors are widened for the kept value being unknown.
That formula assumes residuals that are sensor noise. When the residual RMS is well above what noise alone
leaves (``CalibrationResult.lack_of_fit``), the model misses something, the report says so, and the standard
errors become the segment-robust ones (each shooting segment one independent piece of evidence).

What can be identified here, and what cannot: ``mass_scale`` is one factor on every link's mass and
inertia (not per-link masses); ``strength`` is delivered / commanded torque (a motor's torque constant,
winding resistance and driver gain show only through that ratio, and from motion alone only its ratio
to the mass); a command latency is found in whole time steps (``estimate_command_delay``).
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from numbers import Integral, Real

import numpy as np
from scipy.optimize import least_squares

from twin.calibration.trajectory import Trajectory
from twin.core.checks import check_count
from twin.sim._bullet import pybullet
from twin.sim.plant import DynamicsParameters, SimulatedRobot
from twin.sim.robots import ROBOTS

DEFAULT_PARAMETERS = ("mass_scale", "joint_friction", "joint_damping")
# Typical size of each parameter: the optimiser works in units of these, and they set how small a
# standard error must be before a value near zero counts as known.
PARAMETER_SCALES = {"mass_scale": 1.0, "joint_friction": 0.1, "joint_damping": 0.1, "strength": 1.0}
LOWER_BOUNDS = {"mass_scale": 0.05, "joint_friction": 0.0, "joint_damping": 0.0, "strength": 0.05}
UNITS = {"mass_scale": "x URDF", "joint_friction": "N m", "joint_damping": "N m s/rad", "strength": "x nominal"}
# Besides the DynamicsParameters fields, the actuator's strength (delivered / commanded torque, as in
# twin.actuators.ActuatorParameters.strength) can be calibrated.
ACTUATOR_PARAMETERS = ("strength",)
# A calibration needs at least this many samples, and this many residuals per fitted parameter.
MIN_CALIBRATION_SAMPLES = 20
MIN_RESIDUALS_PER_PARAMETER = 10
# A combination of parameters (columns scaled to unit length) that moves the simulated data by less than
# this fraction of what one parameter alone does is taken to move it not at all: only the other
# combinations show. The derivatives are accurate to about 1e-7 of a column (see _JointProblem), so this
# is zero to their precision; weaker combinations that are merely small fail the standard-error test.
COLLINEARITY_LIMIT = 1e-6
# A fit whose residual RMS exceeds the noise floor (what sensor noise alone would leave) by more than this
# does not explain the data: the part the model misses is then larger than the sensor noise itself
# (sqrt(ratio^2 - 1) > 1).
LACK_OF_FIT_RATIO = math.sqrt(2.0)
_REFUSED_RESIDUAL = 1e3  # returned (in noise units) for parameters the simulator refuses (unstable damping)


def _check_robot(robot: str) -> None:
    if robot not in ROBOTS or not ROBOTS[robot].fixed_base:
        fixed = sorted(name for name, spec in ROBOTS.items() if spec.fixed_base)
        raise ValueError(f"robot={robot!r} cannot be calibrated; use a fixed-base catalogue robot: {fixed}.")


def _check_names(parameters: Sequence[str]) -> tuple[str, ...]:
    if isinstance(parameters, str):
        parameters = (parameters,)
    names = tuple(parameters)
    valid = [f.name for f in fields(DynamicsParameters)] + list(ACTUATOR_PARAMETERS)
    unknown = [name for name in names if name not in valid]
    if unknown:
        raise ValueError(f"Unknown parameter(s) {unknown}; choose from {valid}.")
    if not names:
        raise ValueError(f"Name at least one parameter to calibrate, from {valid}.")
    if len(set(names)) != len(names):
        raise ValueError(f"parameters={names} names one parameter twice.")
    return names


def _check_positive(name: str, value: float, hint: str) -> float:
    if not isinstance(value, Real) or isinstance(value, bool) or not (0 < value < math.inf):
        raise ValueError(f"{name}={value!r} must be a positive finite number ({hint}).")
    return float(value)


class ShootingProblem:
    """The simulation error of a parameter guess on one trajectory, segment by segment.

    Each segment of ``horizon_steps`` samples starts the model from its own initial state, which the
    fit estimates too (it starts at the measured state): a noisy measured start would otherwise bend
    every simulated segment and make the residuals anything but sensor noise.

    Args:
        trajectory: the recorded data on one time grid (a new segment starts after each gap).
        robot: catalogue name of the model (the same robot the data came from).
        horizon_steps: samples per segment.
        position_noise_std, velocity_noise_std: measurement noise, rad and rad/s; residuals are divided
            by them, so a perfect model leaves residuals of about one.
    """

    def __init__(
        self,
        trajectory: Trajectory,
        robot: str,
        horizon_steps: int,
        position_noise_std: float,
        velocity_noise_std: float,
    ) -> None:
        self.trajectory = trajectory
        self.horizon_steps = horizon_steps
        self.noise = np.array([position_noise_std, velocity_noise_std])
        self.plant = SimulatedRobot(robot, time_step=trajectory.time_step)
        self.evaluations = 0
        # segments of horizon_steps samples, and a fresh one after every gap (lost samples: their commands
        # are unknown, so no segment may run across one)
        bounds = [0, *trajectory.gaps().tolist(), len(trajectory)]
        self.starts = [k for a, b in zip(bounds[:-1], bounds[1:], strict=True) for k in range(a, b, horizon_steps)]
        self.stops = [*self.starts[1:], len(trajectory)]
        self.measured = np.concatenate([trajectory.positions, trajectory.velocities], axis=1)  # (n, 2 dof)

    @property
    def segments(self) -> int:
        return len(self.starts)

    @property
    def state_size(self) -> int:
        """Numbers per segment start: positions and velocities."""
        return 2 * self.trajectory.joints

    @property
    def size(self) -> int:
        return len(self.trajectory) * self.state_size

    def simulate(
        self, parameters: DynamicsParameters, offsets: np.ndarray | None = None, strength: float = 1.0
    ) -> np.ndarray:
        """Simulated (positions, velocities) at every sample, shape (n, 2 dof).

        ``offsets`` (segments, 2 dof) move each segment's start away from the measured state, in units
        of the sensor noise; ``strength`` multiplies every command (delivered / commanded torque).
        """
        data = self.trajectory
        dof = data.joints
        self.plant.set_parameters(parameters)
        states = np.empty_like(self.measured)
        for s, (start, stop) in enumerate(zip(self.starts, self.stops, strict=True)):
            initial = self.measured[start].copy()
            if offsets is not None:
                initial += offsets[s] * np.repeat(self.noise, dof)
            commands = data.commands[start : stop - 1] * strength
            states[start:stop] = self._replay(initial, commands, parameters.joint_damping)
        self.evaluations += 1
        return states

    def _replay(self, initial: np.ndarray, commands: np.ndarray, damping: float) -> np.ndarray:
        """States from ``initial`` (positions, velocities) under ``commands``, one row per sample.

        The same physics as ``SimulatedRobot.step`` (a test checks they agree to rounding error), called
        on the pybullet client directly: calibration replays the data thousands of times, and the
        wrapper's checks cost about five times the physics.
        """
        plant = self.plant
        dof = plant.dof
        client, body, joints = plant.world.client, plant.robot.body_id, plant.robot.joint_indices
        plant.set_state(initial[:dof], initial[dof:])
        states = np.empty((len(commands) + 1, 2 * dof))
        states[0] = initial
        velocities = np.array([j[1] for j in client.getJointStates(body, joints)])  # as pybullet stores them
        step, read, apply = client.stepSimulation, client.getJointStates, client.setJointMotorControlArray
        for k, command in enumerate(commands):
            torques = command - damping * velocities if damping else command
            apply(body, joints, pybullet.TORQUE_CONTROL, forces=torques.tolist())
            step()
            joint_states = read(body, joints)
            positions = [j[0] for j in joint_states]
            velocities = np.array([j[1] for j in joint_states])
            states[k + 1, :dof] = positions
            states[k + 1, dof:] = velocities
        plant.world.steps_taken += len(commands)
        return states

    def residuals(
        self, parameters: DynamicsParameters, offsets: np.ndarray | None = None, strength: float = 1.0
    ) -> np.ndarray:
        """Simulation error in units of sensor noise, sample by sample (positions then velocities), flat."""
        try:
            states = self.simulate(parameters, offsets, strength)
        except ValueError:  # e.g. damping too large to simulate stably: a very bad guess, not a crash
            self.evaluations += 1
            return np.full(self.size, _REFUSED_RESIDUAL)
        weights = np.repeat(1.0 / self.noise, self.trajectory.joints)
        return ((states - self.measured) * weights).ravel()

    def segment_rows(self) -> list[slice]:
        """The residual rows that belong to each segment."""
        width = self.state_size
        return [slice(a * width, b * width) for a, b in zip(self.starts, self.stops, strict=True)]

    def close(self) -> None:
        self.plant.close()


@dataclass(frozen=True)
class CalibrationResult:
    """What a calibration found, and how sure it is.

    Attributes:
        estimate: the full parameter set to give the model (unfitted fields keep ``initial``'s values).
        values: fitted value of each requested parameter (the initial value for unidentifiable ones).
        standard_errors: one standard deviation of each estimate (``nan`` for unidentifiable ones).
        unidentifiable: parameters this data cannot determine; ``reasons`` says why. They keep their
            initial values, and the other estimates hold *given* those values: if a kept value is wrong,
            the fitted parameters absorb the difference (``error_basis`` says what their errors cover).
        residual_rmse: RMS of the residuals in units of measurement noise; about 1-2 when the model
            explains the data down to the sensor noise, much more when it does not.
        noise_floor: the residual RMS that sensor noise alone would leave after this fit (a little under 1:
            the fitted numbers absorb some of the noise), in units of measurement noise.
        cost_evaluations: how many times the trajectory was re-simulated.
        reasons: for each unidentifiable parameter, a sentence saying why.
        initial: the starting guess.
        correlations: correlation matrix of the fitted parameters' estimates, in ``fitted`` order.
        fitted: the parameters actually fitted.
        samples: how many samples the trajectory had.
        strength: the actuator strength the estimate goes with (fitted, or the value assumed).
        error_basis: ``""`` when nothing was dropped; ``"full model"`` when parameters were dropped and
            the survivors' standard errors were widened to allow for the dropped ones being unknown (from the
            fit that still had them free); ``"conditional"`` when every such fit was exactly degenerate, so the
            survivors' standard errors hold only *given* the kept values (the survivors then stand for a
            combination, e.g. the damping relative to the mass).
    """

    estimate: DynamicsParameters
    values: dict[str, float]
    standard_errors: dict[str, float]
    unidentifiable: tuple[str, ...]
    residual_rmse: float
    cost_evaluations: int
    reasons: dict[str, str] = field(default_factory=dict)
    initial: DynamicsParameters = field(default_factory=DynamicsParameters)
    correlations: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    fitted: tuple[str, ...] = ()
    samples: int = 0
    strength: float = 1.0
    error_basis: str = ""
    noise_floor: float = 1.0

    @property
    def misfit_ratio(self) -> float:
        """Residual RMS over the noise floor: about 1 when the model explains the data down to the sensor noise."""
        return self.residual_rmse / self.noise_floor

    @property
    def lack_of_fit(self) -> bool:
        """True when the model does not explain the data: the residual RMS is over ``LACK_OF_FIT_RATIO`` x the floor.

        The classical standard errors assume residuals that are sensor noise; when this is true they are not,
        and the standard errors reported are widened to segment-robust ones (see ``calibrate``).
        """
        return self.misfit_ratio > LACK_OF_FIT_RATIO

    def verdict(self) -> str:
        """One sentence: does the calibrated model explain the data, with the misfit ratio."""
        if self.lack_of_fit:
            return (
                f"The model does NOT explain the data: residual RMS {self.misfit_ratio:.3g} x the noise floor "
                f"(at most {LACK_OF_FIT_RATIO:.2f} expected). The fitted model misses something that shapes the motion "
                "(an effect it lacks, a parameter held at a wrong value, or a poor local minimum): the values are a "
                "best compromise, and their standard errors are widened for the misfit."
            )
        ratio = f"{self.misfit_ratio:.3g}"
        return f"The model explains the data down to the sensor noise: residual RMS {ratio} x the noise floor."

    def interval(self, name: str, sigmas: float = 2.0) -> tuple[float, float]:
        """(low, high): the estimate plus or minus ``sigmas`` standard errors (about 95 % for 2)."""
        if name not in self.values:
            raise KeyError(f"{name!r} was not calibrated; calibrated: {list(self.values)}.")
        value, error = self.values[name], self.standard_errors[name]
        return value - sigmas * error, value + sigmas * error

    def __repr__(self) -> str:
        parts = []
        for name, value in self.values.items():
            if name in self.unidentifiable:
                parts.append(f"{name}=? (unidentifiable)")
            else:
                parts.append(f"{name}={value:.4g}±{self.standard_errors[name]:.2g}")
        note = ""
        if self.unidentifiable and self.fitted:
            held = ", ".join(f"{n}={self.values[n]:.4g}" for n in self.unidentifiable)
            note = f"; values conditional on held {held}"
            if self.error_basis == "full model":
                note += ", errors widened for the held ones being unknown"
            else:
                note += ", errors assume the held values are right"
        if self.lack_of_fit:
            note += f"; LACK OF FIT: residual {self.misfit_ratio:.3g} x the noise floor, errors widened for it"
        return f"CalibrationResult({', '.join(parts)}; residual_rmse={self.residual_rmse:.3g}{note})"

    def _repr_html_(self) -> str:
        rows = []
        for name, value in self.values.items():
            unit = UNITS.get(name, "")
            if name in self.unidentifiable:
                status = f'<span style="color:#b3261e">unidentifiable: {html.escape(self.reasons.get(name, ""))}</span>'
                cells = f"<td>{value:.4g} (kept)</td><td>-</td><td>-</td>"
            else:
                low, high = self.interval(name)
                status = '<span style="color:#1b7f3b">identified</span>'
                if self.unidentifiable and self.fitted:  # a value relative to the kept ones, not on its own
                    kept = ", ".join(self.unidentifiable)
                    status = f'<span style="color:#1b7f3b">identified relative to the kept {html.escape(kept)}</span>'
                cells = (
                    f"<td>{value:.4g}</td><td>{self.standard_errors[name]:.2g}</td>"
                    f'<td style="white-space:nowrap">[{low:.4g}, {high:.4g}]</td>'
                )
            rows.append(
                f'<tr><td><b>{html.escape(name)}</b></td><td style="white-space:nowrap">{unit}</td>{cells}'
                f'<td style="text-align:left">{status}</td></tr>'
            )
        head = (
            "<tr><th>parameter</th><th>unit</th><th>estimate</th><th>std. error</th>"
            "<th>95 % interval</th><th>status</th></tr>"
        )
        caption = (
            f"Calibration from {self.samples} samples: residual RMS {self.residual_rmse:.3g} x sensor noise, "
            f"{self.cost_evaluations} re-simulations"
        )
        if self.unidentifiable and self.fitted:
            if self.error_basis == "full model":
                caption += (
                    "; the identified values are conditional on the kept ones, their errors widened to allow for "
                    "the kept ones being unknown"
                )
            else:
                caption += "; the identified values and their errors assume the kept ones are right"
        colour = "#b3261e" if self.lack_of_fit else "#1b7f3b"
        verdict = f'<p style="color:{colour};margin:0.3em 0">{html.escape(self.verdict())}</p>'
        return (
            f'<table style="border-collapse:collapse"><caption style="text-align:left">{html.escape(caption)}'
            f"</caption>{head}{''.join(rows)}</table>{verdict}"
        )


@dataclass(frozen=True)
class _Analysis:
    standard_errors: np.ndarray  # in parameter units
    correlations: np.ndarray
    covariance: np.ndarray  # in parameter units; inf where the data cannot pin a parameter down
    worst: int | None  # index of the least identifiable parameter when one fails the test
    reason: str


def _analyse(
    jacobian: np.ndarray,
    residuals: np.ndarray,
    names: Sequence[str],
    values: np.ndarray,
    scales: np.ndarray,
    max_relative_error: float,
    nuisance: int = 0,
) -> _Analysis:
    """Standard errors from s^2 (J^T J)^-1 and the first parameter that the data cannot pin down, if any.

    ``jacobian`` is with respect to the scaled parameters ``value / scale``; ``nuisance`` counts other
    estimated numbers (segment starts) that used up degrees of freedom.
    """
    m, p = jacobian.shape
    dof = max(m - p - nuisance, 1)
    variance = float(residuals @ residuals) / dof
    column_norms = np.linalg.norm(jacobian, axis=0)
    # A column this small means: moving the parameter by its whole typical size changes the
    # simulated data by far less than one noise standard deviation, summed over all samples.
    dead = column_norms < 1e-6 * max(1.0, math.sqrt(m))
    covariance = np.full((p, p), np.inf)
    information = jacobian.T @ jacobian
    alive = ~dead
    if alive.any():
        block = information[np.ix_(alive, alive)]
        normalised = jacobian[:, alive] / column_norms[alive]
        if np.linalg.svd(normalised, compute_uv=False)[-1] >= COLLINEARITY_LIMIT:
            covariance[np.ix_(alive, alive)] = variance * np.linalg.inv(block)
    diagonal = np.diag(covariance)
    errors = np.sqrt(np.where(np.isfinite(diagonal), np.abs(diagonal), np.inf)) * scales
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(np.abs(diagonal))
        correlations = covariance / np.outer(sd, sd)
    correlations[~np.isfinite(correlations)] = np.nan
    np.fill_diagonal(correlations, 1.0)
    covariance = covariance * np.outer(scales, scales)
    # How big a value we need to resolve: the value itself, but at least a tenth of its typical size
    # (a friction of 0.0001 N m known to +-0.001 N m is "about zero", which is a fine answer).
    resolution = np.maximum(np.abs(values), 0.02 * scales)
    relative = errors / resolution
    if dead.any():
        worst = int(np.argmax(dead))
        return _Analysis(
            errors,
            correlations,
            covariance,
            worst,
            "changing it does not change the simulated data at all (no motion or no excitation that it affects)",
        )
    if np.all(relative <= max_relative_error):
        return _Analysis(errors, correlations, covariance, None, "")
    worst = int(np.argmax(relative))
    if not np.isfinite(relative[worst]):
        unit = jacobian / np.maximum(column_norms, 1e-300)
        _, _, vt = np.linalg.svd(unit)
        null = np.abs(vt[-1])
        partners = [names[i] for i in np.argsort(-null) if i != worst and null[i] > 0.1]
        return _Analysis(
            errors,
            correlations,
            covariance,
            worst,
            f"its effect on the data is a combination of {', '.join(partners)}'s: only that combination shows",
        )
    if p > 1:
        row = np.where(np.isfinite(correlations[worst]), np.abs(correlations[worst]), 0.0)
        row[worst] = 0.0
        partner = int(np.argmax(row))
        if row[partner] > 0.99:
            return _Analysis(
                errors,
                correlations,
                covariance,
                worst,
                f"it changes the data almost exactly as {names[partner]} does (estimates correlated "
                f"{correlations[worst, partner]:+.3f}): only a combination of the two shows in this data",
            )
    if abs(values[worst]) < 2 * errors[worst]:
        size = f"it cannot be told apart from zero ({values[worst]:.2g} +- {errors[worst]:.2g})"
    else:
        size = f"its standard error {errors[worst]:.2g} is {relative[worst]:.0%} of its size"
    return _Analysis(errors, correlations, covariance, worst, size)


def calibrate(
    trajectory: Trajectory,
    robot: str,
    parameters: Sequence[str] = DEFAULT_PARAMETERS,
    initial: DynamicsParameters | None = None,
    *,
    horizon: float = 0.5,
    position_noise_std: float = 0.002,
    velocity_noise_std: float = 0.02,
    max_relative_error: float = 0.5,
    max_evaluations: int = 200,
    strength: float = 1.0,
) -> CalibrationResult:
    """Fit dynamics ``parameters`` of ``robot`` to a recorded ``trajectory`` by multiple shooting.

    Args:
        trajectory: data on one time grid with the commands that produced it (``record_trajectory``); samples
            lost in a link leave gaps, after which a new shooting segment starts.
        robot: catalogue name of the model.
        parameters: names of ``DynamicsParameters`` fields to fit, and/or ``"strength"`` (the actuator's
            delivered / commanded torque); the others stay at ``initial``'s values (and ``strength``).
        initial: the starting guess (default the URDF's nominal values).
        horizon: seconds per shooting segment (restarts from the measured state after each).
        position_noise_std, velocity_noise_std: sensor noise, rad and rad/s (default: ``JointStateSensor``'s).
        max_relative_error: a parameter whose standard error exceeds this fraction of its size is
            reported as unidentifiable, kept at its initial value, and the rest are fitted again.
        max_evaluations: cap on re-simulations per fit.
        strength: the actuator strength assumed (or the starting guess when ``"strength"`` is fitted).

    Returns:
        A ``CalibrationResult``.
    """
    if not isinstance(trajectory, Trajectory):
        raise TypeError(f"trajectory must be a Trajectory (see record_trajectory), got {type(trajectory).__name__}.")
    _check_robot(robot)
    names = _check_names(parameters)
    initial = DynamicsParameters() if initial is None else initial
    if not isinstance(initial, DynamicsParameters):
        raise TypeError(f"initial must be a DynamicsParameters, got {type(initial).__name__}.")
    _check_positive("horizon", horizon, "seconds per shooting segment, e.g. 0.5")
    _check_positive("position_noise_std", position_noise_std, "rad, e.g. 0.002")
    _check_positive("velocity_noise_std", velocity_noise_std, "rad/s, e.g. 0.02")
    _check_positive("max_relative_error", max_relative_error, "e.g. 0.5 for +-50 %")
    _check_positive("strength", strength, "delivered / commanded torque, 1.0 = nominal")
    max_evaluations = check_count("max_evaluations", max_evaluations, "re-simulations per fit, e.g. 200", low=1)
    if not trajectory.on_grid():
        raise ValueError(
            f"The trajectory's samples are not a whole number of time steps (dt={trajectory._step():.6g} s) apart; "
            "resample it onto one time grid, give Trajectory its true dt=..., or calibrate each evenly sampled piece."
        )
    if len(trajectory) < MIN_CALIBRATION_SAMPLES:
        raise ValueError(
            f"The trajectory has {len(trajectory)} samples; calibration needs at least {MIN_CALIBRATION_SAMPLES}. "
            "Record for longer."
        )
    residual_count = 2 * (len(trajectory) - 1) * trajectory.joints
    if residual_count < MIN_RESIDUALS_PER_PARAMETER * len(names):
        raise ValueError(
            f"{len(trajectory)} samples give {residual_count} residuals, too few for {len(names)} parameters "
            f"(at least {MIN_RESIDUALS_PER_PARAMETER} each). Record for longer or fit fewer parameters."
        )
    horizon_steps = max(1, int(round(horizon / trajectory.time_step)))
    problem = ShootingProblem(trajectory, robot, horizon_steps, position_noise_std, velocity_noise_std)
    try:
        if problem.plant.dof != trajectory.joints:
            raise ValueError(
                f"The trajectory has {trajectory.joints} joints but the {robot!r} model has {problem.plant.dof}; "
                "calibrate with the robot the data came from."
            )
        start = {**{f.name: getattr(initial, f.name) for f in fields(DynamicsParameters)}, "strength": float(strength)}
        return _fit(problem, names, start, max_relative_error, max_evaluations, len(trajectory))
    finally:
        problem.close()


def _fit(
    problem: ShootingProblem,
    names: tuple[str, ...],
    initial: dict[str, float],
    max_relative_error: float,
    max_evaluations: int,
    samples: int,
) -> CalibrationResult:
    """``initial`` holds every parameter by name (the dynamics fields and ``strength``)."""
    free = list(names)
    reasons: dict[str, str] = {}
    estimate = dict(initial)
    errors: dict[str, float] = {}
    correlations = np.zeros((0, 0))
    state_count = problem.segments * problem.state_size
    initial_dynamics, initial_strength = _split(initial)
    residuals = problem.residuals(initial_dynamics, None, initial_strength)
    final_jacobian = np.zeros((0, 0))
    rounds: list[tuple[list[str], np.ndarray, np.ndarray]] = []  # (fitted names, values, covariance) per round
    while free:
        p = len(free)
        scales = np.array([PARAMETER_SCALES[name] for name in free])
        lower = np.array([LOWER_BOUNDS[name] for name in free]) / scales
        start = np.maximum(np.array([estimate[name] for name in free]) / scales, lower)
        model = _JointProblem(problem, initial, free, scales)
        solution = least_squares(
            model.residuals,
            np.concatenate([start, np.zeros(state_count)]),
            jac=model.jacobian,
            bounds=(np.concatenate([lower, np.full(state_count, -np.inf)]), np.full(p + state_count, np.inf)),
            x_scale=1.0,
            max_nfev=max_evaluations,
            method="trf",
            ftol=1e-5,  # on a cost of ~n/2: far finer than one standard error moves it (by 1/2)
            xtol=1e-5,
        )
        values = solution.x[:p] * scales
        effective = model.identifiability_jacobian(solution.x, model.jacobian(solution.x))
        analysis = _analyse(effective, solution.fun, free, values, scales, max_relative_error, state_count)
        residuals = solution.fun
        final_jacobian = effective
        rounds.append((list(free), values.copy(), analysis.covariance))
        if analysis.worst is None:
            estimate = {**initial, **{n: float(v) for n, v in zip(free, values, strict=True)}}
            errors = {n: float(e) for n, e in zip(free, analysis.standard_errors, strict=True)}
            correlations = analysis.correlations
            break
        dropped = free.pop(analysis.worst)
        reasons[dropped] = analysis.reason
        # start the next round from this round's values (the dropped one back at its initial value)
        kept = np.delete(values, analysis.worst)
        estimate = {**initial, **{n: float(v) for n, v in zip(free, kept, strict=True)}}
    unidentifiable = tuple(name for name in names if name in reasons)
    basis = ""
    if reasons and free:
        errors, basis = _widen_for_held(rounds, free, estimate, errors)
    residual_rmse = float(np.sqrt(np.mean(np.square(residuals))))
    noise_floor = math.sqrt(max(residuals.size - len(free) - state_count, 1) / residuals.size)
    if free and residual_rmse > LACK_OF_FIT_RATIO * noise_floor:
        # the residuals are not sensor noise, so s^2 (J^T J)^-1 does not hold: take the segment-robust errors
        robust = _robust_errors(final_jacobian, residuals, problem.segment_rows(), free)
        errors = {name: max(error, robust.get(name, math.inf)) for name, error in errors.items()}
    dynamics, strength = _split(estimate)
    return CalibrationResult(
        estimate=dynamics,
        values={name: float(estimate[name]) for name in names},
        standard_errors={name: errors.get(name, math.nan) for name in names},
        unidentifiable=unidentifiable,
        residual_rmse=residual_rmse,
        cost_evaluations=problem.evaluations,
        reasons=reasons,
        initial=_split(initial)[0],
        correlations=correlations,
        fitted=tuple(free),
        samples=samples,
        strength=strength,
        error_basis=basis,
        noise_floor=noise_floor,
    )


def _robust_errors(
    jacobian: np.ndarray, residuals: np.ndarray, segment_rows: list[slice], names: Sequence[str]
) -> dict[str, float]:
    """Standard errors that do not assume the residuals are independent sensor noise (parameter units).

    When the model misses something, its residuals are smooth and correlated along each segment, and
    ``s^2 (J^T J)^-1`` counts thousands of samples as independent evidence where there are only a few
    independent segments. The cluster-robust ("sandwich") covariance ``B (sum_g J_g^T r_g r_g^T J_g) B``,
    ``B = (J^T J)^-1``, treats each shooting segment ``g`` as one independent piece of evidence (segments
    share no state), however its residuals are correlated inside; ``G / (G - 1)`` corrects for few segments.
    ``jacobian`` holds the (state-eliminated) columns per unit of each parameter's scale.
    """
    scales = np.array([PARAMETER_SCALES[name] for name in names])
    information = jacobian.T @ jacobian
    if not np.all(np.isfinite(information)) or np.linalg.matrix_rank(information) < len(names):
        return {}
    bread = np.linalg.inv(information)
    scores = np.array([jacobian[rows].T @ residuals[rows] for rows in segment_rows])  # (segments, p)
    groups = len(segment_rows)
    meat = scores.T @ scores * groups / max(groups - 1, 1)
    variances = np.diag(bread @ meat @ bread)
    return {name: float(math.sqrt(v)) * scale for name, v, scale in zip(names, variances, scales, strict=True)}


def _widen_for_held(
    rounds: list[tuple[list[str], np.ndarray, np.ndarray]],
    survivors: list[str],
    estimate: dict[str, float],
    conditional: dict[str, float],
) -> tuple[dict[str, float], str]:
    """Standard errors of the survivors that allow for the dropped parameters being unknown.

    The final fit holds the dropped parameters at their initial values, so its standard errors hold
    *given* those values and are too small whenever a held value is wrong (the survivors absorb the
    difference). The largest earlier fit whose covariance pins the survivors down had the dropped
    ones free: there the survivors' marginal variance ``Sigma_ss`` covers not knowing them. The final
    value differs from that fit's by a known shift ``b``, so the error of the reported value has RMS
    ``sqrt(Sigma_ss + b^2)``; that (or the conditional error, if larger) is reported.

    When a dropped one shows only in combination with a survivor (free swing: mass with damping), the
    widened error is large: the survivor's *absolute* value is not known, only the combination (damping
    per unit mass), which its value holds given the kept one.

    Returns:
        (standard errors, basis): basis ``"full model"`` when widened that way, ``"conditional"`` when
        no larger fit pinned the survivors down and the errors hold given the kept values.
    """
    for names, values, covariance in rounds[:-1]:  # largest model first
        index = [names.index(n) for n in survivors]
        block = covariance[np.ix_(index, index)]
        if not np.all(np.isfinite(block)):
            continue
        widened = {}
        for i, name in zip(index, survivors, strict=True):
            shift = estimate[name] - values[i]
            widened[name] = max(conditional[name], math.sqrt(covariance[i, i] + shift**2))
        return widened, "full model"
    return conditional, "conditional"


class _JointProblem:
    """Residuals and Jacobian over (scaled parameters, segment start offsets) for ``least_squares``."""

    # Central-difference step, in units of each parameter's scale (times the value when that is larger).
    # Coulomb friction makes the residuals piecewise smooth: a step that crosses the friction torque at
    # which a joint sticks or slips in some sample bends that column. The smaller the step, the rarer
    # that is (1e-3 crossed one in about one fit in six); 1e-5 keeps rounding error (about 1e-12 of a
    # residual, the physics being double precision) at about 1e-7 of a derivative.
    PARAMETER_STEP = 1e-5
    STATE_STEP = 1e-2  # forward-difference step for the segment starts, in units of sensor noise

    def __init__(
        self, problem: ShootingProblem, initial: dict[str, float], free: list[str], scales: np.ndarray
    ) -> None:
        self.problem = problem
        self.initial = initial
        self.free = list(free)
        self.scales = scales
        self.lower = np.array([LOWER_BOUNDS[name] for name in free]) / scales if free else np.zeros(0)
        self._cache: tuple[np.ndarray, np.ndarray] | None = None

    def residuals(self, x: np.ndarray) -> np.ndarray:
        if self._cache is not None and np.array_equal(self._cache[0], x):
            return self._cache[1]
        p = len(self.free)
        values = x[:p] * self.scales
        guess = {**self.initial, **{n: float(v) for n, v in zip(self.free, values, strict=True)}}
        offsets = x[p:].reshape(self.problem.segments, self.problem.state_size)
        dynamics, strength = _split(guess)
        r = self.problem.residuals(dynamics, offsets, strength)
        self._cache = (x.copy(), r)
        return r

    def directional_derivative(self, x: np.ndarray, direction: np.ndarray) -> np.ndarray | None:
        """d residuals / d t at ``x + t direction`` (``direction`` over the scaled parameters), t = 0.

        Central differences; one-sided second-order ones where a step would cross a lower bound (a
        friction of zero can only grow). ``None`` when neither side stays within the bounds.
        """
        p = len(self.free)
        h = self.PARAMETER_STEP * max(1.0, float(np.max(np.abs(x[:p]) * (direction != 0), initial=0.0)))
        step = np.zeros_like(x)
        step[:p] = h * direction

        def inside(t: float) -> bool:
            return bool(np.all(x[:p] + t * step[:p] >= self.lower))

        if inside(-1.0) and inside(1.0):
            return (self.residuals(x + step) - self.residuals(x - step)) / (2 * h)
        for sign in (1.0, -1.0):
            if inside(2 * sign):
                near, far = self.residuals(x + sign * step), self.residuals(x + 2 * sign * step)
                return sign * (-3 * self.residuals(x) + 4 * near - far) / (2 * h)
        return None

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        """Central differences for the parameters; every segment's start moves at once (segments do not interact).

        (``least_squares``'s own Jacobian is modified for active bounds, which would hide exactly the
        columns that say whether a parameter sitting on its bound matters.)
        """
        base = self.residuals(x)
        p = len(self.free)
        width = self.problem.state_size
        jac = np.zeros((base.size, x.size))
        for i in range(p):
            column = self.directional_derivative(x, np.eye(p)[i])
            jac[:, i] = 0.0 if column is None else column  # None: cannot happen for one parameter (bounds are >= 0)
        rows = self.problem.segment_rows()
        for c in range(width):
            shifted = x.copy()
            shifted[p + c :: width] += self.STATE_STEP
            change = (self.residuals(shifted) - base) / self.STATE_STEP
            for s, block in enumerate(rows):
                jac[block, p + s * width + c] = change[block]
        self.residuals(x)  # leave the cache at x
        return jac

    def identifiability_jacobian(self, x: np.ndarray, jacobian: np.ndarray) -> np.ndarray:
        """The parameter columns with the segment starts eliminated, measured once more along the weakest direction.

        Coordinate differences may each cross a friction kink that the others do not, and then a combination
        that changes nothing at all (scaling mass, friction, damping and strength together) looks as if it
        changed the data: the flat direction is hidden and both halves of it are reported as identified. So
        the direction that moves the data least is differentiated *directly*; a true symmetry leaves the
        simulation unchanged to rounding along it, kink or no kink, and its column combination becomes zero.
        """
        p = len(self.free)
        parameters = jacobian[:, :p]
        effective = _eliminate_states(jacobian, p)
        norms = np.linalg.norm(effective, axis=0)
        alive = norms > 0
        if alive.sum() < 2:
            return effective
        _, _, vt = np.linalg.svd(effective[:, alive] / norms[alive])
        direction = np.zeros(p)
        direction[alive] = vt[-1] / norms[alive]
        direction /= np.linalg.norm(direction)
        measured = self.directional_derivative(x, direction)
        self.residuals(x)
        if measured is None:
            return effective
        # E w = P w - S C w; replacing P w by the measured derivative changes E along w only
        return effective + np.outer(measured - parameters @ direction, direction)


def _split(values: dict[str, float]) -> tuple[DynamicsParameters, float]:
    """(dynamics parameters, actuator strength) from one dictionary of every parameter."""
    dynamics = {f.name: values[f.name] for f in fields(DynamicsParameters)}
    return DynamicsParameters(**dynamics), values["strength"]


def _eliminate_states(jacobian: np.ndarray, p: int) -> np.ndarray:
    """The parameter columns with whatever the segment starts can explain projected out.

    ``E^T E`` is the information about the parameters that is left once the starts are estimated too.
    """
    parameters, states = jacobian[:, :p], jacobian[:, p:]
    if states.shape[1] == 0:
        return parameters
    coefficients, *_ = np.linalg.lstsq(states, parameters, rcond=None)
    return parameters - states @ coefficients


def predict(
    trajectory: Trajectory,
    robot: str,
    parameters: DynamicsParameters,
    horizon: float | None = None,
    *,
    fit_starts: bool = False,
    position_noise_std: float = 0.002,
    velocity_noise_std: float = 0.02,
    strength: float = 1.0,
) -> Trajectory:
    """What the model with ``parameters`` predicts under the trajectory's commands.

    Args:
        trajectory: the measured run (its commands and, at each restart, its measured state are used).
        robot: catalogue name of the model.
        parameters: the model's dynamics (never changed here).
        horizon: seconds between restarts from the measured state; ``None`` runs free from the first sample
            (and restarts after each gap of lost samples, whose commands are unknown).
        fit_starts: estimate each restart state from the whole segment's data (least squares on the
            starts only) instead of trusting one noisy sample; use it before a whiteness test.
        position_noise_std, velocity_noise_std: sensor noise (rad, rad/s), weighing the start fit.
        strength: actuator strength, delivered / commanded torque.

    Returns:
        A ``Trajectory`` with the same times and commands and the *predicted* positions and velocities.
    """
    if not isinstance(trajectory, Trajectory):
        raise TypeError(f"trajectory must be a Trajectory, got {type(trajectory).__name__}.")
    _check_robot(robot)
    if not isinstance(parameters, DynamicsParameters):
        raise TypeError(f"parameters must be a DynamicsParameters, got {type(parameters).__name__}.")
    if not trajectory.on_grid():
        raise ValueError(
            f"The trajectory's samples are not a whole number of time steps (dt={trajectory._step():.6g} s) apart; "
            "give Trajectory its true dt=... or predict each evenly sampled piece."
        )
    if horizon is None:
        steps = len(trajectory)
    else:
        seconds = _check_positive("horizon", horizon, "seconds between restarts, or None")
        steps = max(1, int(round(seconds / trajectory.time_step)))
    problem = ShootingProblem(trajectory, robot, steps, position_noise_std, velocity_noise_std)
    try:
        if problem.plant.dof != trajectory.joints:
            raise ValueError(f"The trajectory has {trajectory.joints} joints but {robot!r} has {problem.plant.dof}.")
        offsets = None
        if fit_starts:
            every = {**{f.name: getattr(parameters, f.name) for f in fields(DynamicsParameters)}, "strength": strength}
            model = _JointProblem(problem, every, [], np.zeros(0))
            size = problem.segments * problem.state_size
            solution = least_squares(model.residuals, np.zeros(size), jac=model.jacobian, ftol=1e-6, xtol=1e-6)
            offsets = solution.x.reshape(problem.segments, problem.state_size)
        states = problem.simulate(parameters, offsets, strength)
    finally:
        problem.close()
    dof = trajectory.joints
    return Trajectory(trajectory.time, states[:, :dof], states[:, dof:], trajectory.commands, trajectory.dt)


@dataclass(frozen=True)
class DelayEstimate:
    """The command latency that best explains the data, found by trying every whole number of steps.

    Attributes:
        steps: the best delay, in time steps.
        seconds: the same in seconds.
        residual_rmse: residual RMS (units of sensor noise) of the calibration at each delay tried.
        calibration: the calibration at the best delay (its parameters fitted with that delay).
    """

    steps: int
    seconds: float
    residual_rmse: dict[int, float]
    calibration: CalibrationResult

    def __repr__(self) -> str:
        return f"DelayEstimate({self.steps} steps = {self.seconds * 1000:.1f} ms; {self.calibration!r})"


def estimate_command_delay(
    trajectory: Trajectory,
    robot: str,
    max_steps: int = 6,
    parameters: Sequence[str] = DEFAULT_PARAMETERS,
    initial: DynamicsParameters | None = None,
    progress: bool = False,
    **options: float,
) -> DelayEstimate:
    """Identify a pure command latency together with the dynamics parameters.

    A delay is a whole number of samples, which ``least_squares`` cannot move through smoothly, so each
    candidate 0..``max_steps`` is tried: shift the commands by it, calibrate the rest, keep the delay whose
    model leaves the smallest residuals. ``progress`` shows a progress bar (tqdm) over the delays tried;
    ``options`` go to ``calibrate``.
    """
    if not isinstance(trajectory, Trajectory):  # before len(trajectory), which would blame max_steps
        raise TypeError(f"trajectory must be a Trajectory (see record_trajectory), got {type(trajectory).__name__}.")
    valid = isinstance(max_steps, Integral) and not isinstance(max_steps, bool)  # np.int64 from an array too
    if not valid or not 0 <= max_steps < len(trajectory) // 2:
        raise ValueError(
            f"max_steps={max_steps!r} must be an integer from 0 to half the trajectory's samples "
            f"(below {len(trajectory) // 2})."
        )
    max_steps = int(max_steps)
    from twin.core.progress import tqdm

    results: dict[int, CalibrationResult] = {}
    guess = initial
    delays = tqdm(range(max_steps + 1), desc="delays tried", unit="delay", disable=not progress)
    for steps in delays:  # each fit starts from the previous answer: neighbours are alike
        results[steps] = calibrate(trajectory.delayed_commands(steps), robot, parameters, guess, **options)  # type: ignore[arg-type]
        guess = results[steps].estimate
    best = min(results, key=lambda steps: results[steps].residual_rmse)
    return DelayEstimate(
        steps=best,
        seconds=best * trajectory.time_step,
        residual_rmse={steps: r.residual_rmse for steps, r in results.items()},
        calibration=results[best],
    )
