"""Figures for notebook 03 (sensor simulation): each takes what a sensor or an experiment produced and draws it.

Views only: the numbers come from ``twin.sensors`` and the explorers of ``twin.ui.sensor_explorers``. Each
function returns its figure (in a notebook, the last line of a cell shows it; end the line with ``;`` to show it
once), with axes labelled in SI units. Inputs of the wrong shape raise a ``ValueError`` that says what was
expected.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from twin.sensors.allan import AllanFit
from twin.sensors.camera import CameraFrame
from twin.sensors.imu import ImuLog
from twin.sensors.lidar import BeamModel, LidarScan


def _series(name: str, values: object) -> np.ndarray:
    """``values`` as a 1-D float array, or a ValueError naming it."""
    array = np.asarray(values, dtype=float)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence of numbers, got shape {array.shape}.")
    return array


def _same_length(**series: object) -> dict[str, np.ndarray]:
    """Every named series as a 1-D array, all of one length (or a ValueError listing the lengths)."""
    arrays = {name: _series(name, values) for name, values in series.items()}
    lengths = {name: a.size for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"these series must have one value per sample, but their lengths differ: {lengths}.")
    return arrays


def plot_encoder_swing(
    times: Sequence[float],
    true_angle: Sequence[float],
    seen_angle: Sequence[float],
    seen_velocity: Sequence[float],
    true_velocity: Sequence[float] | None = None,
    title: str = "",
) -> plt.Figure:
    """Left: true angle (rad) and the encoder's staircase; right: the velocity the twin gets by differencing
    (rad/s), with the true velocity if given. All series share ``times`` (s)."""
    data = _same_length(times=times, true_angle=true_angle, seen_angle=seen_angle, seen_velocity=seen_velocity)
    fig, (angle_ax, speed_ax) = plt.subplots(1, 2, figsize=(10, 3))
    angle_ax.plot(data["times"], data["true_angle"], "k", label="true angle")
    angle_ax.step(data["times"], data["seen_angle"], where="post", label="encoder, as the twin sees it")
    angle_ax.set_xlabel("time [s]")
    angle_ax.set_ylabel("angle [rad]")
    angle_ax.legend(fontsize=8)
    angle_ax.set_title(title or "angle")
    speed_ax.plot(data["times"], data["seen_velocity"], lw=0.8, label="estimate from the encoder")
    if true_velocity is not None:
        truth = _same_length(times=times, true_velocity=true_velocity)["true_velocity"]
        speed_ax.plot(data["times"], truth, "k", lw=1, label="true velocity")
    speed_ax.set_xlabel("time [s]")
    speed_ax.set_ylabel("velocity [rad/s]")
    speed_ax.legend(fontsize=8)
    speed_ax.set_title("velocity by differencing counts")
    fig.tight_layout()
    return fig


def plot_imu_swing(ideal: ImuLog, noisy: ImuLog, angle: Sequence[float], rate: Sequence[float]) -> plt.Figure:
    """An ideal and a noisy IMU on a swinging pendulum's bob against theory: specific force along the rod
    (g cos(theta) + L thetadot^2, L = 0.5 m) and across it (zero), and the gyro about the hinge (thetadot).

    ``angle`` (rad) and ``rate`` (rad/s) are the pendulum's joint state at the ideal log's sample times; the IMU's
    axes on the bob: z along the rod, x across it, y the hinge axis.
    """
    theta = _same_length(times=ideal.times, angle=angle, rate=rate)
    along_rod = 9.81 * np.cos(theta["angle"]) + 0.5 * theta["rate"] ** 2
    fig, axes = plt.subplots(1, 3, figsize=(13, 3))
    for ax, column, axis, label in (
        (axes[0], "accel", 2, "specific force along the rod [m/s^2]"),
        (axes[1], "accel", 0, "specific force across the rod [m/s^2]"),
        (axes[2], "gyro", 1, "angular rate about the hinge [rad/s]"),
    ):
        ax.plot(noisy.times, getattr(noisy, column)[:, axis], lw=0.6, label="noisy IMU")
        ax.plot(ideal.times, getattr(ideal, column)[:, axis], "k", lw=1.2, label="ideal IMU")
        ax.set_xlabel("time [s]")
        ax.set_ylabel(label, fontsize=9)
    axes[0].plot(ideal.times, along_rod, "r--", lw=1, label="theory: g cos(theta) + L thetadot^2")
    axes[1].axhline(0.0, color="r", ls="--", lw=1, label="theory: 0")
    axes[2].plot(ideal.times, theta["rate"], "r--", lw=1, label="theory: thetadot")
    for ax in axes:
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def plot_allan(taus: Sequence[float], adev: Sequence[float], fit: AllanFit, title: str = "") -> plt.Figure:
    """An Allan deviation (rad/s) against cluster time tau (s) on log-log axes, with the two fitted lines and the
    points where N (tau = 1 s) and K (tau = 3 s) are read."""
    data = _same_length(taus=taus, adev=adev)
    if np.any(data["taus"] <= 0) or np.any(data["adev"] <= 0):
        raise ValueError("taus and adev must be positive to draw on log-log axes.")
    t = data["taus"]
    fig, ax = plt.subplots(figsize=(6.5, 4))
    ax.loglog(t, data["adev"], "o", ms=3, label="Allan deviation of the simulated gyro")
    ax.loglog(t, fit.noise_density / np.sqrt(t), "--", label="slope -1/2: N / sqrt(tau)")
    ax.loglog(t, fit.bias_random_walk * np.sqrt(t / 3), "--", label="slope +1/2: K sqrt(tau / 3)")
    ax.plot([1.0], [fit.noise_density], "ks")
    ax.plot([3.0], [fit.bias_random_walk], "k^")
    ax.annotate("N at tau = 1 s", (1.0, fit.noise_density), textcoords="offset points", xytext=(8, 4))
    ax.annotate("K at tau = 3 s", (3.0, fit.bias_random_walk), textcoords="offset points", xytext=(8, -12))
    ax.set_xlabel("cluster time tau [s]")
    ax.set_ylabel("Allan deviation [rad/s]")
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_dead_reckoning(
    times: Sequence[float], position: Sequence[float], heading: Sequence[float], accel_bias: float, gyro_bias: float
) -> plt.Figure:
    """Dead reckoning of a still IMU: position error (m) against 1/2 b t^2 and heading error (rad) against b t."""
    data = _same_length(times=times, position=position, heading=heading)
    t = data["times"]
    fig, (position_ax, heading_ax) = plt.subplots(1, 2, figsize=(10, 3))
    position_ax.plot(t, data["position"], label="dead-reckoned x")
    position_ax.plot(t, 0.5 * accel_bias * t**2, "k--", label="1/2 b t^2")
    position_ax.set_ylabel("position error [m]")
    heading_ax.plot(t, data["heading"], label="integrated yaw")
    heading_ax.plot(t, gyro_bias * t, "k--", label="b t")
    heading_ax.set_ylabel("heading error [rad]")
    for ax in (position_ax, heading_ax):
        ax.set_xlabel("time [s]")
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _depth_image(ax: plt.Axes, depth: np.ndarray, title: str, vmin: float, vmax: float) -> None:
    """Metric depth (m) with its colour bar; pixels without a value (NaN, inf) are left white."""
    shown = np.where(np.isfinite(depth), depth, np.nan)
    image = ax.imshow(shown, cmap="viridis", vmin=vmin, vmax=vmax)
    ax.get_figure().colorbar(image, ax=ax, fraction=0.035, label="depth [m]")
    ax.set_title(title, fontsize=9)


def _check_frame(name: str, frame: CameraFrame) -> None:
    rgb, depth = np.asarray(frame.rgb), np.asarray(frame.depth)
    if rgb.ndim != 3 or rgb.shape[2] != 3 or depth.shape != rgb.shape[:2]:
        raise ValueError(
            f"{name} must hold an (H, W, 3) RGB image and an (H, W) depth image; got {rgb.shape} and {depth.shape}."
        )


def plot_camera_frame(frame: CameraFrame, depth_range: tuple[float, float] = (1.0, 6.0)) -> plt.Figure:
    """RGB, metric depth (m, with a colour bar; white: no value) and segmentation (one colour per body id)."""
    _check_frame("frame", frame)
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.2))
    axes[0].imshow(frame.rgb)
    axes[0].set_title("RGB", fontsize=9)
    _depth_image(axes[1], frame.depth, "metric depth (white: nothing within range)", *depth_range)
    axes[2].imshow(frame.segmentation, cmap="tab10", interpolation="nearest")
    axes[2].set_title("segmentation (colour = body id)", fontsize=9)
    for ax in axes:
        ax.axis("off")
    fig.tight_layout()
    return fig


NOISE_BLOCK = 8  # px: the noise map averages |noisy - ideal| over blocks this wide, so that it shows the level


def _block_mean(image: np.ndarray, block: int) -> np.ndarray:
    """Mean of ``image`` (H, W) over block x block tiles (edges that do not fill a tile are dropped)."""
    rows, cols = image.shape[0] // block, image.shape[1] // block
    if rows == 0 or cols == 0:
        return image
    return image[: rows * block, : cols * block].reshape(rows, block, cols, block).mean(axis=(1, 3))


def plot_camera_noise(
    ideal: CameraFrame, noisy: CameraFrame, gain: float = 1.0, depth_range: tuple[float, float] = (1.0, 6.0)
) -> plt.Figure:
    """Ideal against noisy camera. Top: ideal RGB, noisy RGB (times ``gain``, as a camera brightens a dark image)
    and the noise itself, |noisy - ideal| in grey levels (0..255) averaged over blocks of ``NOISE_BLOCK`` pixels,
    which the eye misses when it is a few levels.
    Bottom: ideal and noisy depth (m, colour bars) and the pixels without a depth value, split by cause."""
    _check_frame("ideal", ideal)
    _check_frame("noisy", noisy)
    if ideal.rgb.shape != noisy.rgb.shape:
        raise ValueError(f"ideal and noisy frames differ in size: {ideal.rgb.shape} and {noisy.rgb.shape}.")
    if not np.isfinite(gain) or gain <= 0:
        raise ValueError(f"gain={gain!r} must be a positive number (1 = no digital gain).")
    fig, axes = plt.subplots(2, 3, figsize=(13, 5.6))
    axes[0, 0].imshow(ideal.rgb)
    axes[0, 0].set_title("ideal RGB", fontsize=9)
    shown = np.clip(noisy.rgb.astype(float) * gain, 0, 255).astype(np.uint8)
    axes[0, 1].imshow(shown)
    axes[0, 1].set_title("noisy RGB" + (f" (digital gain x{gain:g})" if gain != 1 else ""), fontsize=9)
    difference = _block_mean(np.abs(shown.astype(float) - ideal.rgb.astype(float)).mean(axis=2), NOISE_BLOCK)
    image = axes[0, 2].imshow(difference, cmap="magma", vmin=0, vmax=max(float(difference.max()), 1.0))
    fig.colorbar(image, ax=axes[0, 2], fraction=0.035, label="grey levels (0..255)")
    axes[0, 2].set_title(f"the noise: mean |noisy - ideal| per {NOISE_BLOCK}x{NOISE_BLOCK} pixels", fontsize=9)
    _depth_image(axes[1, 0], ideal.depth, "ideal depth", *depth_range)
    _depth_image(axes[1, 1], noisy.depth, "noisy depth (white: no value)", *depth_range)
    beyond = ~np.isfinite(ideal.depth)
    lost = ~np.isfinite(noisy.depth) & ~beyond
    causes = np.zeros(beyond.shape)
    causes[beyond] = 1.0
    causes[lost] = 2.0
    axes[1, 2].imshow(causes, cmap=plt.matplotlib.colors.ListedColormap(["0.9", "tab:blue", "tab:red"]), vmin=0, vmax=2)
    axes[1, 2].set_title(
        f"no depth: blue, nothing in range ({beyond.mean():.1%}); red, lost ({lost.mean():.1%})", fontsize=9
    )
    for ax in axes.flat:
        ax.axis("off")
    fig.tight_layout()
    return fig


def plot_image_row(images: Mapping[str, np.ndarray]) -> plt.Figure:
    """Images side by side, each under its title (RGB or grey, pixels)."""
    if not images:
        raise ValueError("images must map at least one title to an image.")
    fig, axes = plt.subplots(1, len(images), figsize=(3.3 * len(images), 2.8), squeeze=False)
    for ax, (title, image) in zip(axes[0], images.items(), strict=True):
        if np.asarray(image).ndim not in (2, 3):
            raise ValueError(f"image {title!r} must be (H, W) or (H, W, 3), got shape {np.shape(image)}.")
        ax.imshow(image)
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    fig.tight_layout()
    return fig


def plot_depth_noise(
    distances: Sequence[float], measured_sigma: Sequence[float], model: Callable[[np.ndarray], np.ndarray]
) -> plt.Figure:
    """Spread of simulated depth readings (mm) at each wall distance (m) against the noise model sigma(z)."""
    data = _same_length(distances=distances, measured_sigma=measured_sigma)
    z = np.linspace(0.5, data["distances"].max() + 0.5, 100)
    fig, ax = plt.subplots(figsize=(5.5, 3.2))
    ax.plot(z, 1000 * model(z), "k-", label="model: 1.2 mm + 1.9 mm (z - 0.4)^2")
    ax.plot(data["distances"], 1000 * data["measured_sigma"], "o", label="spread of simulated readings")
    ax.set_xlabel("distance to the wall [m]")
    ax.set_ylabel("depth noise sigma [mm]")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_lidar_scans(scans: Mapping[str, LidarScan], highlight_body: int, half_width: float = 3.3) -> plt.Figure:
    """Top view (x, y in m) of each scan's returns, the beams that hit ``highlight_body`` in red, the scanner."""
    if not scans:
        raise ValueError("scans must map at least one title to a LidarScan.")
    fig, axes = plt.subplots(1, len(scans), figsize=(5.5 * len(scans), 4), squeeze=False)
    for ax, (title, scan) in zip(axes[0], scans.items(), strict=True):
        points = scan.points
        on_body = scan.hit_body == highlight_body
        ax.plot(points[:, 0], points[:, 1], ".", ms=3, label="returns")
        ax.plot(points[on_body, 0], points[on_body, 1], "r.", ms=5, label="beams aimed at the humanoid")
        ax.plot(*scan.origin[:2], "k^", ms=9, label="scanner")
        ax.set_aspect("equal")
        ax.set_xlim(-half_width, half_width)
        ax.set_ylim(-half_width, half_width)
        ax.set_title(title)
        ax.set_xlabel("x [m]")
        ax.set_ylabel("y [m]")
    fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="lower center", ncol=3, fontsize=8)
    fig.tight_layout(rect=(0, 0.07, 1, 1))  # leave the bottom strip to the legend
    return fig


