"""Figures for chapter 09 (humanoid balance): estimation error, LIPM against simulation, a push seen from above,
push-recovery survival in polar form.

Views only: every number comes from ``twin.humanoid``; these functions draw it.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np

from twin.analytics.statistics import wilson_interval
from twin.humanoid.experiments import EstimationTrace, PushSurvival

KIND_LABELS = {
    "pd": "joint PD only",
    "balance": "capture-point balance",
    "balance, trusting": "capture-point balance, accelerometer-trusting estimate",
}
KIND_COLORS = {"pd": "tab:gray", "balance": "tab:red", "balance, trusting": "tab:orange"}


def plot_estimation(traces: Mapping[str, EstimationTrace]) -> plt.Figure:
    """Pelvis position error (mm), tilt and yaw errors (deg), CoM velocity error (m/s) over time, a line per trace."""
    fig, axes = plt.subplots(2, 2, figsize=(11, 6), sharex=True)
    panels = (
        ("pelvis position", "mm", lambda t: t.position_error * 1e3),
        ("tilt (roll and pitch)", "deg", lambda t: np.degrees(t.tilt_error)),
        ("yaw (heading)", "deg", lambda t: np.degrees(t.yaw_error)),
        ("CoM velocity (horizontal)", "m/s", lambda t: t.com_velocity_error),
    )
    push = next(iter(traces.values())).push_time
    for ax, (title, unit, values) in zip(axes.flat, panels, strict=True):
        for label, trace in traces.items():
            ax.plot(trace.time, values(trace), label=label, lw=1)
        if np.isfinite(push):
            ax.axvline(push, color="k", lw=0.8, ls=":")
        ax.set_title(f"error in {title}", fontsize=10)
        ax.set_ylabel(f"error [{unit}]")
    for ax in axes[1]:
        ax.set_xlabel("time [s]")
    axes[0, 0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_lipm_check(
    time: np.ndarray, runs: Mapping[str, tuple[np.ndarray, np.ndarray]], foot: float = 0.0
) -> plt.Figure:
    """Simulated CoM position (solid) against the LIPM closed form (dashed), one pair per run label."""
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    for label, (simulated, closed_form) in runs.items():
        (line,) = ax.plot(time, simulated * 100, label=f"{label}: simulated")
        ax.plot(time, closed_form * 100, ls="--", color=line.get_color(), label=f"{label}: LIPM")
    ax.axhline(foot * 100, color="k", lw=0.8)
    ax.set_xlabel("time [s]")
    ax.set_ylabel("CoM ahead of the foot [cm]")
    ax.set_ylim(-6, 12)
    ax.set_title("point mass on a massless leg against the LIPM")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def plot_push_from_above(log: Mapping[str, np.ndarray], polygon: np.ndarray, title: str = "") -> plt.Figure:
    """The floor seen from above: support polygon, and the paths of the CoM, capture point and CoP (m)."""
    fig, ax = plt.subplots(figsize=(5.2, 4.6))
    if len(polygon) >= 3:
        closed = np.vstack([polygon, polygon[:1]])
        ax.fill(closed[:, 0], closed[:, 1], color="tab:green", alpha=0.25, label="support polygon")
    cop = log["cop"][np.all(np.isfinite(log["cop"]), axis=1)]
    ax.plot(cop[:, 0], cop[:, 1], ".", ms=2, color="goldenrod", label="centre of pressure")
    ax.plot(log["est_com"][:, 0], log["est_com"][:, 1], color="tab:blue", label="CoM (twin's estimate)")
    ax.plot(log["true_com"][:, 0], log["true_com"][:, 1], color="tab:blue", ls=":", label="CoM (true)")
    ax.plot(log["capture_point"][:, 0], log["capture_point"][:, 1], color="tab:red", label="capture point")
    ax.set_aspect("equal")
    ax.set_xlim(-0.3, 0.3)
    ax.set_ylim(-0.25, 0.25)
    ax.set_xlabel("x, forward [m]")
    ax.set_ylabel("y, left [m]")
    ax.set_title(title)
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    return fig


def plot_push_survival(survival: PushSurvival) -> plt.Figure:
    """Left: polar plot, per direction, of the largest impulse most robots survive, per controller.
    Right: survival rate with 95 % Wilson intervals against impulse, averaged over directions per controller."""
    fig = plt.figure(figsize=(11, 4.4))
    polar = fig.add_subplot(1, 2, 1, projection="polar")
    angles = np.radians(np.append(survival.directions, survival.directions[0]))
    for kind in survival.kinds:
        reach = survival.largest_mostly_survived(kind)
        polar.plot(
            angles,
            np.append(reach, reach[0]),
            marker="o",
            color=KIND_COLORS.get(kind),
            label=KIND_LABELS.get(kind, kind),
        )
    polar.set_title(
        "largest impulse survived by most robots [N s]\n(0 deg = pushed forward, 90 deg = to its left)", fontsize=9
    )
    polar.set_rlabel_position(112.5)
    polar.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.08))
    right = fig.add_subplot(1, 2, 2)
    for kind in survival.kinds:
        counts = survival.survived(kind).sum(axis=0)
        trials = len(survival.seeds) * len(survival.directions)
        bounds = np.array([wilson_interval(int(c), trials) for c in counts])
        rate = counts / trials
        right.errorbar(
            survival.impulses,
            rate,
            yerr=[rate - bounds[:, 0], bounds[:, 1] - rate],
            marker="o",
            capsize=3,
            color=KIND_COLORS.get(kind),
            label=KIND_LABELS.get(kind, kind),
        )
    right.set_xlabel("impulse at the chest [N s]")
    right.set_ylabel("share of trials survived")
    right.set_ylim(-0.05, 1.05)
    right.set_title(f"all directions, {len(survival.seeds)} robots each (95 % Wilson intervals)", fontsize=9)
    right.legend(fontsize=8)
    fig.tight_layout()
    return fig
