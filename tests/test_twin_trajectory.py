"""The twin's trajectories, bit for bit: a faster ``DigitalTwin.step`` must not change one number of a run.

``tests/data/twin_trajectories.npz`` holds runs recorded from the twin before the second lean-step change
(issue 17, item 2; recorded at commit dde2b60 with pybullet 3.2.7 on x86_64). Each run is compared with
``np.array_equal``: every state, measurement, prediction, estimate, torque and judged error must be the very same
float. Re-record (only after a change that is *meant* to alter the dynamics, and say so in the commit) with::

    python tests/test_twin_trajectory.py --record
"""

from __future__ import annotations

import platform
import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pytest

from twin.control.pd import JointPD
from twin.digital_twin import DigitalTwin
from twin.link import Impairments, InProcessLink
from twin.link.impaired_link import ImpairedLink

REFERENCE = Path(__file__).parent / "data" / "twin_trajectories.npz"


def _arm_pd(twin: DigitalTwin, target: object) -> JointPD:
    return JointPD.critically_damped(target, twin.model.plant.mass_matrix(np.zeros(7)))


def _wave(t: float) -> np.ndarray:
    return 0.3 + 0.2 * np.sin(2.0 * np.pi * 0.5 * t + np.arange(7))


def _run(name: str) -> dict[str, np.ndarray]:
    """One recorded configuration, run from scratch: every array the twin keeps about it."""
    if name == "arm_twin":  # the benchmark's twin: on-arrival correction, perfect link, fixed target
        twin = DigitalTwin("arm", "twin", seed=0)
        twin.controller = _arm_pd(twin, np.full(7, 0.3))
        steps = 200
    elif name == "arm_twin_delayed_timestamped":  # rollback and replay behind a delayed link, moving target
        twin = DigitalTwin("arm", "twin", seed=1, link=InProcessLink(delay_steps=2), correction="timestamped")
        twin.controller = _arm_pd(twin, _wave)
        steps = 200
    elif name == "arm_shadow":  # a plan made on the nominal model, replayed by the robot
        twin = DigitalTwin("arm", "shadow", seed=3, initial_positions=np.linspace(-0.2, 0.2, 7))
        twin.controller = _arm_pd(twin, np.full(7, -0.1))
        steps = 200
    elif name == "pendulum_twin_lossy":  # lost samples: steps that judge nothing
        link = ImpairedLink(Impairments(loss=0.3), seed=4)
        twin = DigitalTwin("pendulum", "twin", seed=4, link=link, controller=JointPD([0.5]), initial_positions=[0.2])
        steps = 150
    elif name == "pendulum_model":  # open loop: the analytics compares offline
        twin = DigitalTwin("pendulum", "model", seed=5, controller=JointPD([0.4]), initial_positions=[0.1])
        steps = 120
    else:
        raise KeyError(name)
    with twin:
        returned = np.array([twin.step() for _ in range(steps)])
        run = twin.history()
        final = twin.model.state()
        return {
            "times": run.times,
            "true_positions": run.true_positions,
            "measured_positions": run.measured_positions,
            "predicted_positions": run.predicted_positions,
            "estimated_positions": run.estimated_positions,
            "torques": run.torques,
            "targets": run.targets,
            "step_returns": returned,
            "analytics_times": twin.analytics.times,
            "analytics_errors": twin.analytics.errors,
            "model_final": np.concatenate([final.positions, final.velocities]),
            "robot_final": np.concatenate(
                [twin.physical.true_state().positions, twin.physical.true_state().velocities]
            ),
        }


RUNS = ("arm_twin", "arm_twin_delayed_timestamped", "arm_shadow", "pendulum_twin_lossy", "pendulum_model")


def _recorded_here(reference: np.lib.npyio.NpzFile) -> str | None:
    """Why bit-identity cannot be expected on this machine, or None when it can."""
    here = (version("pybullet"), platform.machine())
    there = (str(reference["meta_pybullet"]), str(reference["meta_machine"]))
    if here != there:
        return f"recorded with pybullet {there[0]} on {there[1]}; here {here[0]} on {here[1]}"
    return None


@pytest.mark.parametrize("name", RUNS)
def test_a_run_is_the_same_to_the_last_bit_as_recorded(name: str) -> None:
    with np.load(REFERENCE) as reference:
        other = _recorded_here(reference)
        if other:
            pytest.skip(f"bit-identical runs need the recording's build: {other}")
        expected = {key.split("/", 1)[1]: reference[key] for key in reference.files if key.startswith(name + "/")}
    assert expected, f"{REFERENCE.name} has no run {name!r}: re-record it (see the module docstring)"
    got = _run(name)
    assert sorted(got) == sorted(expected)
    for key, value in expected.items():
        assert got[key].shape == value.shape, f"{name}/{key}: shape {got[key].shape}, recorded {value.shape}"
        differ = ~((got[key] == value) | (np.isnan(got[key]) & np.isnan(value)))
        assert not differ.any(), (
            f"{name}/{key} differs from the recording at {np.argwhere(differ)[:3].tolist()} "
            f"(largest gap {np.nanmax(np.abs(got[key] - value)):.3g}): the twin's step changed behaviour"
        )


def _record() -> None:
    arrays: dict[str, np.ndarray] = {
        "meta_pybullet": np.array(version("pybullet")),
        "meta_machine": np.array(platform.machine()),
    }
    for name in RUNS:
        arrays.update({f"{name}/{key}": value for key, value in _run(name).items()})
    np.savez_compressed(REFERENCE, **arrays)
    print(f"wrote {REFERENCE} ({REFERENCE.stat().st_size} bytes)")


if __name__ == "__main__":
    if sys.argv[1:] != ["--record"]:
        sys.exit("usage: python tests/test_twin_trajectory.py --record")
    _record()
