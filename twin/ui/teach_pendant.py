"""A teach pendant for the over-the-wall task: jog the hand with buttons, and every move is recorded as a
demonstration (observation, velocity) that behaviour cloning can learn from.

``TeachPendant`` is the plain model (tested in pytest): ``press("up")`` moves the hand at full speed in that
direction for ``ticks_per_press`` control periods, while the random push of the task goes on. ``widget()`` is the
thin ipywidgets skin: direction buttons, a live 3D view over the kernel's own channel, and a status line.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from twin.learn.imitation import Dataset
from twin.manipulation.wall_task import MAX_SPEED, Episode, WallTask

DIRECTIONS = {
    "up": (0.0, 0.0, 1.0),
    "down": (0.0, 0.0, -1.0),
    "towards the goal side": (0.0, 1.0, 0.0),
    "back": (0.0, -1.0, 0.0),
    "away from the robot": (1.0, 0.0, 0.0),
    "towards the robot": (-1.0, 0.0, 0.0),
}


class TeachPendant:
    """Demonstrations by hand on a ``WallTask``: ``start(seed)``, ``press(direction)`` until the episode ends,
    then the episode joins ``demonstrations``; ``dataset()`` gathers them for behaviour cloning."""

    def __init__(self, task: WallTask, ticks_per_press: int = 2) -> None:
        if not (isinstance(ticks_per_press, int) and ticks_per_press >= 1):
            raise ValueError(f"ticks_per_press={ticks_per_press!r} must be a positive integer (control periods).")
        self.task = task
        self.ticks_per_press = ticks_per_press
        self.demonstrations: list[Episode] = []
        self.seed: int | None = None
        self.on_move = None  # optional callback(cell) after each control period, e.g. a 3D view's update

    def start(self, seed: int) -> None:
        """Begin a demonstration from episode ``seed``'s start (a finished one is kept)."""
        self.task.begin(seed)
        self.seed = seed
        if self.on_move is not None:
            self.on_move(self.task.cell)

    def press(self, direction: str) -> str:
        """Move the hand at full speed towards ``direction`` (a key of ``DIRECTIONS``); returns the status."""
        if direction not in DIRECTIONS:
            raise ValueError(f"unknown direction {direction!r}; press one of {list(DIRECTIONS)}.")
        if self.seed is None:
            raise RuntimeError("start a demonstration first: pendant.start(seed).")
        if self.task.done:
            return self.status()
        velocity = MAX_SPEED * np.asarray(DIRECTIONS[direction])
        for _ in range(self.ticks_per_press):
            self.task.act(velocity)
            if self.on_move is not None:
                self.on_move(self.task.cell)
            if self.task.done:
                self.demonstrations.append(self.task.episode())
                break
        return self.status()

    def status(self) -> str:
        """Where the demonstration stands, in words."""
        if self.seed is None:
            return "press start"
        episode = self.task.episode()
        where = f"{episode.final_error * 100:.1f} cm from the goal after {len(episode.actions) * 0.1:.1f} s"
        if episode.touched_wall:
            return f"touched the wall: demonstration over ({where}); it is kept, mistakes are data too"
        if episode.success:
            return f"goal reached: demonstration {len(self.demonstrations)} recorded ({where})"
        if self.task.done:
            return f"time is up: demonstration over ({where})"
        return where

    def dataset(self) -> Dataset:
        """Every finished demonstration's (observation, action) pairs."""
        data = Dataset()
        for episode in self.demonstrations:
            data.add(episode.observations, episode.actions)
        return data

    def widget(self, height: int = 360) -> Any:
        """Buttons for the six directions and a new start, the live 3D view and the status (ipywidgets)."""
        import ipywidgets as widgets

        from twin.viz.manipulation import cell_scene

        scene = cell_scene(self.task.cell, contact_forces=False)
        scene.set_camera(eye=(1.6, 0.9, 0.9), target=(0.5, 0.0, 0.2))
        view = scene.widget(height=height)
        self.on_move = lambda cell: scene.update()
        status = widgets.HTML()
        new_start = widgets.Button(description="new demonstration", button_style="info")
        buttons = [widgets.Button(description=name) for name in DIRECTIONS]

        def show(text: str) -> None:
            status.value = html.escape(text)

        def pressed(name: str) -> None:
            try:
                show(self.press(name))
            except Exception as error:  # shown, not lost in the browser console
                status.value = f"<span style='color:#b00'>{html.escape(str(error))}</span>"

        def restart(_: object) -> None:
            self.start(1_000 + len(self.demonstrations))
            show(self.status())

        for button in buttons:
            button.on_click(lambda _, name=button.description: pressed(name))
        new_start.on_click(restart)
        restart(None)
        return widgets.VBox(
            [view, widgets.HBox([new_start, *buttons], layout=widgets.Layout(flex_flow="row wrap")), status]
        )
