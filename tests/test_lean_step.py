"""The lean twin step keeps the checks a user needs, at the boundary: what comes in from outside is checked once."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from twin.control.pd import JointPD
from twin.core.messages import StateMeasurement
from twin.core.types import JointState, all_finite
from twin.digital_twin import DigitalTwin
from twin.physical_system.standin import PhysicalStandIn
from twin.sim import World
from twin.sim._bullet import BulletClient, pybullet
from twin.virtual_model.virtual import VirtualModel


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([0.0, 1.5, -2.0], True),
        ([], True),
        ([1e308, 1e308], True),  # the sum overflows, every entry is still finite
        ([0.0, np.nan], False),
        ([np.inf, 1.0], False),
        ([np.inf, -np.inf], False),
    ],
)
def test_all_finite_agrees_with_numpy(values, expected):
    vector = np.array(values, dtype=float)
    assert all_finite(vector) is expected
    assert expected == bool(np.isfinite(vector).all())


@pytest.mark.parametrize(
    ("bad", "phrase"),
    [(lambda t, q, qd, g: np.zeros(3), "must return 1 finite torques"), (lambda t, q, qd, g: [np.nan], "finite")],
)
@pytest.mark.parametrize("mode", ["twin", "shadow"])
def test_a_controller_that_returns_wrong_torques_is_named_at_once(bad, phrase, mode):
    with DigitalTwin("pendulum", mode, controller=bad) as twin:
        with pytest.raises(ValueError, match="the controller returned") as error:
            twin.step()
        assert phrase in str(error.value)
        assert twin.steps_taken == 0 and len(twin.analytics) == 0  # nothing half-written


def test_a_measurement_of_the_wrong_robot_cannot_correct_the_model():
    with VirtualModel("arm") as model:
        wrong = StateMeasurement(0.0, [0.1, 0.2], [0.0, 0.0])
        with pytest.raises(ValueError, match="cannot correct arm, which has 7 joints"):
            model.correct(wrong, 0.5)


def test_one_correction_write_gives_what_step_by_step_corrections_give():
    measurements = [StateMeasurement(0.01 * i, [0.1 * i, -0.2], [0.3, 0.1 * i]) for i in range(1, 4)]
    with VirtualModel("cartpole") as one_write, VirtualModel("cartpole") as step_by_step:
        before, after = one_write.correct_each(measurements, 0.4, one_write.state())
        for m in measurements:
            step_by_step.correct(m, 0.4)
        assert one_write.corrections == step_by_step.corrections == 3
        np.testing.assert_array_equal(one_write.state().positions, step_by_step.state().positions)
        np.testing.assert_array_equal(one_write.state().velocities, step_by_step.state().velocities)
        np.testing.assert_array_equal(after.positions, one_write.state().positions)  # what it says it wrote
        np.testing.assert_array_equal(before[0], [0.0, 0.0])  # the model's positions before the first pull


def test_the_standin_reads_its_state_once_per_step_and_forgets_it_when_it_moves():
    with PhysicalStandIn("pendulum", initial_positions=[0.4]) as standin:
        first = standin.true_state()
        assert standin.true_state() is first  # the same read serves the sensor, the truth and the damping
        with pytest.raises(ValueError, match="read-only"):
            first.positions[0] = 0.0  # nobody can change what the others will see
        standin.step()
        moved = standin.true_state()
        assert moved is not first and moved.positions[0] != first.positions[0]
        standin.reset([0.1])
        np.testing.assert_array_equal(standin.true_state().positions, [0.1])


def test_a_disconnected_client_forgets_its_functions_and_cannot_reach_a_new_simulation():
    old = BulletClient(connection_mode=pybullet.DIRECT)
    old.getNumBodies()  # now stored on the instance
    old.disconnect()
    new = BulletClient(connection_mode=pybullet.DIRECT)  # may reuse the old client's id
    try:
        with pytest.raises(pybullet.error, match="Not connected"):
            old.getNumBodies()
    finally:
        new.disconnect()


def test_the_twin_still_tracks_with_the_lean_step():
    target = np.full(7, 0.3)
    with DigitalTwin("arm", "twin") as twin:
        twin.controller = JointPD.critically_damped(target, twin.model.plant.mass_matrix(np.zeros(7)))
        run = twin.run(480)
    assert np.abs(run.true_positions[-1, :4] - target[:4]).max() < 0.05
    assert run.rmse("prediction") < 0.01


def test_a_measurement_from_rows_is_checked_like_one_from_vectors():
    rows = np.array([[0.1, 0.2], [0.3, 0.4]])
    m = StateMeasurement.from_rows(0.5, rows)
    assert not m.rows.flags.writeable and rows.flags.writeable  # the message's own copy is read-only, not yours
    rows[0, 0] = 9.0  # changing your array later leaves the message as it was
    assert m.positions[0] == 0.1
    rows[0, 0] = 0.1
    np.testing.assert_array_equal(m.positions, [0.1, 0.2])
    np.testing.assert_array_equal(m.velocities, [0.3, 0.4])
    with pytest.raises(ValueError, match="finite"):
        StateMeasurement.from_rows(0.5, np.array([[0.1, np.nan], [0.3, 0.4]]))
    with pytest.raises(ValueError, match=r"shape \(2, joints\)"):
        StateMeasurement.from_rows(0.5, np.zeros(4))
    with pytest.raises(ValueError, match="time"):
        StateMeasurement.from_rows(float("inf"), rows.copy())
    plain = StateMeasurement(0.5, [0.1, 0.2], [0.3, 0.4])
    np.testing.assert_array_equal(plain.rows, rows)  # made on first use, then kept
    assert plain.rows is plain.rows and not plain.rows.flags.writeable


def test_a_run_takes_any_integer_count_of_steps():
    with DigitalTwin("pendulum", "twin", controller=JointPD([0.5])) as twin:
        steps = np.arange(5)[3]  # a numpy integer, as indexing an array gives
        assert twin.run(steps).times.shape == (3,)
        with pytest.raises(ValueError, match="non-negative integer number of time steps"):
            twin.run(2.5)


def test_the_error_a_step_returns_is_the_callers_to_change():
    with DigitalTwin("pendulum", "twin", controller=JointPD([0.5])) as twin:
        error = twin.step()
        kept = twin.analytics.errors.copy()
        error *= 1000.0  # a student converting to mrad in place
        np.testing.assert_array_equal(twin.analytics.errors, kept)  # the analytics' record is unchanged


def test_a_plain_joint_state_gives_rows_that_follow_its_arrays():
    state = JointState(np.array([0.1, 0.2]), np.array([0.3, 0.4]))
    state.positions[0] = 1.0  # a plain state's arrays may change: its rows are made anew each time
    np.testing.assert_array_equal(state.rows, [[1.0, 0.2], [0.3, 0.4]])
    rows = np.array([[0.1, 0.2], [0.3, 0.4]])
    kept = JointState.from_rows(rows)
    assert kept.rows is rows and np.shares_memory(kept.positions, rows)
    assert kept == JointState(kept.positions, kept.velocities)  # the same dataclass, rows are no field


def test_a_closed_world_says_so_at_the_first_call():
    world = World()
    world.close()
    assert not world.is_open
    with pytest.raises(RuntimeError, match=r"World is closed \(client.getNumBodies\)"):
        world.client.getNumBodies()
    copy.deepcopy(world.client)  # copying a closed world's client is no pybullet call


def test_a_controller_may_reuse_its_output_array_between_steps():
    twin = DigitalTwin("pendulum", "twin")
    buffer = np.zeros(1)

    def reuses_its_buffer(t, positions, velocities, gravity):  # writes into the same array every step
        buffer[0] = gravity[0] - 2.0 * positions[0] - 0.5 * velocities[0]
        return buffer

    twin.controller = reuses_its_buffer
    try:
        for _ in range(5):
            twin.step()
        assert buffer.flags.writeable
        assert len(set(twin.history().torques[:, 0].tolist())) > 1  # each step kept its own torques
    finally:
        twin.close()


def test_a_target_in_degrees_warns():
    with DigitalTwin("arm", "twin", controller=JointPD(np.zeros(7))) as twin:
        with pytest.warns(UserWarning, match=r"target more than a full turn.*np\.radians"):
            twin.target = np.full(7, 45.0)
