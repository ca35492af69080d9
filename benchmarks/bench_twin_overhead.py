"""How much does `twin` cost on top of raw pybullet?

1. The standing humanoid stepped through ``twin`` (``World`` + ``load_robot('humanoid')`` + ``world.step``)
   against the same scene built with raw pybullet (``BulletClient`` DIRECT, same URDF, scaling, orientation,
   ground placement, hold-pose motors and engine parameters). Both run the same number of steps in the same
   process, in interleaved rounds (alternating which goes first); the median round's CPU time is reported
   (``time.process_time``: on a shared machine other programs' load does not count). Target:
   overhead ratio twin/raw time <= 1.05.
2. The lean twin step (issue 17): one step of a whole twin against two bare simulations of the same robot, each
   read and driven once per step with plain pybullet calls (no wrapper). Target: ratio <= 1.5.
   - arm: ``DigitalTwin('arm', 'twin')`` (stand-in with sensor, link, model corrected by each measurement, PD
     controller with the model's gravity torques, analytics) against two torque-driven iiwa with a PD;
   - humanoid: ``HumanoidStandIn`` -> ``InProcessLink`` -> ``HumanoidTwin`` (floating-base estimator mirroring
     the model, capture-point balance) -> servo targets back, against two standing humanoids whose joints are
     read and whose servo targets are set each step.
3. The floor under the arm's ratio: ``FusedArmStep`` does the arm twin's whole step in one function, every
   component's work inlined (direct pybullet calls, the fewest numpy operations found, no objects between the
   parts, the same finiteness checks). It is not part of ``twin``; it shows how far any Python twin step with this
   work can go, and the benchmark checks that its run is the twin's run, bit for bit.

Usage: python benchmarks/bench_twin_overhead.py [--steps 2000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import itertools
import math
import operator
import statistics
import time
from collections.abc import Callable

import numpy as np

from twin.control.pd import JointPD
from twin.digital_twin import DigitalTwin
from twin.humanoid.standin import HumanoidStandIn, HumanoidTruth
from twin.humanoid.twin import HumanoidTwin, make_controller
from twin.link import InProcessLink
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
    """CPU seconds this process spends in ``run()``: on a shared machine, other programs' load does not count."""
    start = time.process_time()
    run()
    return time.process_time() - start


def interleaved(*runs: Callable[[], None], rounds: int) -> list[list[float]]:
    """Time each of ``runs`` ``rounds`` times, the order rotating every round so none always goes first."""
    times: list[list[float]] = [[] for _ in runs]
    for r in range(rounds):
        for i in range(len(runs)):
            which = (i + r) % len(runs)
            times[which].append(timed(runs[which]))
    return times


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

        t_twin, t_raw = interleaved(twin_round, raw_round, rounds=rounds)
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


def bare_arm(joint_friction: float = 0.0) -> tuple[int, int, list[int]]:
    """A torque-driven iiwa with plain pybullet calls: (client id, body, joints). ``joint_friction`` (N m) adds
    pybullet's friction motors, as the twin's stand-in has them (they make each step cost more)."""
    with quiet_c_output():
        cid = pybullet.connect(pybullet.DIRECT)
    pybullet.setAdditionalSearchPath(pybullet_data.getDataPath(), physicsClientId=cid)
    pybullet.setGravity(0.0, 0.0, -STANDARD_GRAVITY, physicsClientId=cid)
    pybullet.setTimeStep(DEFAULT_TIME_STEP, physicsClientId=cid)
    pybullet.setPhysicsEngineParameter(numSolverIterations=50, deterministicOverlappingPairs=1, physicsClientId=cid)
    with quiet_c_output():
        pybullet.loadURDF("plane.urdf", physicsClientId=cid)
        body = pybullet.loadURDF(
            "kuka_iiwa/model.urdf", useFixedBase=True, flags=pybullet.URDF_USE_INERTIA_FROM_FILE, physicsClientId=cid
        )
    joints = list(range(pybullet.getNumJoints(body, physicsClientId=cid)))
    pybullet.setJointMotorControlArray(
        body, joints, pybullet.VELOCITY_CONTROL, forces=[joint_friction] * len(joints), physicsClientId=cid
    )
    return cid, body, joints


