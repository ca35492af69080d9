"""How much does `twin` cost on top of raw pybullet?

1. The standing humanoid stepped through ``twin`` (``World`` + ``load_robot('humanoid')`` + ``world.step``)
   against the same scene built with raw pybullet (``BulletClient`` DIRECT, same URDF, scaling, orientation,
   ground placement, hold-pose motors and engine parameters). Both run the same number of steps in the same
   process, in interleaved rounds (alternating which goes first); the median round is reported. Target:
   overhead ratio twin/raw time <= 1.05.
2. For context: ``DigitalTwin('arm', 'twin')`` (two simulations, sensor, link, observer, controller, analytics)
   against two raw torque-driven iiwa simulations stepped side by side.

Usage: python benchmarks/bench_twin_overhead.py [--steps 2000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

from twin.control.pd import JointPD
from twin.digital_twin import DigitalTwin
from twin.sim import ROBOTS, World
from twin.sim._bullet import BulletClient, pybullet, pybullet_data
from twin.sim._quiet import quiet_c_output
from twin.sim.world import DEFAULT_TIME_STEP, STANDARD_GRAVITY


def raw_client() -> BulletClient:
    """A DIRECT client set up like ``twin.World()``."""
    with quiet_c_output():
        c = BulletClient(connection_mode=pybullet.DIRECT)
    c.setAdditionalSearchPath(pybullet_data.getDataPath())
    c.setGravity(0.0, 0.0, -STANDARD_GRAVITY)
    c.setTimeStep(DEFAULT_TIME_STEP)
    c.setPhysicsEngineParameter(numSolverIterations=50, deterministicOverlappingPairs=1)
    return c


def raw_humanoid() -> tuple[BulletClient, int]:
    """The catalogue humanoid built with plain pybullet calls."""
    spec = ROBOTS["humanoid"]
    c = raw_client()
    with quiet_c_output():
        plane = c.loadURDF("plane.urdf")
        body = c.loadURDF(
            spec.urdf,
            basePosition=spec.base_position,
            baseOrientation=c.getQuaternionFromEuler(spec.base_euler),
            useFixedBase=spec.fixed_base,
            globalScaling=spec.global_scaling,
            flags=pybullet.URDF_USE_INERTIA_FROM_FILE,
        )
    c.changeDynamics(plane, -1, lateralFriction=1.0)
    n = c.getNumJoints(body)
    lowest = min(c.getAABB(body, link)[0][2] for link in range(-1, n))
    pos, orn = c.getBasePositionAndOrientation(body)
    c.resetBasePositionAndOrientation(body, [pos[0], pos[1], pos[2] - lowest + 1e-3], orn)
    for j in range(n):
        kind = c.getJointInfo(body, j)[2]
        if kind == pybullet.JOINT_REVOLUTE:
            angle = c.getJointState(body, j)[0]
            c.setJointMotorControl2(body, j, pybullet.POSITION_CONTROL, targetPosition=angle, force=200.0)
        elif kind == pybullet.JOINT_SPHERICAL:
            target = c.getJointStateMultiDof(body, j)[0]
            c.setJointMotorControlMultiDof(
                body,
                j,
                pybullet.POSITION_CONTROL,
                targetPosition=list(target),
                positionGain=0.2,
                velocityGain=1.0,
                force=[200.0] * 3,
            )
    return c, body


def timed(run: Callable[[], None]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def interleaved(a: Callable[[], None], b: Callable[[], None], rounds: int) -> tuple[list[float], list[float]]:
    """Time ``a`` and ``b`` in alternating order, ``rounds`` times each."""
    times_a, times_b = [], []
    for r in range(rounds):
        if r % 2 == 0:
            times_a.append(timed(a))
            times_b.append(timed(b))
        else:
            times_b.append(timed(b))
            times_a.append(timed(a))
    return times_a, times_b


def bench_humanoid(steps: int, rounds: int) -> None:
    world = World()
    humanoid = world.load_robot("humanoid")
    client, body = raw_humanoid()
    try:
        step_raw = client.stepSimulation

        def twin_round() -> None:
            world.step(steps)

        def raw_round() -> None:
            for _ in range(steps):
                step_raw()

        t_twin, t_raw = interleaved(twin_round, raw_round, rounds)
        # the two scenes really are the same: after the same number of steps the bases agree
        z_twin = world.client.getBasePositionAndOrientation(humanoid.body_id)[0]
        z_raw = client.getBasePositionAndOrientation(body)[0]
        gap = float(np.max(np.abs(np.subtract(z_twin, z_raw))))
    finally:
        world.close()
        client.disconnect()
    twin_rate, raw_rate = steps / statistics.median(t_twin), steps / statistics.median(t_raw)
    ratio = statistics.median(t_twin) / statistics.median(t_raw)
    print(f"humanoid, {rounds} rounds x {steps} steps (median round)")
    print(f"  twin World.step : {twin_rate:10.0f} steps/s  ({twin_rate * DEFAULT_TIME_STEP:5.1f}x real time)")
    print(f"  raw pybullet    : {raw_rate:10.0f} steps/s  ({raw_rate * DEFAULT_TIME_STEP:5.1f}x real time)")
    verdict = "OK" if ratio <= 1.05 else "ABOVE TARGET"
    print(f"  overhead twin/raw time: {ratio:.3f}  (target <= 1.05: {verdict})")
    print(f"  same scene check: base positions differ by {gap:.2e} m after {steps * rounds} steps")


def raw_arm() -> tuple[BulletClient, int, list[int]]:
    """A torque-driven iiwa with plain pybullet calls."""
    c = raw_client()
    with quiet_c_output():
        c.loadURDF("plane.urdf")
        body = c.loadURDF("kuka_iiwa/model.urdf", useFixedBase=True, flags=pybullet.URDF_USE_INERTIA_FROM_FILE)
    joints = list(range(c.getNumJoints(body)))
    c.setJointMotorControlArray(body, joints, pybullet.VELOCITY_CONTROL, forces=[0.0] * len(joints))
    return c, body, joints


def bench_arm_twin(steps: int, rounds: int) -> None:
    twin = DigitalTwin("arm", "twin")
    target = np.full(7, 0.3)
    twin.controller = JointPD.critically_damped(target, twin.model.plant.mass_matrix(np.zeros(7)))
    plants = [raw_arm(), raw_arm()]
    kp = 20.0
    try:

        def twin_round() -> None:
            for _ in range(steps):
                twin.step()

        def raw_round() -> None:  # two plants, each read and driven by a simple PD, no twin machinery
            for c, body, joints in plants:
                for _ in range(steps):
                    states = c.getJointStates(body, joints)
                    torques = [kp * (0.3 - s[0]) - 2.0 * s[1] for s in states]
                    c.setJointMotorControlArray(body, joints, pybullet.TORQUE_CONTROL, forces=torques)
                    c.stepSimulation()

        t_twin, t_raw = interleaved(twin_round, raw_round, rounds)
        final_error = twin.physical.true_state().positions - target
    finally:
        twin.close()
        for c, _, _ in plants:
            c.disconnect()
    twin_rate, raw_rate = steps / statistics.median(t_twin), steps / statistics.median(t_raw)
    print(f"arm DigitalTwin (mode 'twin'), {rounds} rounds x {steps} steps (context, not a target)")
    print(f"  DigitalTwin.step      : {twin_rate:10.0f} steps/s  ({twin_rate * DEFAULT_TIME_STEP:5.1f}x real time)")
    print(f"  two raw plants + PD   : {raw_rate:10.0f} steps/s  ({raw_rate * DEFAULT_TIME_STEP:5.1f}x real time)")
    print(f"  ratio twin/raw time   : {statistics.median(t_twin) / statistics.median(t_raw):.2f}")
    print(f"  final tracking error per joint [rad]: {np.array2string(final_error, precision=3)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000, help="steps per round (default 2000)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    args = parser.parse_args()
    if args.steps < 1 or args.rounds < 1:
        parser.error("--steps and --rounds must be >= 1")
    bench_humanoid(args.steps, args.rounds)
    print()
    bench_arm_twin(args.steps, args.rounds)


if __name__ == "__main__":
    main()