def plot_beam_model(beams: BeamModel, true_range: float, max_range: float) -> plt.Figure:
    """The beam model's density p(z | true range) (1/m) over 0..max_range (m), on a log axis so that the small
    parts (short, random) show beside the hit peak and the max-range spike."""
    if not 0 < true_range < max_range:
        raise ValueError(f"true_range={true_range!r} m must lie between 0 and max_range={max_range!r} m.")
    z = np.linspace(0, max_range, 2000)
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.semilogy(z, beams.likelihood(z, true_range, max_range, width=0.05), lw=1.2)
    for x, part in ((0.05 * true_range, "short"), (true_range, "hit"), ((true_range + max_range) / 2, "random"),
                    (max_range, "max")):  # fmt: skip
        height = float(beams.likelihood(np.array([x]), true_range, max_range, width=0.05)[0])
        ax.annotate(part, (x, height), textcoords="offset points", xytext=(4, 4), fontsize=9)
    ax.axvline(true_range, color="k", ls=":", lw=1, label=f"true range {true_range:g} m")
    ax.set_xlabel("reading z [m]")
    ax.set_ylabel(f"p(z | true range {true_range:g} m) [1/m]")
    ax.set_title("the beam model: hit, short, max, random")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    return fig


def plot_foot_loads(log: Mapping[str, Any], weight: float) -> plt.Figure:
    """The standing humanoid's weight shift: floor force under each foot and their sum (N) against m g; the right
    ankle's F/T load, noisy and ideal (N); and the sensor's error (N).

    ``log`` holds equal-length arrays: ``t`` (s), ``right`` and ``left`` (contact normal force, N),
    ``right_ft`` and ``right_ft_true`` (load through the right ankle, N).
    """
    missing = {"t", "right", "left", "right_ft", "right_ft_true"} - set(log)
    if missing:
        raise ValueError(f"log is missing {sorted(missing)}; it needs t, right, left, right_ft, right_ft_true.")
    d = _same_length(**{key: log[key] for key in ("t", "right", "left", "right_ft", "right_ft_true")})
    fig, (floor_ax, ankle_ax, error_ax) = plt.subplots(1, 3, figsize=(13, 3.2))
    floor_ax.plot(d["t"], d["right"], label="right foot (contacts)")
    floor_ax.plot(d["t"], d["left"], label="left foot (contacts)")
    floor_ax.plot(d["t"], d["right"] + d["left"], "k", label="sum")
    floor_ax.axhline(weight, color="gray", ls=":", label=f"m g = {weight:.1f} N")
    floor_ax.set_ylim(0, 1.35 * weight)  # room for the legend above the curves
    floor_ax.set_ylabel("vertical force [N]")
    floor_ax.legend(fontsize=7, ncol=2, loc="upper center")
    floor_ax.set_title("floor under the feet")
    ankle_ax.plot(d["t"], d["right_ft"], lw=0.8, label="right ankle F/T, noisy")
    ankle_ax.plot(d["t"], d["right_ft_true"], "k--", lw=1, label="right ankle, ideal")
    ankle_ax.set_ylim(top=1.3 * d["right_ft_true"].max())
    ankle_ax.set_ylabel("load through the ankle [N]")
    ankle_ax.legend(fontsize=7, ncol=2, loc="upper center")
    ankle_ax.set_title("ankle sensor")
    error_ax.plot(d["t"], d["right_ft"] - d["right_ft_true"], lw=0.8)
    error_ax.set_ylabel("noisy - ideal [N]")
    error_ax.set_title("its error: offset + drift + filtered noise")
    for ax in (floor_ax, ankle_ax, error_ax):
        ax.set_xlabel("time [s]")
    fig.tight_layout()
    return fig


def plot_ankle_loads(
    times: Sequence[float], measured: Mapping[str, np.ndarray], true: Mapping[str, np.ndarray]
) -> plt.Figure:
    """Load through each ankle (N) over time (s): the right ankle measured and true, the (ideal) left one."""
    d = _same_length(times=times, right=measured["right"], right_true=true["right"], left_true=true["left"])
    fig, ax = plt.subplots(figsize=(8, 2.8))
    ax.plot(d["times"], d["right"], lw=0.8, label="right ankle, measured")
    ax.plot(d["times"], d["right_true"], "k--", lw=1, label="right ankle, true")
    ax.plot(d["times"], d["left_true"], color="gray", lw=1, label="left ankle, true (its sensor is ideal)")
    ax.set_xlabel("time [s]")
    ax.set_ylabel("load through the ankle [N]")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
