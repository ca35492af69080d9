"""Interactive view of adaptation: a plain model class (tested in pytest) with a thin ipywidgets skin.

``AdaptationExplorer``: choose how weak the motor becomes and how fast the estimator forgets, and watch the
estimate follow the hidden truth while the adaptive policy keeps the pole up (or not).
"""

from __future__ import annotations

import html
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from twin.learn.adaptation import ChangeRun, run_change
from twin.learn.ars import LinearPolicy


class AdaptationExplorer:
    """The nominal policy as trained, and the same policy acting on the online estimate, under one change.

    Args:
        policy: the policy trained on the model.
        strength_after: the motor's strength after the change (1 = as modelled).
        forgetting: the estimator's forgetting factor.
        seed: the episode's seed (start state and sensor noise), the same for both controllers.
    """

    def __init__(self, policy: LinearPolicy, strength_after: float = 0.4, forgetting: float = 0.95, seed: int = 0):
        self.policy = policy
        self.strength_after = strength_after
        self.forgetting = forgetting
        self.seed = seed
        self.runs = self._run()

    def _run(self) -> list[ChangeRun]:
        common = {"strength_after": self.strength_after, "forgetting": self.forgetting, "seed": self.seed}
        return [
            run_change(self.policy, adaptive=False, name="as trained", **common),
            run_change(self.policy, adaptive=True, name="adaptive", **common),
        ]

    def set(self, strength_after: float | None = None, forgetting: float | None = None) -> list[ChangeRun]:
        """Change the hidden strength after the change and/or the forgetting factor, and run both again."""
        old = (self.strength_after, self.forgetting)
        if strength_after is not None:
            self.strength_after = strength_after
        if forgetting is not None:
            self.forgetting = forgetting
        try:
            self.runs = self._run()
        except ValueError:
            self.strength_after, self.forgetting = old  # a refused value changes nothing
            raise
        return self.runs

    def summary(self) -> str:
        parts = []
        for run in self.runs:
            fate = "held the pole" if run.fell_at is None else run.outcome()
            parts.append(f"{run.name}: {fate}, cost after the change {run.cost_after():.3f}")
        adaptive = self.runs[-1]
        if adaptive.fell_at is None:
            parts.append(f"estimate off by {adaptive.settled_error():.3f} over the last second")
        return "; ".join(parts)

    def figure(self, fig: plt.Figure | None = None) -> plt.Figure:
        """Top: the pole angle of both controllers; bottom: the estimate against the hidden truth."""
        fig = fig or Figure(figsize=(8, 4.6))  # not pyplot: shown only where the widget puts it
        fig.clear()
        top, bottom = fig.subplots(2, 1, sharex=True)
        for run in self.runs:
            top.plot(run.times, run.angles, lw=1.2, label=run.name)
        top.set_ylabel("pole angle [rad]")
        top.legend(fontsize=8, loc="lower left")
        adaptive = self.runs[-1]
        bottom.plot(adaptive.times, adaptive.true_authority, color="k", lw=2, label="true (hidden)")
        bottom.plot(adaptive.times, adaptive.estimates, color="tab:red", lw=1.2, label="estimate")
        bottom.set_ylim(0, 1.4)
        bottom.set_ylabel("motor authority")
        bottom.set_xlabel("time [s]")
        bottom.legend(fontsize=8)
        for ax in (top, bottom):
            ax.axvline(adaptive.change_time, color="0.5", ls="--", lw=0.8)
        top.set_title(self.summary(), fontsize=8)
        fig.tight_layout()
        return fig

    def widget(self) -> Any:
        """Two sliders (strength after the change, forgetting factor) over the live figure (ipywidgets)."""
        import ipywidgets as widgets
        from IPython.display import display

        output = widgets.Output()
        status = widgets.HTML()
        style = {"description_width": "11em"}
        strength = widgets.FloatSlider(
            value=self.strength_after,
            min=0.2,
            max=1.2,
            step=0.05,
            description="strength after change",
            continuous_update=False,
            style=style,
        )
        forgetting = widgets.FloatSlider(
            value=self.forgetting,
            min=0.5,
            max=1.0,
            step=0.01,
            description="forgetting factor",
            continuous_update=False,
            style=style,
        )

        def redraw() -> None:
            with output:
                output.clear_output(wait=True)
                display(self.figure())

        def changed(_: object) -> None:
            try:
                self.set(strength.value, forgetting.value)
                status.value = ""
            except Exception as error:  # shown, not lost in the browser console
                status.value = f"<span style='color:#b00'>{html.escape(str(error))}</span>"
            redraw()

        strength.observe(changed, names="value")
        forgetting.observe(changed, names="value")
        redraw()
        return widgets.VBox([strength, forgetting, status, output])
