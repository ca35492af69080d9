"""Figures for chapter 07 (the reality gap) beyond ``twin.plotting.plot_ablation``: the width sweep; and for
chapter 13, the two published techniques in miniature (an actuator network, latency randomisation).

Views only: every number comes from ``twin.gap`` and ``twin.studies``; these functions draw it.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from twin.studies.case_miniatures import ActuatorNetStudy, LatencyStudy
from twin.studies.transfer import WidthSweep
from twin.studies.transfer_progress import seed_success_rates


def plot_width_sweep(sweep: WidthSweep, nominal_rate: float | None = None) -> plt.Figure:
    """Three panels against the range width: success on the stand-ins per training seed (dots) with the seeds'
    mean (line) and range (band); mean cost and settling time (s); the tuned gains kp and ki.

    ``nominal_rate`` (0..1), if given, draws the success rate of the controller tuned on the nominal model only.
    """
    if nominal_rate is not None and not 0.0 <= nominal_rate <= 1.0:
        raise ValueError(f"nominal_rate={nominal_rate!r} is a success rate: give a number from 0 to 1 (or None).")
    widths = np.asarray(sweep.widths, dtype=float)
    per_seed = 100 * seed_success_rates(sweep)  # widths x seeds, %
    fig, (ax_s, ax_t, ax_k) = plt.subplots(1, 3, figsize=(11, 3.2))
    for column, training_seed in enumerate(sweep.seeds):
        ax_s.plot(widths, per_seed[:, column], "o", ms=5, alpha=0.8, label=f"training seed {training_seed}")
    ax_s.plot(widths, per_seed.mean(axis=1), "k-", lw=1.5, label="mean over seeds")
    ax_s.fill_between(widths, per_seed.min(axis=1), per_seed.max(axis=1), color="0.5", alpha=0.2, label="seed range")
    if nominal_rate is not None:
        ax_s.axhline(100 * nominal_rate, color="0.4", ls=":", label="nominal model only")
    ax_s.set_ylim(0, 105)
    ax_s.set_ylabel("success on the stand-ins [%]")
    ax_s.legend(fontsize=7, loc="lower left")
    ax_t.plot(widths, [sweep.mean_cost(i) for i in range(len(widths))], "o-", label="mean cost")
    ax_t.plot(widths, [sweep.settling_time(i) for i in range(len(widths))], "s--", label="settling (successes)")
    ax_t.set_ylabel("time [s]")
    ax_t.legend(fontsize=8)
    ax_k.plot(widths, [sweep.mean_gain(i, "kp") for i in range(len(widths))], "o-", label="kp [N m/rad]")
    ax_k.plot(widths, [sweep.mean_gain(i, "ki") for i in range(len(widths))], "s--", label="ki [N m/(rad s)]")
    ax_k.set_ylabel("tuned gain, mean over seeds")
    ax_k.legend(fontsize=8)
    for ax in (ax_s, ax_t, ax_k):
        ax.set_xscale("log", base=2)
        ax.minorticks_off()
        ax.set_xticks(widths, [f"x{w:g}" for w in widths])
        ax.set_xlabel("range width (x Tan et al.'s)")
    fig.suptitle(
        f"Wider and wider randomisation: {len(sweep.seeds)} training seeds, {sweep.success.shape[2]} stand-ins",
        fontsize=9,
    )
    fig.tight_layout()
    return fig


def plot_actuator_network(study: ActuatorNetStudy, window: tuple[float, float] = (1.0, 2.0)) -> plt.Figure:
    """The first held-out motion: commanded, delivered and network-predicted torque over ``window`` (s), and the
    stand-in's position against each model's open-loop prediction over the whole motion."""
    fig, (torque, position) = plt.subplots(1, 2, figsize=(11, 3.6))
    t = study.times
    inside = (t >= window[0]) & (t <= window[1])
    if not inside.any():
        raise ValueError(f"window={window} s holds no sample; the motion runs from {t[0]:.2f} to {t[-1]:.2f} s.")
    torque.plot(t[inside], study.commanded[inside], "k--", lw=1.2, label="commanded (= the ideal actuator)")
    torque.plot(t[inside], study.delivered[inside], lw=2.5, alpha=0.6, label="delivered (stand-in)")
    torque.plot(t[inside], study.predicted[inside], lw=1.2, label="actuator network")
    torque.set_xlabel("time [s]")
    torque.set_ylabel("torque [N m]")
    torque.set_title("torque: delay, saturation and friction learned from data", fontsize=9)
    torque.legend(fontsize=8)
    styles = {"stand-in": dict(lw=3, alpha=0.5, color="k")}
    for name, q in study.positions.items():
        rmse = "" if name == "stand-in" else f" (RMSE {study.trajectory_rmse[name][0]:.3f} rad)"
        position.plot(t, q, label=name + rmse, **styles.get(name, dict(lw=1.2)))
    position.set_xlabel("time [s]")
    position.set_ylabel("joint angle [rad]")
    position.set_title(f"open-loop prediction on a held-out motion ({study.labels[0]})", fontsize=9)
    position.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_latency_transfer(study: LatencyStudy, example: dict[str, np.ndarray] | None = None) -> plt.Figure:
    """Success on the hidden stand-ins with 95 % Wilson intervals per controller; with ``example`` (from
    ``study.example_trials()[1]``), each controller's trajectory on the stand-in with the longest latency."""
    panels = 2 if example else 1
    fig, axes = plt.subplots(1, panels, figsize=(5.5 * panels, 3.4), squeeze=False)
    bars = axes[0, 0]
    names = study.result.names
    rates = np.array([study.result.success_rate(n) for n in names])
    x = np.arange(len(names))
    bars.bar(x, 100 * rates[:, 0], color=["tab:red", "tab:green"][: len(names)], alpha=0.7)
    errors = 100 * np.abs(rates[:, 1:] - rates[:, :1]).T
    bars.errorbar(x, 100 * rates[:, 0], yerr=errors, fmt="none", ecolor="k", capsize=6)
    bars.set_xticks(x, [f"{n}\n({g})" for n, g in zip(names, study.result.controllers, strict=True)], fontsize=8)
    bars.set_ylabel("success on hidden stand-ins [%]")
    bars.set_ylim(0, 105)
    bars.set_title(f"{study.result.standins} hidden stand-ins, 95 % Wilson intervals", fontsize=9)
    if example:
        ax = axes[0, 1]
        t = study.task.time_step * np.arange(1, len(next(iter(example.values()))) + 1)
        for name, q in example.items():
            ax.plot(t, q, label=name)
        target = study.task.target[0]
        ax.axhspan(target - study.task.tolerance, target + study.task.tolerance, color="0.85", label="tolerance")
        ax.set_xlabel("time [s]")
        ax.set_ylabel("joint angle [rad]")
        slowest = 1000 * float(study.latencies().max())
        ax.set_title(f"on the hidden stand-in with the longest latency ({slowest:.0f} ms)", fontsize=9)
        ax.legend(fontsize=8, loc="lower left")
        # the first 0.4 s at the scale of the step itself, where the robust controller's settling is visible
        zoom = ax.inset_axes((0.08, 0.56, 0.36, 0.32))
        for line in ax.get_lines():
            zoom.plot(line.get_xdata(), line.get_ydata(), color=line.get_color(), lw=1)
        zoom.axhspan(target - study.task.tolerance, target + study.task.tolerance, color="0.85")
        start = study.task.start[0]
        span = abs(target - start)
        zoom.set_xlim(0.0, min(0.4, float(t[-1])))
        zoom.set_ylim(min(start, target) - 0.5 * span, max(start, target) + 0.5 * span)
        zoom.tick_params(labelsize=6)
        zoom.set_title("first 0.4 s, zoomed", fontsize=6, pad=2)
    fig.tight_layout()
    return fig
