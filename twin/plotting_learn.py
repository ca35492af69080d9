"""Figures for chapter 12 (training Physical AI): learning curves, transfer to stand-ins, adaptation.

Views only: every number comes from ``twin.learn``; these functions draw it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from twin.analytics.statistics import mean_interval
from twin.learn.adaptation import ChangeRun
from twin.learn.transfer import Verdict


def plot_learning_curves(curves: Mapping[str, np.ndarray], episodes_per_iteration: int | None = None) -> plt.Figure:
    """Mean evaluation return per iteration over seeds, with its 95 % t band; one line per training setup.

    ``curves[name]`` has one row per seed and one column per iteration (the first: before training).
    """
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    for name, runs in curves.items():
        runs = np.atleast_2d(np.asarray(runs, dtype=float))
        stats = np.array([mean_interval(runs[:, i]) for i in range(runs.shape[1])])
        x = np.arange(runs.shape[1])
        ax.plot(x, stats[:, 0], lw=2, label=f"{name} ({runs.shape[0]} seeds)")
        if runs.shape[0] > 1:
            ax.fill_between(x, stats[:, 1], stats[:, 2], alpha=0.25)
        for row in runs:
            ax.plot(x, row, lw=0.6, alpha=0.4, color=ax.lines[-1].get_color())
    label = "ARS iteration"
    if episodes_per_iteration:
        label += f" ({episodes_per_iteration} episodes each)"
    ax.set_xlabel(label)
    ax.set_ylabel("return (max = episode steps)")
    ax.set_title("learning curves: mean over seeds, 95 % band, each seed thin", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_verdicts(verdicts: Sequence[Verdict]) -> plt.Figure:
    """Left: success rate on the stand-ins (Wilson 95 %); right: each stand-in's return, with the mean's t interval."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4))
    names = [v.name for v in verdicts]
    x = np.arange(len(verdicts))
    rates = np.array([v.success_rate for v in verdicts])
    bounds = np.array([v.success_interval for v in verdicts])
    left.bar(x, 100 * rates, color="0.75")
    left.errorbar(
        x, 100 * rates, yerr=100 * np.abs(bounds.T - rates), fmt="none", color="k", capsize=6, label="95 % Wilson"
    )
    left.set_xticks(x, names)
    left.set_ylim(0, 100)
    left.set_ylabel("success: whole episode [% of stand-ins]")
    left.legend(fontsize=8, loc="upper left")
    for k, v in enumerate(verdicts):
        jitter = np.linspace(-0.15, 0.15, v.returns.size)
        right.plot(k + jitter, v.returns, "o", ms=3, alpha=0.6, label="one stand-in" if k == 0 else None)
        mean, low, high = v.return_interval
        right.errorbar(
            k,
            mean,
            yerr=[[mean - low], [high - mean]],
            fmt="s",
            color="k",
            capsize=6,
            label="mean, 95 % t interval" if k == 0 else None,
        )
    right.set_xticks(x, names)
    right.set_ylabel("return on each stand-in")
    right.legend(fontsize=8, loc="lower right")
    fig.suptitle(f"the same {verdicts[0].returns.size} hidden stand-ins for every policy", fontsize=9)
    fig.tight_layout()
    return fig


def plot_adaptation(runs: Sequence[ChangeRun]) -> plt.Figure:
    """Top: pole angle of each controller; bottom: the online estimate against the true motor authority.

    The legends stand to the right of the plots, where they hide no curve."""
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 4.8), sharex=True, layout="constrained")
    for run in runs:
        label = run.name + ("" if run.fell_at is None else f"\n({run.outcome()})")
        top.plot(run.times, run.angles, lw=1.2, label=label)
    top.set_ylabel("pole angle [rad]")
    top.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    adaptive = next((r for r in runs if "adaptive" in r.name), runs[-1])
    bottom.plot(adaptive.times, adaptive.true_authority, color="k", lw=2, label="true (hidden)")
    bottom.plot(
        adaptive.times, adaptive.estimates, color="tab:red", lw=1.2, label=f"estimate (online),\n{adaptive.name}"
    )
    bottom.set_ylabel("motor authority")
    bottom.set_xlabel("time [s]")
    bottom.set_ylim(0, 1.4)
    bottom.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    for ax in (top, bottom):
        ax.axvline(adaptive.change_time, color="0.5", ls="--", lw=0.8)
    top.set_title("the motor weakens at the dashed line", fontsize=9)
    return fig
