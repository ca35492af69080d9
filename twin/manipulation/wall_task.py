"""A task long enough for imitation to go wrong: carry the hand over a wall, from one side of the table to the other.

A 20 cm wall stands across the table at y = 0. Each episode starts with the hand low on the near side
(y = -0.25 m) and ends when it is within 2 cm of a goal low on the far side (y = +0.25 m), without the arm ever
touching the wall, in at most 6 s. The policy sees the hand's position and the goal (six numbers, m) ten times
a second (as the hand's offset from the goal across the table, and its y and z: the task looks the same for
every goal) and answers with a hand velocity (m/s, at most 0.3); the arm follows through inverse kinematics.

``expert_action`` is the scripted expert: go up to a safe height before the wall, cross it, come down to the
goal. Moving at constant speed along that path, it corrects any state it finds itself in, which is what DAgger
asks of an expert.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from twin.core.checks import check_number
from twin.manipulation.cell import HOME_POSTURE, NOMINAL_ARM_GAIN, ManipulationCell
from twin.manipulation.kinematics import track

WALL_HALF_EXTENTS = (0.3, 0.02, 0.1)  # m: 60 cm long, 4 cm thick, 20 cm high
WALL_CENTER = (0.5, 0.0, 0.1)
SAFE_HEIGHT = 0.3  # m: the expert crosses the wall this high (the fingertips clear its top by about 9 cm)
CLEAR_Y = 0.08  # m: the expert starts climbing down only this far past the wall's centre line
START_Y, GOAL_Y, LOW_Z = -0.25, 0.25, 0.12  # m
X_RANGE = (0.4, 0.6)  # m: starts and goals are drawn in this range of x
MAX_SPEED = 0.3  # m/s
CONTROL_PERIOD = 0.1  # s
DURATION = 6.0  # s
GOAL_TOLERANCE = 0.02  # m
DRIFT = 0.05  # m/s: the typical speed of the random push on the hand
DRIFT_TIME = 1.0  # s: how long the push keeps its direction

Policy = Callable[[np.ndarray], np.ndarray]


def observation(hand: np.ndarray, goal: np.ndarray) -> np.ndarray:
    """What a policy sees, (3,) in m: how far the hand is from the goal in x, and the hand's y and z (the wall
    and the goal's y and z are the same in every episode)."""
    return np.array([hand[0] - goal[0], hand[1], hand[2]], dtype=float)


def _toward(hand: np.ndarray, target: np.ndarray) -> np.ndarray:
    """MAX_SPEED towards ``target``, slowing down in its last 5 cm."""
    delta = target - hand
    distance = float(np.linalg.norm(delta))
    if distance < 1e-9:
        return np.zeros(3)
    return delta / distance * MAX_SPEED * min(1.0, distance / 0.05)


def expert_action(obs: np.ndarray) -> np.ndarray:
    """The scripted expert's hand velocity (m/s) for ``obs``: climb to the safe height before the wall, cross
    it at that height, then go down to the goal. Any state gets a sensible answer (it recovers from mistakes)."""
    hand = np.array([obs[0], obs[1], obs[2]], dtype=float)  # in a frame whose x origin is the goal's
    goal = np.array([0.0, GOAL_Y, LOW_Z])
    if hand[1] < -CLEAR_Y + 0.02:  # on the near side: up and towards the wall, over the goal's x
        if hand[2] < SAFE_HEIGHT - 0.02 and hand[1] > -CLEAR_Y - 0.03:  # close to the wall but low: straight up
            return _toward(hand, np.array([hand[0], hand[1], SAFE_HEIGHT + 0.02]))
        return _toward(hand, np.array([goal[0], -CLEAR_Y + 0.05, SAFE_HEIGHT]))
    if hand[1] < CLEAR_Y:  # above the wall: keep the height, move across
        if hand[2] < SAFE_HEIGHT - 0.02:
            return _toward(hand, np.array([hand[0], hand[1], SAFE_HEIGHT + 0.02]))
        return _toward(hand, np.array([goal[0], CLEAR_Y + 0.05, SAFE_HEIGHT]))
    return _toward(hand, goal)  # past the wall: down to the goal


