"""The physical stand-in in its own process, seen from the twin: ``ProcessStandIn``.

The twin binds a ZeroMQ socket on 127.0.0.1 (an ephemeral port) and starts
``python -m twin.physical_system.server --connect <that endpoint> --parent-pid <this pid>``. Everything
the stand-in says arrives as schema-v2 messages and is validated; nothing is shared but bytes.

The twin talks to the one robot it started or was told about. Each link has its own secret (``secret``):
a spawned stand-in gets it in its environment (``TWIN_LINK_SECRET``, which other users cannot read), a robot
started by hand is given it the same way, and the socket refuses every connection without it at the
handshake (``transport.refused`` counts them), so no other program can take commands or pose as the robot.
The robot's joint count is fixed by its first state; a message of another length is dropped and counted.

Times on the twin's side are seconds since this link started (``clock()``), not since the machine booted:
subtracting two of them (dead reckoning, interpolation) keeps every bit, whatever the machine's uptime.
A spawned stand-in's clock counts from the same start (plus ``clock_offset``).

Lifetime: ``close()`` (or leaving a ``with`` block, or garbage collection, or interpreter exit) sends
``stop``, waits briefly, then terminates and finally kills the process; the socket closes with LINGER 0.
If this process dies without any of that (a kernel restart), the child sees its parent gone and exits.

Two ways to use it:

- lock-step (``rate=0``): the same methods as ``PhysicalStandIn`` (``measure``, ``apply``, ``step``,
  ``true_state``), so ``DigitalTwin(standin="process")`` runs exactly as in-process, bit for bit.
- streaming (``rate=HZ``): call ``poll()`` to take in whatever arrived; ``monitor`` counts gaps and
  says when the stream is stale; ``restart()`` starts a fresh stand-in on the same endpoint;
  ``estimate()`` gives the state now on the local clock (interpolated, or dead-reckoned past the newest).

A robot the twin did not start (``spawn=False``): the twin binds 127.0.0.1:``port`` and waits for the
robot's first heartbeat (asking a robot that is already running for its state, a ``report`` control
message; a different ``time_step`` in the heartbeat is refused), then works exactly as with its own
child. Start the robot (or a stand-in by hand: ``TWIN_LINK_SECRET=<secret> twin-standin --connect
tcp://127.0.0.1:PORT``) before or after; without ``secret=`` the twin makes one and prints that line.
Any ``Transport`` can be passed in (``transport=``), for example an MQTT one implementing the same four
methods.

Sensor streams (``sensors={"encoders": 240, "imu": 120}``, Hz on the simulation clock): the stand-in
sends ``sensor`` messages; ``sensor_samples[name]`` holds their times (s, simulated) and values.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import subprocess
import sys
import tempfile
import time
import weakref
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from types import TracebackType

import numpy as np

from twin.core.messages import JointCommand, StateMeasurement
from twin.core.types import DEFAULT_TIME_STEP, DynamicsParameters, JointState
from twin.link.clock_sync import ClockSync
from twin.link.schema import Inbox, Message, encode
from twin.link.sync import Estimate, StateBuffer, StreamMonitor
from twin.link.telemetry_log import Recorder
from twin.link.transport import LOOPBACK, Transport, ZmqTransport, check_port

SECRET_VARIABLE = "TWIN_LINK_SECRET"  # the environment variable that hands a robot its link's secret
REPORT_RETRY = 0.5  # s between requests for the state of a robot started elsewhere, until one comes
SENSOR_NAMES = ("encoders", "imu")  # what a stand-in can stream: joint encoders (rad), IMU (m/s^2 then rad/s)


class StandInError(RuntimeError):
    """The stand-in process did not answer in time or exited; the message says what it printed."""


def check_sensor_rates(sensors: Mapping[str, float]) -> dict[str, float]:
    """``{name: rate Hz}`` checked: names from ``SENSOR_NAMES``, rates finite and > 0."""
    if not isinstance(sensors, Mapping):
        raise TypeError(f"sensors must be a mapping of name to rate in Hz, e.g. {{'encoders': 240}}, got {sensors!r}.")
    checked = {}
    for name, rate in sensors.items():
        if name not in SENSOR_NAMES:
            raise ValueError(f"sensor {name!r} is unknown; a stand-in can stream {SENSOR_NAMES}.")
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not math.isfinite(rate) or rate <= 0:
            raise ValueError(f"sensors[{name!r}]={rate!r} must be a rate in Hz > 0, e.g. 240.")
        checked[name] = float(rate)
    return checked


class SensorStream:
    """The samples of one named sensor as they arrived: ``times`` (n,) in s and ``values`` (n, k).

    ``times`` are the stand-in's simulated times when it sent them (``sim_t``), else the sender clock mapped
    onto the local clock. At most ``capacity`` samples are kept (the oldest go first, and are counted).
    """

    def __init__(self, name: str, capacity: int = 100_000) -> None:
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
            raise ValueError(f"capacity={capacity!r} must be a whole number of samples >= 1, e.g. 100_000.")
        self.name, self.capacity, self.discarded = name, capacity, 0
        self._times: deque[float] = deque(maxlen=capacity)
        self._values: deque[np.ndarray] = deque(maxlen=capacity)

    def __repr__(self) -> str:
        return f"SensorStream({self.name!r}, {len(self)} samples)"

    def __len__(self) -> int:
        return len(self._times)

    def add(self, time: float, values: np.ndarray) -> None:
        """Keep one sample: its ``time`` (s) and ``values`` (the sensor's units); the oldest goes when full."""
        if len(self._times) == self.capacity:
            self.discarded += 1  # the deque drops the oldest as the new one goes in
        self._times.append(float(time))
        self._values.append(values)

    @property
    def times(self) -> np.ndarray:
        """Sample times (n,), s: simulated time (``sim_t``) when the sender gave it, else the local clock."""
        return np.array(self._times)

    @property
    def values(self) -> np.ndarray:
        """Samples (n, k) in the sensor's units (encoders: rad; IMU: m/s^2 x3 then rad/s x3); (0, 0) if none."""
        if not self._values:
            return np.zeros((0, 0))
        try:
            return np.vstack(self._values)
        except ValueError:  # a sender changed the sample length mid-stream: show it, do not guess
            raise StandInError(f"sensor {self.name!r} sent samples of different lengths.") from None


def _stop_process(process: subprocess.Popen, transport: Transport | None, grace: float = 2.0) -> None:
    """Ask politely (``stop``), then SIGTERM, then SIGKILL; always reap the process and close the socket."""
    if process.poll() is None and transport is not None and not transport.closed:
        transport.send(encode("control", 0, time.monotonic(), action="stop"))
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _cleanup(process_holder: list, transport: Transport) -> None:
    for process in process_holder:
        _stop_process(process, transport)
    if not transport.closed:
        transport.close()


class ProcessStandIn:
    """A ``PhysicalStandIn`` running in a child process, driven over ZeroMQ on loopback.

    Args:
        robot: ``pendulum``, ``cartpole`` or ``arm``.
        truth: the stand-in's true dynamics (default: its own ``DEFAULT_TRUTH``).
        sensor_noise: (position std rad, velocity std rad/s) of its joint sensor (default: the sensor's own).
        time_step: s per step. With ``spawn=False`` the robot's heartbeat says its step, and a different one is
            refused (a lock-step twin and robot must step alike).
        seed: seed of the stand-in's sensor noise (a spawned one; give ``--seed`` to a robot started by hand).
        initial_positions: where it starts, rad.
        rate: 0 for lock-step, or Hz for free-running streaming.
        clock_offset: added to the child's clock, s (to show that clock sync finds it).
        timeout: s to wait for any one answer before raising ``StandInError``.
        stale_after: s of silence after which ``monitor.is_stale`` says so.
        record_to: an ``.mcap`` path to record every received message to (optional).
        sensors: ``{"encoders": Hz, "imu": Hz}``: sensor streams the spawned stand-in sends (simulated clock).
        spawn: True starts the stand-in as a child process; False waits for a robot started elsewhere
            (``twin-standin --connect tcp://127.0.0.1:PORT``); its heartbeat says its rate.
        port: the loopback port to listen on (0: one the OS picks; give one for a robot started by hand).
        transport: a ready ``Transport`` to use instead of binding ZeroMQ (closed by ``close()``).
        secret: the link's secret, which the robot must present (default: a fresh random one; with
            ``spawn=False`` the twin prints the command that starts a robot with it). With ``transport=``,
            give the secret to the transport you built instead (``ZmqTransport.bind(secret=...)``).
    """

    def __init__(
        self,
        robot: str = "pendulum",
        truth: DynamicsParameters | None = None,
        sensor_noise: tuple[float, float] | None = None,
        time_step: float = DEFAULT_TIME_STEP,
        seed: int = 0,
        initial_positions: Sequence[float] | np.ndarray | None = None,
        *,
        rate: float = 0.0,
        clock_offset: float = 0.0,
        timeout: float = 30.0,
        stale_after: float = 0.5,
        record_to: str | None = None,
        sensors: Mapping[str, float] | None = None,
        spawn: bool = True,
        port: int = 0,
        transport: Transport | None = None,
        secret: str | None = None,
    ) -> None:
        if rate < 0:
            raise ValueError(f"rate={rate} must be >= 0 Hz (0 = lock-step).")
        check_port(port)
        if transport is not None and secret is not None and not spawn:
            raise ValueError(
                "secret= protects the socket the twin binds; with transport= give it to that transport instead, "
                "e.g. ZmqTransport.bind(secret=...)."
            )
        if not spawn:
            child_only = {
                "truth": truth is not None,
                "sensor_noise": sensor_noise is not None,
                "initial_positions": initial_positions is not None,
                "rate": rate != 0.0,
                "clock_offset": clock_offset != 0.0,
                "sensors": bool(sensors),
                "seed": seed != 0,
            }
            given = [name for name, set_ in child_only.items() if set_]
            if given:
                raise ValueError(
                    f"{given} describe a stand-in the twin starts; with spawn=False the robot is started elsewhere: "
                    "give those options to twin-standin instead (e.g. --seed 4; its heartbeat tells the twin its "
                    "rate and time step)."
                )
        if transport is not None and spawn and not str(getattr(transport, "endpoint", "")).startswith("tcp://"):
            raise ValueError("a spawned stand-in connects over ZeroMQ: pass a bound ZmqTransport, or spawn=False.")
        sensors = check_sensor_rates(sensors or {})
        self.robot_name, self.time_step, self.rate, self.timeout = robot, time_step, rate, timeout
        self.spawn = bool(spawn)
        self.started_at = time.monotonic()  # s on this machine's monotonic clock: the zero of clock()
        self.secret = secret if secret is not None or transport is not None else secrets.token_urlsafe(24)
        self._arguments = [
            "--clock-origin",
            repr(self.started_at),
            "--robot",
            robot,
            "--time-step",
            repr(time_step),
            "--seed",
            str(seed),
            "--rate",
            repr(rate),
            "--clock-offset",
            repr(clock_offset),
        ]
        if truth is not None:
            self._arguments += ["--truth", json.dumps(asdict(truth))]
        if sensor_noise is not None:
            self._arguments += ["--sensor-noise", json.dumps(list(map(float, sensor_noise)))]
        if initial_positions is not None:
            self._arguments += ["--initial-positions", json.dumps(np.asarray(initial_positions, float).tolist())]
        if sensors:
            self._arguments += ["--sensors", json.dumps(sensors)]
        self.transport: Transport = (
            transport if transport is not None else ZmqTransport.bind(LOOPBACK, port, secret=self.secret)
        )
        self._processes: list[subprocess.Popen] = []
        self._finalizer = weakref.finalize(self, _cleanup, self._processes, self.transport)
        self.inbox = Inbox("twin")
        self.monitor = StreamMonitor(stale_after)
        self.clock_sync = ClockSync()
        self.buffer = StateBuffer()
        self.recorder = Recorder(record_to) if record_to else None
        self.latest: Message | None = None
        self.latest_heartbeat: Message | None = None
        self.dof: int | None = None
        self._torques: np.ndarray | None = None
        self._command_seq = self._probe_seq = 0
        self._replies: dict[int, tuple[float, Message]] = {}
        self.sensor_samples: dict[str, SensorStream] = {}
        self.remote_dropped = 0  # messages the robot says it dropped (from its heartbeats)
        self._stderr = tempfile.TemporaryFile()
        try:
            self._start()
        except BaseException:
            self.close()
            raise

    def __repr__(self) -> str:
        state = ("running" if self.alive else "stopped") if self.spawn else ("heard" if self.alive else "silent")
        where = getattr(self.transport, "endpoint", type(self.transport).__name__)
        refused = getattr(self.transport, "refused", 0)
        return f"ProcessStandIn({self.robot_name!r}, {state}, {where}, {self.monitor}, refused={refused})"

    def clock(self) -> float:
        """Seconds since this link started (``started_at``, on the monotonic clock): the twin's local time."""
        return time.monotonic() - self.started_at

    # -- process lifetime -----------------------------------------------------------------------
    @property
    def process(self) -> subprocess.Popen:
        if not self._processes:
            raise StandInError("this twin did not start the robot (spawn=False): it has no process to show.")
        return self._processes[-1]

    @property
    def alive(self) -> bool:
        """Spawned: the child process runs. Started elsewhere: the robot was heard within ``stale_after`` s
        (what has arrived is taken in first, so a healthy robot reads alive even if nobody polled)."""
        if not self.spawn:
            if not self.transport.closed:
                self.poll()
            return not self.monitor.is_stale(time.monotonic())
        return bool(self._processes) and self.process.poll() is None

    def _start(self) -> None:
        if not self.spawn:
            self._await_robot()
            return
        command = [
            sys.executable,
            "-m",
            "twin.physical_system.server",
            "--connect",
            self.transport.endpoint,
            "--parent-pid",
            str(os.getpid()),
            *self._arguments,
        ]
        environment = dict(os.environ)
        if self.secret is not None:
            environment[SECRET_VARIABLE] = self.secret
        self._processes.append(
            subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._stderr, env=environment
            )
        )
        session = self.monitor.session
        self.wait_for(
            lambda: self.monitor.session not in (None, session) and self.latest is not None,
            "a heartbeat and a first state",
        )

    def _await_robot(self) -> None:
        """Wait for a robot started elsewhere: its heartbeat, then its state, with an error that says what to run.

        A lock-step robot sends its state only at its start and after a command, so a twin that connects later
        asks for it (a ``report`` control message, repeated every ``REPORT_RETRY`` s until a state comes).
        """
        endpoint = getattr(self.transport, "endpoint", "the transport you passed")
        start_it = f"twin-standin --connect {endpoint} --robot {self.robot_name}"
        if self.secret is not None:
            start_it = f"{SECRET_VARIABLE}={self.secret} {start_it}"
            print(f"The twin listens on {endpoint}. Start the robot with:\n  {start_it}", flush=True)
        deadline = time.monotonic() + self.timeout
        next_ask = 0.0
        while self.monitor.session is None or self.latest is None:
            now = time.monotonic()
            if now > deadline:
                if self.monitor.session is None:
                    refused = getattr(self.transport, "refused", 0)
                    why = f" ({refused} connections without this link's secret were refused)" if refused else ""
                    raise StandInError(
                        f"no robot spoke on {endpoint} within {self.timeout} s{why}. Start one that connects there, "
                        f"e.g. in a terminal: {start_it}"
                    )
                raise StandInError(
                    f"heard heartbeats from a robot on {endpoint} (session {self.monitor.session!r}), no state "
                    f"within {self.timeout} s although the twin asked for one (a 'report' control message). "
                    "Restart the robot, or make it send its state when asked (twin-standin does)."
                )
            if self.monitor.session is not None and now >= next_ask:
                self.transport.send(encode("control", 0, self.clock(), action="report"))
                next_ask = now + REPORT_RETRY
            self.poll(timeout=0.05)
        self.rate = float(self.latest_heartbeat["rate"])
        robot_step = self.latest_heartbeat.get("time_step")
        if robot_step is not None and not math.isclose(robot_step, self.time_step, rel_tol=1e-9):
            raise ValueError(
                f"the robot on {endpoint} steps {robot_step:.6g} s, this twin time_step={self.time_step:.6g} s: "
                f"pass time_step={robot_step!r}, or start the robot with --time-step {self.time_step!r}."
            )

    def _not_ours(self, what: str) -> StandInError:
        return StandInError(
            f"this twin did not start the robot (spawn=False), so it cannot {what} it: do that where it runs; "
            "the twin notices the new session when it comes back."
        )

    def restart(self) -> None:
        """Start a fresh stand-in on the same endpoint (after it died or was killed)."""
        if not self.spawn:
            raise self._not_ours("restart")
        if self.alive:
            _stop_process(self.process, self.transport)
        self.process.wait()
        self._processes.pop()
        self.latest = None
        self._start()

    def kill(self) -> None:
        """Kill the stand-in abruptly (SIGKILL), as a crash would, and reap it."""
        if not self.spawn:
            raise self._not_ours("kill")
        self.process.kill()
        self.process.wait()

    def _error_output(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")[-2000:]

    def stop_robot(self) -> None:
        """Ask the robot to stop (a ``stop`` control message); ``close()`` does this only for its own child."""
        self.transport.send(encode("control", 0, self.clock(), action="stop"))

    def close(self) -> None:
        """Stop the child (if the twin started it), close the socket and the recording. Safe to call twice."""
        self._finalizer()
        if self.recorder is not None:
            self.recorder.close()
        self._stderr.close()

    def __enter__(self) -> ProcessStandIn:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- receiving ------------------------------------------------------------------------------
    def poll(self, timeout: float = 0.0) -> int:
        """Take in every message that has arrived (waiting up to ``timeout`` s for the first). Returns how many."""
        count = 0
        payload = self.transport.receive(timeout)
        while payload is not None:
            self._take(payload, time.monotonic())
            count += 1
            payload = self.transport.receive(0.0)
        return count

    def _take(self, payload: bytes, arrived: float) -> None:
        """Take in one received message that ``arrived`` at ``time.monotonic()`` s. The stream monitor keeps that
        clock (it only measures silences); samples and clock probes go on the link clock (``clock()``)."""
        now = arrived - self.started_at
        message = self.inbox.accept(payload)
        if message is None:
            return
        if self.recorder is not None:
            self.recorder.write(message.type, payload, now)
        if message.type == "heartbeat":
            self.latest_heartbeat = message
            self.remote_dropped = int(message.get("dropped", 0))
            if self.monitor.heartbeat(message["session"], arrived):
                self.latest = None  # a new stand-in: forget the old one's state
        elif message.type == "state":
            outcome = self.monitor.observe(message.seq, arrived)
            if self.dof is None:  # the robot's first state fixes its joint count; other lengths are dropped
                self.dof = self.inbox.expected_length = message["q"].size
            if outcome in ("duplicate", "too_old"):
                return
            if outcome != "late":  # a late one fills the buffer's past; it is not the newest state
                self.latest = message
            local_time = self.clock_sync.to_local(message.t) if self.clock_sync.probes else now
            self.buffer.add(local_time, message["q"], message["qd"])
        elif message.type == "sensor":
            stream = self.sensor_samples.setdefault(message["name"], SensorStream(message["name"]))
            stream.add(
                message.get("sim_t", self.clock_sync.to_local(message.t) if self.clock_sync.probes else now),
                message["values"],
            )
        elif message.type == "sync_reply":
            self._replies[message["probe"]] = (now, message)

    def wait_for(self, condition: Callable[[], bool], what: str) -> None:
        """Poll until ``condition()`` holds; raise ``StandInError`` on timeout or if the child exits."""
        deadline = time.monotonic() + self.timeout
        while not condition():
            if self.spawn and not self.alive:
                raise StandInError(
                    f"the stand-in process exited (code {self.process.returncode}) while the "
                    f"twin waited for {what}. It printed:\n{self._error_output()}"
                )
            if time.monotonic() > deadline:
                dropped = dict(self.inbox.dropped)
                why = f" (the twin dropped what arrived: {dropped})" if dropped else ""
                raise StandInError(f"no {what} from the stand-in within {self.timeout} s{why}.")
            self.poll(timeout=0.05)

    def estimate(self, now: float | None = None) -> Estimate:
        """Streaming: the robot's state at local time ``now`` (default: now), from the buffer of received states.

        Interpolated between samples, dead-reckoned (constant velocity) up to ``buffer.max_extrapolation`` s past
        the newest, held beyond that (``how`` says which). Sample times are on the link clock (``clock()``, s since
        the link started): mapped by clock sync when ``synchronise_clocks`` has run, else the arrival times (later
        than the truth by the latency).
        """
        self.poll()
        return self.buffer.at(self.clock() if now is None else now)

    # -- clock sync -----------------------------------------------------------------------------
    def synchronise_clocks(self, probes: int = 16) -> ClockSync:
        """Exchange ``probes`` NTP-style probes; returns the estimator (offset of the child's clock, s)."""
        for _ in range(probes):
            probe = self._probe_seq
            self._probe_seq += 1
            t0 = self.clock()
            self.transport.send(encode("sync_request", probe, t0, probe=probe))
            self.wait_for(lambda p=probe: p in self._replies, "a clock-sync reply")
            t3, reply = self._replies.pop(probe)
            self.clock_sync.add(reply["t0"], reply["t1"], reply.t, t3)
        return self.clock_sync

    # -- the PhysicalStandIn interface (lock-step) -------------------------------------------------
    def measure(self) -> StateMeasurement:
        """The newest measured state (its ``time`` is the stand-in's simulated time, s)."""
        if self.latest is None:
            self.wait_for(lambda: self.latest is not None, "a state message")
        m = self.latest
        return StateMeasurement(m.get("sim_t", m.t), m["q"], m["qd"])

    def true_state(self) -> JointState:
        """The stand-in's exact state, sent for teaching only (a real robot cannot send it)."""
        m = self.latest
        if m is None or "true_q" not in m.fields:
            raise StandInError("the stand-in sent no true state (started with --no-truth, or nothing yet).")
        return JointState(np.array(m["true_q"]), np.array(m["true_qd"]))

    def apply(self, command: JointCommand) -> None:
        """Latch the torques; lock-step mode sends them with the next ``step``, streaming mode at once."""
        if self.dof is not None and command.torques.shape != (self.dof,):
            raise ValueError(f"command has {command.torques.size} torques; the stand-in has {self.dof} joints.")
        self._torques = command.torques
        if self.rate > 0:
            self._send_command(0)

    def _send_command(self, steps: int) -> bool:
        """Send the latched torques (``steps`` time steps in lock-step, 0 streaming); False: not sent (no robot
        connected at this instant, or the queue is full), and neither recorded nor numbered."""
        torques = self._torques if self._torques is not None else np.zeros(self.dof or 0)
        payload = encode("command", self._command_seq, self.clock(), tau=torques, steps=steps)
        if not self.transport.send(payload):
            return False
        if self.recorder is not None:
            self.recorder.write("command", payload, self.clock())
        self._command_seq += 1
        return True

    def step(self) -> None:
        """Lock-step: advance the stand-in one step under the latched command and wait for its new state."""
        if self.rate > 0:
            raise RuntimeError("step() is for lock-step mode (rate=0); a free-running stand-in steps itself.")
        before = self.latest
        # a lock-step command must arrive: while the robot is between connections (it reconnects by itself after
        # a restart or a cut link) the socket has no peer, so send again until it takes the command
        self.wait_for(lambda: self._send_command(1), "a connected robot to take the step command")
        self.wait_for(lambda: self._answers_an_order_after(before), "the state after a step")

    def _answers_an_order_after(self, before: Message | None) -> bool:
        """True once the newest state answers an order (a step or a reset) sent after ``before`` arrived.

        A state the robot sends unasked (at its start, or for a ``report`` the twin repeated while it waited)
        carries the same ``obeyed`` count as ``before`` and may still be on its way after the order is sent:
        it is not the answer. A robot that sends no count is taken at its word: any newer state answers."""
        latest = self.latest
        if latest is None:
            return False
        if before is None:
            return True
        if "obeyed" in latest.fields and "obeyed" in before.fields:
            return latest["obeyed"] > before["obeyed"]
        return latest.seq > before.seq

    def reset(self, positions: Sequence[float] | np.ndarray) -> None:
        """Put the stand-in back at ``positions`` (rad, one per joint), at rest, and wait for its state."""
        q = np.asarray(positions, float)
        if q.ndim != 1 or (self.dof is not None and q.size != self.dof):
            raise ValueError(
                f"reset needs {self.dof or 'one per joint'} joint positions (rad) for the {self.robot_name}, "
                f"got {q.tolist()!r}: pass a list of {self.dof or 'joint'} angles, e.g. {[0.0] * (self.dof or 1)}."
            )
        before = self.latest
        reset = encode("control", 0, self.clock(), action="reset", q=q)
        self.wait_for(lambda: self.transport.send(reset), "a connected robot to take the reset")
        self.wait_for(lambda: self._answers_an_order_after(before), "the state after a reset")
