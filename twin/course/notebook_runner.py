"""Run a notebook in its own kernel with nbclient, without the missed wake-up that stalls a cell to its time limit.

jupyter_client's asyncio channels wait for a kernel's message with one ``socket.poll(timeout)``. On this stack
(pyzmq 27, jupyter_client 8.10, nbclient 0.11, with ipykernel 6 or 7) that poll sometimes misses the socket's
wake-up: the reply has arrived and the kernel sits idle, yet the poll only looks again when its timeout ends. Run
top to bottom 11 times, notebook 03 stalled for the whole 60 s limit at a widget cell in 3 runs (nbclient issue
#312 reports the same). For the course site a stall cost minutes; for the grader it would turn a student's
finished cell into "ran past the time limit" and cost them the check.

Polling in slices of ``POLL_SLICE_S`` looks again at every slice, so a missed wake-up costs at most that long
(the same notebook, 18 runs in slices: none stalled). ``notebook_client`` builds an ``nbclient.NotebookClient``
whose kernel channels poll that way; it starts and stops its own kernel as usual.
"""

from __future__ import annotations

import time
from queue import Empty
from typing import Any

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.manager import AsyncKernelManager
from traitlets import DottedObjectName, Type

POLL_SLICE_S = 0.5  # s: the longest a missed wake-up can delay a message


class SlicedPollChannel(AsyncZMQSocketChannel):
    """A kernel channel that waits for a message in ``POLL_SLICE_S`` slices instead of one long poll."""

    async def get_msg(self, timeout: float | None = None) -> dict[str, Any]:  # type: ignore[override]
        """The next message; ``queue.Empty`` when none came within ``timeout`` s (None: wait for ever)."""
        assert self.socket is not None
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            wait = POLL_SLICE_S if deadline is None else max(0.0, min(POLL_SLICE_S, deadline - time.monotonic()))
            if await self.socket.poll(int(wait * 1000)):
                return await self._recv()
            if deadline is not None and time.monotonic() >= deadline:
                raise Empty


class SlicedPollClient(AsyncKernelClient):
    """An asyncio kernel client whose shell, iopub, stdin and control channels poll in slices."""

    shell_channel_class = Type(SlicedPollChannel)  # type: ignore[assignment]
    iopub_channel_class = Type(SlicedPollChannel)  # type: ignore[assignment]
    stdin_channel_class = Type(SlicedPollChannel)  # type: ignore[assignment]
    control_channel_class = Type(SlicedPollChannel)  # type: ignore[assignment]


class SlicedPollKernelManager(AsyncKernelManager):
    """A kernel manager whose clients are ``SlicedPollClient``."""

    client_class = DottedObjectName("twin.course.notebook_runner.SlicedPollClient")
    client_factory = Type(SlicedPollClient, klass=AsyncKernelClient)


def notebook_client(notebook: Any, **options: Any) -> Any:
    """``nbclient.NotebookClient(notebook, **options)`` with channels that poll in slices (see the module)."""
    from nbclient import NotebookClient

    return NotebookClient(notebook, kernel_manager_class=SlicedPollKernelManager, **options)