@dataclass(frozen=True)
class Episode:
    """One run of a policy: ``observations`` (n, 3) and ``actions`` (n, 3) taken, the hand path ``hands``
    (n + 1, 3) in m, ``success`` (goal reached within 2 cm, wall never touched), ``touched_wall`` and the final
    distance to the goal ``final_error`` (m)."""

    observations: np.ndarray
    actions: np.ndarray
    hands: np.ndarray
    goal: np.ndarray
    success: bool
    touched_wall: bool
    final_error: float


def episode_start(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The start and goal hand positions (m) of episode ``seed``."""
    rng = np.random.default_rng(seed)
    start = np.array([rng.uniform(*X_RANGE), START_Y, LOW_Z])
    goal = np.array([rng.uniform(*X_RANGE), GOAL_Y, LOW_Z])
    return start, goal


class WallTask:
    """The over-the-wall task in one cell (the twin's, or the stand-in's with ``arm_gain`` hidden in it).
    Reaching within 2 cm of the goal ends an episode, and so does touching the wall.

    ``run(policy, seed)`` plays one episode; ``noise`` (m/s) adds Gaussian noise to every action taken, the
    unsteady hand of a demonstrator (seeded from the episode seed). ``drift`` (m/s) is the typical speed of
    a slow, random push on the hand in every episode (a flexible mount, a cable tugging; stationary std of a
    process that changes over ``DRIFT_TIME``): a policy must notice it and correct, or the errors add up.
    """

    def __init__(self, arm_gain: float = NOMINAL_ARM_GAIN, seed: int = 0, drift: float = DRIFT) -> None:
        if not (isinstance(drift, int | float) and drift >= 0):
            raise ValueError(f"drift={drift!r} m/s must be >= 0 (0 switches it off).")
        self.drift = float(drift)
        self.cell = ManipulationCell([], seed=seed, arm_gain=arm_gain)
        self.wall = self.cell.add_obstacle("wall", WALL_HALF_EXTENTS, WALL_CENTER)
        self._hands: list[np.ndarray] = []

    def close(self) -> None:
        self.cell.close()

    def __enter__(self) -> WallTask:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def follow(self, times: np.ndarray, positions: np.ndarray, goal: np.ndarray, settle: float = 0.5) -> Episode:
        """Move the hand along a planned path (``positions`` (n, 3) m at ``times`` s, e.g. a DMP's), by IK at
        the control rate, then hold the last point ``settle`` s; the episode reports how close it ends to
        ``goal`` and whether the arm touched the wall."""
        cell = self.cell
        positions = np.asarray(positions, dtype=float)
        from twin.manipulation.kinematics import solve_ik  # noqa: PLC0415

        cell.reset_arm(HOME_POSTURE)
        cell.reset_arm(solve_ik(cell, positions[0]).joint_positions)
        steps = int(round(CONTROL_PERIOD / cell.world.time_step))
        ticks = np.arange(CONTROL_PERIOD, times[-1] + settle + 1e-9, CONTROL_PERIOD)
        hands, touched = [cell.hand_pose()[0]], False
        for t in ticks:
            point = np.array([np.interp(t, times, positions[:, i]) for i in range(3)])
            cell.command_joints(track(cell, point))
            for _ in range(steps):
                cell.step(1)
                touched = touched or cell.touches(self.wall)
            hands.append(cell.hand_pose()[0])
        error = float(np.linalg.norm(hands[-1] - goal))
        empty = np.zeros((0, 3))
        return Episode(
            empty,
            empty,
            np.array(hands),
            np.asarray(goal, dtype=float),
            error <= GOAL_TOLERANCE and not touched,
            touched,
            error,
        )

    def begin(self, seed: int) -> np.ndarray:
        """Start episode ``seed``: the arm at its start, the goal set; returns the first observation. Then call
        ``act`` once per control period (a policy, a person at a teach pendant), and ``episode()`` at the end."""
        cell = self.cell
        start, goal = episode_start(seed)
        from twin.manipulation.kinematics import solve_ik  # noqa: PLC0415 - keeps the import list short

        cell.reset_arm(HOME_POSTURE)  # every episode starts the same, whatever the last one left behind
        cell.reset_arm(solve_ik(cell, start).joint_positions)
        self._rng = np.random.default_rng(1_000_003 + seed)
        self._goal, self._command, self._push = goal, start.copy(), np.zeros(3)
        self._observations: list[np.ndarray] = []
        self._actions: list[np.ndarray] = []
        self._hands = [cell.hand_pose()[0]]
        self._touched = False
        return observation(self._hands[-1], goal)

    @property
    def done(self) -> bool:
        """The episode is over: the goal reached, the wall touched, or the 6 s used up."""
        if not self._hands:
            return True
        reached = np.linalg.norm(self._hands[-1] - self._goal) <= GOAL_TOLERANCE
        return bool(reached or self._touched or len(self._actions) >= int(round(DURATION / CONTROL_PERIOD)))

    def act(self, action: np.ndarray, noise: float = 0.0) -> np.ndarray:
        """One control period with hand velocity ``action`` (m/s, capped at 0.3; ``noise`` m/s added); returns
        the next observation."""
        cell = self.cell
        if not self._hands:
            raise RuntimeError("call begin(seed) before act(): no episode has started.")
        action = np.asarray(action, dtype=float)
        if action.size != 3 or not np.all(np.isfinite(action)):
            raise ValueError(f"action={action.tolist()} must be a hand velocity of 3 finite numbers (x, y, z in m/s).")
        action = action.reshape(3)
        check_number("noise", noise, "m/s", low=0.0, hint="0 for none, e.g. 0.03")
        if noise > 0:
            action = action + self._rng.normal(0.0, noise, 3)
        speed = float(np.linalg.norm(action))
        if speed > MAX_SPEED:
            action = action * (MAX_SPEED / speed)
        decay = np.exp(-CONTROL_PERIOD / DRIFT_TIME)
        self._push = decay * self._push + self.drift * np.sqrt(1 - decay**2) * self._rng.standard_normal(3)
        self._command = np.clip(
            self._command + (action + self._push) * CONTROL_PERIOD, (0.2, -0.5, 0.02), (0.8, 0.5, 0.6)
        )
        cell.command_joints(track(cell, self._command))
        for _ in range(int(round(CONTROL_PERIOD / cell.world.time_step))):
            cell.step(1)
            self._touched = self._touched or cell.touches(self.wall)
        self._observations.append(observation(self._hands[-1], self._goal))
        self._actions.append(action)
        self._hands.append(cell.hand_pose()[0])
        return observation(self._hands[-1], self._goal)

    def episode(self) -> Episode:
        """The episode so far, as a record."""
        error = float(np.linalg.norm(self._hands[-1] - self._goal))
        return Episode(
            np.array(self._observations).reshape(-1, 3),
            np.array(self._actions).reshape(-1, 3),
            np.array(self._hands),
            self._goal,
            error <= GOAL_TOLERANCE and not self._touched,
            self._touched,
            error,
        )

    def run(
        self,
        policy: Policy,
        seed: int,
        *,
        noise: float = 0.0,
        stop_at_goal: bool = True,
        on_tick: Callable[[ManipulationCell], None] | None = None,
    ) -> Episode:
        """Play one episode of ``policy`` from episode ``seed``'s start towards its goal; it ends on reaching
        the goal (unless ``stop_at_goal`` is False: then it runs the full 6 s, as a demonstration that comes to
        rest does) or on touching the wall."""
        obs = self.begin(seed)
        for _ in range(int(round(DURATION / CONTROL_PERIOD))):
            obs = self.act(policy(obs), noise)
            if on_tick is not None:
                on_tick(self.cell)
            reached = np.linalg.norm(self._hands[-1] - self._goal) <= GOAL_TOLERANCE
            if (stop_at_goal and reached) or self._touched:
                break
        return self.episode()
