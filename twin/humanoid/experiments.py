"""Experiments on the humanoid twin: how good is the estimate, how large a push does each controller survive?

- ``track_estimation``: the stand-in stands and is pushed; the twin's floating-base estimate is graded against
  the hidden truth (motion capture) at every step: position, tilt (roll and pitch, which gravity corrects) and
  yaw (which nothing corrects), and what one estimator update costs.
- ``push_survival``: a grid of pushes (direction x impulse) over several robots (seeds), each trial stand /
  push / recover-or-fall, for each controller: survival counts with Wilson intervals; ``save_survival`` and
  ``load_survival`` keep it (``python -m twin.humanoid.experiments`` recomputes the shipped table).
- ``request_pushes``: pushes asked of the robot, each tried on the twin first (safe testing).
- ``state_after_push``: what the twin estimated when a push ended, and whether the robot then stood.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from twin.analytics.statistics import wilson_interval
from twin.core.checks import check_number
from twin.humanoid.body import UP_AXIS_LINK, rotation_matrix
from twin.humanoid.estimation import EstimatorGains, FloatingBaseEstimator, HumanoidModel
from twin.humanoid.standin import HumanoidStandIn, HumanoidTruth
from twin.humanoid.twin import HumanoidTwin, check_push, make_controller, run_push_trial

FORWARD_AXIS_LINK = np.array([1.0, 0.0, 0.0])
SURVIVAL_DATA = Path(__file__).with_name("data") / "push_survival.json"
# the balance controller on the accelerometer-trusting estimator (EstimatorGains(attitude=2.0, bias=0.2)):
# python -m twin.humanoid.experiments --kinds balance --attitude 2 --bias 0.2 --out <this file>
TRUSTING_SURVIVAL_DATA = Path(__file__).with_name("data") / "push_survival_accelerometer_trusting.json"
SURVIVAL_IMPULSES = (2.0, 4.0, 6.0, 9.0, 12.0, 16.0, 20.0, 24.0)  # N s
SURVIVAL_SEEDS = (0, 1, 2, 3)
SURVIVAL_WATCH = 2.5  # s watched after the push: a push near the limit can take over a second to topple the robot


@dataclass(frozen=True)
class EstimationTrace:
    """The estimate graded against the truth, one row per step.

    Attributes:
        time: s. position_error: pelvis position error (m). tilt_error: angle between the estimated and true
        up axes of the pelvis (rad). yaw_error: heading error about the vertical (rad, signed).
        com_error: horizontal CoM error (m). com_velocity_error: horizontal CoM velocity error (m/s), which
        the capture point multiplies by 1 / omega (about 0.3 s). update_seconds: wall time of each estimator update (s).
        push_time: when the push came (s), or nan. fell: whether the robot fell.
    """

    time: np.ndarray
    position_error: np.ndarray
    tilt_error: np.ndarray
    yaw_error: np.ndarray
    com_error: np.ndarray
    com_velocity_error: np.ndarray
    update_seconds: np.ndarray
    push_time: float
    fell: bool


def tilt_and_yaw_error(estimated: np.ndarray, true: np.ndarray) -> tuple[float, float]:
    """Split an orientation error (quaternions x, y, z, w of the pelvis) into tilt and yaw, both in rad.

    Tilt is the angle between the two up axes (what an accelerometer sees); yaw the signed difference in heading
    of the forward axes projected on the floor (what only a gyroscope or a compass sees).
    """
    r_est, r_true = rotation_matrix(estimated), rotation_matrix(true)
    up_est, up_true = r_est @ UP_AXIS_LINK, r_true @ UP_AXIS_LINK
    tilt = math.acos(float(np.clip(up_est @ up_true, -1.0, 1.0)))
    f_est, f_true = r_est @ FORWARD_AXIS_LINK, r_true @ FORWARD_AXIS_LINK
    yaw = math.atan2(f_est[1], f_est[0]) - math.atan2(f_true[1], f_true[0])
    return tilt, (yaw + math.pi) % (2 * math.pi) - math.pi


def track_estimation(
    truth: HumanoidTruth | None = None,
    seconds: float = 4.0,
    push: tuple[float, float] | None = (6.0, 30.0),
    push_at: float = 1.0,
    seed: int = 3,
    gains: EstimatorGains | None = None,
) -> EstimationTrace:
    """Run the stand-in for ``seconds`` s with a ``push`` (N s, deg) at ``push_at`` s; estimate every step."""
    if not (math.isfinite(seconds) and 0 < seconds <= 60):
        raise ValueError(f"seconds={seconds!r} must lie in (0, 60] s.")
    if push is not None:
        if len(push) != 2:
            raise ValueError(f"push={push!r} must be (impulse in N s, direction in deg), e.g. (6.0, 30.0), or None.")
        check_push(*push)
        if check_number("push_at", push_at, "s", low=0.0) >= seconds:
            raise ValueError(f"push_at={push_at!r} s is not inside the {seconds:g} s run: the push would never come.")
    truth = truth if truth is not None else HumanoidTruth()
    rows: list[tuple[float, ...]] = []
    costs = []
    model = HumanoidModel()
    try:
        with HumanoidStandIn(truth, seed=seed) as robot:
            estimator = FloatingBaseEstimator(model, gains, robot.time_step)
            push_step = round(push_at / robot.time_step) if push is not None else -1
            for k in range(round(seconds / robot.time_step)):
                if k == push_step:
                    robot.push(*push)  # type: ignore[misc]
                measurement = robot.step()
                start = time.perf_counter()
                e = estimator.update(measurement)
                costs.append(time.perf_counter() - start)
                h = robot.hidden_state()
                tilt, yaw = tilt_and_yaw_error(e.pelvis_orientation, h.pelvis_orientation)
                position = float(np.linalg.norm(e.pelvis_position - h.pelvis_position))
                com = float(np.linalg.norm(e.com[:2] - h.com[:2]))
                com_velocity = float(np.linalg.norm(e.com_velocity[:2] - h.com_velocity[:2]))
                rows.append((measurement.time, position, tilt, yaw, com, com_velocity))
            fell = robot.fallen
    finally:
        model.close()
    t, position, tilt, yaw, com, com_velocity = (np.array(column) for column in zip(*rows, strict=True))
    pushed_at = push_at if push else math.nan
    return EstimationTrace(t, position, tilt, yaw, com, com_velocity, np.array(costs), pushed_at, fell)


@dataclass(frozen=True)
class PushSurvival:
    """Outcomes of a push grid: ``outcomes[kind][i, j, s]`` is True when robot ``seeds[s]`` stayed up after an
    impulse ``impulses[j]`` N s towards ``directions[i]`` deg (0 forward, 90 to its left)."""

    kinds: tuple[str, ...]
    directions: np.ndarray
    impulses: np.ndarray
    seeds: tuple[int, ...]
    outcomes: dict[str, np.ndarray]

    def survived(self, kind: str) -> np.ndarray:
        """How many robots stayed up, (directions, impulses)."""
        return self.outcomes[kind].sum(axis=2)

    def outcome(self, kind: str, direction_deg: float, impulse: float, seed: int) -> bool:
        """Whether robot ``seed`` stayed up in one trial of the grid (a KeyError names the grid's values)."""
        try:
            i = list(self.directions).index(float(direction_deg))
            j = list(self.impulses).index(float(impulse))
            s = self.seeds.index(int(seed))
        except ValueError:
            raise KeyError(
                f"({direction_deg}, {impulse}, {seed}) is not in the grid: directions {self.directions.tolist()}, "
                f"impulses {self.impulses.tolist()}, seeds {list(self.seeds)}."
            ) from None
        return bool(self.outcomes[kind][i, j, s])

    def rate(self, kind: str) -> np.ndarray:
        """Fraction of robots that stayed up, (directions, impulses)."""
        return self.survived(kind) / len(self.seeds)

    def interval(self, kind: str, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
        """Wilson score interval (low, high) of each survival rate."""
        counts = self.survived(kind)
        low = np.empty(counts.shape)
        high = np.empty_like(low)
        for index, count in np.ndenumerate(counts):
            low[index], high[index] = wilson_interval(int(count), len(self.seeds), confidence)
        return low, high

    def largest_mostly_survived(self, kind: str, share: float = 0.5) -> np.ndarray:
        """Per direction, the largest impulse (N s) up to which at least ``share`` of the robots survive every
        impulse of the grid (0 if even the smallest topples them)."""
        check_number("share", share, "(a fraction of the robots)", low=0.0, high=1.0, low_open=True,
                     hint="0.5 is half of them, not 50")  # fmt: skip
        out = np.zeros(len(self.directions))
        for i, row in enumerate(self.rate(kind)):
            for impulse, rate in zip(self.impulses, row, strict=True):
                if rate < share:
                    break
                out[i] = impulse
        return out


def join_survival(base: PushSurvival, other: PushSurvival, kind: str, as_kind: str) -> PushSurvival:
    """``base`` with ``other``'s controller ``kind`` added under the name ``as_kind`` (same grid required)."""
    same = (
        np.array_equal(base.directions, other.directions)
        and np.array_equal(base.impulses, other.impulses)
        and base.seeds == other.seeds
    )
    if not same:
        raise ValueError("the two tables must share directions, impulses and seeds to be joined.")
    if as_kind in base.kinds:
        raise ValueError(f"{as_kind!r} is already a controller of the table; give the added one another name.")
    outcomes = {**base.outcomes, as_kind: other.outcomes[kind]}
    return PushSurvival((*base.kinds, as_kind), base.directions, base.impulses, base.seeds, outcomes)


def push_survival(
    kinds: Sequence[str] = ("pd", "balance"),
    directions: Sequence[float] = (0.0, 45.0, 90.0, 135.0, 180.0, 225.0, 270.0, 315.0),
    impulses: Sequence[float] = SURVIVAL_IMPULSES,
    seeds: Sequence[int] = SURVIVAL_SEEDS,
    after: float = SURVIVAL_WATCH,
    progress: Callable[[int, int], None] | None = None,
    estimator_gains: EstimatorGains | None = None,
) -> PushSurvival:
    """Every (kind, direction, impulse, seed) trial of ``run_push_trial``; ``progress(done, total)`` after each.

    An impulse survived by a robot is usually survived by it at smaller impulses too, but not always (a push
    can excite a sway that a slightly larger one damps): the grid records each trial, it does not assume it.
    """
    directions_array = np.array([float(d) for d in directions])
    impulse_array = np.array([float(j) for j in impulses])
    if directions_array.size == 0 or impulse_array.size == 0 or len(seeds) == 0 or len(kinds) == 0:
        raise ValueError("push_survival needs at least one kind, direction, impulse and seed.")
    for j in impulse_array:
        check_push(float(j), 0.0)
    total = len(kinds) * directions_array.size * impulse_array.size * len(seeds)
    done = 0
    outcomes = {}
    for kind in kinds:
        stood = np.zeros((directions_array.size, impulse_array.size, len(seeds)), dtype=bool)
        for i, direction in enumerate(directions_array):
            for j, impulse in enumerate(impulse_array):
                for s, seed in enumerate(seeds):
                    trial = run_push_trial(kind, impulse, direction, seed, after=after, estimator_gains=estimator_gains)
                    stood[i, j, s] = trial.survived
                    done += 1
                    if progress is not None:
                        progress(done, total)
        outcomes[kind] = stood
    return PushSurvival(tuple(kinds), directions_array, impulse_array, tuple(int(s) for s in seeds), outcomes)


def save_survival(
    survival: PushSurvival, path: str | Path, seconds: float = math.nan, gains: EstimatorGains | None = None
) -> Path:
    """Write a ``PushSurvival`` as JSON (with the wall ``seconds`` it took and the estimator ``gains`` the twin
    used, if known); returns the path."""
    data = {
        "kinds": list(survival.kinds),
        "directions_deg": survival.directions.tolist(),
        "impulses_Ns": survival.impulses.tolist(),
        "seeds": list(survival.seeds),
        "stood": {kind: stood.astype(int).tolist() for kind, stood in survival.outcomes.items()},
        "axes_of_stood": ["direction", "impulse", "seed"],
        "wall_seconds": None if math.isnan(seconds) else round(seconds, 1),
        "estimator_gains": dataclasses.asdict(gains or EstimatorGains()),
        "made_by": _command(survival, gains or EstimatorGains()),
    }
    path = Path(path)
    path.write_text(json.dumps(data, indent=1) + "\n")
    return path


def _command(survival: PushSurvival, gains: EstimatorGains) -> str:
    """The command line that recomputes a table."""
    words = ["python -m twin.humanoid.experiments", "--seeds", str(len(survival.seeds))]
    words += ["--kinds", *survival.kinds, "--attitude", f"{gains.attitude:g}", "--bias", f"{gains.bias:g}"]
    return " ".join(words)


def load_survival(path: str | Path = SURVIVAL_DATA) -> PushSurvival:
    """Read a ``PushSurvival`` written by ``save_survival`` (default: the table that ships with the course)."""
    data = json.loads(Path(path).read_text())
    return PushSurvival(
        tuple(data["kinds"]),
        np.array(data["directions_deg"], dtype=float),
        np.array(data["impulses_Ns"], dtype=float),
        tuple(data["seeds"]),
        {kind: np.array(stood, dtype=bool) for kind, stood in data["stood"].items()},
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Recompute the push-survival table that notebook 09 reads (about 10 minutes on one core)."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--seeds", type=int, default=len(SURVIVAL_SEEDS), help="robots (seeds 0..n-1)")
    parser.add_argument("--out", default=str(SURVIVAL_DATA), help="JSON file to write")
    parser.add_argument("--kinds", nargs="+", default=["pd", "balance"], help="controllers: pd, balance")
    parser.add_argument("--attitude", type=float, default=None, help="estimator attitude gain (1/s)")
    parser.add_argument("--bias", type=float, default=None, help="estimator gyro-bias gain (1/s^2)")
    args = parser.parse_args(argv)
    gains = EstimatorGains()
    if args.attitude is not None:
        gains = dataclasses.replace(gains, attitude=args.attitude)
    if args.bias is not None:
        gains = dataclasses.replace(gains, bias=args.bias)
    start = time.perf_counter()

    def report(done: int, total: int) -> None:
        if done % 20 == 0 or done == total:
            print(f"{done}/{total} trials, {time.perf_counter() - start:.0f} s", flush=True)

    survival = push_survival(
        args.kinds, seeds=tuple(range(args.seeds)), impulses=SURVIVAL_IMPULSES, progress=report, estimator_gains=gains
    )
    print("wrote", save_survival(survival, args.out, time.perf_counter() - start, gains))


if __name__ == "__main__":
    main()


@dataclass(frozen=True)
class SafePushRow:
    """One requested push: did the twin let it through, and what did the robot do (``fell`` None if refused)."""

    impulse: float
    direction_deg: float
    allowed: bool
    fell: bool | None


def request_pushes(
    requests: Sequence[tuple[float, float]], seed: int = 0, kind: str = "balance", horizon: float = 0.6
) -> list[SafePushRow]:
    """For each (impulse N s, direction deg): a fresh robot stands 0.5 s under ``kind`` control, the twin tries
    the push on its model (``horizon`` s ahead) and applies it only if the model stands; then 2.5 s are watched."""
    rows = []
    for impulse, direction in requests:
        check_push(impulse, direction)
        truth = HumanoidTruth.random(seed)
        with HumanoidStandIn(truth, seed=seed) as robot, HumanoidTwin(make_controller(kind), horizon=horizon) as twin:
            for _ in range(120):
                robot.apply(twin.step(robot.step()))
            allowed = twin.safe_push(robot, impulse, direction)
            fell = None
            if allowed:
                for _ in range(round(SURVIVAL_WATCH / robot.time_step)):
                    robot.apply(twin.step(robot.step()))
                fell = robot.fallen
        rows.append(SafePushRow(float(impulse), float(direction), allowed, fell))
    return rows


@dataclass(frozen=True)
class PushedState:
    """What the twin knew just after a push ended, and what the robot then did.

    Attributes:
        impulse, direction_deg: the push (N s, deg). com, com_velocity: the twin's CoM estimate (m, m/s, 3D).
        support_polygon: (k, 2) m. survived: whether the robot stood ``SURVIVAL_WATCH`` s later.
    """

    impulse: float
    direction_deg: float
    com: np.ndarray
    com_velocity: np.ndarray
    support_polygon: np.ndarray
    survived: bool


def state_after_push(
    impulse: float, direction_deg: float = 180.0, seed: int = 0, kind: str = "pd", push_duration: float = 0.1
) -> PushedState:
    """Push (at 0.5 s, for ``push_duration`` s, the duration ``run_push_trial`` uses) and keep the twin's
    estimate at the step the push ends, then watch whether the robot falls."""
    end_step = round((0.5 + push_duration) * 240) - 1
    kept: dict[str, object] = {}

    def keep(robot: HumanoidStandIn, twin: HumanoidTwin, k: int) -> None:
        if k == end_step and twin.estimate is not None:
            kept["estimate"] = twin.estimate

    result = run_push_trial(kind, impulse, direction_deg, seed, after=SURVIVAL_WATCH, on_step=keep, record=True)
    e = kept["estimate"]
    return PushedState(
        float(impulse),
        float(direction_deg),
        e.com.copy(),  # type: ignore[attr-defined]
        e.com_velocity.copy(),  # type: ignore[attr-defined]
        e.support_polygon.copy(),  # type: ignore[attr-defined]
        result.survived,
    )
