"""Interactive views of the gap: plain model classes (tested in pytest) with thin ipywidgets skins.

- ``GapExplorer``: switch each cause of a stand-in's gap on and off, watch the trajectories part.
- ``EnvelopeExplorer``: widen or narrow the randomisation ranges and see whether the family of
  randomised models covers what the real robot did.
- ``replay_in_3d``: the model as a ghost over the stand-in, replayed from a ``GapRecord``.
"""

from __future__ import annotations

import html
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from twin.gap.randomization import Randomization
from twin.gap.reality import CAUSES, Reality
from twin.gap.record import GapRecord
from twin.sim.plant import SimulatedRobot
from twin.studies.gap_experiment import GapExperiment


class GapExplorer:
    """The gap between the model and a stand-in with only the chosen causes switched on.

    Args:
        experiment: the commands and the model.
        reality: the full stand-in; its active causes become the switches (all on at the start).
        joint: which joint the figure draws.
        seed: sensor noise seed (the same in every run, so switching noise off and on compares like with like).
    """

    def __init__(self, experiment: GapExperiment, reality: Reality, joint: int = 0, seed: int = 0) -> None:
        self.experiment = experiment
        self.reality = reality
        self.causes = reality.active_causes(experiment.model_parameters)
        if not self.causes:
            raise ValueError("this reality matches the model: give it at least one cause of a gap to explore.")
        self.switches = dict.fromkeys(self.causes, True)
        self.joint = joint
        self.seed = seed
        self.record = self._run()

    def _run(self) -> GapRecord:
        on = [name for name, value in self.switches.items() if value]
        return self.experiment.run(self.reality.only(on, self.experiment.model_parameters), self.seed)

    def set(self, cause: str, on: bool) -> GapRecord:
        """Switch one cause on or off and rerun the stand-in; returns the new record."""
        if cause not in self.switches:
            raise ValueError(f"{cause!r} is not a cause in this reality; its causes are {list(self.causes)}.")
        self.switches[cause] = bool(on)
        self.record = self._run()
        return self.record

    def summary(self) -> str:
        on = [name for name, value in self.switches.items() if value] or ["nothing"]
        gap = self.record.gap()
        largest = gap.max_abs.max()
        return f"switched on: {', '.join(on)} -> gap RMSE {gap.overall_rmse:.4f} rad, largest {largest:.4f} rad"

    def figure(self, fig: plt.Figure | None = None) -> plt.Figure:
        """Top: model and stand-in (measured) positions; bottom: their difference, the gap."""
        fig = fig or Figure(figsize=(7.5, 4.2))  # not pyplot: shown only where the widget puts it
        fig.clear()
        top, bottom = fig.subplots(2, 1, sharex=True)
        r, j = self.record, self.joint
        top.plot(r.times, r.model_positions[:, j], color="tab:blue", lw=2, label="virtual model")
        top.plot(r.times, r.measured_positions[:, j], color="black", lw=1, label="stand-in (measured)")
        top.set_ylabel(f"{r.joint_names[j]} [rad]")
        top.legend(fontsize=8, loc="upper right")
        bottom.plot(r.times, r.errors[:, j], color="tab:red", lw=1)
        bottom.axhline(0, color="0.5", lw=0.8)
        bottom.set_ylabel("gap [rad]")
        bottom.set_xlabel("time [s]")
        top.set_title(self.summary(), fontsize=9)
        fig.tight_layout()
        return fig

    def widget(self) -> Any:
        """A checkbox per cause and the live figure (ipywidgets)."""
        import ipywidgets as widgets
        from IPython.display import display

        output = widgets.Output()
        status = widgets.HTML()
        boxes = {
            name: widgets.Checkbox(value=on, description=f"{name} ({CAUSES[name].kind})", indent=False)
            for name, on in self.switches.items()
        }

        def redraw() -> None:
            with output:
                output.clear_output(wait=True)
                display(self.figure())

        def changed(name: str, value: bool) -> None:
            try:
                self.set(name, value)
                status.value = ""
            except Exception as error:  # shown, not lost in the browser console
                status.value = f"<span style='color:#b00'>{html.escape(str(error))}</span>"
            redraw()

        for name, box in boxes.items():
            box.observe(lambda change, name=name: changed(name, change["new"]), names="value")
        redraw()
        return widgets.VBox(
            [widgets.HBox(list(boxes.values()), layout=widgets.Layout(flex_flow="row wrap")), status, output]
        )


