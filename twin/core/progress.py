"""Progress bars for long work: tqdm's, whose copy saved in a notebook shows how the bar ended.

In a notebook, tqdm draws a widget and, beside it, a text copy for any reader without the live kernel (a notebook
reopened later, a static page, a grader's feedback). tqdm writes that text once, when the bar appears, so a saved
notebook shows every bar at 0 %. ``tqdm`` here is tqdm's own bar (``tqdm.auto``: a widget in a notebook, text in
a terminal) that, in a notebook, rewrites its text copy when it closes, so the saved copy reads like the bar did
at the end (``100%|##########| 40/40 [00:03<00:00]``)::

    from twin.core.progress import tqdm

    for robot in tqdm(robots, desc="stand-ins", unit="stand-in"):
        ...
"""

from __future__ import annotations

from functools import cache
from typing import Any


def tqdm(*args: Any, **kwargs: Any) -> Any:
    """A progress bar, with tqdm's arguments (``desc``, ``total``, ``unit``, ``disable`` ...): see the module."""
    from tqdm.auto import tqdm as auto_bar
    from tqdm.notebook import tqdm as notebook_bar

    if issubclass(auto_bar, notebook_bar):  # in a notebook, with ipywidgets: tqdm.auto chose the widget bar
        return _saved_notebook_bar_class()(*args, **kwargs)
    return auto_bar(*args, **kwargs)


@cache  # built on first use: importing this module imports neither tqdm nor IPython
def _saved_notebook_bar_class() -> type:
    from IPython.display import display
    from tqdm.auto import tqdm as auto_bar  # the notebook bar, as tqdm.auto builds it there

    class SavedNotebookBar(auto_bar):
        """tqdm's notebook bar, displayed under a display id so that ``close`` can rewrite its saved text copy."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            delay = kwargs.get("delay", 0) or 0
            shown_now = kwargs.pop("display", True) and delay <= 0
            super().__init__(*args, display=False, **kwargs)
            self._handle = None
            if shown_now and not self.disable and hasattr(self, "container"):
                self._handle = display(self.container, display_id=True)
                self.displayed = True

        def close(self) -> None:
            handle, self._handle = getattr(self, "_handle", None), None  # tqdm's close disables the bar: read first
            super().close()
            if handle is not None:
                handle.update(self.container)  # the same widget; its text copy now reads the final state

    return SavedNotebookBar


__all__ = ["tqdm"]
