"""Grasping with two fingers: the friction limit, grasp-and-lift trials, slip detection, pick-and-place.

Two finger pads squeeze an object with a normal force N each. Friction at each pad can hold at most mu N
along the surface, so the grasp holds an object of mass m lifted with acceleration a when

    2 mu N >= m (g + a)        i.e.   N >= m (g + a) / (2 mu).

A grasp is designed with a safety factor on top (industrial practice: 1.5 to 2), because m and mu are never
known exactly. The forces tell what happens: once lifted, the wrist force/torque sensor carries the object's
weight; an object that slips pulls less than its weight (kinetic friction gives way), and a dropped one
nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from twin.core.checks import check_count, check_number
from twin.manipulation.cell import MAX_GRIP_FORCE, MAX_OPENING, ManipulationCell, ObjectSpec, check_on_table
from twin.manipulation.kinematics import solve_ik, track
from twin.manipulation.trajectory import cartesian_line

GRAVITY = 9.81  # m/s^2
CONTROL_RATE = 60.0  # Hz: new joint targets this often
PAD_DEPTH = 0.025  # m: how far below an object's top the pads' centres grip (the palm is 4.5 cm above them)
SLIP_FRACTION = 0.7  # a held object whose wrist load falls below this fraction of its weight is slipping
LIFT_HEIGHT = 0.12  # m: the grasp trial's lift ...
LIFT_TIME = 0.8  # s: ... in this time; its peak acceleration is 1.08 m/s^2


def peak_acceleration(distance: float, duration: float) -> float:
    """The largest acceleration (m/s^2) of a minimum-jerk move over ``distance`` m in ``duration`` s:
    10 / sqrt(3) x distance / duration^2 (about 5.77 d / T^2). A lift adds this to g for the held object."""
    distance = check_number("distance", distance, "m", hint="e.g. LIFT_HEIGHT = 0.12")
    duration = check_number("duration", duration, "s", low=0.0, low_open=True, hint="e.g. LIFT_TIME = 0.8 (not ms)")
    return float(10.0 / np.sqrt(3.0) * distance / duration**2)


def grasp_point(spec: ObjectSpec, position: Sequence[float]) -> np.ndarray:
    """Where the grasp point (between the pads) goes to pick ``spec`` resting with its origin at ``position``
    (m): PAD_DEPTH below the object's top, so the palm stays clear of it, and at least 1.5 cm above the
    table, so the fingertips do not scrape it. The L-block is taken by its long bar, away from its post."""
    x, y = float(position[0]), float(position[1])
    if spec.shape == "L":
        x -= 0.25 * spec.size[0]
        top = spec.size[2] / 2
    else:
        top = spec.size[2]
    return np.array([x, y, max(0.015, top - PAD_DEPTH)])


def required_grip_force(
    mass: float, friction: float, *, safety_factor: float = 1.0, acceleration: float = 0.0, fingers: int = 2
) -> float:
    """The normal force per finger (N) that holds ``mass`` (kg) with friction coefficient ``friction`` while
    lifting with ``acceleration`` (m/s^2, up), times ``safety_factor``: s m (g + a) / (fingers mu)."""
    mass = check_number("mass", mass, "kg", low=0.0, low_open=True, hint="e.g. 0.3 (300 g)")
    friction = check_number(
        "friction", friction, "(friction coefficient)", low=0.0, high=2.0, low_open=True,
        hint="a coefficient such as 0.5, not a percentage",
    )  # fmt: skip
    safety_factor = check_number("safety_factor", safety_factor, "(times the need)", low=0.0, low_open=True)
    acceleration = check_number(
        "acceleration", acceleration, "m/s^2", low=-GRAVITY, low_open=True, hint="upwards; -g would be free fall"
    )
    fingers = check_count("fingers", fingers, "fingers pressing on the object", low=1)
    return float(safety_factor * mass * (GRAVITY + acceleration) / (fingers * friction))


@dataclass
class GraspTrace:
    """What the cell's sensors and the simulation saw, one row per control tick.

    ``time`` (s); ``load`` (N): the force the wrist sensor carries beyond the empty hand (tared), positive up:
    the weight of what the hand holds; ``squeeze`` (N): mean pressing force of the two finger pads on the
    object; ``friction`` (N): total friction force on the pads; ``hand_z``/``object_z`` (m): heights (the object's
    is ground truth, which a real cell does not have: it is here to check what the forces tell)."""

    time: list[float] = field(default_factory=list)
    load: list[float] = field(default_factory=list)
    squeeze: list[float] = field(default_factory=list)
    friction: list[float] = field(default_factory=list)
    hand_z: list[float] = field(default_factory=list)
    object_z: list[float] = field(default_factory=list)
    phase: list[str] = field(default_factory=list)

    def arrays(self) -> dict[str, np.ndarray]:
        return {k: np.asarray(v) for k, v in self.__dict__.items() if k != "phase"}


class Recorder:
    """Reads the wrist and finger sensors at every control tick into a ``GraspTrace``."""

    def __init__(self, cell: ManipulationCell, name: str) -> None:
        self.cell = cell
        self.name = name
        self.trace = GraspTrace()
        self.tare = np.zeros(3)
        self.on_tick = None  # optional callback(cell), e.g. a 3D view's update

    def zero_wrist(self, samples: int = 10) -> None:
        """Tare: the wrist reading with the empty hand is what the hand itself weighs. The first readings are
        dropped: the sensor's filter still remembers the last load."""
        readings = []
        for _ in range(10):
            self.cell.step(1)
            self.cell.wrist.read()
        for _ in range(samples):
            self.cell.step(1)
            readings.append(self.cell.wrist.read().world_force)
        self.tare = np.mean(readings, axis=0)

    def tick(self, phase: str) -> None:
        cell = self.cell
        left, right = cell.finger_contacts(self.name)
        wrist = cell.wrist.read().world_force - self.tare
        t = self.trace
        t.time.append(cell.world.time)
        t.load.append(float(wrist[2]))
        t.squeeze.append(0.5 * (left.pressing_force + right.pressing_force))
        t.friction.append(left.friction_force + right.friction_force)
        t.hand_z.append(float(cell.hand_pose()[0][2]))
        t.object_z.append(float(cell.object_position(self.name)[2]))
        t.phase.append(phase)
        if self.on_tick is not None:
            self.on_tick(cell)


