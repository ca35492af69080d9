"""Autograded checks for chapter 4 (calibration and validation): standard errors, and an excitation design.

Like ``twin.course.checks``, each check calls the student's function, never raises because of it, never
shows the expected numbers, and returns a ``CheckResult`` with a hint that matches the mistake.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from twin.course.checks import CheckResult, _call


# -- exercise 1: standard errors from the Jacobian -------------------------------------------------
def reference_standard_errors(jacobian: np.ndarray, residuals: np.ndarray) -> np.ndarray:
    """sqrt(diag(s^2 (J^T J)^-1)) with s^2 = r^T r / (m - p)."""
    j = np.asarray(jacobian, dtype=float)
    r = np.asarray(residuals, dtype=float)
    m, p = j.shape
    variance = float(r @ r) / (m - p)
    return np.sqrt(np.diag(variance * np.linalg.inv(j.T @ j)))


def _standard_error_hint(got: np.ndarray, jacobian: np.ndarray, residuals: np.ndarray) -> str:
    j, r = jacobian, residuals
    m, p = j.shape
    expected = reference_standard_errors(j, r)
    inverse = np.linalg.inv(j.T @ j)
    if got.shape == expected.shape and np.allclose(got, expected**2, rtol=1e-6):
        return "these look like variances: a standard error is the square root of the covariance's diagonal."
    if got.shape == expected.shape and np.allclose(got, expected * np.sqrt((m - p) / m), rtol=1e-6):
        return "close: estimate the residual variance with m - p degrees of freedom (the fit used p of them), not m."
    if got.shape == expected.shape and np.allclose(got, np.sqrt(np.diag(inverse)), rtol=1e-6):
        return "(J^T J)^-1 alone assumes residuals of variance 1: multiply by s^2 = r.r / (m - p)."
    if got.shape == expected.shape and np.allclose(got, np.sqrt(float(r @ r) / (m - p) / np.diag(j.T @ j)), rtol=1e-6):
        return (
            "you inverted the diagonal of J^T J instead of the matrix: that ignores how parameters trade off "
            "against each other. Invert J^T J first, then take the diagonal."
        )
    return "compute s^2 = r.r / (m - p), the covariance s^2 (J^T J)^-1, and the square roots of its diagonal."


def check_standard_errors(standard_errors: Callable) -> CheckResult:
    """Checks ``standard_errors(jacobian, residuals)`` on small random problems with correlated columns."""
    name = "Exercise 1: standard errors from the Jacobian"
    rng = np.random.default_rng(41)
    cases = []
    for m, p in ((8, 3), (40, 2), (12, 1)):
        jacobian = rng.standard_normal((m, p))
        if p > 1:
            jacobian[:, 1] += 0.8 * jacobian[:, 0]  # correlated columns: the diagonal alone is not enough
        cases.append((jacobian, rng.standard_normal(m) * 0.3))
    for jacobian, residuals in cases:
        got, failure = _call(name, standard_errors, jacobian.copy(), residuals.copy())
        if failure is not None:
            return failure
        try:
            got = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            return CheckResult(name, False, f"Return an array of standard errors; got {type(got).__name__}.")
        p = jacobian.shape[1]
        if got.shape == (p, p):
            return CheckResult(
                name, False, f"Return one standard error per parameter (shape ({p},)), not the {p}x{p} matrix."
            )
        if got.shape != (p,):
            return CheckResult(name, False, f"Return one standard error per parameter: shape ({p},), got {got.shape}.")
        if not np.allclose(got, reference_standard_errors(jacobian, residuals), rtol=1e-6):
            return CheckResult(name, False, "Not yet: " + _standard_error_hint(got, jacobian, residuals))
    return CheckResult(
        name, True, "Right: s^2 (J^T J)^-1 on the diagonal, square-rooted, with m - p degrees of freedom."
    )


# -- exercise 2: an excitation that makes the mass identifiable ------------------------------------
EXCITATION_STEPS = 480  # 2 s at 240 Hz
EXCITATION_LIMIT = 0.5  # N m, the most the student's torque may command
MASS_TOLERANCE = 0.01  # the mass scale's standard error must be below this (1 % of the URDF mass)
SWING_BOTH_WAYS = 0.05  # rad: the measured swing must pass this far to each side of hanging straight down


def judge_excitation(torques: object, seed: int = 7) -> tuple[bool, str, object]:
    """Record the pendulum stand-in under ``torques`` and calibrate. Returns (passed, message, result).

    The excitation passes when the pendulum swings to both sides of hanging (beyond ``SWING_BOTH_WAYS`` rad) and
    the calibrated mass scale's standard error is below ``MASS_TOLERANCE``. ``result`` is None when the run was
    judged before calibrating.
    """
    from twin.calibration import calibrate, record_trajectory
    from twin.core.types import DynamicsParameters
    from twin.physical_system.standin import PhysicalStandIn

    try:
        tau = np.asarray(torques, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        return False, f"Return an array of torques, got {type(torques).__name__}.", None
    if tau.size != EXCITATION_STEPS:
        return False, f"Return exactly {EXCITATION_STEPS} torques (one per time step), got {tau.size}.", None
    if not np.all(np.isfinite(tau)):
        return False, "Your torques contain NaN or infinite values.", None
    if np.max(np.abs(tau)) > EXCITATION_LIMIT + 1e-9:
        return (
            False,
            f"Your torque reaches {np.max(np.abs(tau)):.3g} N m; the motor may command at most "
            f"{EXCITATION_LIMIT} N m. Scale it down (np.clip or a smaller amplitude).",
            None,
        )
    if np.ptp(tau) == 0 and tau[0] == 0:
        return False, "With no torque the pendulum hangs still: its mass cannot show. Apply a torque.", None
    stand_in = PhysicalStandIn("pendulum", seed=seed)
    try:
        data = record_trajectory(stand_in, tau[:, None])
        truth = stand_in.truth
    finally:
        stand_in.close()
    lowest, highest = float(np.min(data.positions)), float(np.max(data.positions))
    if highest < SWING_BOTH_WAYS and lowest > -SWING_BOTH_WAYS:
        return (
            False,
            f"The pendulum hardly moves (it stays within {lowest:+.3f}..{highest:+.3f} rad): use more of the allowed "
            "torque, at a frequency near the pendulum's own (f = sqrt(g/l) / 2 pi), so that it swings.",
            None,
        )
    if highest < SWING_BOTH_WAYS or lowest > -SWING_BOTH_WAYS:
        return (
            False,
            f"Your torque pushes the pendulum to one side only (it stays within {lowest:+.3f}..{highest:+.3f} rad). "
            "Then the mass shows mostly in the angle at which gravity balances the push, and that estimate rests on "
            "the sensor's zero. Push back and forth, so that it swings more than "
            f"{SWING_BOTH_WAYS} rad to both sides of hanging.",
            None,
        )
    # friction and damping are known from an earlier experiment: only the mass is sought
    known = DynamicsParameters(joint_friction=truth.joint_friction, joint_damping=truth.joint_damping)
    result = calibrate(data, "pendulum", parameters=("mass_scale",), initial=known)
    if "mass_scale" in result.unidentifiable:
        return (
            False,
            "The mass is still unidentifiable: " + result.reasons["mass_scale"] + ". Vary the torque over time, "
            "so the pendulum accelerates back and forth.",
            result,
        )
    error = result.standard_errors["mass_scale"]
    if error > MASS_TOLERANCE:
        return (
            False,
            f"The mass scale is known only to ±{error:.3f}; aim for better than ±{MASS_TOLERANCE}. Use more of the "
            "allowed torque for more of the time, at slow frequencies near the pendulum's own (f = sqrt(g/l) / 2 pi).",
            result,
        )
    if abs(result.values["mass_scale"] - truth.mass_scale) > 4 * error + 0.01:
        message = "The estimate is confident but wrong: is the motion so violent that the model breaks down?"
        return False, message, result
    return True, f"Mass scale identified to ±{error:.4f} with at most {EXCITATION_LIMIT} N m.", result


def check_excitation(excitation: Callable) -> CheckResult:
    """Checks ``excitation(steps)``: torques within the limit that pin the mass scale down to 1 %."""
    name = "Exercise 2: an excitation that reveals the mass"
    torques, failure = _call(name, excitation, EXCITATION_STEPS)
    if failure is not None:
        return failure
    try:
        passed, message, _ = judge_excitation(torques)
    except Exception as error:  # a calibration crash on odd input is reported, not raised
        return CheckResult(name, False, f"Calibrating on your excitation failed: {error}")
    return CheckResult(name, passed, message if passed else "Not yet: " + message)
