"""Explorers for notebook 03: plain classes that run a sensor and measure what its limitations cost the twin.

Each explorer holds its parameters, ``update(**changes)`` re-runs the real sensor model and returns a result
with the numbers a student should look at; ``view()`` builds a thin ipywidgets panel over it (sliders with
``continuous_update=False``). The logic is here, so pytest can check it against theory without a browser.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from twin.sensors._common import check_non_negative, check_positive, check_seed
from twin.sensors.encoder import JointEncoders
from twin.sensors.force_torque import ForceTorqueSensor, WrenchNoise, _check_cutoff
from twin.sim import World

# The encoder explorer leaves the first ENCODER_SETTLE s out of its errors (the first velocity differences and the
# latency's start-up) and needs at least ENCODER_MARGIN s of readings after that.
ENCODER_SETTLE = 0.1
ENCODER_MARGIN = 0.05
# The F/T explorer reads at 60 Hz and needs a few readings to average.
FORCE_TORQUE_MIN_SECONDS = 0.1


def _check_counts(value: object) -> int:
    """Counts per revolution as an int >= 2, or a ValueError naming the fix."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 2:
        raise ValueError(
            f"counts_per_revolution={value!r} must be a whole number >= 2 (e.g. 4096 for a 12-bit encoder)."
        )
    return int(value)