def move_hand(
    cell: ManipulationCell,
    goal: Sequence[float],
    duration: float,
    recorder: Recorder | None = None,
    phase: str = "move",
) -> None:
    """Move the grasp point along a straight minimum-jerk line to ``goal`` (m) in ``duration`` s, hand down.

    The goal is checked first (``UnreachableTarget`` before the arm moves); the waypoints are then followed by
    one IK solve per control tick from the arm's current state."""
    solve_ik(cell, goal)
    start = cell.hand_pose()[0]
    _, waypoints = cartesian_line(start, goal, duration, CONTROL_RATE)
    steps = max(1, int(round(1.0 / (CONTROL_RATE * cell.world.time_step))))
    for point in waypoints:
        cell.command_joints(track(cell, point))
        cell.step(steps)
        if recorder is not None:
            recorder.tick(phase)


def hold(cell: ManipulationCell, duration: float, recorder: Recorder | None = None, phase: str = "hold") -> None:
    """Keep the current commands for ``duration`` s, recording at the control rate."""
    steps = max(1, int(round(1.0 / (CONTROL_RATE * cell.world.time_step))))
    for _ in range(max(1, int(round(duration * CONTROL_RATE)))):
        cell.step(steps)
        if recorder is not None:
            recorder.tick(phase)


