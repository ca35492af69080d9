"""The course's MQTT broker process: ``python -m twin.fleet._broker PORT PARENT_PID`` serves amqtt on
127.0.0.1:PORT for as long as the process PARENT_PID lives.

Started and stopped by ``twin.fleet.mqtt.MqttBroker``; amqtt's own shutdown can hang in-process, so the broker
lives in a process of its own that is simply terminated. A kernel that dies (killed, crashed, restarted) cannot
terminate it, so the broker watches its parent and exits by itself when the parent is gone: no broker outlives
the notebook that started it, and its port is free again.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys

import psutil

PARENT_CHECK_PERIOD = 0.2  # s between two looks at the parent


def config(port: int) -> dict:
    """amqtt settings: one TCP listener on the loopback interface, anonymous clients, no $SYS topics."""
    return {
        "listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{port}"}},
        "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
    }


def parent_is_alive(parent_pid: int, parent_started: float | None) -> bool:
    """Whether the process that started this one still runs.

    On Linux and macOS an orphan is adopted by another process at once, so ``os.getppid()`` changes the moment
    the parent dies (even while it is a zombie). Windows does not adopt orphans: there the parent's pid must still
    belong to a process started at ``parent_started`` (psutil's create time, so a reused pid does not count).
    """
    if os.name == "posix":
        return os.getppid() == parent_pid
    try:
        return psutil.Process(parent_pid).create_time() == parent_started
    except psutil.Error:
        return False


def started_at(pid: int) -> float | None:
    """psutil's create time of process ``pid``, or None when it is gone."""
    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


async def serve(port: int, parent_pid: int) -> None:
    """Run the broker until the parent process is gone, then leave at once (the OS frees the port)."""
    from amqtt.broker import Broker

    parent_started = started_at(parent_pid)
    broker = Broker(config(port))
    await broker.start()
    while parent_is_alive(parent_pid, parent_started):
        await asyncio.sleep(PARENT_CHECK_PERIOD)
    logging.getLogger(__name__).error("parent process %d is gone: the broker on port %d stops", parent_pid, port)
    os._exit(0)  # not broker.shutdown(): it can hang, and there is nobody left to wait for it


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit("usage: python -m twin.fleet._broker PORT PARENT_PID")
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(serve(int(sys.argv[1]), int(sys.argv[2])))


if __name__ == "__main__":
    main()