def _check_offset(value: object) -> float:
    """A vertical offset, N: any finite number (negative reads less load)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"offset must be a number in N, got {type(value).__name__} {value!r}.")
    if not math.isfinite(float(value)):
        raise ValueError(f"offset={value!r} N must be finite (e.g. 5.0; negative reads less load).")
    return float(value)


@dataclass(frozen=True)
class EncoderResult:
    """A free pendulum swing seen through encoders: times (s), true and seen angle (rad), velocity estimate
    (rad/s) and true velocity; the RMS angle error (rad), the part theory gives for quantisation alone
    (one count / sqrt(12)) and for latency alone (RMS of true velocity x latency), and the RMS velocity error."""

    times: np.ndarray
    true_angle: np.ndarray
    seen_angle: np.ndarray
    seen_velocity: np.ndarray
    true_velocity: np.ndarray
    angle_rms_error: float
    quantisation_rms_theory: float
    latency_rms_theory: float
    velocity_rms_error: float


class EncoderExplorer:
    """Encoders on the catalogue pendulum released from 1 rad: counts per revolution, jitter (rad), latency (s)."""

    def __init__(
        self,
        counts_per_revolution: int = 64,
        noise_std: float = 0.0,
        latency: float = 0.025,
        seconds: float = 2.0,
        seed: int = 0,
    ) -> None:
        self.seconds = check_positive("seconds", seconds, "s", "how long the pendulum swings, e.g. 2.0")
        self.seed = check_seed(seed)
        self.params = self._checked(
            {"counts_per_revolution": counts_per_revolution, "noise_std": noise_std, "latency": latency}
        )
        self.result = self.update()

    def _checked(self, params: dict[str, object]) -> dict[str, object]:
        """``params`` validated (counts >= 2, jitter >= 0 rad, latency >= 0 s short enough for ``seconds``)."""
        latency = check_non_negative("latency", params["latency"], "s", "0 means no delay")
        shortest = ENCODER_SETTLE + latency + ENCODER_MARGIN
        if self.seconds < shortest:
            raise ValueError(
                f"seconds={self.seconds!r} is too short: errors are measured after a {ENCODER_SETTLE} s start-up and "
                f"a {latency} s latency, so swing for at least {shortest:.3g} s (e.g. 2.0) or lower the latency."
            )
        return {
            "counts_per_revolution": _check_counts(params["counts_per_revolution"]),
            "noise_std": check_non_negative("noise_std", params["noise_std"], "rad", "0 means no jitter"),
            "latency": latency,
        }

    def update(self, **changes: object) -> EncoderResult:
        """Apply ``changes`` (any of counts_per_revolution, noise_std, latency) and run the swing again."""
        unknown = set(changes) - set(self.params)
        if unknown:
            raise ValueError(f"unknown encoder parameter(s) {sorted(unknown)}; use {sorted(self.params)}.")
        params = self._checked({**self.params, **changes})
        with World() as world:
            pendulum = world.load_robot("pendulum")
            pendulum.set_state([1.0])
            pendulum.enable_torque_control()  # no motor: it swings freely
            encoders = JointEncoders(pendulum, rate_hz=1 / world.time_step, seed=self.seed, **params)  # type: ignore[arg-type]
            history: dict[float, tuple[float, float]] = {}
            rows = []
            for _ in range(int(self.seconds / world.time_step)):
                world.step()
                state = pendulum.state()
                history[round(world.time, 9)] = (float(state.positions[0]), float(state.velocities[0]))
                reading = encoders.poll()
                if reading is not None:
                    rows.append((world.time, reading.positions[0], reading.velocities[0]))
        self.params = params
        t, seen, speed = (np.array(c) for c in zip(*rows, strict=True))
        now = np.array([history[round(x, 9)] for x in t])  # what is true at the moment the twin reads
        true_angle, true_velocity = now[:, 0], now[:, 1]
        step = 2 * np.pi / params["counts_per_revolution"]  # type: ignore[operator]
        settled = t > 0.1  # after the first velocity differences and the latency's start-up
        self.result = EncoderResult(
            t,
            true_angle,
            seen,
            speed,
            true_velocity,
            float(np.sqrt(np.mean((seen - true_angle)[settled] ** 2))),
            step / np.sqrt(12.0),
            float(np.sqrt(np.mean((true_velocity * float(params["latency"]))[settled] ** 2))),  # type: ignore[arg-type]
            float(np.sqrt(np.mean((speed - true_velocity)[settled] ** 2))),
        )
        return self.result

    def summary(self) -> str:
        """One line: the RMS angle error (mrad) against quantisation and latency theory, and the velocity error
        (rad/s)."""
        r = self.result
        return (
            f"angle error the twin sees: {r.angle_rms_error * 1e3:.1f} mrad RMS (theory: quantisation alone "
            f"{r.quantisation_rms_theory * 1e3:.1f} mrad, latency alone {r.latency_rms_theory * 1e3:.1f} mrad); "
            f"velocity error {r.velocity_rms_error:.2f} rad/s RMS"
        )

    def view(self) -> object:
        """Sliders for counts per revolution, jitter and latency, a plot and the summary (ipywidgets)."""
        import ipywidgets as widgets
        import matplotlib.pyplot as plt

        from twin.plotting_sensors import plot_encoder_swing
        from twin.ui.views import slider_panel

        sliders = {
            "counts_per_revolution": widgets.IntSlider(
                value=int(self.params["counts_per_revolution"]), min=16, max=4096, step=16,  # type: ignore[arg-type]
                description="counts/rev", continuous_update=False,
            ),
            "noise_std": widgets.FloatSlider(
                value=float(self.params["noise_std"]), min=0.0, max=0.05, step=0.005, description="jitter [rad]",  # type: ignore[arg-type]
                continuous_update=False, readout_format=".3f",
            ),
            "latency": widgets.FloatSlider(
                value=float(self.params["latency"]), min=0.0, max=0.1, step=0.005, description="latency [s]",  # type: ignore[arg-type]
                continuous_update=False, readout_format=".3f",
            ),
        }  # fmt: skip

        def draw(values: dict[str, object]) -> None:
            r = self.update(**values)
            plot_encoder_swing(r.times, r.true_angle, r.seen_angle, r.seen_velocity, r.true_velocity)
            plt.show()
            print(self.summary())

        return slider_panel(sliders, draw)


@dataclass(frozen=True)
class ForceTorqueResult:
    """The two ankle F/T sensors of the standing humanoid over a weight shift: times (s), measured and true loads
    (N, vertical, carried by each ankle), and what the error does to the twin: the weight it reads (N) against the
    true one, the mass error (kg), and the lateral centre-of-pressure error between the feet (m, RMS)."""

    times: np.ndarray
    measured: dict[str, np.ndarray]
    true: dict[str, np.ndarray]
    weight_true: float
    weight_seen: float
    mass_error: float
    cop_rms_error: float
    filter_time_constant: float


class ForceTorqueExplorer:
    """Ankle F/T sensors on the humanoid shifting its weight: vertical offset (N), drift density (N/sqrt(s)), white
    noise (N) and low-pass cut-off (Hz). Offset, drift and noise act on the right ankle's vertical force only (the
    left ankle is ideal), so their effect on the weight and on the centre of pressure can be read directly."""

    def __init__(
        self,
        offset: float = 5.0,
        drift_density: float = 0.5,
        noise_std: float = 0.5,
        cutoff_hz: float = 20.0,
        seconds: float = 4.0,
        seed: int = 0,
    ) -> None:
        self.seconds = check_positive("seconds", seconds, "s", "how long the humanoid shifts its weight, e.g. 4.0")
        if self.seconds < FORCE_TORQUE_MIN_SECONDS:
            raise ValueError(
                f"seconds={seconds!r} is too short for a few 60 Hz readings; use at least "
                f"{FORCE_TORQUE_MIN_SECONDS} s (e.g. 4.0)."
            )
        self.seed = check_seed(seed)
        self.params = self._checked(
            {"offset": offset, "drift_density": drift_density, "noise_std": noise_std, "cutoff_hz": cutoff_hz}
        )
        self.result = self.update()

    @staticmethod
    def _checked(params: dict[str, float]) -> dict[str, float]:
        """``params`` validated: finite offset (N), drift (N/sqrt(s)) and noise (N) >= 0, cut-off > 0 Hz or inf."""
        return {
            "offset": _check_offset(params["offset"]),
            "drift_density": check_non_negative("drift_density", params["drift_density"], "N/sqrt(s)"),
            "noise_std": check_non_negative("noise_std", params["noise_std"], "N"),
            "cutoff_hz": _check_cutoff(params["cutoff_hz"]),
        }

    @staticmethod
    def noise(up: np.ndarray, **params: float) -> WrenchNoise:
        """The right ankle's error model, acting along ``up`` (world vertical in the sensor frame, unit (3,)).

        A positive ``offset`` adds that many newtons to the load the ankle reads; drift and noise act on the same
        direction; the torques are left exact.
        """
        direction = np.abs(up)

        def along(vector: np.ndarray) -> tuple[float, ...]:
            return (*(float(v) for v in vector), 0.0, 0.0, 0.0)

        return WrenchNoise(
            offset=along(-params["offset"] * up),  # the load is minus the vertical force
            drift_density=along(params["drift_density"] * direction),
            noise_std=along(params["noise_std"] * direction),
            cutoff_hz=params["cutoff_hz"],
        )

    def update(self, **changes: float) -> ForceTorqueResult:
        """Apply ``changes`` (offset, drift_density, noise_std, cutoff_hz) and run the weight shift again."""
        from twin.ui.sensor_demo_worlds import sway_humanoid

        unknown = set(changes) - set(self.params)
        if unknown:
            raise ValueError(f"unknown F/T parameter(s) {sorted(unknown)}; use {sorted(self.params)}.")
        params = self._checked({**self.params, **changes})
        with World() as world:
            robot = world.load_robot("humanoid")
            world.step(240)  # settle
            c = world.client
            orientation = c.getLinkState(robot.body_id, robot.link("right_ankle").index)[5]
            world_from_sensor = np.array(c.getMatrixFromQuaternion(orientation)).reshape(3, 3)
            noise = self.noise(world_from_sensor.T @ np.array([0.0, 0.0, 1.0]), **params)
            every = 4  # a reading every 4 physics steps: 60 Hz
            rate = 1 / (world.time_step * every)
            right = ForceTorqueSensor(robot, "right_ankle", noise=noise, rate_hz=rate, seed=self.seed)
            left = ForceTorqueSensor(robot, "left_ankle", ideal=True, rate_hz=rate)
            feet_y = {  # lateral position of each ankle (m, world): the lever arm of the centre of pressure
                side: float(world.client.getLinkState(robot.body_id, robot.link(f"{side}_ankle").index)[0][1])
                for side in ("right", "left")
            }
            log: dict[str, list[float]] = {"t": [], "right": [], "left": [], "right_true": [], "left_true": []}

            def tick() -> None:
                log["t"].append(world.time)
                for side, sensor in (("right", right), ("left", left)):
                    reading = sensor.read()
                    log[side].append(-float(reading.world_force[2]))
                    log[f"{side}_true"].append(-float(reading.true_world_force[2]))

            sway_humanoid(robot, self.seconds, amplitude=0.01, frequency=0.5, every=every, on_tick=tick)
            feet_mass = sum(robot.link(f"{side}_ankle").mass for side in ("right", "left"))
            gravity = world.gravity
            weight_true = (robot.total_mass - feet_mass) * gravity
        self.params = params
        a = {k: np.array(v) for k, v in log.items()}
        seen_total, true_total = a["right"] + a["left"], a["right_true"] + a["left_true"]

        def cop(r: np.ndarray, l_: np.ndarray) -> np.ndarray:
            return (r * feet_y["right"] + l_ * feet_y["left"]) / (r + l_)

        cop_error = cop(a["right"], a["left"]) - cop(a["right_true"], a["left_true"])
        tau = 0.0 if np.isinf(params["cutoff_hz"]) else 1.0 / (2 * np.pi * params["cutoff_hz"])
        self.result = ForceTorqueResult(
            a["t"],
            {"right": a["right"], "left": a["left"]},
            {"right": a["right_true"], "left": a["left_true"]},
            float(weight_true),
            float(np.mean(seen_total)),
            float(np.mean(seen_total - true_total) / gravity),
            float(np.sqrt(np.mean(cop_error**2))),
            tau,
        )
        return self.result

    def summary(self) -> str:
        """One line: the weight the twin reads against the truth (N), the mass error (kg), the centre-of-pressure
        error (mm RMS) and the filter's time constant (ms)."""
        r = self.result
        return (
            f"weight the twin reads: {r.weight_seen:.1f} N (true {r.weight_true:.1f} N): a mass error of "
            f"{r.mass_error:+.2f} kg; centre of pressure off by {r.cop_rms_error * 1000:.1f} mm RMS between the feet; "
            f"filter time constant {r.filter_time_constant * 1000:.1f} ms"
        )

    def view(self) -> object:
        """Sliders for offset, drift, noise and cut-off, a plot and the summary (ipywidgets)."""
        import ipywidgets as widgets
        import matplotlib.pyplot as plt

        from twin.plotting_sensors import plot_ankle_loads
        from twin.ui.views import slider_panel

        p = self.params
        sliders = {
            "offset": widgets.FloatSlider(value=p["offset"], min=-20, max=20, step=1, description="offset [N]",
                                          continuous_update=False),
            "drift_density": widgets.FloatSlider(value=p["drift_density"], min=0, max=5, step=0.25,
                                                 description="drift [N/√s]", continuous_update=False),
            "noise_std": widgets.FloatSlider(value=p["noise_std"], min=0, max=5, step=0.25, description="noise [N]",
                                             continuous_update=False),
            "cutoff_hz": widgets.FloatLogSlider(value=p["cutoff_hz"], base=10, min=0, max=2.4,
                                                description="cut-off [Hz]", continuous_update=False),
        }  # fmt: skip

        def draw(values: dict[str, object]) -> None:
            r = self.update(**values)
            plot_ankle_loads(r.times, r.measured, r.true)
            plt.show()
            print(self.summary())

        return slider_panel(sliders, draw, per_row=2)
