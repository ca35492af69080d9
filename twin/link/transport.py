"""Transports move message bytes between the twin and the physical side; they know nothing of the schema.

- ``ZmqTransport``: ZeroMQ DEALER sockets over TCP. The twin *binds* on 127.0.0.1 and an ephemeral
  port; the robot (or the stand-in process) *connects*, and reconnects by itself after a restart.
- ``InProcessTransport``: a pair of ends in one process, for tests, optionally impaired on a clock.

Every transport has ``send(payload) -> bool`` (False: not sent, counted), ``receive(timeout)`` (bytes
or ``None``), ``close()`` and is a context manager. An MQTT transport (paho-mqtt against a local
mosquitto broker, one topic per direction, QoS 0) would implement the same four methods.
"""

from __future__ import annotations

import errno
import time
from collections.abc import Callable
from types import TracebackType

import zmq

from twin.link.impairments import PERFECT, ImpairedChannel, Impairments

LOOPBACK = "127.0.0.1"


class Transport:
    """The interface every transport implements; counts what it sent, received and could not send."""

    sent: int = 0
    received: int = 0
    send_failures: int = 0
    closed: bool = False

    def send(self, payload: bytes) -> bool:  # pragma: no cover - interface
        raise NotImplementedError

    def receive(self, timeout: float | None = 0.0) -> bytes | None:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def __enter__(self) -> Transport:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class ZmqTransport(Transport):
    """One end of a ZeroMQ link. Use ``ZmqTransport.bind()`` on the twin, ``ZmqTransport.connect(endpoint)``
    on the robot. LINGER is 0: closing never waits for unsent messages, so no port stays behind.

    Args:
        endpoint: ``tcp://host:port``.
        bind: True to listen (the twin), False to connect (the robot).
        queue_limit: messages buffered per direction before ``send`` reports failure (the high-water mark).
    """

    def __init__(self, endpoint: str, *, bind: bool, queue_limit: int = 1000) -> None:
        self._context = zmq.Context()
        self._socket = self._context.socket(zmq.DEALER)
        self._socket.setsockopt(zmq.LINGER, 0)
        self._socket.setsockopt(zmq.SNDHWM, queue_limit)
        self._socket.setsockopt(zmq.RCVHWM, queue_limit)
        self._socket.setsockopt(zmq.RECONNECT_IVL, 20)  # ms: find a restarted peer quickly
        self._socket.setsockopt(zmq.RECONNECT_IVL_MAX, 200)
        self._socket.setsockopt(zmq.MAXMSGSIZE, 1 << 20)  # the schema's own limit is checked after this
        self.sent = self.received = self.send_failures = 0
        try:
            if bind:
                self._socket.setsockopt(zmq.IMMEDIATE, 1)  # queue nothing for a peer that is not there
                self._socket.bind(endpoint)
                self.endpoint = self._socket.getsockopt_string(zmq.LAST_ENDPOINT)
            else:
                self._socket.connect(endpoint)
                self.endpoint = endpoint
        except zmq.ZMQError as error:
            self.close()
            if bind and error.errno == zmq.EADDRINUSE:
                raise OSError(
                    errno.EADDRINUSE,
                    f"{endpoint} is already in use (another twin or program listens there): use port=0 to let "
                    "the OS pick a free port, or another port",
                ) from None
            raise
        except BaseException:
            self.close()
            raise
        self._poller = zmq.Poller()
        self._poller.register(self._socket, zmq.POLLIN)

    @classmethod
    def bind(cls, host: str = LOOPBACK, port: int = 0, **options: object) -> ZmqTransport:
        """Listen on ``host`` (default loopback only) and ``port`` (0: an ephemeral port the OS picks)."""
        return cls(f"tcp://{host}:{port or '*'}", bind=True, **options)

    @classmethod
    def connect(cls, endpoint: str, **options: object) -> ZmqTransport:
        return cls(endpoint, bind=False, **options)

    def __repr__(self) -> str:
        return f"ZmqTransport({self.endpoint!r}, sent={self.sent}, received={self.received})"

    @property
    def closed(self) -> bool:
        return self._socket.closed

    def send(self, payload: bytes) -> bool:
        try:
            self._socket.send(payload, zmq.NOBLOCK)
        except zmq.Again:  # no peer yet, or the queue is full: a real-time link drops, it does not wait
            self.send_failures += 1
            return False
        self.sent += 1
        return True

    def receive(self, timeout: float | None = 0.0) -> bytes | None:
        """The next message, waiting up to ``timeout`` s (``None``: forever), or ``None``."""
        wait_ms = None if timeout is None else max(0, int(round(timeout * 1000)))
        if not self._poller.poll(wait_ms):
            return None
        self.received += 1
        return self._socket.recv(copy=True)

    def close(self) -> None:
        if not self._socket.closed:
            self._socket.close(linger=0)
        self._context.term()


class InProcessTransport(Transport):
    """One end of an in-process link. Make both ends with ``InProcessTransport.pair()``.

    Each direction is an ``ImpairedChannel`` driven by ``clock`` (default ``time.monotonic``; pass a
    ``SimulatedClock`` for exact tests). ``receive`` never blocks longer than the simulated clock allows.
    """

    def __init__(self, outgoing: ImpairedChannel, incoming: ImpairedChannel, clock: Callable[[], float]) -> None:
        self._outgoing, self._incoming, self._clock = outgoing, incoming, clock
        self._ready: list[bytes] = []
        self.sent = self.received = self.send_failures = 0
        self.closed = False

    @classmethod
    def pair(
        cls,
        there: Impairments = PERFECT,
        back: Impairments = PERFECT,
        clock: Callable[[], float] = time.monotonic,
        seed: int = 0,
    ) -> tuple[InProcessTransport, InProcessTransport]:
        """Two connected ends ``(a, b)``: ``there`` impairs a -> b, ``back`` impairs b -> a."""
        a_to_b, b_to_a = ImpairedChannel(there, seed), ImpairedChannel(back, seed + 1)
        return cls(a_to_b, b_to_a, clock), cls(b_to_a, a_to_b, clock)

    def send(self, payload: bytes) -> bool:
        if self.closed:
            raise RuntimeError("this transport is closed.")
        self._outgoing.send(bytes(payload), self._clock())
        self.sent += 1
        return True

    def receive(self, timeout: float | None = 0.0) -> bytes | None:
        if not self._ready:
            self._ready = self._incoming.receive(self._clock())
        if not self._ready:
            return None
        self.received += 1
        return self._ready.pop(0)

    def close(self) -> None:
        self.closed = True
