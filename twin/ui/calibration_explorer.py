"""How excitation buys certainty: record, calibrate and plot at a chosen amplitude and duration.

``ExcitationExplorer`` is a plain class (tested with pytest); ``excitation_explorer`` puts two sliders
in front of it.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt

from twin.calibration.fit import DEFAULT_PARAMETERS, PARAMETER_SCALES, CalibrationResult, calibrate
from twin.calibration.trajectory import Trajectory, excitation_torques, record_trajectory
from twin.core.types import DEFAULT_TIME_STEP, DynamicsParameters
from twin.physical_system.standin import PhysicalStandIn


class ExcitationExplorer:
    """Calibrate one stand-in from excitations of different strength and length (results are cached).

    Args:
        robot: catalogue name.
        seed: seed of the excitation and of the sensor noise.
        truth: the stand-in's hidden parameters (default the stand-in's own default), used to record
            and, in the plot, to show where the answer should be.
    """

    def __init__(self, robot: str = "pendulum", seed: int = 0, truth: DynamicsParameters | None = None) -> None:
        self.robot = robot
        self.seed = seed
        self.truth = truth
        self._cache: dict[tuple[float, float], tuple[Trajectory, CalibrationResult]] = {}

    def run(self, amplitude: float, seconds: float) -> tuple[Trajectory, CalibrationResult]:
        """Record ``seconds`` of multisine excitation with peak ``amplitude`` (N m) and calibrate on it."""
        key = (round(float(amplitude), 6), round(float(seconds), 6))
        if key not in self._cache:
            steps = int(round(seconds / DEFAULT_TIME_STEP))
            torques = excitation_torques(self.robot, steps, seed=self.seed, amplitude=amplitude)
            stand_in = PhysicalStandIn(self.robot, truth=self.truth, seed=self.seed)
            try:
                data = record_trajectory(stand_in, torques)
                self.truth = stand_in.truth
            finally:
                stand_in.close()
            self._cache[key] = (data, calibrate(data, self.robot))
        return self._cache[key]

    def figure(self, amplitude: float, seconds: float) -> plt.Figure:
        """Left: the recorded motion and torque. Right: each estimate with its 95 % interval, and the truth."""
        data, result = self.run(amplitude, seconds)
        fig, (motion, estimates) = plt.subplots(1, 2, figsize=(11, 3.4), gridspec_kw={"width_ratios": [1.3, 1]})
        motion.plot(data.time, data.positions[:, 0], label="measured angle [rad]")
        motion.plot(data.time, data.commands[:, 0], alpha=0.6, label="commanded torque [N m]")
        motion.set_xlabel("time [s]")
        motion.set_title(f"excitation: peak {amplitude:g} N m for {seconds:g} s", fontsize=10)
        motion.legend(fontsize=8, loc="upper right")
        names = list(DEFAULT_PARAMETERS)
        for i, name in enumerate(names):
            # each parameter relative to its true value (or to its typical size if the truth is 0)
            reference = getattr(self.truth, name) or PARAMETER_SCALES[name]
            estimates.plot([getattr(self.truth, name) / reference], [i], "k|", ms=18)
            if name in result.unidentifiable:
                estimates.annotate("unidentifiable", (1.0, i), xytext=(6, 6), textcoords="offset points", color="C3")
                continue
            value, error = result.values[name], result.standard_errors[name]
            estimates.errorbar(value / reference, i, xerr=2 * error / reference, fmt="o", color="C0", capsize=4)
            estimates.annotate(
                f"{value:.3g} ± {2 * error:.2g}",
                (value / reference, i),
                xytext=(0, 8),
                textcoords="offset points",
                ha="center",
                fontsize=8,
            )
        estimates.set_yticks(range(len(names)), names)
        estimates.set_ylim(-0.6, len(names) - 0.3)
        shown = [1.0] + [
            (result.values[n] + 2 * result.standard_errors[n]) / (getattr(self.truth, n) or PARAMETER_SCALES[n])
            for n in names
            if n not in result.unidentifiable
        ]
        estimates.set_xlim(0.0, min(max(2.0, 1.1 * max(shown)), 6.0))
        estimates.set_xlabel("estimate / true value (black: truth, bars: 95 % interval)")
        estimates.set_title(f"residual RMS {result.residual_rmse:.2f} x noise", fontsize=10)
        fig.tight_layout()
        return fig


def excitation_explorer(explorer: ExcitationExplorer, amplitude: float = 0.5, seconds: float = 2.0) -> Any:
    """Sliders for amplitude (N m) and duration (s); each change records, calibrates and redraws."""
    import ipywidgets as widgets
    from IPython.display import display

    from twin.ui.views import slider_panel

    amplitude_slider = widgets.FloatSlider(
        value=amplitude, min=0.1, max=3.0, step=0.1, description="peak [N m]", continuous_update=False
    )
    seconds_slider = widgets.FloatSlider(
        value=seconds, min=1.0, max=8.0, step=0.5, description="duration [s]", continuous_update=False
    )

    def redraw(values: dict[str, float]) -> None:
        fig = explorer.figure(values["amplitude"], values["seconds"])
        display(fig)
        plt.close(fig)

    return slider_panel({"amplitude": amplitude_slider, "seconds": seconds_slider}, redraw)
