"""A monitoring dashboard for a running twin: 3D with health colours, CUSUM traces, alarms, fault sliders.

``MonitorPanelModel`` is the plain logic (tested in pytest): after every advance of the twin it feeds
the new residuals to a ``twin.operation.ResidualMonitor`` and colours the *physical* robot's links by
each joint's alarm level (green: CUSUM near 0; yellow: half-way to the threshold; red: at the threshold
or alarmed within the last ``hold_seconds``). ``monitor_dashboard`` is its ipywidgets view, built from the
existing panels: ``TwinPlayer`` (play/pause/step) and ``ParameterPanel`` (inject a fault by changing a
hidden parameter).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import numpy as np

from twin.operation.monitoring import ResidualMonitor
from twin.ui.panel_logic import ParameterPanelModel, TwinPlayerModel
from twin.ui.views import ParameterPanel, TwinPlayer, sparkline


class MonitorPanelModel:
    """Health of a running twin, joint by joint.

    Args:
        monitor: a calibrated ``ResidualMonitor`` on the twin.
        scene: a scene from ``twin.viz.twin_scene(twin)``; its ``"physical"`` mirror gets the health colours.
        hold_seconds: how long (simulated s) a joint stays red after an alarm.
        history: how many recent samples the CUSUM trace shows.
    """

    def __init__(
        self, monitor: ResidualMonitor, scene: Any | None = None, hold_seconds: float = 0.5, history: int = 720
    ) -> None:
        if not hold_seconds >= 0:
            raise ValueError(f"hold_seconds={hold_seconds!r} must be >= 0.")
        if not isinstance(history, int) or history < 2:
            raise ValueError(f"history={history!r} must be an integer >= 2 samples.")
        self.monitor = monitor
        self.scene = scene
        self.hold_seconds = float(hold_seconds)
        self.history = history
        self.callbacks: list[Callable[[], None]] = []

    def __repr__(self) -> str:
        return f"MonitorPanelModel({self.monitor!r}, levels={np.round(self.alert_levels(), 2).tolist()})"

    def alert_levels(self) -> np.ndarray:
        """Per joint: CUSUM statistic / threshold, or 1.0 when the joint alarmed in the last ``hold_seconds``."""
        levels = self.monitor.health
        now = float(self.monitor.twin.time)
        for t, name in self.monitor.alarms:
            if now - t <= self.hold_seconds:
                levels[self.monitor.joint_names.index(name)] = 1.0
        return np.clip(levels, 0.0, 1.0)

    def refresh(self) -> int:
        """Read the twin's new residuals, recolour the robot; returns the number of new alarms."""
        raised = self.monitor.update()
        if self.scene is not None and "physical" in self.scene.mirrors:
            self.scene.mirrors["physical"].show_joint_errors(self.alert_levels(), tolerance=1.0)
        for callback in list(self.callbacks):
            callback()
        return raised

    def status_html(self) -> str:
        """The status block: alarm count, per-joint level, the recent CUSUM trace, the last alarms."""
        m = self.monitor
        rows = "".join(
            f"<td style='padding:0 8px'>{html.escape(n)}: <b>{level:.0%}</b> of threshold</td>"
            for n, level in zip(m.joint_names, self.alert_levels(), strict=True)
        )
        recent = ", ".join(f"{html.escape(n)} at {t:.2f} s" for t, n in m.alarms[-4:]) or "none"
        arl = m.detectors[0].false_alarm_run_length() * float(m.twin.time_step)
        alarming = [n for n, level in zip(m.joint_names, self.alert_levels(), strict=True) if level >= 1.0]
        verdict = (
            f"<b style='color:#b3261e'>FAULT suspected at {html.escape(', '.join(alarming))}</b>"
            if alarming
            else "<b style='color:#1b7f3b'>behaves like its model</b>"
        )
        return (
            f"<div>Robot now: {verdict}. <b>{len(m.alarms)} alarm(s)</b>; latest: {recent}. "
            f"Twin time {m.twin.time:.2f} s. On a healthy robot a false alarm comes about every {arl:.1f} s per "
            f"joint.</div>"
            f"<table style='font-size:90%'><tr>{rows}</tr></table>"
            f"<div style='font-size:85%'>largest CUSUM / threshold, last {self.history} steps:</div>"
            f"{sparkline(m.statistic_history[-self.history :] + [1.0], width=360, height=48) or '(none yet: run it)'}"
        )


class MonitorPanel(widgets.VBox):
    """The status block of a ``MonitorPanelModel``, refreshed whenever the model refreshes."""

    def __init__(self, model: MonitorPanelModel, title: str = "Health monitor (CUSUM on residuals)") -> None:
        self.model = model
        self.status = widgets.HTML()
        super().__init__([widgets.HTML(f"<b>{html.escape(title)}</b>"), self.status])
        model.callbacks.append(self._refresh)
        self._refresh()

    def _refresh(self) -> None:
        self.status.value = self.model.status_html()


def monitor_dashboard(
    twin: Any, monitor: ResidualMonitor, *, height: int = 360, steps_per_tick: int = 12
) -> widgets.VBox:
    """3D view (the robot coloured by health, the model as a ghost), play/pause/step, the health
    monitor, and sliders for the hidden parameters to inject a fault while it runs."""
    from twin.viz import twin_scene

    scene = twin_scene(twin)
    panel_model = MonitorPanelModel(monitor, scene=scene)
    player_model = TwinPlayerModel(twin, steps_per_tick=steps_per_tick, scene=scene)
    player_model.callbacks.append(panel_model.refresh)
    parameters_model = ParameterPanelModel(twin, scene=None, steps_per_change=60)
    parameters_model.callbacks.append(panel_model.refresh)
    view = scene.widget(height=height)
    panel_model.refresh()
    box = widgets.VBox(
        [
            view,
            TwinPlayer(player_model),
            MonitorPanel(panel_model),
            ParameterPanel(parameters_model, title="Inject a fault: change a hidden parameter"),
        ]
    )
    box.scene = scene  # type: ignore[attr-defined]
    box.monitor_model = panel_model  # type: ignore[attr-defined]
    return box
