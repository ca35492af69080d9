"""Transports move message bytes between the twin and the physical side; they know nothing of the schema.

- ``ZmqTransport``: ZeroMQ DEALER sockets over TCP. The twin *binds* on 127.0.0.1 and an ephemeral
  port; the robot (or the stand-in process) *connects*, and reconnects by itself after a restart.
- ``InProcessTransport``: a pair of ends in one process, for tests, optionally impaired on a clock.

Every transport has ``send(payload) -> bool`` (False: not sent, counted), ``receive(timeout)`` (bytes
or ``None``), ``close()`` and is a context manager. An MQTT transport (paho-mqtt against a local
mosquitto broker, one topic per direction, QoS 0) would implement the same four methods.

Hostile or broken input on a ZeroMQ link:

- Who may connect: with ``secret=`` the bound end accepts only peers that present the same secret
  (ZeroMQ's PLAIN mechanism, checked by a ZAP handler, on loopback only). Any other connection is refused
  during the handshake, before a single message of it is read or a single message goes to it; ``refused``
  counts those attempts.
- How big: the socket takes messages up to ``SOCKET_MESSAGE_LIMIT`` bytes (far above the schema's own
  limit), so an oversized message reaches the receiver's ``Inbox``, which drops and counts it, and the link
  goes on. ``send`` refuses a payload over the socket limit (``send_failures``). A larger message from some
  other program makes libzmq drop the connection: the connecting end then connects again by itself within
  ``CUT_GRACE`` s and counts the lost message in ``cut``.
"""

from __future__ import annotations

import errno
import re
import time
from collections.abc import Callable
from numbers import Integral
from types import TracebackType

import zmq
from zmq.auth.thread import ThreadAuthenticator
from zmq.utils.monitor import recv_monitor_message

from twin.core.checks import check_count
from twin.link.impairments import PERFECT, ImpairedChannel, Impairments

LOOPBACK = "127.0.0.1"
SOCKET_MESSAGE_LIMIT = 64 * 1024 * 1024  # bytes the socket reads of one message; the schema's limit is far below
CUT_GRACE = 0.25  # s: a disconnect that libzmq does not retry within this was a cut (protocol error), not a restart
ZAP_DOMAIN = "twin"
_TCP_ENDPOINT = re.compile(r"tcp://(?P<host>[^:/]+|\[[0-9a-fA-F:]+\]):(?P<port>[^:/]*)")
_HANDSHAKE_FAILURES = (
    zmq.EVENT_HANDSHAKE_FAILED_AUTH | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL | zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL
)


def check_port(port: object, *, allow_zero: bool = True) -> int:
    """``port`` as an int, or ``ValueError`` naming the valid range (0 = the OS picks one, where allowed)."""
    lowest = 0 if allow_zero else 1
    if isinstance(port, str) and port.strip().isdigit():
        port = int(port)
    if isinstance(port, bool) or not isinstance(port, Integral) or not lowest <= port <= 65535:
        pick = "0 (the OS picks a free one) or " if allow_zero else ""
        raise ValueError(f"port={port!r} is not a TCP port: give {pick}a whole number {max(lowest, 1)} .. 65535.")
    return int(port)  # np.int64 from an array is a port too


