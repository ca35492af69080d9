"""The push lab: choose a controller, its gains and a push, run it on the stand-in with the twin watching.

``PushLab`` holds the settings and runs the experiment (tested in pytest); ``push_lab_widget`` is its thin
ipywidgets skin: sliders that change nothing until the button is pressed, so physics never runs on a drag.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import ipywidgets as widgets
from IPython.display import display

from twin.humanoid import BalanceGains
from twin.humanoid.twin import TrialResult, check_push
from twin.viz.animation import Recording
from twin.viz.humanoid import record_push

CONTROLLERS = {"joint PD only": "pd", "capture-point balance": "balance"}


@dataclass
class PushOutcome:
    """One run of the lab: the trial, its 3D recording and a sentence that says what happened."""

    result: TrialResult
    recording: Recording
    summary: str


class PushLab:
    """Settings of one push experiment and the last outcome.

    Args:
        seed: which robot (``HumanoidTruth.random(seed)``) and sensor noise.
    """

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.controller = "balance"
        self.impulse = 8.0  # N s
        self.direction = 0.0  # deg, 0 = forward, 90 = to the robot's left
        self.gains = BalanceGains()
        self.last: PushOutcome | None = None

    def set_push(self, impulse: float, direction_deg: float) -> None:
        """The push: ``impulse`` N s (0..500) towards ``direction_deg``."""
        check_push(impulse, direction_deg)
        self.impulse, self.direction = float(impulse), float(direction_deg)

    def set_controller(
        self, kind: str, ankle_pitch: float = 8.0, ankle_roll: float = 0.0, hip_roll: float = 0.0
    ) -> None:
        """``kind`` 'pd' or 'balance', and the balance gains (rad per m of capture-point error, 0..50)."""
        if kind not in CONTROLLERS.values():
            raise ValueError(f"controller {kind!r} is unknown; choose one of {sorted(CONTROLLERS.values())}.")
        self.gains = BalanceGains(ankle_pitch=ankle_pitch, ankle_roll=ankle_roll, hip_roll=hip_roll)
        self.controller = kind

    def run(self, after: float = 1.5) -> PushOutcome:
        """Stand 0.5 s, push, watch ``after`` s, with fall forecasts every 50 ms; recorded in 3D."""
        recording, result, _ = record_push(
            self.controller,
            self.impulse,
            self.direction,
            self.seed,
            balance_gains=self.gains,
            after=after,
            forecast_every=12,
            record=True,
        )
        name = next(label for label, kind in CONTROLLERS.items() if kind == self.controller)
        what = f"{name}, {self.impulse:g} N s towards {self.direction:g} deg: "
        if result.survived:
            what += "stood."
            if not math.isnan(result.predicted_fall_at):
                what += (
                    f" The twin had predicted a fall {result.predicted_fall_at:.2f} s after the push (a false alarm)."
                )
        else:
            what += f"FELL {result.fall_time:.2f} s after the push."
            if math.isnan(result.predicted_fall_at):
                what += " The twin did not see it coming."
            else:
                lead = result.fall_time - result.predicted_fall_at
                what += f" The twin predicted it {lead * 1e3:.0f} ms before it happened."
        self.last = PushOutcome(result, recording, what)
        return self.last


def push_lab_widget(lab: PushLab) -> widgets.VBox:
    """Sliders for the push and the gains, a controller choice, a run button, and the outcome in 3D."""
    style = {"description_width": "150px"}

    def slider(value: float, low: float, high: float, step: float, description: str) -> widgets.FloatSlider:
        return widgets.FloatSlider(
            value=value, min=low, max=high, step=step, description=description, style=style, continuous_update=False
        )

    controller = widgets.Dropdown(
        options=list(CONTROLLERS), value="capture-point balance", description="controller", style=style
    )
    impulse = slider(lab.impulse, 0, 30, 0.5, "impulse [N s]")
    direction = slider(lab.direction, -180, 180, 15, "direction [deg]")
    pitch = slider(lab.gains.ankle_pitch, 0, 30, 1, "ankle pitch gain")
    roll = slider(lab.gains.ankle_roll, 0, 30, 1, "ankle roll gain")
    hip = slider(lab.gains.hip_roll, 0, 30, 1, "hip roll gain")
    go = widgets.Button(description="push the robot", button_style="warning")
    status = widgets.HTML()
    out = widgets.Output()

    def run(_: object = None) -> None:
        try:
            lab.set_push(impulse.value, direction.value)
            lab.set_controller(CONTROLLERS[controller.value], pitch.value, roll.value, hip.value)
        except (TypeError, ValueError) as error:
            status.value = f"<b style='color:#b3261e'>{error}</b>"
            return
        status.value = "running about 2 s of robot time..."
        outcome = lab.run()
        status.value = f"<b>{outcome.summary}</b>"
        out.clear_output()
        with out:
            display(outcome.recording.show(height=360))

    go.on_click(run)
    return widgets.VBox([controller, impulse, direction, pitch, roll, hip, go, status, out])
