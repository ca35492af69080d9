"""Figures for chapter 10 (walking on uneven terrain): terrain profiles, learning curves, difficulty sweeps.

Views only: every number comes from ``twin.walking``; these functions draw it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from twin.walking.evaluation import TerrainScore
from twin.walking.optimise import OptimisationResult
from twin.walking.terrain import HARDEST_ROUGHNESS_RMS, HARDEST_SLOPE_DEG, HARDEST_STEP_HEIGHT, Terrain


def plot_terrain_profiles(terrains: Mapping[str, Terrain]) -> plt.Figure:
    """Each terrain's height (cm) along the robot's path (the centre line), one line per terrain."""
    fig, ax = plt.subplots(figsize=(11, 3.2))
    for label, terrain in terrains.items():
        centre = terrain.heights[:, len(terrain.x) // 2]
        ax.plot(terrain.y, centre * 100, lw=1, label=label)
    ax.axvline(0.0, color="k", lw=0.8, ls=":")
    ax.text(0.05, ax.get_ylim()[1] * 0.85, "robot starts here", fontsize=8)
    ax.set_xlabel("distance along the course y [m]")
    ax.set_ylabel("ground height [cm]")
    ax.set_title("terrain under the robot's path")
    ax.legend(fontsize=8, ncol=len(terrains))
    fig.tight_layout()
    return fig


def plot_learning_curves(results: Mapping[str, OptimisationResult]) -> plt.Figure:
    """Best and mean score (m) per generation; a curriculum's terrain difficulty on the right axis."""
    fig, ax = plt.subplots(figsize=(9, 3.6))
    curriculum = None
    for k, (label, result) in enumerate(results.items()):
        color = f"C{k}"
        generations = np.arange(1, len(result.best_score) + 1)
        ax.plot(generations, result.best_score, color=color, lw=2, label=f"{label}: best candidate")
        ax.plot(generations, result.mean_score, color=color, lw=1, ls="--", label=f"{label}: population mean")
        if result.training.curriculum is not None:
            curriculum = (generations, result.difficulty, color)
    ax.set_xlabel("generation")
    ax.set_ylabel("score [m]  (distance - penalties)")
    ax.set_title("CMA-ES learning curve")
    ax.legend(fontsize=7, loc="lower right")
    if curriculum is not None:
        right = ax.twinx()
        generations, difficulty, color = curriculum
        right.step(generations, difficulty, where="mid", color=color, alpha=0.4, lw=3)
        right.set_ylim(0, 1)
        right.set_ylabel("curriculum difficulty (shaded)")
    fig.tight_layout()
    return fig


def plot_difficulty_sweep(sweeps: Mapping[str, Sequence[TerrainScore]]) -> plt.Figure:
    """Success rate (Wilson 95 % interval) and mean distance (t 95 % interval) against terrain difficulty.

    The x axis is the difficulty knob, as in the printouts and tables beside the figure; one legend above both
    panels, so that it covers no interval.
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.9))
    difficulties: set[float] = set()
    for k, (label, scores) in enumerate(sweeps.items()):
        offset = (k - (len(sweeps) - 1) / 2) * 0.01  # side by side, so the intervals do not hide each other
        difficulty = np.array([s.difficulty for s in scores])
        difficulties.update(difficulty.tolist())
        x = difficulty + offset
        rate = np.array([s.success_rate for s in scores])
        lo, hi = np.array([s.success_interval for s in scores]).T
        below, above = np.maximum(rate - lo, 0.0), np.maximum(hi - rate, 0.0)  # Wilson's ends round to 1e-16
        left.errorbar(x, rate * 100, yerr=[below * 100, above * 100], capsize=3, marker="o", label=label)
        d = np.array([s.distance for s in scores])
        spread = np.where(np.isfinite(d[:, 1]), d[:, 0] - d[:, 1], 0.0)
        right.errorbar(x, d[:, 0], yerr=spread, capsize=3, marker="o")
    left.set_ylabel("walks without a fall [%]")
    left.set_ylim(-5, 105)
    right.set_ylabel("mean distance walked [m]")
    right.set_ylim(bottom=min(0.0, right.get_ylim()[0]))
    rms = HARDEST_ROUGHNESS_RMS * 100
    for ax in (left, right):
        ax.set_xticks(sorted(difficulties))
        ax.set_xlabel(
            f"terrain difficulty  (1 = bumps of {rms:g} cm RMS, {HARDEST_SLOPE_DEG:g}° slopes, "
            f"{HARDEST_STEP_HEIGHT * 100:g} cm steps)"
        )
    left.set_title("success, 95 % Wilson intervals")
    right.set_title("distance, 95 % t intervals")
    fig.legend(loc="upper center", ncol=len(sweeps), fontsize=9, frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.92))
    return fig