@dataclass(frozen=True)
class GraspTrial:
    """The outcome of grasping one object and lifting it.

    ``held``: the object rose with the hand (ground truth); ``slip_detected``: what the wrist forces say (the
    load fell below ``SLIP_FRACTION`` of the weight while held up); ``measured_mass`` (kg): the wrist load / g
    at the end of the hold, the object weighed by the robot; ``lifted_by`` (m): how far the object rose;
    ``trace``: the sensor readings."""

    name: str
    grip_force: float
    held: bool
    slip_detected: bool
    measured_mass: float
    lifted_by: float
    trace: GraspTrace


def detect_slip(trace: GraspTrace, weight: float, fraction: float = SLIP_FRACTION, window: int = 6) -> float | None:
    """The first time (s) in the hold after the lift when the wrist carries less than ``fraction`` x ``weight``
    (N), averaged over ``window`` readings (0.1 s at 60 Hz: the arm's settling and the sensor noise average
    out): the fingers' friction gave way, the object slides or has fallen. ``None`` while the load stays."""
    if not (isinstance(weight, int | float) and weight > 0):
        raise ValueError(f"weight={weight!r} N must be > 0 (the object's mass in kg x 9.81).")
    held = [(t, load) for t, load, phase in zip(trace.time, trace.load, trace.phase, strict=True) if phase == "hold"]
    for k in range(window, len(held) + 1):
        if np.mean([load for _, load in held[k - window : k]]) < fraction * weight:
            return float(held[k - 1][0])
    return None


def lift_acceleration(trace: GraspTrace) -> float:
    """The largest upward acceleration (m/s^2) of the hand during the lift, from its measured heights (the
    arm's encoders and forward kinematics): what the grasp really had to withstand on top of g."""
    t = np.asarray(trace.time)
    z = np.asarray(trace.hand_z)
    lift = np.flatnonzero(np.asarray(trace.phase) == "lift")
    if lift.size < 3:
        raise ValueError("the trace has no lift to measure: it needs at least three 'lift' readings.")
    window = np.arange(max(lift[0] - 1, 0), min(lift[-1] + 2, len(t)))
    velocity = np.gradient(z[window], t[window])
    return float(np.max(np.gradient(velocity, t[window])))


def held_mass(trace: GraspTrace) -> float:
    """The mass (kg) the wrist carries at the end of the hold: the object weighed by the robot (the median
    of the last ten readings, so the sensor noise averages out)."""
    loads = [load for load, phase in zip(trace.load, trace.phase, strict=True) if phase == "hold"]
    if not loads:
        raise ValueError("the trace has no 'hold' phase: weigh an object after lifting it and holding still.")
    return float(np.median(loads[-10:])) / GRAVITY


def grasp_and_lift(
    cell: ManipulationCell,
    name: str,
    grip_force: float,
    *,
    lift_height: float = LIFT_HEIGHT,
    lift_time: float = LIFT_TIME,
    expected_mass: float | None = None,
    recorder: Recorder | None = None,
) -> GraspTrial:
    """Grasp object ``name`` across its width with ``grip_force`` N per finger, lift it ``lift_height`` m in
    ``lift_time`` s and hold it 0.5 s. The arm starts teleported to the grasp pose (the approach is not what
    this trial tests). ``expected_mass`` (kg, default the cell's own value) sets the weight slip is judged by."""
    spec = cell.objects[name] if name in cell.objects else cell.object_id(name)
    # checked before the arm moves: a refused trial leaves the cell as it was
    check_number("grip_force", grip_force, "N per finger", low=0.0, high=MAX_GRIP_FORCE, low_open=True)
    check_number("lift_height", lift_height, "m", low=0.0, high=0.5, low_open=True, hint="e.g. 0.12 (12 cm)")
    check_number("lift_time", lift_time, "s", low=0.0, high=60.0, low_open=True, hint="e.g. 0.8 (not ms)")
    start = cell.object_position(name)
    grasp = grasp_point(spec, start)
    cell.reset_arm(solve_ik(cell, grasp).joint_positions, opening=MAX_OPENING)
    recorder = recorder or Recorder(cell, name)
    hold(cell, 0.3, None)  # let the teleported arm settle before taring the wrist
    recorder.zero_wrist(samples=20)
    cell.set_gripper(0.0, grip_force)
    hold(cell, 0.5, recorder, "close")
    goal = grasp + np.array([0.0, 0.0, lift_height])
    move_hand(cell, goal, lift_time, recorder, "lift")
    hold(cell, 0.5, recorder, "hold")
    lifted_by = float(cell.object_position(name)[2] - start[2])
    mass = expected_mass if expected_mass is not None else spec.mass
    slip_time = detect_slip(recorder.trace, mass * GRAVITY)
    measured = held_mass(recorder.trace)
    return GraspTrial(
        name,
        float(grip_force),
        lifted_by > 0.8 * lift_height,
        slip_time is not None,
        measured,
        lifted_by,
        recorder.trace,
    )


