"""Matplotlib figures the notebooks share."""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

if TYPE_CHECKING:
    from twin.digital_twin import DigitalTwin, TwinRun
    from twin.studies.ablation import Ablation

MODE_TITLES = {"model": "Digital model", "shadow": "Digital shadow", "twin": "Digital twin"}


def plot_integration_levels(runs: dict[str, TwinRun], joint: int = 0) -> plt.Figure:
    """One column per mode: top, the robot against the model; bottom, prediction and tracking error."""
    fig, axes = plt.subplots(2, len(runs), figsize=(4.2 * len(runs), 6), sharex=True, sharey="row", squeeze=False)
    for column, (mode, run) in enumerate(runs.items()):
        top, bottom = axes[0, column], axes[1, column]
        top.plot(run.times, run.true_positions[:, joint], color="black", lw=2, label="physical robot (truth)")
        top.plot(
            run.times, run.predicted_positions[:, joint], color="tab:orange", lw=1.5, ls="--", label="virtual model"
        )
        if np.isfinite(run.targets[:, joint]).any():
            top.plot(run.times, run.targets[:, joint], color="tab:green", lw=1, ls=":", label="target")
        top.set_title(f"{MODE_TITLES.get(mode, mode)}")
        bottom.plot(
            run.times,
            np.abs(run.prediction_errors[:, joint]),
            color="tab:orange",
            label=f"|prediction error|, RMSE {run.rmse():.3f} rad",
        )
        if np.isfinite(run.targets[:, joint]).any():
            bottom.plot(
                run.times,
                np.abs(run.tracking_errors[:, joint]),
                color="tab:green",
                label=f"|tracking error|, RMSE {run.rmse('tracking'):.3f} rad",
            )
        bottom.set_xlabel("time [s]")
        bottom.legend(fontsize=8, loc="upper left")
    axes[0, 0].set_ylabel(f"{runs[next(iter(runs))].joint_names[joint]} [rad]")
    axes[1, 0].set_ylabel("error [rad]")
    axes[0, 0].legend(fontsize=8, loc="best")
    fig.tight_layout()
    return fig


def draw_twin_diagram(twin: DigitalTwin, ax: plt.Axes | None = None) -> plt.Figure:
    """The four components as boxes, labelled with this twin's live numbers (call again after stepping)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 3.6))
    ax.clear()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 4)
    ax.axis("off")
    physical_q = twin.physical.true_state().positions
    model_q = twin.model.state().positions
    boxes = {
        "physical": (
            0.2,
            1.2,
            "#dbe9f6",
            "Physical system\n(stand-in, truth hidden)",
            f"q = {np.array2string(physical_q, precision=3)} rad\nt = {twin.time:.2f} s",
        ),
        "link": (
            3.6,
            2.4,
            "#f2f2f2",
            "Data connection",
            "ZeroMQ to the stand-in's process"
            if twin.link is None
            else f"{twin.link.uplink.sent} measurements up\n{twin.link.downlink.sent} commands down",
        ),
        "model": (
            6.9,
            1.2,
            "#fde6d2",
            "Virtual model\n(nominal parameters)",
            f"q = {np.array2string(model_q, precision=3)} rad\n{twin.model.corrections} corrections",
        ),
        "analytics": (
            3.6,
            0.05,
            "#e3f1df",
            "Analytics engine",
            f"prediction RMSE {twin.analytics.rmse():.4f} rad\nlatest |error| "
            f"{np.abs(twin.analytics.latest_error).max():.4f} rad",
        ),
    }
    for x, y, colour, title, body in boxes.values():
        ax.add_patch(FancyBboxPatch((x, y), 2.9, 1.45, boxstyle="round,pad=0.05", fc=colour, ec="#555"))
        ax.text(x + 1.45, y + 1.05, title, ha="center", va="center", fontsize=9.5, weight="bold")
        ax.text(x + 1.45, y + 0.38, body, ha="center", va="center", fontsize=8.5, family="monospace")
    flows = twin.mode in ("shadow", "twin")
    commands = twin.mode == "twin"
    arrows = [  # start, end, label, label position, active
        ((3.1, 2.5), (3.6, 3.35), "measurements", (2.55, 3.3), flows),
        ((6.5, 3.35), (6.9, 2.5), "", None, flows),
        ((6.9, 2.05), (6.5, 2.75), "commands", (7.5, 2.9), commands),
        ((3.6, 2.75), (3.1, 2.05), "", None, commands),
        ((8.35, 1.2), (6.5, 0.8), "predictions", (7.9, 0.75), True),
        ((1.65, 1.2), (3.6, 0.8), "measurements", (2.1, 0.75), True),
    ]
    for start, end, label, where, active in arrows:
        colour = "#1f5fa8" if active else "#bbbbbb"
        ax.add_patch(
            FancyArrowPatch(
                start,
                end,
                arrowstyle="-|>",
                mutation_scale=14,
                lw=2 if active else 1,
                color=colour,
                ls="-" if active else "--",
            )
        )
        if label:
            ax.text(*where, label + ("" if active else " (off)"), ha="center", fontsize=8, color=colour)
    ax.set_title(f"{MODE_TITLES.get(twin.mode, twin.mode)} of the {twin.model.robot.name}", fontsize=11)
    return ax.figure


KIND_COLORS = {"parameter": "tab:blue", "unmodeled": "tab:orange", "sensor": "tab:green"}  # reality-gap cause kinds


def plot_ablation(ablation: Ablation, ax: plt.Axes | None = None) -> plt.Figure:
    """Horizontal bars: each cause's share of the mean-square gap (%), plus the interaction (``twin.gap.ablate``)."""
    from twin.gap.reality import CAUSES  # here, so importing the plots loads no physics

    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 0.45 * (len(ablation.causes) + 2) + 1.2))
    names = [*ablation.causes, "interaction"]
    values = [100 * ablation.shares[name] for name in ablation.causes] + [100 * ablation.interaction]
    colors = [KIND_COLORS[CAUSES[name].kind] for name in ablation.causes] + ["0.6"]
    ax.barh(names, values, color=colors)
    for y, value in enumerate(values):
        ax.text(value, y, f" {value:.1f} %", va="center", ha="left" if value >= 0 else "right", fontsize=9)
    ax.axvline(0, color="black", lw=0.8)
    ax.invert_yaxis()
    ax.set_xlabel("share of the mean-square gap [%]")
    ax.set_title(f"Where the gap comes from (total RMSE {ablation.total_rmse:.3g} rad)")
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in KIND_COLORS.values()]
    ax.legend(handles, [f"{k} error" for k in KIND_COLORS], fontsize=8, loc="lower right")
    lo, hi = min(0.0, *values), max(0.0, *values)
    ax.set_xlim(lo - 0.15 * (hi - lo) - 1, hi + 0.25 * (hi - lo) + 1)
    return ax.figure