def report(name: str, steps: int, t_twin: list[float], baselines: dict[str, list[float]]) -> None:
    """Per-step cost of the twin and of each baseline (median round), and the ratio twin / baseline."""
    twin_us = 1e6 * statistics.median(t_twin) / steps
    print(
        f"  twin step                      : {twin_us:8.1f} us/step"
        f"  ({1e6 / twin_us * DEFAULT_TIME_STEP:5.1f}x real time)"
    )
    for what, times in baselines.items():
        raw_us = 1e6 * statistics.median(times) / steps
        ratio = twin_us / raw_us
        verdict = "OK" if ratio <= 1.5 else "ABOVE TARGET"
        print(f"  two bare simulations, {what:9}: {raw_us:8.1f} us/step   lean step ratio, {name}: {ratio:.2f}"
              f" (target <= 1.5: {verdict})")  # fmt: skip


_POSITION, _VELOCITY = operator.itemgetter(0), operator.itemgetter(1)


class FusedArmStep:
    """``DigitalTwin.step`` for one chain, fused into one function: the least Python such a step can run.

    The chain: twin mode, a ``PhysicalStandIn`` with a ``JointStateSensor`` and no unmodeled effects, an
    ``InProcessLink`` with no delay, on-arrival correction, a ``JointPD`` controller. Each call does the same work
    in the same order as the twin's step (read the robot, draw the sensor noise, read the model, correct it, the
    model's gravity torques, PD, damping, torques to both simulations, both steps, the records) with pybullet
    called directly and no message, state or command objects between the parts. The finiteness checks stay (the
    measurement and the torques), so that nothing the twin checks goes unchecked. It writes the twin's history
    and analytics, so ``twin.history()`` compares the two runs.
    """

    def __init__(self, twin: DigitalTwin) -> None:
        stand_in, model = twin.physical._plant, twin.model.plant
        link = twin.link
        if (
            twin.mode != "twin"
            or twin.correction != "on_arrival"
            or twin.physical.effects.any_on
            or not isinstance(link, InProcessLink)
            or link.uplink.delay_steps
            or link.downlink.delay_steps
            or not isinstance(twin.controller, JointPD)
        ):
            raise ValueError("FusedArmStep reproduces only the standard twin chain (see its docstring).")
        self.twin = twin
        self.robot_id, self.model_id = stand_in.world.client._client, model.world.client._client
        self.robot_body, self.model_body = stand_in.robot.body_id, model.robot.body_id
        self.joints = list(stand_in.robot.joint_indices)
        self.shape = (2, stand_in.dof)
        self.stand_in, self.model = stand_in, model

    def __call__(self) -> np.ndarray:
        twin, robot_id, model_id, joints = self.twin, self.robot_id, self.model_id, self.joints
        rows = self.shape[0] * self.shape[1]
        k = twin.steps_taken
        t = k * twin._time_step
        states = pybullet.getJointStates(self.robot_body, joints, physicsClientId=robot_id)  # the robot, exact
        x = np.fromiter(itertools.chain(map(_POSITION, states), map(_VELOCITY, states)), float, rows)
        x.shape = self.shape
        sensor = twin.physical.sensor
        y = sensor.rng.standard_normal(self.shape)  # the sensor's reading: the same draws as JointStateSensor's
        y *= sensor._noise_std_rows
        y += x
        if not math.isfinite(sum(y.ravel().tolist())):
            raise ValueError("the measurement is not finite")
        measured_at = self.stand_in.time
        states = pybullet.getJointStates(self.model_body, joints, physicsClientId=model_id)  # the model's prediction
        predicted = np.fromiter(itertools.chain(map(_POSITION, states), map(_VELOCITY, states)), float, rows)
        predicted.shape = self.shape
        estimate = y - predicted  # on-arrival correction: x + gain (y - x), both rows at once
        estimate *= twin.correction_gain
        estimate += predicted
        positions, velocities = estimate[:, :, None].tolist()
        pybullet.resetJointStatesMultiDof(self.model_body, joints, positions, velocities, physicsClientId=model_id)
        q = estimate[0]
        zeros = self.model._zeros
        gravity = pybullet.calculateInverseDynamics(self.model_body, q.tolist(), zeros, zeros, physicsClientId=model_id)
        controller = twin.controller
        target = controller.target_at(t)
        tau = target - q  # JointPD: kp (target - q) - kd qd + g, in its order of operations
        tau *= controller.kp
        tau -= controller.kd * estimate[1]
        tau += gravity
        torques = tau.tolist()
        if not math.isfinite(sum(torques)):
            raise ValueError("the controller's torques are not finite")
        tau.setflags(write=False)
        damping = self.stand_in.parameters.joint_damping  # the robot's true viscous damping, on its true velocity
        forces = (tau - damping * x[1]).tolist() if damping else torques
        pybullet.setJointMotorControlArray(
            self.robot_body, joints, pybullet.TORQUE_CONTROL, forces=forces, physicsClientId=robot_id
        )
        pybullet.stepSimulation(physicsClientId=robot_id)
        self.stand_in.world.steps_taken += 1
        error = predicted[0] - y[0]
        error.setflags(write=False)  # as the twin's analytics keeps it
        analytics = twin.analytics
        analytics._times.append(measured_at)
        analytics._errors.append(error)
        twin._times.append(t)
        twin._history.append((x[0], y[0], predicted[0], q, tau, target))
        pybullet.setJointMotorControlArray(
            self.model_body, joints, pybullet.TORQUE_CONTROL, forces=torques, physicsClientId=model_id
        )
        pybullet.stepSimulation(physicsClientId=model_id)
        self.model.world.steps_taken += 1
        twin.steps_taken = k + 1
        return error.copy()  # as DigitalTwin.step returns it: the caller's to change


