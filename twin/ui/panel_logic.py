"""The logic behind the notebook panels, as plain classes: tested in pytest, no browser needed.

Each panel view in ``twin.ui.views`` is a thin ipywidgets skin over one of these:

- ``JointPanelModel``: one control per joint (revolute/prismatic; ball joints as roll/pitch/yaw);
  setting a value drives the robots (or a twin's target) and lets the physics settle.
- ``ParameterPanelModel``: change a hidden physical parameter of a ``DigitalTwin`` and watch its error.
- ``TwinPlayerModel``: play / pause / step anything that steps (a ``DigitalTwin`` or a ``World``).

Units: rad for revolute joints, m for prismatic ones, s for time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np

from twin.sim._bullet import pybullet

if TYPE_CHECKING:
    from twin.sim.robots import Robot
    from twin.viz.scene import Scene

EULER_AXES = ("roll", "pitch", "yaw")


@dataclass(frozen=True)
class Control:
    """One slider's worth of information.

    Attributes:
        key: how ``set()`` names it: a joint name, or ``"joint.roll"`` / ``.pitch`` / ``.yaw`` for ball joints.
        label: short text for the slider.
        minimum, maximum, value: range and start, in ``unit``.
        unit: "rad", "m", or the parameter's unit.
    """

    key: str
    label: str
    minimum: float
    maximum: float
    value: float
    unit: str

    @property
    def step(self) -> float:
        return (self.maximum - self.minimum) / 200.0


def _steps(target: Any, n: int) -> None:
    """Advance anything that steps by exactly ``n`` time steps."""
    if n < 0:
        raise ValueError(f"steps={n} must be >= 0.")
    from twin.sim.world import World

    if isinstance(target, World):
        target.step(n)
        return
    step = target.step
    for _ in range(n):
        step()


def _notify(callbacks: list[Callable[[], None]], scene: Scene | None) -> None:
    if scene is not None:
        scene.update()
    for callback in list(callbacks):
        callback()


class JointPanelModel:
    """Drive joints from slider values and see every driven robot respond.

    Build it with ``for_robots(robots)`` (each robot's own position motors, each in its own world, e.g.
    a physical stand-in and its virtual model, or the humanoid) or ``for_twin(twin)`` (the values become
    the twin's target; its controller moves the robot and the model follows over the data link).
    After each ``set()``, the physics runs ``settle_steps`` steps and ``scene`` (if any) is updated.
    """

    def __init__(
        self,
        controls: Sequence[Control],
        apply: Callable[[dict[str, float]], None],
        advance: Callable[[int], None],
        settle_steps: int = 120,
        scene: Scene | None = None,
    ) -> None:
        if not isinstance(settle_steps, int) or settle_steps < 0:
            raise ValueError(f"settle_steps={settle_steps!r} must be a non-negative integer number of steps.")
        self.controls = tuple(controls)
        self.values = {c.key: c.value for c in self.controls}
        self._apply = apply
        self._advance = advance
        self.settle_steps = settle_steps
        self.scene = scene
        self.callbacks: list[Callable[[], None]] = []

    def __repr__(self) -> str:
        return f"JointPanelModel({len(self.controls)} controls, settle {self.settle_steps} steps)"

    def control(self, key: str) -> Control:
        for c in self.controls:
            if c.key == key:
                return c
        raise KeyError(f"no control {key!r}; controls are {[c.key for c in self.controls]}")

    def set(self, key: str, value: float) -> None:
        """Set one control (clipped to its range), drive, let the physics settle, refresh the scene."""
        self.set_many({key: value})

    def set_many(self, values: dict[str, float]) -> None:
        """Set several controls at once, then drive and settle once."""
        for key, value in values.items():
            c = self.control(key)
            v = float(value)
            if not math.isfinite(v):
                raise ValueError(f"{key}: value {value!r} must be a finite number ({c.unit}).")
            self.values[key] = float(np.clip(v, c.minimum, c.maximum))
        self._apply(dict(self.values))
        self._advance(self.settle_steps)
        _notify(self.callbacks, self.scene)

    # -- builders ------------------------------------------------------------------------------
    @classmethod
    def for_robots(
        cls,
        robots: Robot | Sequence[Robot],
        *,
        settle_steps: int = 120,
        scene: Scene | None = None,
        max_torque: float = 200.0,
        ball_stiffness: float = 0.2,
        joints: Sequence[str] | None = None,
    ) -> JointPanelModel:
        """Sliders for the first robot's joints; every robot in ``robots`` (same model) is driven alike.

        ``joints`` limits the sliders to the named joints (for example the humanoid's knees); the others
        hold the pose they have now.

        Revolute/prismatic joints get one slider each (URDF limits, else +-pi); ball joints three
        (roll, pitch, yaw in rad, +-pi/2), driven like ``Robot.hold_pose`` with ``setJointMotorControlMultiDof``.
        """
        robots = [robots] if not isinstance(robots, Sequence) else list(robots)
        if not robots:
            raise ValueError("give at least one robot.")
        first = robots[0]
        for r in robots[1:]:
            if [j.name for j in r.joints] != [j.name for j in first.joints]:
                raise ValueError(f"{r.name} and {first.name} have different joints; drive them with separate panels.")
        controls = []
        c0 = first.world.client
        prefix = _common_prefix([j.name for j in first.joints if j.type != "fixed"])
        for j in first.joints:
            if j.index in first.joint_indices:
                lo, hi = (j.lower_limit, j.upper_limit) if j.has_limits else (-math.pi, math.pi)
                q = float(c0.getJointState(first.body_id, j.index)[0])
                label = _label(j.name, prefix)
                controls.append(Control(j.name, label, lo, hi, float(np.clip(q, lo, hi)), _unit(j.type)))
            elif j.index in first.spherical_joint_indices:
                quat = c0.getJointStateMultiDof(first.body_id, j.index)[0]
                euler = c0.getEulerFromQuaternion(quat)
                for axis, angle in zip(EULER_AXES, euler, strict=True):
                    lim = math.pi / 2
                    controls.append(
                        Control(
                            f"{j.name}.{axis}",
                            f"{_label(j.name, prefix)} {axis}",
                            -lim,
                            lim,
                            float(np.clip(angle, -lim, lim)),
                            "rad",
                        )
                    )

        def apply(values: dict[str, float]) -> None:
            for robot in robots:
                c = robot.world.client
                for j in robot.joints:
                    if j.index in robot.joint_indices:
                        force = j.max_force if j.max_force > 0 else max_torque
                        c.setJointMotorControl2(
                            robot.body_id,
                            j.index,
                            pybullet.POSITION_CONTROL,
                            targetPosition=values[j.name],
                            force=force,
                        )
                    elif j.index in robot.spherical_joint_indices:
                        euler = [values[f"{j.name}.{axis}"] for axis in EULER_AXES]
                        c.setJointMotorControlMultiDof(
                            robot.body_id,
                            j.index,
                            pybullet.POSITION_CONTROL,
                            targetPosition=list(c.getQuaternionFromEuler(euler)),
                            positionGain=ball_stiffness,
                            velocityGain=1.0,
                            force=[max_torque] * 3,
                        )
                robot.torque_control_enabled = False

        worlds = list({id(r.world): r.world for r in robots}.values())

        def advance(n: int) -> None:
            for world in worlds:
                world.step(n)

        if joints is None:
            return cls(controls, apply, advance, settle_steps=settle_steps, scene=scene)
        movable = {c.key.split(".")[0] for c in controls}
        unknown = [name for name in joints if name not in movable]
        if unknown:
            raise KeyError(f"{first.name} has no movable joint(s) {unknown}; choose from {sorted(movable)}.")
        held = {c.key: c.value for c in controls if c.key.split(".")[0] not in joints}
        shown = [c for c in controls if c.key.split(".")[0] in joints]
        return cls(shown, lambda values: apply({**held, **values}), advance, settle_steps=settle_steps, scene=scene)

    @classmethod
    def for_twin(cls, twin: Any, *, settle_steps: int = 240, scene: Scene | None = None) -> JointPanelModel:
        """Sliders that set a ``DigitalTwin``'s target (mode ``"twin"`` with a ``JointPD`` controller).

        Each change runs the twin ``settle_steps`` steps: its controller drives the physical robot, and the
        virtual model follows through the measurements.
        """
        if getattr(twin, "mode", None) != "twin" or twin.target is None:
            raise ValueError(
                "for_twin needs DigitalTwin(..., mode='twin', controller=JointPD(...)): only a twin's controller "
                "takes new targets while running."
            )
        robot = twin.model.robot
        target = np.asarray(twin.target, dtype=float)
        lower, upper = robot.joint_limits()
        prefix = _common_prefix(list(robot.joint_names))
        controls = []
        for i, name in enumerate(robot.joint_names):
            lo = float(lower[i]) if np.isfinite(lower[i]) else -math.pi
            hi = float(upper[i]) if np.isfinite(upper[i]) else math.pi
            kind = robot.joint(name).type
            label = _label(name, prefix)
            controls.append(Control(name, label, lo, hi, float(np.clip(target[i], lo, hi)), _unit(kind)))

        def apply(values: dict[str, float]) -> None:
            twin.target = np.array([values[name] for name in robot.joint_names])

        return cls(controls, apply, lambda n: _steps(twin, n), settle_steps=settle_steps, scene=scene)


def _common_prefix(names: list[str]) -> str:
    """The shared start of joint names up to an underscore ("lbr_iiwa_"), so that labels stay short."""
    if len(names) < 2:
        return ""
    first, last = min(names), max(names)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    cut = first[:n].rfind("_")
    return first[: cut + 1] if cut >= 0 else ""


def _label(name: str, prefix: str) -> str:
    rest = name[len(prefix) :] or name
    return f"joint {rest}" if rest.isdigit() else rest


def _unit(joint_type: str) -> str:
    return "m" if joint_type == "prismatic" else "rad"


PARAMETER_INFO: dict[str, tuple[str, str, float]] = {
    # name: (label, unit, upper end of the slider for a truth of 0)
    "mass_scale": ("mass x", "", 2.0),
    "joint_friction": ("friction", "N m", 0.5),
    "joint_damping": ("damping", "N m s/rad", 0.3),
}


class ParameterPanelModel:
    """Change a hidden physical parameter of a ``DigitalTwin`` and watch the twin's prediction error.

    After each ``set()`` the twin runs ``steps_per_change`` steps; ``history`` collects
    ``(time s, RMSE rad over those steps)`` and ``latest_error`` the newest per-joint error (rad).
    With a ``scene`` made by ``twin.viz.twin_scene``, the ghost's links are coloured by that error.
    """

    def __init__(
        self,
        twin: Any,
        *,
        steps_per_change: int = 240,
        scene: Scene | None = None,
        tolerance: float = 0.05,
    ) -> None:
        if not isinstance(steps_per_change, int) or steps_per_change < 1:
            raise ValueError(f"steps_per_change={steps_per_change!r} must be a positive integer.")
        self.twin = twin
        self.steps_per_change = steps_per_change
        self.scene = scene
        self.tolerance = float(tolerance)
        self.callbacks: list[Callable[[], None]] = []
        self.history: list[tuple[float, float]] = []
        truth = twin.physical.truth
        self.controls = tuple(self._control(f.name, float(getattr(truth, f.name))) for f in fields(truth))

    @staticmethod
    def _control(name: str, value: float) -> Control:
        label, unit, top = PARAMETER_INFO.get(name, (name, "", 1.0))
        if name == "mass_scale":
            return Control(name, label, 0.25, max(3.0, 2.0 * value), value, unit)
        return Control(name, label, 0.0, max(top, 4.0 * value), value, unit)

    def __repr__(self) -> str:
        return f"ParameterPanelModel({[c.key for c in self.controls]}, {self.steps_per_change} steps per change)"

    @property
    def values(self) -> dict[str, float]:
        """The physical system's true parameters now."""
        truth = self.twin.physical.truth
        return {c.key: float(getattr(truth, c.key)) for c in self.controls}

    @property
    def latest_error(self) -> np.ndarray:
        """The twin's newest prediction error per joint, rad."""
        return np.asarray(self.twin.analytics.latest_error, dtype=float)

    def set(self, name: str, value: float) -> float:
        """Change one true parameter, run the twin, and return the RMSE (rad) over that run."""
        control = next((c for c in self.controls if c.key == name), None)
        if control is None:
            raise KeyError(f"no parameter {name!r}; parameters are {[c.key for c in self.controls]}")
        previous = float(getattr(self.twin.physical.truth, name))
        try:
            self.twin.physical.update_truth(**{name: float(value)})
        except ValueError:
            self.twin.physical.update_truth(**{name: previous})  # keep truth and simulation consistent
            raise
        return self.run()

    def run(self, steps: int | None = None) -> float:
        """Run the twin (default ``steps_per_change`` steps); returns the RMSE (rad) over those steps."""
        n = self.steps_per_change if steps is None else int(steps)
        _steps(self.twin, n)
        window = n * float(self.twin.time_step)
        rmse = float(self.twin.analytics.rmse(last_seconds=window * (1 - 1e-9)))
        self.history.append((float(self.twin.time), rmse))
        if self.scene is not None and "model" in self.scene.mirrors:
            self.scene.mirrors["model"].show_joint_errors(self.latest_error, self.tolerance)
        _notify(self.callbacks, self.scene)
        return rmse


class TwinPlayerModel:
    """Play, pause and step anything that steps: a ``DigitalTwin`` (``step()``) or a ``World``.

    ``tick()`` is what a timer calls: while playing it advances ``steps_per_tick`` steps, else nothing.
    ``step(n)`` advances exactly ``n`` steps, playing or not. The scene is updated after each advance.
    """

    def __init__(self, target: Any, *, steps_per_tick: int = 8, scene: Scene | None = None) -> None:
        if not isinstance(steps_per_tick, int) or steps_per_tick < 1:
            raise ValueError(f"steps_per_tick={steps_per_tick!r} must be a positive integer.")
        if not callable(getattr(target, "step", None)):
            raise TypeError(f"{type(target).__name__} has no step(); give a DigitalTwin or a World.")
        self.target = target
        self.steps_per_tick = steps_per_tick
        self.scene = scene
        self.playing = False
        self.steps_taken = 0
        self.callbacks: list[Callable[[], None]] = []

    def __repr__(self) -> str:
        state = "playing" if self.playing else "paused"
        return f"TwinPlayerModel({state}, t={self.time:.3f} s, {self.steps_per_tick} steps per tick)"

    @property
    def time(self) -> float:
        """The target's simulated time, s."""
        return float(self.target.time)

    def play(self) -> None:
        self.playing = True

    def pause(self) -> None:
        self.playing = False

    def toggle(self) -> bool:
        """Play if paused, pause if playing; returns whether it now plays."""
        self.playing = not self.playing
        return self.playing

    def step(self, steps: int = 1) -> None:
        """Advance exactly ``steps`` time steps (also while paused), then refresh the scene."""
        if not isinstance(steps, int | np.integer) or steps < 0:
            raise ValueError(f"steps={steps!r} must be a non-negative integer.")
        _steps(self.target, int(steps))
        self.steps_taken += int(steps)
        _notify(self.callbacks, self.scene)

    def tick(self) -> int:
        """One timer tick: ``steps_per_tick`` steps while playing, none while paused. Returns steps taken."""
        if not self.playing:
            return 0
        self.step(self.steps_per_tick)
        return self.steps_per_tick
