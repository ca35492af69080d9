"""The course's MQTT broker process: ``python -m twin.fleet._broker PORT`` serves amqtt on 127.0.0.1:PORT.

Started and stopped by ``twin.fleet.mqtt.MqttBroker``; amqtt's own shutdown can hang in-process, so the broker
lives in a process of its own that is simply terminated.
"""

from __future__ import annotations

import asyncio
import logging
import sys


def config(port: int) -> dict:
    """amqtt settings: one TCP listener on the loopback interface, anonymous clients, no $SYS topics."""
    return {
        "listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{port}"}},
        "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
    }


async def serve(port: int) -> None:
    from amqtt.broker import Broker

    broker = Broker(config(port))
    await broker.start()
    await asyncio.Event().wait()  # until terminated


def main() -> None:
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(serve(int(sys.argv[1])))


if __name__ == "__main__":
    main()