class EnvelopeExplorer:
    """Does the family of randomised models cover the real robot? Widen the ranges and see.

    Runs ``experiment`` on ``samples`` stand-ins drawn from ``randomization.widened(width)`` and
    compares the band they span with a real record. ``coverage`` is the fraction of time steps at
    which the real (measured) position lies inside the band.
    """

    def __init__(
        self, experiment: GapExperiment, randomization: Randomization, real: GapRecord, samples: int = 12, seed: int = 0
    ) -> None:
        self.experiment = experiment
        self.randomization = randomization
        self.real = real
        self.samples = samples
        self.seed = seed
        self.width = 1.0
        self.trajectories = self._run()

    def _run(self) -> np.ndarray:
        realities = self.randomization.widened(self.width).sample(self.samples, self.seed)
        return np.stack([self.experiment.run(r, self.seed + i).true_positions for i, r in enumerate(realities)])

    def set_width(self, width: float) -> np.ndarray:
        """Scale every range by ``width`` about its centre and rerun the randomised models."""
        self.width = float(width)
        self.trajectories = self._run()
        return self.trajectories

    @property
    def coverage(self) -> float:
        """Fraction of samples (all joints) where the real measured position lies inside the randomised band."""
        low, high = self.trajectories.min(axis=0), self.trajectories.max(axis=0)
        real = self.real.measured_positions
        return float(np.mean((real >= low) & (real <= high)))

    @property
    def band_width(self) -> float:
        """Mean width of the band (rad): how unsure the randomised family is."""
        return float(np.mean(self.trajectories.max(axis=0) - self.trajectories.min(axis=0)))

    def figure(self, fig: plt.Figure | None = None, joint: int = 0) -> plt.Figure:
        fig = fig or Figure(figsize=(7.5, 3.2))
        fig.clear()
        ax = fig.subplots()
        t = self.real.times
        for trajectory in self.trajectories:
            ax.plot(t, trajectory[:, joint], color="tab:blue", lw=0.6, alpha=0.35)
        ax.fill_between(
            t,
            self.trajectories[:, :, joint].min(axis=0),
            self.trajectories[:, :, joint].max(axis=0),
            color="tab:blue",
            alpha=0.15,
            label=f"{self.samples} randomised models",
        )
        ax.plot(t, self.experiment.model_positions[:, joint], color="tab:blue", lw=2, ls="--", label="nominal model")
        ax.plot(t, self.real.measured_positions[:, joint], color="black", lw=1.2, label="real robot (measured)")
        ax.set_xlabel("time [s]")
        ax.set_ylabel(f"{self.real.joint_names[joint]} [rad]")
        ax.set_title(
            f"ranges x{self.width:g}: real robot inside the band {100 * self.coverage:.0f} % of the time, "
            f"band {self.band_width:.3f} rad wide",
            fontsize=9,
        )
        ax.legend(fontsize=8, loc="upper right")
        fig.tight_layout()
        return fig

    def widget(self) -> Any:
        import ipywidgets as widgets
        from IPython.display import display

        output = widgets.Output()
        slider = widgets.FloatSlider(
            value=self.width,
            min=0.0,
            max=3.0,
            step=0.25,
            description="range width x",
            continuous_update=False,
            style={"description_width": "8em"},
        )

        def redraw() -> None:
            with output:
                output.clear_output(wait=True)
                display(self.figure())

        def changed(change: dict) -> None:
            self.set_width(change["new"])
            redraw()

        slider.observe(changed, names="value")
        redraw()
        return widgets.VBox([slider, output])


def replay_in_3d(record: GapRecord, robot: str, fps: float = 30.0) -> Any:
    """A recording of the stand-in (solid) with the model as a translucent ghost over it, from ``record``."""
    from twin.viz import Scene

    with SimulatedRobot(robot) as standin, SimulatedRobot(robot) as model:
        scene = Scene()
        if standin.world.ground_id is not None:
            scene.add_ground()
        scene.add_robot(standin.robot, "stand-in")
        scene.add_robot(model.robot, "model", ghost=True)
        recording = scene.record(fps=fps)
        for k, t in enumerate(record.times):
            standin.set_state(record.true_positions[k])
            model.set_state(record.model_positions[k])
            scene.update(time=float(t))
        recording.stop()
    return recording