@dataclass(frozen=True)
class PickResult:
    """A pick-and-place: ``placed`` when the object ended within ``tolerance`` of the target on the table;
    ``error`` (m) the distance from its target (x, y); ``trace`` the sensor readings."""

    name: str
    placed: bool
    error: float
    dropped: bool
    trace: GraspTrace


def pick_and_place(
    cell: ManipulationCell,
    name: str,
    target: Sequence[float],
    *,
    grip_force: float = 20.0,
    carry_height: float = 0.15,
    speed: float = 0.4,
    tolerance: float = 0.02,
    recorder: Recorder | None = None,
) -> PickResult:
    """Pick object ``name`` and place it at ``target`` (x, y) on the table, with scripted moves: above the
    object, down, close with ``grip_force`` N, up, across at ``carry_height`` m, down, open, up. ``speed`` (m/s)
    sets each move's duration from its length. Targets off the table raise before anything moves."""
    tx, ty = check_on_table(f"target of {name}", target)
    spec = cell.objects[name] if name in cell.objects else cell.object_id(name)
    recorder = recorder or Recorder(cell, name)
    start = cell.object_position(name)
    pick = grasp_point(spec, start)
    place = grasp_point(spec, (tx, ty)) + np.array([0.0, 0.0, 0.003])
    up = np.array([0.0, 0.0, carry_height])
    for point in (pick + up, pick + up, place + up, place):  # check every waypoint before moving
        solve_ik(cell, point)

    def go(goal: np.ndarray, phase: str) -> None:
        distance = float(np.linalg.norm(goal - cell.hand_pose()[0]))
        move_hand(cell, goal, max(0.3, distance / speed * 1.875), recorder, phase)

    cell.set_gripper(MAX_OPENING)
    go(pick + up, "approach")
    recorder.zero_wrist()
    go(pick, "descend")
    cell.set_gripper(0.0, grip_force)
    hold(cell, 0.4, recorder, "close")
    go(pick + up, "lift")
    go(place + up, "carry")
    go(place, "lower")
    cell.set_gripper(MAX_OPENING)
    hold(cell, 0.3, recorder, "release")
    go(place + up, "retreat")
    final = cell.object_position(name)
    error = float(np.linalg.norm(final[:2] - np.array([tx, ty])))
    dropped = any(
        z < spec.size[2] / 2 + 0.02
        for z, ph in zip(recorder.trace.object_z, recorder.trace.phase, strict=True)
        if ph == "carry"
    )
    return PickResult(name, error <= tolerance and not dropped, error, dropped, recorder.trace)


__all__ = [
    "GRAVITY",
    "GraspTrace",
    "GraspTrial",
    "PickResult",
    "Recorder",
    "detect_slip",
    "grasp_point",
    "held_mass",
    "lift_acceleration",
    "grasp_and_lift",
    "hold",
    "move_hand",
    "peak_acceleration",
    "pick_and_place",
    "required_grip_force",
]
