"""The physical stand-in as its own process, speaking the wire schema (``twin.link.schema``) over ZeroMQ.

Run it by hand (the twin normally starts it for you)::

    TWIN_LINK_SECRET=<secret the twin printed> twin-standin --connect tcp://127.0.0.1:5555 --rate 240

after (or before) the twin side listens with ``ProcessStandIn("pendulum", spawn=False, port=5555)``. The
secret travels in the environment, not on the command line, where every user of the machine could read it.

It connects to the twin (which listens), announces itself with heartbeats (a new ``session`` each start),
streams ``state`` messages and obeys ``command``, ``sync_request`` and ``control`` messages (``stop``,
``reset``, and ``report``: send the state now, which a twin that connects later asks for):

- lock-step mode (``--rate 0``, the default): it advances only when a command says ``steps`` > 0,
  then reports the new state. Exact and repeatable, whatever the machine's load.
- free-running mode (``--rate HZ``): it steps in real time at HZ and streams every state.
- sensor streams (``--sensors '{"encoders": 240, "imu": 120}'``): after every time step it polls each
  sensor on the simulation clock and sends a ``sensor`` message (with ``sim_t``) whenever one is due:
  ``encoders`` = joint angles quantised by ``twin.sensors.encoder.JointEncoders`` (rad), ``imu`` = the
  specific force (m/s^2, 3 values) then the angular rate (rad/s, 3 values) of a ``twin.sensors.imu.Imu``
  on the robot's last link, in that link's axes.

It never trusts its input: a malformed message is counted and dropped with one log line. It exits on
a ``stop`` control message, on SIGTERM/SIGINT, or as soon as its parent process is gone, so a
crashed or restarted notebook kernel leaves nothing behind.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import signal
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from twin.core.types import DynamicsParameters
from twin.link.schema import Inbox, Message, encode
from twin.link.transport import Transport, ZmqTransport, check_endpoint
from twin.physical_system.standin import PhysicalStandIn
from twin.sensors.joint_state import JointStateSensor

HEARTBEAT_PERIOD = 0.1  # s
SECRET_VARIABLE = "TWIN_LINK_SECRET"  # the same name as twin.physical_system.process.SECRET_VARIABLE
log = logging.getLogger("twin.physical_system.server")


@dataclass(frozen=True)
class SensorPoll:
    """One sensor as the server drives it.

    ``poll()`` is called after every time step and returns (simulated time s, values) when a sample is due,
    else None. ``reset()`` is called after the robot is reset: the sensor forgets what it remembered of the
    motion before (an IMU's previous velocity), so that the jump in state is not read as an acceleration.
    """

    poll: Callable[[], tuple[float, np.ndarray] | None]
    reset: Callable[[], None] = lambda: None


def make_sensors(standin: PhysicalStandIn, rates: Mapping[str, float], seed: int = 0) -> dict[str, SensorPoll]:
    """Sensors on the stand-in's robot, by name (``encoders``, ``imu``) and rate (Hz, simulation clock)."""
    from twin.physical_system.process import check_sensor_rates  # the same check the twin side does before spawning

    robot = standin.robot
    polls: dict[str, SensorPoll] = {}
    for index, (name, rate) in enumerate(check_sensor_rates(rates).items()):
        if name == "encoders":
            from twin.sensors.encoder import JointEncoders

            encoders = JointEncoders(robot, rate_hz=rate, seed=seed + 1 + index)

            def poll_encoders(sensor: JointEncoders = encoders) -> tuple[float, np.ndarray] | None:
                reading = sensor.poll()
                return None if reading is None else (reading.time, reading.positions)

            polls[name] = SensorPoll(poll_encoders)  # it reads positions only: nothing to forget on a reset
        else:
            from twin.sensors.imu import Imu

            imu = Imu(robot.world, robot.body_id, robot.links[-1].index, rate_hz=rate, seed=seed + 1 + index)

            def poll_imu(sensor: Imu = imu) -> tuple[float, np.ndarray] | None:
                sample = sensor.poll()
                return None if sample is None else (sample.time, np.concatenate([sample.accel, sample.gyro]))

            def forget_motion(sensor: Imu = imu) -> None:
                sensor.true_reading()  # remembers the velocity and time now (after the reset) and nothing older

            polls[name] = SensorPoll(poll_imu, forget_motion)
    return polls


class StandInServer:
    """Wraps a ``PhysicalStandIn`` and a transport: the loop that a real robot's firmware would run."""

    def __init__(
        self,
        standin: PhysicalStandIn,
        transport: Transport,
        *,
        rate: float = 0.0,
        clock_offset: float = 0.0,
        send_truth: bool = True,
        parent_pid: int | None = None,
        sensors: Mapping[str, float] | None = None,
        seed: int = 0,
        clock_origin: float | None = None,
    ) -> None:
        self.standin, self.transport = standin, transport
        self.clock_origin = time.monotonic() if clock_origin is None else clock_origin
        self.sensors = make_sensors(standin, sensors or {}, seed)
        self.rate, self.clock_offset, self.send_truth = rate, clock_offset, send_truth
        self.parent_pid = parent_pid
        self.session = uuid.uuid4().hex[:12]
        self.inbox = Inbox("stand-in", expected_length=standin.robot.dof)
        self.seq = {"state": 0, "heartbeat": 0, "sync_reply": 0, "sensor": 0}
        self.refused = 0  # valid messages the robot could not obey (counted, logged, never fatal)
        self.obeyed = 0  # step commands and resets obeyed: each state says it, so a twin knows what it answers
        self.running = True

    def clock(self) -> float:
        """The stand-in's own clock, s: monotonic time since ``clock_origin`` (its start, or the twin's link start
        when the twin spawned it) plus a deliberate offset (to show clock sync)."""
        return time.monotonic() - self.clock_origin + self.clock_offset

    def _next(self, kind: str) -> int:
        self.seq[kind] += 1
        return self.seq[kind] - 1

    @property
    def dropped(self) -> int:
        """Messages received and not obeyed: refused by the schema, valid but refused by the robot, or lost with a
        connection the socket cut (a message too large for it: ``transport.cut``)."""
        return sum(self.inbox.dropped.values()) + self.refused + getattr(self.transport, "cut", 0)

    def send_heartbeat(self) -> None:
        """Announce the session, rate (Hz) and time step (s), and how many received messages were dropped so far."""
        self.transport.send(
            encode(
                "heartbeat",
                self._next("heartbeat"),
                self.clock(),
                session=self.session,
                rate=self.rate,
                dropped=self.dropped,
                time_step=self.standin.robot.world.time_step,
            )
        )

    def send_state(self) -> None:
        measurement = self.standin.measure()
        fields: dict[str, object] = {
            "q": measurement.positions,
            "qd": measurement.velocities,
            "sim_t": measurement.time,
            "obeyed": self.obeyed,
        }
        if self.send_truth:
            truth = self.standin.true_state()
            fields.update(true_q=truth.positions, true_qd=truth.velocities)
        self.transport.send(encode("state", self._next("state"), self.clock(), **fields))

    def step(self) -> None:
        """One time step of the robot, then every sensor that is due sends its sample."""
        self.standin.step()
        for name, sensor in self.sensors.items():
            sample = sensor.poll()
            if sample is not None:
                sim_t, values = sample
                self.transport.send(
                    encode("sensor", self._next("sensor"), self.clock(), name=name, values=values, sim_t=sim_t)
                )

    def handle(self, payload: bytes, received_at: float) -> None:
        """Obey one received message; a bad one is counted and dropped, never fatal."""
        message = self.inbox.accept(payload)
        if message is None:
            return
        try:
            self._obey(message, received_at)
        except Exception as error:  # valid on the wire, refused by the robot (e.g. a reset it cannot do)
            self.refused += 1
            log.warning("stand-in refused a %s message: %s: %s", message.type, type(error).__name__, error)

    def _obey(self, message: Message, received_at: float) -> None:
        if message.type == "command":
            from twin.core.messages import JointCommand

            self.standin.apply(JointCommand(self.standin.time, message["tau"]))
            for _ in range(message["steps"]):
                self.step()
            if message["steps"]:
                self.obeyed += 1
                self.send_state()
        elif message.type == "sync_request":
            self.transport.send(
                encode(
                    "sync_reply",
                    self._next("sync_reply"),
                    self.clock(),
                    probe=message["probe"],
                    t0=message.t,
                    t1=received_at,
                )
            )
        elif message.type == "control":
            if message["action"] == "stop":
                self.running = False
            elif message["action"] == "report":  # a twin that joined late asks where the robot is
                self.send_state()
            elif message["action"] == "reset":
                self.standin.reset(message.get("q"))
                for sensor in self.sensors.values():
                    sensor.reset()
                self.obeyed += 1
                self.send_state()
        else:
            log.warning("stand-in ignores a %s message: it only obeys command, sync_request, control", message.type)

    def parent_alive(self) -> bool:
        return self.parent_pid is None or os.getppid() == self.parent_pid

    def serve(self) -> None:
        """Run until stopped; returns normally so that the caller closes everything."""
        self.send_heartbeat()
        self.send_state()
        next_heartbeat = time.monotonic() + HEARTBEAT_PERIOD
        period = 1.0 / self.rate if self.rate > 0 else None
        next_tick = time.monotonic() + (period or 0.0)
        while self.running:
            now = time.monotonic()
            deadline = min(next_heartbeat, next_tick) if period else next_heartbeat
            payload = self.transport.receive(timeout=max(0.0, deadline - now))
            if payload is not None:
                self.handle(payload, self.clock())
                continue
            now = time.monotonic()
            if period and now >= next_tick:
                self.step()
                self.send_state()
                next_tick = max(next_tick + period, now - period)  # fall behind gracefully, never burst
            if now >= next_heartbeat:
                if not self.parent_alive():
                    log.warning("parent process %s is gone: the stand-in exits", self.parent_pid)
                    return
                self.send_heartbeat()
                next_heartbeat = now + HEARTBEAT_PERIOD


class _CommandLine(argparse.ArgumentParser):
    """argparse that reports a mistake in one line (no usage block, no traceback) and exits with status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message.rstrip('.')} (see {self.prog} --help)\n")


def _positive_or_zero(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or value < 0:
        raise ValueError(text)
    return value


def _positive(text: str) -> float:
    value = _positive_or_zero(text)
    if value == 0:
        raise ValueError(text)
    return value


_positive_or_zero.__name__ = "number >= 0"
_positive.__name__ = "number > 0"


def _json(text: str) -> object:
    return json.loads(text)


_json.__name__ = "JSON"


def main(argv: list[str] | None = None) -> int:
    """``twin-standin``: run a stand-in robot that connects to a twin. Returns the exit status."""
    parser = _CommandLine(
        prog="twin-standin",
        description=__doc__.split("\n")[0],
        epilog=f"The link's secret is read from the environment variable {SECRET_VARIABLE} (the twin prints it).",
    )
    parser.add_argument("--connect", required=True, help="the twin's endpoint, e.g. tcp://127.0.0.1:5555")
    parser.add_argument("--robot", default="pendulum", help="pendulum, cartpole or arm")
    parser.add_argument("--rate", type=_positive_or_zero, default=0.0, help="Hz of free-running mode; 0 = lock-step")
    parser.add_argument("--time-step", type=_positive, default=1.0 / 240.0, help="simulation step, s")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--initial-positions", type=_json, default=None, help="JSON list, rad")
    parser.add_argument("--truth", type=_json, default=None, help='JSON, e.g. {"mass_scale": 1.2}')
    parser.add_argument("--sensor-noise", type=_json, default=None, help="JSON [position std, velocity std]")
    parser.add_argument("--clock-offset", type=float, default=0.0, help="added to this process's clock, s")
    parser.add_argument(
        "--clock-origin", type=float, default=None, help="monotonic time its clock counts from, s (default: its start)"
    )
    parser.add_argument("--no-truth", action="store_true", help="do not send the exact state (like a real robot)")
    parser.add_argument("--parent-pid", type=int, default=None, help="exit when this parent process is gone")
    parser.add_argument(
        "--sensors", type=_json, default=None, help='JSON {name: Hz}, e.g. {"encoders": 240, "imu": 120}'
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s", stream=sys.stderr)
    from twin.physical_system.process import check_sensor_rates

    try:
        endpoint = check_endpoint(args.connect, bind=False)
        server_sensors = check_sensor_rates(args.sensors or {})
        truth = DynamicsParameters(**args.truth) if args.truth is not None else None
        sensor = None
        if args.sensor_noise is not None:
            sensor = JointStateSensor(*args.sensor_noise, seed=args.seed)
        initial = np.asarray(args.initial_positions, float) if args.initial_positions is not None else None
    except (TypeError, ValueError) as error:
        parser.error(str(error))

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        standin = PhysicalStandIn(
            args.robot, truth, sensor, time_step=args.time_step, seed=args.seed, initial_positions=initial
        )
    except (KeyError, TypeError, ValueError) as error:
        parser.error(str(error).strip("'\""))
    try:
        transport = ZmqTransport.connect(endpoint, secret=os.environ.get(SECRET_VARIABLE) or None)
    except ValueError as error:
        standin.close()
        parser.error(str(error))
    try:
        StandInServer(
            standin,
            transport,
            rate=args.rate,
            clock_offset=args.clock_offset,
            send_truth=not args.no_truth,
            parent_pid=args.parent_pid,
            sensors=server_sensors,
            seed=args.seed,
            clock_origin=args.clock_origin,
        ).serve()
    except KeyboardInterrupt:
        pass
    finally:
        transport.close()
        standin.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
