"""Figures for chapter 07 (the reality gap) beyond ``twin.plotting.plot_ablation``: the width sweep.

Views only: every number comes from ``twin.gap``; these functions draw it.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

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
