"""ipywidgets skins over the plain panel models of ``twin.ui.panel_logic``.

Sliders that run physics use ``continuous_update=False``: the kernel hears the value once the mouse
lets go, not at every pixel. Observers fire synchronously, so ``slider.value = x`` in a test or a
notebook cell drives the model exactly as a drag does.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import numpy as np

from twin.ui.panel_logic import Control, JointPanelModel, ParameterPanelModel, TwinPlayerModel

_LAYOUT = widgets.Layout(width="100%")


def _shown_errors(status: widgets.HTML, action: Callable[[], None]) -> bool:
    """Run a widget callback. An exception becomes a red line in ``status``: without this, ipywidgets
    sends it to the browser's log console, and the student sees a slider that silently does nothing."""
    try:
        action()
    except Exception as error:
        status.value = f"<div style='color:#b00'>{html.escape(type(error).__name__)}: {html.escape(str(error))}</div>"
        return False
    return True


_STYLE = {"description_width": "11em"}


def _slider(control: Control) -> widgets.FloatSlider:
    unit = f" [{control.unit}]" if control.unit else ""
    return widgets.FloatSlider(
        value=control.value,
        min=control.minimum,
        max=control.maximum,
        step=control.step,
        description=control.label + unit,
        continuous_update=False,
        readout_format=".2f",
        style=_STYLE,
        layout=_LAYOUT,
    )


class JointPanel(widgets.VBox):
    """One slider per joint control of a ``JointPanelModel``; a line below reports the joints' state."""

    def __init__(self, model: JointPanelModel, report: Any | None = None, title: str = "Joints") -> None:
        self.model = model
        self.sliders = {c.key: _slider(c) for c in model.controls}
        self.status = widgets.HTML()
        self._report = report
        for key, slider in self.sliders.items():
            slider.observe(lambda change, key=key: self._changed(key, change["new"]), names="value")
        super().__init__([widgets.HTML(f"<b>{html.escape(title)}</b>"), *self.sliders.values(), self.status])
        self._refresh()

    def _changed(self, key: str, value: float) -> None:
        if _shown_errors(self.status, lambda: self.model.set(key, value)):
            self.status.value = ""
            self._refresh()

    def _refresh(self) -> None:
        if self._report is not None:
            self.status.value = self._report()


def joint_report(robots: dict[str, Any]) -> Any:
    """A callable that renders the one-DoF joint angles of named robots as an HTML table (rad)."""

    def report() -> str:
        names = list(next(iter(robots.values())).joint_names)
        head = "".join(f"<th style='padding:0 6px'>{html.escape(n)}</th>" for n in names)
        rows = "".join(
            f"<tr><td>{html.escape(label)}</td>"
            + "".join(f"<td style='padding:0 6px'>{q:+.3f}</td>" for q in robot.state().positions)
            + "</tr>"
            for label, robot in robots.items()
        )
        return f"<table style='font-size:90%'><tr><th>rad</th>{head}</tr>{rows}</table>"

    return report


class ParameterPanel(widgets.VBox):
    """Sliders for the hidden physical parameters, and the twin's error after each change."""

    def __init__(self, model: ParameterPanelModel, title: str = "Hidden physical parameters") -> None:
        self.model = model
        self.sliders = {c.key: _slider(c) for c in model.controls}
        for key, slider in self.sliders.items():
            slider.observe(lambda change, key=key: self._changed(key, change["new"]), names="value")
        self.run_button = widgets.Button(description=f"run {model.steps_per_change} steps", icon="play")
        self.run_button.on_click(lambda _: self._run())
        self.status = widgets.HTML()
        super().__init__(
            [widgets.HTML(f"<b>{html.escape(title)}</b>"), *self.sliders.values(), self.run_button, self.status]
        )
        self._refresh()

    def _changed(self, key: str, value: float) -> None:
        try:
            self.model.set(key, value)
        except ValueError as error:  # e.g. a damping the time step cannot integrate stably
            self.sliders[key].value = self.model.values[key]
            self._refresh()
            self.status.value = f"<div style='color:#b00'>{html.escape(str(error))}</div>" + self.status.value
            return
        except Exception:  # anything else (a closed twin, ...): say it where the student looks
            _shown_errors(self.status, lambda: self.model.set(key, value))
            return
        self._refresh()

    def _run(self) -> None:
        if _shown_errors(self.status, self.model.run):
            self._refresh()

    def _refresh(self) -> None:
        m = self.model
        errors = m.latest_error
        rows = "".join(
            f"<td style='padding:0 6px'>{html.escape(n)}: {e * 1000:+.2f} mrad</td>"
            for n, e in zip(m.twin.model.robot.joint_names, errors, strict=False)
        )
        latest = f"{m.history[-1][1] * 1000:.3g} mrad" if m.history else "none yet (move a slider or press run)"
        self.status.value = (
            f"<div>prediction RMSE over the last change's run: <b>{latest}</b>; "
            f"twin time {m.twin.time:.2f} s</div>{sparkline([h[1] for h in m.history])}"
            f"<table style='font-size:90%'><tr>{rows}</tr></table>"
        )


