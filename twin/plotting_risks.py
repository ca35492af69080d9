"""Figures for chapter 13's risks of over-relying on the twin: one per experiment of ``twin.studies.risks``.

Views only: every number comes from ``twin.studies.risks``; these functions draw it.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from twin.studies.risks import (
    SETTLED,
    STANDIN_SUBSTEPS,
    ArtefactResult,
    EnvelopeResult,
    StaleLinkResult,
    WearResult,
    hold_trace,
)


def plot_time_step_artefact(result: ArtefactResult) -> plt.Figure:
    """Left: hold error against damping in the twin at each physics refinement and on the stand-in, with
    ``kp T / 2``; right: the angle over time with the damping the coarse twin chose, in the twin and on the stand-in."""
    if result.kd_twin is None:
        raise ValueError("the twin settled with no damping on the grid: there is nothing to show; widen kd_grid.")
    fig, (ax_e, ax_t) = plt.subplots(1, 2, figsize=(11, 3.6))
    floor = 1e-6  # rad: errors below this are drawn at the floor of the log axis
    for column, substeps in enumerate(result.substeps):
        label = "twin, 1 step per period (as tuned)" if substeps == 1 else f"twin, {substeps} steps per period"
        style = "o-" if substeps == 1 else ".--"
        ax_e.plot(result.kd_grid, np.maximum(result.twin_errors[:, column], floor), style, label=label)
    ax_e.plot(result.kd_grid, np.maximum(result.standin_errors, floor), "ks-", lw=2, label="stand-in")
    ax_e.axhline(SETTLED, color="0.5", ls=":", label="settled below this")
    ax_e.axvline(result.missing_damping, color="tab:red", ls="--", label="kp T / 2 (theory)")
    ax_e.set_yscale("log")
    ax_e.set_xlabel("damping kd [N m s/rad]")
    ax_e.set_ylabel("hold error in the last 0.5 s [rad]")
    ax_e.set_title(f"kp = {result.kp:g} N m/rad, controller at {1 / result.control_period:.0f} Hz", fontsize=9)
    ax_e.legend(fontsize=7)
    for standin, label, style in ((False, "twin (1 step per period)", "o-"), (True, "stand-in", "k-")):
        substeps = STANDIN_SUBSTEPS if standin else 1
        times, angles = hold_trace(result.kp, result.kd_twin, substeps, standin=standin)
        ax_t.plot(times, angles, style, ms=3, label=label)
    ax_t.set_xlabel("time [s]")
    ax_t.set_ylabel("angle [rad]")
    ax_t.set_title(f"kd = {result.kd_twin:g} N m s/rad, the least damping the coarse twin accepts", fontsize=9)
    ax_t.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_calibration_envelope(result: EnvelopeResult) -> plt.Figure:
    """RMS prediction error of each test motion against its distance from the calibration envelope."""
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    inside = result.inside
    ax.plot(result.distances[inside], 1e3 * result.errors[inside], "o", ms=8, label="test inside the envelope")
    ax.plot(result.distances[~inside], 1e3 * result.errors[~inside], "s", ms=8, label="test outside (flagged)")
    for k, (distance, error, amplitude) in enumerate(
        zip(result.distances, result.errors, result.amplitudes, strict=True)
    ):
        below = k % 2 and distance < 0.2  # tests crowded near the edge: every other label goes below its point
        ax.annotate(
            f"{amplitude:g} N m",
            (distance, 1e3 * error),
            textcoords="offset points",
            xytext=(5, -11 if below else 4),
            fontsize=7,
        )
    ax.axvline(0.0, color="tab:green", lw=2, alpha=0.6, label="edge of the calibrated envelope (0 = inside)")
    ax.set_xlabel("distance outside the envelope [calibrated spans, worst channel]")
    ax.set_ylabel("RMS angle prediction error [mrad]")
    ax.set_title(f"Calibrated on torques up to {result.calibration_amplitude:g} N m", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_confidently_wrong(result: WearResult) -> plt.Figure:
    """Top: the daily residual against the twin's unchanging band, with the CUSUM alarm; bottom: true friction
    against the twin's value and its calibration interval."""
    fig, (ax_h, ax_f) = plt.subplots(2, 1, figsize=(8, 5.2), sharex=True)
    ax_h.plot(result.days, 1e3 * result.health, "o-", ms=4, label="residual RMS of the daily test (HI)")
    ax_h.axhline(1e3 * result.band, color="tab:green", ls="--", label="twin's 'all nominal' band (never widens)")
    low, high = result.friction_interval
    ax_f.plot(result.days, result.true_friction, "k-", lw=2, label="true friction (hidden)")
    ax_f.axhline(result.model_friction, color="tab:blue", label="twin's friction")
    ax_f.fill_between(result.days, low, high, color="tab:blue", alpha=0.2, label="twin's 2-sigma interval")
    for ax in (ax_h, ax_f):
        if result.alarm_day is not None:
            ax.axvline(result.alarm_day, color="tab:red", ls=":", label="CUSUM alarm")
        if result.wrong_from_day is not None:
            ax.axvline(result.wrong_from_day, color="0.4", ls="-.", label="truth leaves the twin's interval")
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.legend(fontsize=7)
    ax_h.set_ylabel("HI [mrad]")
    ax_f.set_ylabel("joint friction [N m]")
    ax_f.set_xlabel("day")
    fig.tight_layout()
    return fig


def plot_stale_link(results: list[StaleLinkResult]) -> plt.Figure:
    """One column per run: true and shown angle with the moments the link and the motor failed and each
    watchdog noticed (top); the data's age against the timeout (bottom)."""
    if not results:
        raise ValueError("give at least one StaleLinkResult (e.g. stale_link('stops') and stale_link('repeats')).")
    fig, axes = plt.subplots(2, len(results), figsize=(5.5 * len(results), 5.2), sharex=True, squeeze=False)
    for column, run in enumerate(results):
        ax_a, ax_g = axes[0, column], axes[1, column]
        ax_a.plot(run.times, run.true_angle, "k-", lw=2, label="robot (true)")
        ax_a.plot(run.times, run.shown_angle, "tab:blue", ls="--", label="what the twin shows")
        ax_g.plot(run.times, 1e3 * run.arrival_age, color="tab:orange", label="since a message arrived")
        ax_g.plot(run.times, 1e3 * run.sample_age, color="tab:purple", label="age of the newest sample")
        ax_g.axhline(1e3 * run.timeout, color="tab:red", ls=":", label=f"timeout {1e3 * run.timeout:g} ms")
        for ax in (ax_a, ax_g):
            ax.axvline(run.fault_time, color="0.4", ls="-.", lw=1)
            ax.axvline(run.failure_time, color="k", ls=":", lw=1)
        for name, colour in (("arrival", "tab:orange"), ("sample age", "tab:purple")):
            noticed = run.noticed[name]
            if noticed is not None:
                ax_a.axvline(noticed, color=colour, lw=2, alpha=0.7, label=f"{name} watchdog fires")
        ax_a.set_title(f"link {run.mode} at {run.fault_time:g} s, motor fails at {run.failure_time:g} s", fontsize=9)
        ax_a.set_ylabel("angle [rad]")
        ax_g.set_ylabel("age [ms]")
        ax_g.set_yscale("log")
        ax_g.set_xlabel("time [s]")
        ax_a.legend(fontsize=7)
        ax_g.legend(fontsize=7)
    fig.tight_layout()
    return fig