def check_endpoint(endpoint: object, *, bind: bool) -> str:
    """A ZeroMQ endpoint checked before libzmq sees it: ``tcp://host:port`` with port 1 .. 65535 (``*`` or 0 to
    bind on a port the OS picks). Other schemes (``ipc://``, ``inproc://``) pass through. ``ValueError`` otherwise."""
    example = "tcp://127.0.0.1:5555"
    if not isinstance(endpoint, str) or "://" not in endpoint:
        raise ValueError(f"endpoint={endpoint!r} is not a ZeroMQ endpoint: give one like {example}.")
    if not endpoint.startswith("tcp://"):
        return endpoint
    match = _TCP_ENDPOINT.fullmatch(endpoint)
    if match is None:
        raise ValueError(f"endpoint={endpoint!r} is not tcp://HOST:PORT: give one like {example}.")
    port = match["port"]
    if bind and port in ("*", "0"):
        return endpoint
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError(
            f"endpoint={endpoint!r}: port {port!r} is not a number in 1 .. 65535; give a port in that range, e.g. "
            f"{example}."
        )
    return endpoint


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
        endpoint: ``tcp://host:port`` (port 1 .. 65535; to bind, ``*`` or 0 lets the OS pick one).
        bind: True to listen (the twin), False to connect (the robot).
        queue_limit: messages buffered per direction before ``send`` reports failure (the high-water mark).
        secret: a shared secret. The bound end then accepts only peers that connect with the same secret
            and counts every other connection attempt in ``refused``; None: anyone on the host may connect.

    Counters: ``sent``, ``received``, ``send_failures`` (not sent: no peer, queue full, or over
    ``SOCKET_MESSAGE_LIMIT``), ``refused`` (connections refused at the handshake) and ``cut`` (connections
    libzmq dropped on a protocol error, e.g. a message over the socket limit; each lost that message).
    """

    def __init__(self, endpoint: str, *, bind: bool, queue_limit: int = 1000, secret: str | None = None) -> None:
        endpoint = check_endpoint(endpoint, bind=bind)
        queue_limit = check_count("queue_limit", queue_limit, "messages per direction, e.g. 1000", low=1)
        if secret is not None and (not isinstance(secret, str) or not secret or len(secret) > 255):
            raise ValueError("secret must be a non-empty string of at most 255 characters (or None: no check).")
        self._context = zmq.Context()
        self._socket = self._context.socket(zmq.DEALER)
        self._authenticator: ThreadAuthenticator | None = None
        self._monitor: zmq.Socket | None = None
        self._bind, self._connect_to = bind, endpoint
        self._disconnected_at: float | None = None
        self.sent = self.received = self.send_failures = self.refused = self.cut = 0
        try:
            self._socket.setsockopt(zmq.LINGER, 0)
            self._socket.setsockopt(zmq.SNDHWM, queue_limit)
            self._socket.setsockopt(zmq.RCVHWM, queue_limit)
            self._socket.setsockopt(zmq.RECONNECT_IVL, 20)  # ms: find a restarted peer quickly
            self._socket.setsockopt(zmq.RECONNECT_IVL_MAX, 200)
            self._socket.setsockopt(zmq.MAXMSGSIZE, SOCKET_MESSAGE_LIMIT)  # the Inbox drops (and counts) above 64 KiB
            if secret is not None:
                if bind:
                    self._authenticator = ThreadAuthenticator(self._context)
                    self._authenticator.start()
                    self._authenticator.configure_plain(domain=ZAP_DOMAIN, passwords={"robot": secret})
                    self._socket.plain_server = True
                    self._socket.zap_domain = ZAP_DOMAIN.encode()
                else:
                    self._socket.plain_username = b"robot"
                    self._socket.plain_password = secret.encode()
            events = _HANDSHAKE_FAILURES if bind else zmq.EVENT_DISCONNECTED | zmq.EVENT_CONNECT_RETRIED
            self._monitor = self._socket.get_monitor_socket(events)
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
            raise ValueError(
                f"cannot {'bind' if bind else 'connect'} {endpoint!r}: {error}. Give an endpoint like "
                "tcp://127.0.0.1:5555 (a local address, port 1 .. 65535)."
            ) from None
        except BaseException:
            self.close()
            raise
        self._poller = zmq.Poller()
        self._poller.register(self._socket, zmq.POLLIN)
        self._poller.register(self._monitor, zmq.POLLIN)

    @classmethod
    def bind(cls, host: str = LOOPBACK, port: int = 0, **options: object) -> ZmqTransport:
        """Listen on ``host`` (default loopback only) and ``port`` (0: an ephemeral port the OS picks; else
        1 .. 65535). ``options``: ``queue_limit``, ``secret``."""
        port = check_port(port)
        return cls(f"tcp://{host}:{port or '*'}", bind=True, **options)

    @classmethod
    def connect(cls, endpoint: str, **options: object) -> ZmqTransport:
        """Connect to ``endpoint`` (``tcp://host:port``, port 1 .. 65535). ``options``: ``queue_limit``, ``secret``."""
        return cls(endpoint, bind=False, **options)

    def __repr__(self) -> str:
        return (
            f"ZmqTransport({self.endpoint!r}, sent={self.sent}, received={self.received}, refused={self.refused}, "
            f"cut={self.cut})"
        )

    @property
    def closed(self) -> bool:
        return self._socket.closed

    def _watch(self) -> None:
        """Take in the socket's events: count refused handshakes (bound end); on the connecting end, find a
        connection that libzmq dropped for good (no retry follows) and connect again."""
        if self._monitor is None or self._monitor.closed:
            return
        while self._monitor.poll(0):
            event = recv_monitor_message(self._monitor)["event"]
            if event & _HANDSHAKE_FAILURES:
                self.refused += 1
            elif event == zmq.EVENT_DISCONNECTED:
                self._disconnected_at = time.monotonic()
            elif event == zmq.EVENT_CONNECT_RETRIED:
                self._disconnected_at = None  # an ordinary reconnection, which libzmq runs itself
        if self._disconnected_at is not None and time.monotonic() - self._disconnected_at > CUT_GRACE:
            self._disconnected_at = None
            self.cut += 1
            self._socket.disconnect(self._connect_to)
            self._socket.connect(self._connect_to)

    def send(self, payload: bytes) -> bool:
        self._watch()
        if len(payload) > SOCKET_MESSAGE_LIMIT:  # the peer's socket would drop the connection over it
            self.send_failures += 1
            return False
        try:
            self._socket.send(payload, zmq.NOBLOCK)
        except zmq.Again:  # no peer yet, or the queue is full: a real-time link drops, it does not wait
            self.send_failures += 1
            return False
        except zmq.ZMQError:
            self._refuse_if_closed("send")
            raise
        self.sent += 1
        return True

    def _refuse_if_closed(self, what: str) -> None:
        """After close(), libzmq's own error ('Socket operation on non-socket') says nothing of why: say it here."""
        if self.closed:
            raise RuntimeError(
                f"cannot {what}: this ZmqTransport ({self.endpoint}) is closed (close(), or the end of its `with` "
                "block); make a new one with ZmqTransport.bind() or ZmqTransport.connect(endpoint)."
            ) from None

    def receive(self, timeout: float | None = 0.0) -> bytes | None:
        """The next message, waiting up to ``timeout`` s (``None``: forever), or ``None``."""
        deadline = None if timeout is None else time.monotonic() + max(0.0, timeout)
        try:
            return self._receive(deadline)
        except zmq.ZMQError:
            self._refuse_if_closed("receive")
            raise

    def _receive(self, deadline: float | None) -> bytes | None:
        while True:
            self._watch()
            if self._socket.poll(0):
                self.received += 1
                return self._socket.recv(copy=True)
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and wait <= 0:
                return None
            if self._disconnected_at is not None:  # wake in time to heal a cut connection
                grace_left = self._disconnected_at + CUT_GRACE - time.monotonic() + 0.001
                wait = grace_left if wait is None else min(wait, grace_left)
            self._poller.poll(None if wait is None else max(0, int(wait * 1000) + 1))

    def close(self) -> None:
        if self._monitor is not None and not self._monitor.closed:
            if not self._socket.closed:
                self._socket.disable_monitor()
            self._monitor.close(linger=0)
        if not self._socket.closed:
            self._socket.close(linger=0)
        if self._authenticator is not None:
            self._authenticator.stop()
            self._authenticator = None
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
