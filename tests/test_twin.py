"""VirtualModel and DigitalTwin: the behaviours the chapter teaches, checked against pendulum theory."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from twin.control.pd import JointPD
from twin.core.types import DynamicsParameters
from twin.digital_twin import MODES, DigitalTwin
from twin.link import InProcessLink, JointCommand, StateMeasurement
from twin.physical_system.standin import DEFAULT_TRUTH
from twin.sensors.joint_state import JointStateSensor
from twin.virtual_model.virtual import VirtualModel

G = 9.81
DT = 1.0 / 240.0
MOMENT = 0.1 * 0.25 + 1.0 * 0.5  # sum m_i d_i of pendulum.urdf (rod 0.1 kg at 0.25 m, bob 1 kg at 0.5 m), kg m
GRAVITY = MOMENT * G  # nominal gravity torque amplitude: tau_g(q) = GRAVITY sin(q), N m


def bisect(f: Callable[[float], float], lo: float, hi: float, tol: float = 1e-12) -> float:
    """A root of f in [lo, hi] (f(lo), f(hi) of opposite signs)."""
    flo = f(lo)
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if (f(mid) > 0) == (flo > 0):
            lo, flo = mid, f(mid)
        else:
            hi = mid
    return 0.5 * (lo + hi)


def constant_torque(value: float) -> Callable[[float, np.ndarray, np.ndarray, np.ndarray | None], np.ndarray]:
    def controller(t: float, q: np.ndarray, qd: np.ndarray, gravity: np.ndarray | None) -> np.ndarray:
        return np.full(q.shape, value)

    return controller


# -- VirtualModel ----------------------------------------------------------------------------------
@pytest.mark.parametrize("gain", [0.0, 0.5, 1.0])
def test_correct_moves_the_state_by_gain_times_the_gap(gain: float):
    with VirtualModel("arm", initial_positions=np.full(7, 0.1)) as model:
        before = model.state()
        measurement = StateMeasurement(0.0, np.linspace(-0.5, 0.5, 7), np.linspace(1.0, -1.0, 7))
        innovation = model.correct(measurement, gain)
        after = model.state()
    np.testing.assert_allclose(innovation, measurement.positions - before.positions, atol=1e-12)
    np.testing.assert_allclose(
        after.positions, before.positions + gain * (measurement.positions - before.positions), atol=1e-12
    )
    np.testing.assert_allclose(
        after.velocities, before.velocities + gain * (measurement.velocities - before.velocities), atol=1e-12
    )


@pytest.mark.parametrize("gain", [-0.1, 1.1])
def test_correct_rejects_gains_outside_unit_interval(gain: float):
    with VirtualModel("pendulum") as model, pytest.raises(ValueError, match="gain"):
        model.correct(StateMeasurement(0.0, [0.0], [0.0]), gain)


def test_forecast_equals_stepping_a_fresh_model_and_leaves_no_trace():
    params = DynamicsParameters(joint_damping=0.05, joint_friction=0.01)
    plan = np.random.default_rng(0).uniform(-3, 3, size=(60, 1))
    with (
        VirtualModel("pendulum", params, initial_positions=[0.4]) as model,
        VirtualModel("pendulum", params, initial_positions=[0.4]) as fresh,
    ):
        for m in (model, fresh):
            for _ in range(10):
                m.predict(np.array([0.5]))
        before, t_before = model.state(), model.plant.time
        forecast = model.forecast(plan, 60)
        after = model.state()
        assert model.plant.time == t_before and model.plant.world.steps_taken == 10
        np.testing.assert_array_equal(after.positions, before.positions)
        np.testing.assert_array_equal(after.velocities, before.velocities)
        np.testing.assert_array_equal(model.plant.last_torques, [0.5])
        reference = np.array([fresh.predict(tau).positions for tau in plan])
        np.testing.assert_allclose(forecast.positions, reference, atol=1e-12)
        np.testing.assert_allclose(forecast.times, t_before + DT * np.arange(1, 61))
        np.testing.assert_allclose(forecast.torques, plan)
        # after the forecast the model itself still evolves exactly as forecast
        again = np.array([model.predict(tau).positions for tau in plan])
        np.testing.assert_allclose(again, reference, atol=1e-12)
    assert forecast.positions.shape == forecast.velocities.shape == (60, 1)
    assert np.ptp(forecast.positions) > 0.1  # the plan really moved it


def test_forecast_with_a_controller():
    with VirtualModel("pendulum", initial_positions=[0.3]) as model:
        pd = JointPD([0.3], kp=20, kd=2)
        forecast = model.forecast(lambda t, s: pd(t, s.positions, s.velocities, model.gravity_torques(s.positions)), 48)
        # gravity compensation on an exact model holds the pendulum still at its target
        np.testing.assert_allclose(forecast.positions, 0.3, atol=1e-9)
        np.testing.assert_allclose(forecast.torques[:, 0], GRAVITY * math.sin(0.3), rtol=1e-6)


@pytest.mark.parametrize(("shape", "steps"), [((10, 2), 10), ((9, 1), 10), ((10,), 10)])
def test_forecast_rejects_wrong_plan_shape(shape: tuple[int, ...], steps: int):
    with VirtualModel("pendulum") as model, pytest.raises(ValueError, match="shape"):
        model.forecast(np.zeros(shape), steps)


@pytest.mark.parametrize("steps", [0, -1, 2.0])
def test_forecast_rejects_bad_steps(steps: object):
    with VirtualModel("pendulum") as model, pytest.raises(ValueError, match="steps"):
        model.forecast(np.zeros((1, 1)), steps)  # type: ignore[arg-type]


# -- DigitalTwin: what the modes do ----------------------------------------------------------------
def test_shadow_tracks_the_robot_and_model_drifts():
    """Released from 1 rad with no controller: the open-loop model drifts, the shadow stays within sensor noise."""
    sigma = 0.002
    rmse = {}
    for mode in ("model", "shadow"):
        sensor = JointStateSensor(position_noise_std=sigma, velocity_noise_std=0.02, seed=1)
        with DigitalTwin("pendulum", mode, sensor=sensor, initial_positions=[1.0], seed=1) as twin:
            twin.run(480)
            rmse[mode] = twin.analytics.rmse(last_seconds=1.0)
    assert rmse["model"] > 10 * rmse["shadow"]
    assert 0.5 * sigma < rmse["shadow"] < 2.0 * sigma


def test_model_mode_has_no_bias_when_the_model_is_right():
    """truth == model and an ideal sensor: the prediction error is numerical zero, open loop or with a plan."""
    for controller in (None, JointPD([0.3], kp=20, kd=2)):
        with DigitalTwin(
            "pendulum",
            "model",
            controller=controller,
            truth=DynamicsParameters(),
            sensor=JointStateSensor(0.0, 0.0),
            initial_positions=[1.0],
        ) as twin:
            run = twin.run(240)
            assert twin.analytics.max_abs_error() < 1e-9
            assert np.ptp(run.true_positions) > 0.5  # it really moved


HOLD_TARGET, KP, KD = 0.8, 20.0, 2.0
# the default truth (1.2 x mass, 0.02 N m friction), but damped hard enough to settle within 3 s
HOLD_TRUTH = DEFAULT_TRUTH["pendulum"].with_changes(joint_damping=2.0)


def hold(mode: str, steps: int = 720) -> np.ndarray:
    """True final angle of the pendulum held at 0.8 rad by a JointPD in ``mode``; the last 60 true angles."""
    with DigitalTwin(
        "pendulum",
        mode,
        controller=JointPD([HOLD_TARGET], kp=KP, kd=KD),
        truth=HOLD_TRUTH,
        initial_positions=[HOLD_TARGET],
    ) as twin:
        run = twin.run(steps)
        np.testing.assert_allclose(run.targets, HOLD_TARGET)
        return run.true_positions[-60:, 0]


@pytest.mark.parametrize("mode", ["model", "shadow"])
def test_open_loop_plan_sags_where_true_gravity_balances_the_planned_torque(mode: str):
    """The plan, made on the exact nominal model, is the constant torque G sin(0.8). The robot is heavier:
    it settles where s G sin(q) = G sin(0.8), give or take its Coulomb friction f."""
    s, f = HOLD_TRUTH.mass_scale, HOLD_TRUTH.joint_friction
    planned = GRAVITY * math.sin(HOLD_TARGET)
    expected = math.asin(planned / (s * GRAVITY))
    lo, hi = math.asin((planned - f) / (s * GRAVITY)), math.asin((planned + f) / (s * GRAVITY))
    tail = hold(mode)
    assert np.ptp(tail) < 1e-3  # settled
    assert lo - 1e-3 <= tail[-1] <= hi + 1e-3, f"expected {expected:.4f} in [{lo:.4f}, {hi:.4f}], got {tail[-1]:.4f}"
    assert HOLD_TARGET - tail[-1] > 0.1  # a visible sag


def test_twin_mode_feedback_removes_most_of_the_sag():
    """In twin mode the PD acts on the synchronised estimate: kp (0.8 - q) + G sin q = s G sin q (+- f)."""
    s, f = HOLD_TRUTH.mass_scale, HOLD_TRUTH.joint_friction
    expected = bisect(lambda q: KP * (HOLD_TARGET - q) + GRAVITY * math.sin(q) - s * GRAVITY * math.sin(q), 0.0, 0.8)
    band = f / KP
    tail = hold("twin")
    # a few mrad beyond the friction band: the observer's estimate lags the truth slightly (kd acts on it)
    assert abs(tail[-1] - expected) < band + 0.004, f"expected {expected:.4f}, got {tail[-1]:.4f}"
    model_sag = HOLD_TARGET - hold("model")[-1]
    assert HOLD_TARGET - tail[-1] < 0.3 * model_sag


@pytest.mark.parametrize(("mode", "up", "down"), [("model", 0, 0), ("shadow", 1, 0), ("twin", 1, 1)])
def test_which_messages_cross_the_link(mode: str, up: int, down: int):
    steps = 25
    link = InProcessLink()
    with DigitalTwin("pendulum", mode, controller=JointPD([0.2], kp=5, kd=1), link=link) as twin:
        twin.run(steps)
    assert link.uplink.sent == up * steps and link.uplink.delivered == up * steps
    assert link.downlink.sent == down * steps and link.downlink.delivered == down * steps


@pytest.mark.parametrize("delay", [0, 1, 5])
def test_commands_reach_the_robot_delay_steps_late(delay: int):
    applied: list[tuple[int, float, float]] = []
    with DigitalTwin(
        "pendulum",
        "twin",
        controller=constant_torque(1.0),
        truth=DynamicsParameters(),
        link=InProcessLink(delay_steps=delay),
    ) as twin:
        original = twin.physical.apply

        def spy(command: JointCommand) -> None:
            applied.append((twin.steps_taken, command.time, float(command.torques[0])))
            original(command)

        twin.physical.apply = spy  # type: ignore[method-assign]
        run = twin.run(20)
    first_step, first_time, first_torque = applied[0]
    assert first_step == delay and first_time == 0.0 and first_torque == 1.0
    assert all(step - round(t / DT) == delay for step, t, _ in applied)
    # the hanging pendulum stays exactly still until the first command acts
    np.testing.assert_array_equal(run.true_positions[: delay + 1, 0], 0.0)
    assert run.true_positions[delay + 1, 0] > 0.0


def test_same_seed_same_run_different_seed_different_measurements():
    def record(seed: int) -> tuple[np.ndarray, ...]:
        with DigitalTwin("pendulum", "twin", controller=JointPD([0.5]), initial_positions=[0.2], seed=seed) as twin:
            run = twin.run(120)
        return run.measured_positions, run.predicted_positions, run.true_positions, run.torques

    a, b, c = record(5), record(5), record(6)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.allclose(a[0], c[0])


def test_bad_mode_and_gain():
    with pytest.raises(ValueError) as info:
        DigitalTwin("pendulum", "mirror")
    for mode in MODES:
        assert repr(mode) in str(info.value)
    for gain in (-0.01, 1.01):
        with pytest.raises(ValueError, match="correction_gain"):
            DigitalTwin("pendulum", "twin", correction_gain=gain)


def test_close_twice_and_history():
    twin = DigitalTwin("pendulum", "shadow", controller=JointPD([0.1]))
    first = twin.run(10)
    second = twin.run(5)
    assert first.times.shape == (10,) and second.times.shape == (5,)
    np.testing.assert_allclose(second.times, DT * np.arange(10, 15))
    assert twin.history().times.shape == (15,)
    assert twin.time == pytest.approx(15 * DT)
    with pytest.raises(RuntimeError, match="plan"):
        twin.target = [0.3]
    twin.close()
    twin.close()
    assert not twin.physical.robot.world.is_open and not twin.model.plant.world.is_open


def test_run_with_progress_bar(capsys: pytest.CaptureFixture[str]):
    with DigitalTwin("pendulum", "twin") as twin:
        run = twin.run(7, progress=True)
    assert run.times.shape == (7,)
    assert "7/7" in capsys.readouterr().err


def test_a_refused_truth_change_leaves_the_stand_in_as_it_was():
    with DigitalTwin("arm", "model") as t:
        before = t.physical.truth
        with pytest.raises(ValueError, match="too large"):
            t.physical.update_truth(joint_damping=5.0)  # beyond the explicit-damping limit of the wrist
        assert t.physical.truth == before
        assert t.physical._plant.parameters == before


def test_a_twin_that_fails_to_build_closes_what_it_had_built(monkeypatch):
    import twin.digital_twin as module

    opened: list = []
    real_model = module.VirtualModel

    def second_model_fails(*args, **kwargs):
        if opened:
            raise RuntimeError("planner could not be built")
        opened.append(real_model(*args, **kwargs))
        return opened[-1]

    closed: list = []
    real_close = module.PhysicalStandIn.close
    monkeypatch.setattr(module.PhysicalStandIn, "close", lambda self: closed.append(self) or real_close(self))
    monkeypatch.setattr(module, "VirtualModel", second_model_fails)
    with pytest.raises(RuntimeError, match="planner"):
        DigitalTwin("pendulum", "model")
    assert len(closed) == 1
    assert not opened[0].plant.world.is_open
