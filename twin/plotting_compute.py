"""Figures for chapter 08 (computational requirements): pacing, fidelity against cost, scaling, fleet dashboard.

Views only: every number comes from ``twin.fleet``; these functions draw it.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from twin.fleet.fidelity import FidelityPoint, pareto_front
from twin.fleet.fleet import FleetHealth, FleetRun
from twin.fleet.realtime import PacingReport


def plot_pacing(reports: dict[str, PacingReport]) -> plt.Figure:
    """Left: real-time factor and deadline-miss rate per run; right: each run's jitter histogram (us)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6))
    labels = list(reports)
    x = np.arange(len(labels))
    left.bar(x - 0.2, [r.real_time_factor for r in reports.values()], 0.4, label="real-time factor")
    left.bar(x + 0.2, [r.miss_rate for r in reports.values()], 0.4, label="deadline-miss rate")
    left.axhline(1.0, color="k", lw=0.8, ls="--")
    left.set_xticks(x, labels, rotation=20, ha="right")
    left.set_title("keeping up with the wall clock")
    left.legend(fontsize=8)
    for label, report in reports.items():
        right.hist(report.lateness * 1e6, bins=40, histtype="step", label=label)
    right.set_xlabel("step start lateness (jitter) [us]")
    right.set_ylabel("steps")
    right.set_yscale("log")
    right.set_title("jitter")
    right.legend(fontsize=7)
    fig.tight_layout()
    return fig


def plot_pareto(points: Sequence[FidelityPoint], chosen: FidelityPoint | None = None, bound: float | None = None):
    """Error against cost per simulated second, one marker per geometry, the Pareto front as a line."""
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for geometry, marker in (("box", "o"), ("mesh", "s")):
        mine = [p for p in points if p.setting.geometry == geometry]
        ax.scatter(
            [p.cost * 1e3 for p in mine], [p.error * 1e3 for p in mine], marker=marker, alpha=0.6, label=geometry
        )
    front = pareto_front(points)
    ax.plot([p.cost * 1e3 for p in front], [p.error * 1e3 for p in front], "k-", lw=1, label="Pareto front")
    if bound is not None:
        ax.axhline(bound * 1e3, color="tab:red", ls="--", lw=1, label=f"bound {bound * 1e3:g} mm")
    if chosen is not None:
        ax.scatter([chosen.cost * 1e3], [chosen.error * 1e3], s=160, facecolors="none", edgecolors="tab:red", lw=2)
        ax.annotate(
            f"chosen: {chosen.setting}",
            (chosen.cost * 1e3, chosen.error * 1e3),
            xytext=(8, 8),
            textcoords="offset points",
            fontsize=8,
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("cost [ms of wall time per simulated second]")
    ax.set_ylabel("error against the reference [mm]")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_scaling(workers: Sequence[int], seconds: Sequence[float], serial_seconds: float, cores: int):
    """Speed-up over serial against worker count, with the ideal line and the core count."""
    fig, ax = plt.subplots(figsize=(6, 3.8))
    speedups = serial_seconds / np.asarray(seconds, dtype=float)
    ax.plot(workers, speedups, "o-", label="measured")
    ax.plot(workers, np.minimum(workers, cores), "k--", lw=1, label=f"ideal (this machine: {cores} cores)")
    ax.set_xlabel("worker processes")
    ax.set_ylabel("speed-up over serial")
    ax.set_xticks(list(workers))
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_fleet_dashboard(run: FleetRun, health: FleetHealth):
    """Left: each robot's health indicator per inspection with the threshold; right: its latest HI, coloured
    by verdict (red: maintain, orange: drifting, green: fine, grey: its run failed)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8), gridspec_kw={"width_ratios": [3, 2]})
    verdicts = {r.name: r for r in health.robots}
    for name, report in run.reports.items():
        style = "-" if verdicts[name].needs_maintenance or verdicts[name].drifting else ":"
        left.plot(np.arange(report.health.size), report.health * 1e3, style, marker=".", label=name)
    left.axhline(health.threshold * 1e3, color="tab:red", ls="--", lw=1, label="maintenance threshold")
    left.set_xlabel("inspection")
    left.set_ylabel("health indicator [mrad]")
    left.set_title("health indicator per robot")
    left.legend(fontsize=6, ncol=2)
    names = [o.name for o in run.outcomes]
    colours, values = [], []
    for name in names:
        verdict = verdicts.get(name)
        values.append(0.0 if verdict is None else verdict.latest * 1e3)
        if verdict is None:
            colours.append("grey")
        else:
            colours.append(
                "tab:red" if verdict.needs_maintenance else "tab:orange" if verdict.drifting else "tab:green"
            )
    right.barh(names, values, color=colours)
    right.axvline(health.threshold * 1e3, color="tab:red", ls="--", lw=1)
    right.invert_yaxis()
    right.set_xlabel("latest health indicator [mrad]")
    right.set_title("fleet now (red: maintain, orange: drifting, grey: failed)")
    fig.tight_layout()
    return fig
