"""Figures for chapter 08 (computational requirements): pacing, fidelity against cost, scaling, fleet dashboard.

Views only: every number comes from ``twin.fleet``; these functions draw it.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter

from twin.fleet.fidelity import FidelityPoint, pareto_front
from twin.fleet.fleet import FleetHealth, FleetRun
from twin.fleet.realtime import PacingReport


def plot_pacing(reports: dict[str, PacingReport]) -> plt.Figure:
    """Left: real-time factor and deadline-miss rate per run; right: each run's jitter histogram (us).

    Jitter spans microseconds (a light twin) to seconds (a twin that takes every step while far behind), so the
    histogram has logarithmic bins on a logarithmic axis; a lateness under 1 us is drawn at 1 us.
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
    labels = list(reports)
    x = np.arange(len(labels))
    left.bar(x - 0.2, [r.real_time_factor for r in reports.values()], 0.4, label="real-time factor")
    left.bar(x + 0.2, [r.miss_rate for r in reports.values()], 0.4, label="deadline-miss rate")
    left.axhline(1.0, color="k", lw=0.8, ls="--", label="1: real time / every step late")
    left.set_xticks(x, labels, rotation=20, ha="right")
    left.set_ylabel("fraction")
    left.set_ylim(0, 1.45)  # room above the bars for the legend
    left.set_title("keeping up with the wall clock")
    left.legend(fontsize=7, loc="upper center", ncol=2)
    lateness_us = {label: np.maximum(r.lateness * 1e6, 1.0) for label, r in reports.items()}
    largest = max((float(v.max()) for v in lateness_us.values() if v.size), default=10.0)
    bins = np.geomspace(1.0, max(10.0, 1.1 * largest), 60)
    peak = 1.0
    for label, values in lateness_us.items():
        counts, _, _ = right.hist(values, bins=bins, histtype="step", label=label)
        peak = max(peak, float(np.max(counts, initial=0.0)))
    right.set_xscale("log")
    right.set_xlabel("step start lateness (jitter) [us]")
    right.set_ylabel("steps")
    right.set_yscale("log")
    right.set_ylim(0.7, peak * 60)  # room above the histograms for the legend
    right.set_title("jitter (both axes logarithmic)")
    right.legend(fontsize=7, loc="upper center", ncol=2)
    fig.tight_layout()
    return fig


def _plain(value: float, _position: object = None) -> str:
    """A log axis's tick label as a plain number (2, 0.5: not 2 x 10^0), only at 1, 2, 3 and 5 of each decade."""
    if not value > 0:
        return ""
    leading = value / 10 ** np.floor(np.log10(value))
    return f"{value:g}" if any(abs(leading - d) < 1e-6 for d in (1, 2, 3, 5)) else ""


def plot_pareto(points: Sequence[FidelityPoint], chosen: FidelityPoint | None = None, bound: float | None = None):
    """Error against cost per simulated second, one marker per geometry, the Pareto front as a line."""
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for geometry, marker, label in (("box", "o", "exact box"), ("mesh", "s", "box as a mesh")):
        mine = [p for p in points if p.setting.geometry == geometry]
        ax.scatter([p.cost * 1e3 for p in mine], [p.error * 1e3 for p in mine], marker=marker, alpha=0.6, label=label)
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
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(FuncFormatter(_plain))
        axis.set_minor_formatter(FuncFormatter(_plain))
    ax.set_xlabel("cost [ms of wall time per simulated second]")
    ax.set_ylabel("error against the reference [mm]")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_scaling(workers: Sequence[int], seconds: Sequence[float], serial_seconds: float, cores: int):
    """Speed-up against worker count, two ways: over one worker (how well the work splits; the ideal line is the
    worker count, up to the cores) and over the serial run in this process (what running in workers gains here).
    ``workers`` must start at 1; ``seconds`` are the wall times of each count, ``serial_seconds`` the serial run's."""
    if not len(workers) or workers[0] != 1:
        raise ValueError(f"workers={list(workers)} must start at 1: the speed-up is measured over one worker.")
    fig, ax = plt.subplots(figsize=(6, 3.8))
    seconds = np.asarray(seconds, dtype=float)
    ax.plot(workers, seconds[0] / seconds, "o-", label="over one worker: how well the work splits")
    ax.plot(workers, serial_seconds / seconds, "s:", label="over the serial run: what the workers gain here")
    ax.plot(workers, np.minimum(workers, cores), "k--", lw=1, label=f"ideal (this machine: {cores} cores)")
    ax.axhline(1.0, color="grey", lw=0.8, ls=":", label="1: no faster")
    ax.set_ylim(bottom=0)
    ax.set_xlabel("worker processes")
    ax.set_ylabel("speed-up")
    ax.set_xticks(list(workers))
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_fleet_dashboard(run: FleetRun, health: FleetHealth):
    """Left: each robot's health indicator per inspection with the threshold; right: its latest HI, coloured
    by verdict (red: maintain, orange: drifting, green: fine, grey: its run failed)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8), gridspec_kw={"width_ratios": [3, 2]})
    verdicts = {r.name: r for r in health.robots}
    # grey means "run failed" on the right: the robots' lines take every other colour of the cycle
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    palette = [c for c in cycle if mcolors.to_hex(c) != mcolors.to_hex("tab:gray")] or ["tab:blue"]
    for i, (name, report) in enumerate(run.reports.items()):
        style = "-" if verdicts[name].needs_maintenance or verdicts[name].drifting else ":"
        colour = palette[i % len(palette)]
        left.plot(np.arange(report.health.size), report.health * 1e3, style, marker=".", color=colour, label=name)
    left.axhline(health.threshold * 1e3, color="tab:red", ls="--", lw=1, label="maintenance threshold")
    left.set_xlabel("inspection")
    left.set_ylabel("health indicator [mrad]")
    left.set_title("health indicator per robot")
    left.legend(fontsize=7, ncol=2)
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
    right.set_title("fleet now (red: maintain, orange: drifting,\ngreen: fine, grey: run failed)", fontsize=10)
    fig.tight_layout()
    return fig