def slider_panel(
    sliders: dict[str, widgets.ValueWidget], redraw: Callable[[dict[str, Any]], None], per_row: int | None = None
) -> widgets.VBox:
    """Sliders above an output area: the thin view of an explorer.

    Whenever a slider lets go, ``redraw({name: value, ...})`` runs inside the output area, cleared first, so the
    plots and lines it shows replace the previous ones (and an error it raises is shown there, not lost). It runs
    once at the start. ``per_row`` sliders share a row (default: all on one row).
    """
    output = widgets.Output()

    def changed(*_: object) -> None:
        values = {name: slider.value for name, slider in sliders.items()}
        output.clear_output(wait=True)
        with output:
            redraw(values)

    for slider in sliders.values():
        slider.observe(changed, names="value")
    changed()
    items = list(sliders.values())
    size = per_row or max(len(items), 1)
    rows = [widgets.HBox(items[start : start + size]) for start in range(0, len(items), size)]
    return widgets.VBox([*rows, output])


def sparkline(values: list[float], width: int = 240, height: int = 36) -> str:
    """A tiny inline SVG line of ``values`` (no matplotlib needed)."""
    v = np.asarray([x for x in values if np.isfinite(x)], dtype=float)
    if v.size < 2:
        return ""
    top = float(v.max()) or 1.0
    xs = np.linspace(2, width - 2, v.size)
    ys = height - 2 - (v / top) * (height - 4)
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    return (
        f"<svg width='{width}' height='{height}' style='background:#f6f6f6'>"
        f"<polyline fill='none' stroke='#c0392b' stroke-width='2' points='{points}'/></svg>"
    )


class TwinPlayer(widgets.HBox):
    """Play / pause / step of a ``TwinPlayerModel``, ticked by the browser (``ipywidgets.Play``).

    While playing, the Play widget changes its value every ``interval_ms`` and each change advances the
    model one tick; the kernel stays free between ticks, so other widgets keep working.
    """

    def __init__(self, model: TwinPlayerModel, interval_ms: int = 50) -> None:
        self.model = model
        self.timer = widgets.Play(value=0, min=0, max=10**9, step=1, interval=interval_ms, show_repeat=False)
        self.timer.observe(lambda change: self._tick(), names="value")
        self.timer.observe(lambda change: self._playing(change["new"]), names="playing")
        self.step_button = widgets.Button(description="step", icon="step-forward", layout=widgets.Layout(width="7em"))
        self.step_size = widgets.BoundedIntText(
            value=1, min=1, max=100000, description="steps", layout=widgets.Layout(width="11em")
        )
        self.step_button.on_click(lambda _: self.step())
        self.clock = widgets.HTML()
        super().__init__([self.timer, self.step_button, self.step_size, self.clock])
        model.callbacks.append(self._refresh)
        self._refresh()

    def _playing(self, playing: bool) -> None:
        if playing:
            self.model.play()
        else:
            self.model.pause()
        self._refresh()

    def _tick(self) -> None:
        if not _shown_errors(self.clock, self.model.tick):
            message = self.clock.value
            self.timer.playing = False  # stop ticking into the same error (this refreshes the clock)
            self.model.pause()
            self.clock.value = message

    def step(self) -> None:
        _shown_errors(self.clock, lambda: self.model.step(int(self.step_size.value)))

    def _refresh(self) -> None:
        state = "playing" if self.model.playing else "paused"
        self.clock.value = f"&nbsp; t = <b>{self.model.time:.3f} s</b> ({state})"


def twin_dashboard(twin: Any, *, height: int = 420, steps_per_tick: int = 8) -> widgets.VBox:
    """Everything for a ``DigitalTwin`` in one widget: the 3D view (physical solid, model as a ghost
    coloured by its prediction error), play/pause/step, the hidden-parameter panel and, when the twin
    takes targets, the joint panel.
    """
    from twin.viz import twin_scene

    scene = twin_scene(twin)
    view = scene.widget(height=height)
    player_model = TwinPlayerModel(twin, steps_per_tick=steps_per_tick, scene=scene)
    ghost = scene.mirrors["model"]
    player_model.callbacks.append(lambda: ghost.show_joint_errors(twin.analytics.latest_error, 0.05))
    parameters = ParameterPanel(ParameterPanelModel(twin, scene=scene))
    player_model.callbacks.append(parameters._refresh)
    parts: list[widgets.Widget] = [view, TwinPlayer(player_model), parameters]
    if getattr(twin, "mode", None) == "twin" and twin.target is not None:
        parts.append(JointPanel(JointPanelModel.for_twin(twin, scene=scene), title="Targets (the twin's controller)"))
    box = widgets.VBox(parts)
    box.scene = scene  # type: ignore[attr-defined]
    return box
