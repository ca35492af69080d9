"""Figures for notebook 02 (creating the model): contact checks, time-step study, the soft cube, drag, actuators.

Views only: the numbers come from ``twin.physics`` and ``twin.actuators``; these functions draw them, with axes
labelled in SI units, and return the figure. Inputs of the wrong shape raise a ``ValueError`` that says what was
expected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from twin.physics import SoftDropResult, StudyRow, bounce_height, sliding_distance


def _pairs(name: str, curves: Mapping[float, tuple[np.ndarray, np.ndarray]]) -> None:
    """Every value of ``curves`` is a (times, values) pair of equal-length 1-D arrays, or a ValueError."""
    if not curves:
        raise ValueError(f"{name} must map at least one coefficient to a (times, values) pair.")
    for key, (t, y) in curves.items():
        if np.ndim(t) != 1 or np.shape(t) != np.shape(y):
            raise ValueError(f"{name}[{key!r}] must be two 1-D arrays of one length, got {np.shape(t)}, {np.shape(y)}.")


def plot_contact_checks(
    slides: Mapping[float, tuple[np.ndarray, np.ndarray]],
    bounces: Mapping[float, tuple[np.ndarray, np.ndarray]],
    speed: float,
    drop_height: float,
) -> plt.Figure:
    """Left: boxes pushed at ``speed`` (m/s), distance slid (m) over time (s) per friction coefficient mu, with
    Coulomb's stopping distance v^2 / (2 mu g) dotted. Right: balls dropped from rest at ``drop_height`` (m),
    height (m) over time per restitution e, with the first bounce against e^2 times the drop height."""
    _pairs("slides", slides)
    _pairs("bounces", bounces)
    fig, (slide_ax, bounce_ax) = plt.subplots(1, 2, figsize=(10, 3.2))
    for mu, (t, x) in slides.items():
        theory = sliding_distance(mu, speed)
        slide_ax.plot(t, x, label=f"mu = {mu}: stops at {x[-1]:.3f} m (theory {theory:.3f})")
        slide_ax.axhline(theory, color="k", ls=":", lw=0.8)
    slide_ax.set_xlabel("time [s]")
    slide_ax.set_ylabel("distance slid [m]")
    slide_ax.set_ylim(top=1.4 * max(x.max() for _, x in slides.values()))  # room for the legend above the curves
    slide_ax.legend(fontsize=8, loc="upper left")
    slide_ax.set_title(f"box pushed at {speed:g} m/s (dotted: theory)", fontsize=10)
    for e, (t, h) in bounces.items():
        bounce_ax.plot(t, h, label=f"e = {e}: first bounce {bounce_height(h):.3f} m (theory {e * e * drop_height:.3f})")
    bounce_ax.set_xlabel("time [s]")
    bounce_ax.set_ylabel("height of the ball [m]")
    bounce_ax.legend(fontsize=8)
    bounce_ax.set_title(f"ball dropped from {drop_height:g} m", fontsize=10)
    fig.tight_layout()
    return fig


def plot_time_step_study(rows: Sequence[StudyRow]) -> plt.Figure:
    """Left: largest angle error (mrad) against time step (ms) on log-log axes, with a slope-1 (first-order)
    reference line; right: the same error against the number of steps per run, the cost."""
    if len(rows) < 2:
        raise ValueError(f"a time-step study needs at least two rows to draw a trend, got {len(rows)}.")
    steps = np.array([r.setting for r in rows], dtype=float) * 1000  # ms
    errors = np.array([r.error for r in rows], dtype=float) * 1000  # mrad
    counts = np.array([r.steps for r in rows])
    if np.any(steps <= 0) or np.any(errors <= 0):
        raise ValueError("time steps and errors must be positive to draw on log-log axes.")
    fig, (err_ax, cost_ax) = plt.subplots(1, 2, figsize=(10, 3.2))
    err_ax.loglog(steps, errors, "o-", label="pybullet")
    err_ax.loglog(steps, errors[0] * steps / steps[0], "k:", label="slope 1 (first order)")
    err_ax.set_xlabel("time step [ms]")
    err_ax.set_ylabel("largest angle error [mrad]")
    err_ax.legend(fontsize=8)
    err_ax.set_title("error shrinks in proportion to the step", fontsize=10)
    cost_ax.loglog(counts, errors, "o-")
    cost_ax.set_xlabel("steps per run (cost)")
    cost_ax.set_ylabel("largest angle error [mrad]")
    cost_ax.set_title("accuracy bought with computation", fontsize=10)
    for ax in (err_ax, cost_ax):  # label the measured points only: log axes crowd their minor labels
        ax.set_yticks(errors, [f"{e:.2g}" for e in errors])
        ax.tick_params(which="minor", labelbottom=False, labelleft=False)
    err_ax.set_xticks(steps, [f"{s:.3g}" for s in steps])
    cost_ax.set_xticks(counts, [str(c) for c in counts])
    fig.tight_layout()
    return fig


def _nearest_frames(result: SoftDropResult, times: Sequence[float]) -> list[int]:
    frames = [int(np.argmin(np.abs(result.times - t))) for t in times]
    if not frames:
        raise ValueError("snapshot_times must name at least one time (s) to draw.")
    return frames


def plot_soft_drop(
    tilted: SoftDropResult,
    upright: SoftDropResult,
    rest_height: float,
    snapshot_times: Sequence[float],
    snapshot_labels: Sequence[str] | None = None,
) -> plt.Figure:
    """The jelly cube. Left: the tilted drop's nodes seen from the side (y, z in m) at ``snapshot_times`` (s),
    side by side. Middle: the tilted drop's lowest node and centre over time (m). Right: the upright drop's
    top-to-bottom height over time (m) against ``rest_height``, the linear-elastic prediction."""
    frames = _nearest_frames(tilted, snapshot_times)
    labels = list(snapshot_labels) if snapshot_labels is not None else [""] * len(frames)
    if len(labels) != len(frames):
        raise ValueError(f"give one label per snapshot: {len(frames)} times, {len(labels)} labels.")
    fig, (side, fall, sag) = plt.subplots(1, 3, figsize=(14, 3.4), gridspec_kw={"width_ratios": [1.6, 1, 1]})
    spacing = 0.35  # m between snapshots
    for i, (frame, label) in enumerate(zip(frames, labels, strict=True)):
        nodes = tilted.nodes[frame]
        side.scatter(nodes[:, 1] - nodes[:, 1].mean() + spacing * i, nodes[:, 2], s=6)
        caption = f"{tilted.times[frame]:.2f} s" + (f"\n{label}" if label else "")
        side.annotate(caption, (spacing * i, -0.03), ha="center", va="top", fontsize=7)
    side.axhline(0, color="k", lw=1)
    side.set_aspect("equal")
    side.set_ylim(-0.15, 0.65)
    side.set_xticks([])
    side.set_ylabel("height [m]")
    side.set_title("tilted drop, seen from the side", fontsize=10)
    fall.plot(tilted.times, tilted.lowest, label="lowest node")
    fall.plot(tilted.times, tilted.centre_heights, label="centre of the cube")
    fall.set_xlabel("time [s]")
    fall.set_ylabel("height above the floor [m]")
    fall.legend(fontsize=8)
    fall.set_title("tilted drop: it lands and stays down", fontsize=10)
    sag.plot(upright.times, upright.heights, label="simulated")
    sag.axhline(rest_height, color="k", ls=":", lw=1, label="rest height, linear elasticity")
    sag.set_xlabel("time [s]")
    sag.set_ylabel("top-to-bottom height of the cube [m]")
    sag.legend(fontsize=8)
    sag.set_title("upright drop: squash, spring back, sag", fontsize=10)
    fig.tight_layout()
    return fig


def plot_falling_speed(
    times: Sequence[float], speeds: Sequence[float], exact: Sequence[float], terminal_speed: float
) -> plt.Figure:
    """Falling speed (m/s) over time (s): free fall, the simulation with its drag model, the exact solution
    v_t tanh(g t / v_t) and the terminal speed v_t."""
    t, v, v_exact = (np.asarray(a, dtype=float) for a in (times, speeds, exact))
    if not (t.ndim == 1 and t.shape == v.shape == v_exact.shape and t.size):
        raise ValueError(
            f"times, speeds and exact must be 1-D of one length, got {t.shape}, {v.shape}, {v_exact.shape}."
        )
    fig, ax = plt.subplots(figsize=(5.5, 3.2))
    ax.plot(t, 9.81 * t, ":", color="0.5", label="no air (free fall)")
    ax.plot(t, v, lw=3, alpha=0.6, label="pybullet + drag model")
    ax.plot(t, v_exact, "k--", lw=1, label="v_t tanh(g t / v_t)")
    ax.axhline(terminal_speed, color="C3", lw=1, label=f"terminal speed {terminal_speed:.1f} m/s")
    ax.set_ylim(0, 1.3 * terminal_speed)
    ax.set_xlabel("time [s]")
    ax.set_ylabel("falling speed [m/s]")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_actuator_effects(times: Sequence[float], command: Sequence[float], delivered: Mapping[str, np.ndarray]):
    """One panel per actuator effect: commanded against delivered torque (N m) over time (ms)."""
    t, c = np.asarray(times, dtype=float), np.asarray(command, dtype=float)
    if not delivered:
        raise ValueError("delivered must map at least one effect's name to its torques.")
    for name, torques in delivered.items():
        if np.shape(torques) != t.shape or c.shape != t.shape:
            raise ValueError(f"{name!r}: times, command and delivered torques must have one value per step.")
    fig, axes = plt.subplots(1, len(delivered), figsize=(2.6 * len(delivered), 2.6), sharey=True, squeeze=False)
    for ax, (label, torques) in zip(axes[0], delivered.items(), strict=True):
        ax.step(t, c, "k:", where="post", lw=1, label="commanded")
        ax.step(t, torques, where="post", lw=2, label="delivered")
        ax.set_title(label, fontsize=9)
        ax.set_xlabel("time [ms]")
    axes[0, 0].set_ylabel("torque [N m]")
    axes[0, 0].legend(fontsize=7)
    fig.tight_layout()
    return fig
