"""Figures for chapter 11 (manipulation and demonstrations): grasp forces, grip studies, learning curves, DMPs.

Views only: every number comes from ``twin.manipulation`` and ``twin.learn``; these functions draw it.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from twin.learn.imitation import LearningCurve
from twin.manipulation.grasp import GRAVITY, GraspTrial
from twin.manipulation.standin import RandomisedGraspStudy
from twin.manipulation.wall_task import GOAL_Y, SAFE_HEIGHT, WALL_CENTER, WALL_HALF_EXTENTS

PHASE_COLOURS = {"close": "#dddddd", "lift": "#cfe3f7", "hold": "#e3f2d5"}


def plot_grasp_forces(trials: dict[str, GraspTrial], weights: dict[str, float] | None = None) -> plt.Figure:
    """For each grasp trial (a column): the wrist load and the finger squeeze (N) over time, the object's weight
    as a dashed line, and the hand's and the object's heights (m); the phases shaded."""
    fig, axes = plt.subplots(2, len(trials), figsize=(5.2 * len(trials), 5.6), sharex="col", squeeze=False)
    for column, (label, trial) in enumerate(trials.items()):
        top, bottom = axes[0, column], axes[1, column]
        trace = trial.trace
        t = np.asarray(trace.time) - trace.time[0]
        phases = np.asarray(trace.phase)
        for ax in (top, bottom):
            for phase, colour in PHASE_COLOURS.items():
                where = np.flatnonzero(phases == phase)
                if where.size:
                    ax.axvspan(t[where[0]], t[where[-1]], color=colour, lw=0, label=phase if ax is bottom else None)
        top.plot(t, trace.load, label="wrist load (N)")
        top.plot(t, trace.squeeze, label="finger squeeze (N)")
        if weights and label in weights:
            top.axhline(weights[label] * GRAVITY, color="k", ls="--", lw=1, label="object weight m g")
        top.set_title(
            f"{label}: {'held' if trial.held else 'dropped'}" + (", slip detected" if trial.slip_detected else "")
        )
        top.set_ylabel("force [N]")
        top.legend(fontsize=8, loc="upper left")
        bottom.plot(t, trace.hand_z, label="hand")
        bottom.plot(t, trace.object_z, label="object")
        bottom.set_xlabel("time [s]")
        bottom.set_ylabel("height [m]")
        bottom.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def plot_grip_study(study: RandomisedGraspStudy, nominal_force: float, chosen_force: float | None = None) -> plt.Figure:
    """The fraction of randomised objects held at each grip force tried, the nominal design marked."""
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    tried = ~np.isnan(study.held_fraction)
    ax.plot(study.forces[tried], study.held_fraction[tried], "o-", label="randomised twin")
    ax.axvline(nominal_force, color="tab:red", ls="--", label=f"nominal design {nominal_force:.1f} N")
    if chosen_force is not None:
        ax.axvline(chosen_force, color="tab:green", ls="--", label=f"safe in every sample {chosen_force:.1f} N")
    ax.set_xlabel("grip force per finger [N]")
    ax.set_ylabel("fraction of objects held")
    ax.set_ylim(-0.05, 1.05)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_learning_curves(curve: LearningCurve) -> plt.Figure:
    """Success rate against the number of expert-labelled episodes, BC and DAgger, one panel per place."""
    places = sorted({place for _, place in curve.rates}, key=lambda p: (p != "twin", p))
    fig, axes = plt.subplots(1, len(places), figsize=(5.0 * len(places), 3.4), sharey=True, squeeze=False)
    for ax, place in zip(axes[0], places, strict=True):
        for method, style in (("BC", "o--"), ("DAgger", "s-")):
            ax.plot(curve.demonstrations, curve.rates[(method, place)], style, label=method)
        ax.set_xscale("log", base=2)
        ax.set_xticks(curve.demonstrations, [str(n) for n in curve.demonstrations])
        ax.set_xlabel("expert-labelled episodes")
        ax.set_title(f"success {'in the twin' if place == 'twin' else 'on the ' + place}")
        ax.set_ylim(-0.05, 1.05)
        ax.legend(fontsize=8)
    axes[0, 0].set_ylabel("success rate")
    fig.tight_layout()
    return fig


def plot_compounding(distances: dict[str, Sequence[np.ndarray]], period: float) -> plt.Figure:
    """How far each learner strays from the states its data covers (m), over an episode: the mean over
    episodes at each control tick (episodes that already ended drop out)."""
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    for label, runs in distances.items():
        longest = max(len(r) for r in runs)
        mean = [np.mean([r[i] for r in runs if len(r) > i]) for i in range(longest)]
        ax.plot(np.arange(longest) * period, np.asarray(mean) * 100, label=label)
    ax.set_xlabel("time in the episode [s]")
    ax.set_ylabel("distance to the nearest\ntraining state [cm]")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_dmp(demonstration: np.ndarray, paths: dict[str, np.ndarray], goals: dict[str, np.ndarray]) -> plt.Figure:
    """Left: side view (y, z) with the wall; right: top view (x, y): the demonstration and the DMP's paths to
    new goals (crosses)."""
    fig, (side, top) = plt.subplots(1, 2, figsize=(11, 3.8))
    wy, wz = WALL_HALF_EXTENTS[1], 2 * WALL_HALF_EXTENTS[2]
    side.fill_between([WALL_CENTER[1] - wy, WALL_CENTER[1] + wy], 0, wz, color="0.6", label="wall")
    side.axhline(SAFE_HEIGHT, color="0.6", ls=":", lw=1)
    for ax, (i, j) in ((side, (1, 2)), (top, (0, 1))):
        ax.plot(demonstration[:, i], demonstration[:, j], "k-", lw=3, alpha=0.4, label="demonstration")
        for label, path in paths.items():
            (line,) = ax.plot(path[:, i], path[:, j], label=label)
            ax.plot(goals[label][i], goals[label][j], "x", color=line.get_color(), ms=9)
    side.set_xlabel("y [m]")
    side.set_ylabel("z [m]")
    side.set_title("side view")
    top.set_xlabel("x [m]")
    top.set_ylabel("y [m]")
    top.set_title("from above")
    top.axhline(GOAL_Y, color="0.8", lw=0.8)
    side.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return fig
