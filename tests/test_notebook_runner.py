"""The course tools' notebook runner: kernel channels that poll in slices, so a missed wake-up cannot stall a cell."""

from __future__ import annotations

import asyncio
from queue import Empty

import pytest
import zmq
import zmq.asyncio
from jupyter_client.session import Session

from twin.course.notebook_runner import (
    SlicedPollChannel,
    SlicedPollClient,
    SlicedPollKernelManager,
    notebook_client,
)


def test_a_sliced_poll_says_empty_after_its_timeout_and_returns_what_arrives():
    async def exchange() -> dict:
        session = Session()
        sender = zmq.Context.instance().socket(zmq.PAIR)
        receiver = zmq.asyncio.Context.instance().socket(zmq.PAIR)
        try:
            port = sender.bind_to_random_port("tcp://127.0.0.1")
            receiver.connect(f"tcp://127.0.0.1:{port}")
            channel = SlicedPollChannel(receiver, session)
            with pytest.raises(Empty):  # nothing sent: the wait ends at its timeout, over several slices
                await channel.get_msg(timeout=1.2)
            session.send(sender, "execute_reply", {"status": "ok"})
            return await channel.get_msg(timeout=10)
        finally:
            sender.close(linger=0)
            receiver.close(linger=0)

    message = asyncio.run(exchange())
    assert message["msg_type"] == "execute_reply" and message["content"] == {"status": "ok"}


def test_the_course_tools_run_notebooks_with_the_sliced_channels():
    client = notebook_client({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, timeout=5)
    assert client.kernel_manager_class is SlicedPollKernelManager
    assert SlicedPollKernelManager().client_factory is SlicedPollClient
    for name in ("shell", "iopub", "stdin", "control"):
        assert getattr(SlicedPollClient, f"{name}_channel_class").default_value is SlicedPollChannel