def arm_twin(target: np.ndarray) -> DigitalTwin:
    """The benchmark's arm twin: critically damped PD to ``target`` (rad) with the model's gravity torques."""
    twin = DigitalTwin("arm", "twin")
    twin.controller = JointPD.critically_damped(target, twin.model.plant.mass_matrix(np.zeros(7)))
    return twin


def bench_arm_twin(steps: int, rounds: int) -> None:
    target = np.full(7, 0.3)
    twin, fused_twin = arm_twin(target), arm_twin(target)
    fused_step = FusedArmStep(fused_twin)
    kp, kd = twin.controller.kp.tolist(), twin.controller.kd.tolist()
    friction = twin.physical.truth.joint_friction
    same, weak = [bare_arm(friction), bare_arm()], [bare_arm(), bare_arm()]
    try:

        def twin_round() -> None:
            for _ in range(steps):
                twin.step()

        def fused_round() -> None:
            for _ in range(steps):
                fused_step()

        def same_round() -> None:  # the twin's two robots (one with friction) under its controller: the same motion
            zeros, goal = [0.0] * 7, target.tolist()
            for cid, body, joints in same:
                for _ in range(steps):
                    states = pybullet.getJointStates(body, joints, physicsClientId=cid)
                    q = [s[0] for s in states]
                    gravity = pybullet.calculateInverseDynamics(body, q, zeros, zeros, physicsClientId=cid)
                    torques = [kp[i] * (goal[i] - q[i]) - kd[i] * states[i][1] + gravity[i] for i in range(7)]
                    pybullet.setJointMotorControlArray(
                        body, joints, pybullet.TORQUE_CONTROL, forces=torques, physicsClientId=cid
                    )
                    pybullet.stepSimulation(physicsClientId=cid)

        def weak_round() -> None:  # the baseline issue 17 measured 6x against: a weak PD, the arm swings freely
            for cid, body, joints in weak:
                for _ in range(steps):
                    states = pybullet.getJointStates(body, joints, physicsClientId=cid)
                    torques = [20.0 * (0.3 - s[0]) - 2.0 * s[1] for s in states]
                    pybullet.setJointMotorControlArray(
                        body, joints, pybullet.TORQUE_CONTROL, forces=torques, physicsClientId=cid
                    )
                    pybullet.stepSimulation(physicsClientId=cid)

        t_twin, t_fused, t_same, t_weak = interleaved(twin_round, fused_round, same_round, weak_round, rounds=rounds)
        final_error = twin.physical.true_state().positions - target
        run, fused_run = twin.history(), fused_twin.history()
        same_run = all(
            np.array_equal(getattr(run, name), getattr(fused_run, name))
            for name in ("times", "true_positions", "measured_positions", "estimated_positions", "torques")
        ) and np.array_equal(twin.model.state().velocities, fused_twin.model.state().velocities)
    finally:
        twin.close()
        fused_twin.close()
        for cid, _, _ in same + weak:
            pybullet.disconnect(physicsClientId=cid)
    print(f"lean twin step, arm: {rounds} rounds x {steps} steps (median round)")
    report("arm", steps, t_twin, {"same PD": t_same, "weak PD": t_weak})
    print("  (same PD: each plain iiwa, one with the stand-in's joint friction, read, PD + gravity torques from")
    print("   calculateInverseDynamics, torques, step;")
    print("   weak PD: read, PD without gravity, torques, step, neither arm with friction: the arm sags and swings,")
    print("   but without friction motors each step costs pybullet less)")
    print(f"  twin's final tracking error per joint [rad]: {np.array2string(final_error, precision=3)}")
    fused_us = 1e6 * statistics.median(t_fused) / steps
    same_us = 1e6 * statistics.median(t_same) / steps
    print(f"  the floor: the same step fused into one function (FusedArmStep): {fused_us:8.1f} us/step,"
          f" ratio {fused_us / same_us:.2f} against same PD")  # fmt: skip
    print(f"  (its run is the twin's run, bit for bit: {same_run})")


def bench_humanoid_twin(steps: int, rounds: int) -> None:
    robot = HumanoidStandIn(HumanoidTruth.random(0), seed=0)
    twin = HumanoidTwin(make_controller("balance"))
    link = InProcessLink(delay_steps=1)
    bare = [raw_humanoid(), raw_humanoid()]
    clock = [0]
    try:

        def twin_round() -> None:  # the loop of twin.humanoid.run_push_trial, without a push
            for _ in range(steps):
                k = clock[0]
                link.uplink.send(robot.step(), k)
                for measurement in link.uplink.receive(k):
                    link.downlink.send(twin.step(measurement), k)
                for command in link.downlink.receive(k):
                    robot.apply(command)
                clock[0] = k + 1

        def raw_round() -> None:  # two humanoids, each read (every joint) and given servo targets every step
            for c, body in bare:
                cid = c._client
                joints = list(range(pybullet.getNumJoints(body, physicsClientId=cid)))
                moving = [j for j in joints if pybullet.getJointInfo(body, j, physicsClientId=cid)[2] != 4]
                targets = [list(s[0]) for s in pybullet.getJointStatesMultiDof(body, moving, physicsClientId=cid)]
                for _ in range(steps):
                    pybullet.getJointStatesMultiDof(body, moving, physicsClientId=cid)
                    pybullet.setJointMotorControlMultiDofArray(
                        body, moving, pybullet.POSITION_CONTROL, targetPositions=targets, physicsClientId=cid
                    )
                    pybullet.stepSimulation(physicsClientId=cid)

        t_twin, t_raw = interleaved(twin_round, raw_round, rounds=rounds)
        standing = not robot.fallen
    finally:
        robot.close()
        twin.close()
        for c, _ in bare:
            c.disconnect()
    print(f"lean twin step, humanoid: {rounds} rounds x {steps} steps (median round)")
    report("humanoid", steps, t_twin, {"servo": t_raw})
    print("  (servo: each plain humanoid's joints read, its servo targets set, stepSimulation)")
    print(f"  the stand-in is still standing after {steps * rounds} steps: {standing}")


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
    print()
    bench_humanoid_twin(args.steps, args.rounds)


if __name__ == "__main__":
    main()
