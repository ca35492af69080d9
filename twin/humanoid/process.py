"""The humanoid stand-in in its own process, behind a ZeroMQ link: ``HumanoidProcess``.

The twin binds a ZeroMQ socket on 127.0.0.1 (an ephemeral port, a per-link secret) and starts
``python -m twin.humanoid.process --connect <endpoint> --parent-pid <pid>``; the secret travels in the
child's environment (``TWIN_LINK_SECRET``). Only msgpack maps cross, never pickle, and only what a real
humanoid sends: encoders, IMU, foot forces (a ``HumanoidMeasurement``) and its on-board fall flag; the twin sends
servo targets, and the experiment's pushes. Lock-step: each ``step()`` asks the robot for one physics step and
waits for its measurement, so a run over the process is the same, bit for bit, as one in-process.

The child exits on ``close()`` (a ``stop`` message, then terminate, then kill) and by itself as soon as its
parent process is gone, so a crashed notebook kernel leaves nothing behind.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import secrets
import subprocess
import sys

import msgpack
import numpy as np

from twin.humanoid.body import BALL_JOINTS, HINGE_JOINTS
from twin.humanoid.standin import HumanoidMeasurement, HumanoidStandIn, HumanoidTruth, PostureCommand
from twin.humanoid.twin import check_push
from twin.link.transport import ZmqTransport

SECRET_VARIABLE = "TWIN_LINK_SECRET"
_SHAPES = {  # field of a measurement: its shape on the wire
    "ball_joints": (len(BALL_JOINTS), 3),
    "hinge_joints": (len(HINGE_JOINTS),),
    "accel": (3,),
    "gyro": (3,),
    "foot_force": (2,),
    "foot_cop": (2, 2),
}


def _pack(kind: str, **fields: object) -> bytes:
    body = {"kind": kind}
    for name, value in fields.items():
        body[name] = np.asarray(value, dtype=float).tolist() if isinstance(value, np.ndarray) else value
    return msgpack.packb(body, use_bin_type=True)


def _unpack(payload: bytes) -> dict:
    body = msgpack.unpackb(payload, raw=False)
    if not isinstance(body, dict) or not isinstance(body.get("kind"), str):
        raise ValueError("a humanoid link message must be a msgpack map with a 'kind' string.")
    return body


def _array(body: dict, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """A field as a float array of the given shape (NaN allowed: a foot off the floor has no CoP)."""
    try:
        value = np.array(body[name], dtype=float)
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"the message has no numeric field {name!r}.") from None
    if value.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {value.shape}.")
    return value


def measurement_from_message(body: dict) -> HumanoidMeasurement:
    """Check and rebuild a ``HumanoidMeasurement`` from a ``measurement`` message (shapes and a finite time)."""
    time = body.get("time")
    if isinstance(time, bool) or not isinstance(time, int | float) or not np.isfinite(time):
        raise ValueError(f"a measurement needs a finite time in s, got {time!r}.")
    fields = {name: _array(body, name, shape) for name, shape in _SHAPES.items()}
    return HumanoidMeasurement(float(time), **fields)


class HumanoidProcess:
    """A ``HumanoidStandIn`` in a child process; the methods a twin loop uses (``step``, ``apply``, ``push``,
    ``fallen``, ``close``).

    Args:
        truth: the robot's hidden truth (``HumanoidTruth``); default the model itself.
        seed: seed of the robot's sensor noise.
        timeout: s to wait for the robot's start and for each reply.
    """

    def __init__(self, truth: HumanoidTruth | None = None, seed: int = 0, timeout: float = 20.0) -> None:
        self.truth = truth or HumanoidTruth()
        self.timeout = float(timeout)
        self.fallen = False
        secret = secrets.token_hex(16)
        self.transport = ZmqTransport.bind(secret=secret)
        command = [
            sys.executable, "-m", "twin.humanoid.process", "--connect", self.transport.endpoint,
            "--parent-pid", str(os.getpid()), "--seed", str(int(seed)),
            "--truth", json.dumps(dataclasses.asdict(self.truth)),
        ]  # fmt: skip
        try:
            self.process = subprocess.Popen(
                command, env={**os.environ, SECRET_VARIABLE: secret}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
        except BaseException:
            self.transport.close()
            raise
        try:
            self._expect("hello")
        except BaseException:
            self.close()
            raise

    def __repr__(self) -> str:
        state = "running" if self.process.poll() is None else f"exited ({self.process.returncode})"
        return f"HumanoidProcess(pid={self.process.pid}, {self.transport.endpoint}, {state})"

    def __enter__(self) -> HumanoidProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _expect(self, kind: str) -> dict:
        payload = self.transport.receive(timeout=self.timeout)
        if payload is None:
            alive = self.process.poll() is None
            why = "is not answering" if alive else f"exited: {self.process.stderr.read().decode()[-500:]}"  # type: ignore[union-attr]
            raise TimeoutError(f"the humanoid process {why} (waited {self.timeout:g} s for {kind!r}).")
        body = _unpack(payload)
        if body["kind"] == "error":
            raise ValueError(f"the robot refused the request: {body.get('message')}")
        if body["kind"] != kind:
            raise ValueError(f"expected a {kind!r} message from the robot, got {body['kind']!r}.")
        return body

    def step(self) -> HumanoidMeasurement:
        """One physics step on the robot; its measurement."""
        self.transport.send(_pack("step"))
        body = self._expect("measurement")
        self.fallen = bool(body.get("fallen", False))
        return measurement_from_message(body)

    def apply(self, command: PostureCommand) -> None:
        """Servo targets (checked here, so that a bad command fails on the twin's side)."""
        ball = np.asarray(command.ball_targets, dtype=float)
        hinge = np.asarray(command.hinge_targets, dtype=float)
        if ball.shape != (len(BALL_JOINTS), 4) or hinge.shape != (len(HINGE_JOINTS),):
            raise ValueError(f"a PostureCommand needs shapes (8, 4) and (4,); got {ball.shape} and {hinge.shape}.")
        self.transport.send(_pack("apply", time=float(command.time), ball_targets=ball, hinge_targets=hinge))

    def push(self, impulse: float, direction_deg: float, duration: float = 0.1, link: str = "chest") -> None:
        """Push the robot (see ``HumanoidStandIn.push``); the robot checks the push and answers."""
        check_push(impulse, direction_deg)
        self.transport.send(
            _pack("push", impulse=float(impulse), direction=float(direction_deg), duration=duration, link=link)
        )
        self._expect("pushed")

    def close(self) -> None:
        """Stop the robot's process (stop message, then terminate, then kill) and close the socket."""
        if self.process.poll() is None:
            self.transport.send(_pack("stop"))
            try:
                self.process.wait(timeout=2.0)
            except subprocess.TimeoutExpired:
                self.process.terminate()
                try:
                    self.process.wait(timeout=2.0)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        if self.process.stderr is not None:
            self.process.stderr.close()
        if not self.transport.closed:
            self.transport.close()

    def __del__(self) -> None:
        if getattr(self, "process", None) is not None and getattr(self, "transport", None) is not None:
            self.close()


def serve(endpoint: str, secret: str, parent_pid: int | None, truth: HumanoidTruth, seed: int) -> None:
    """The robot's side: a ``HumanoidStandIn`` answering step, apply, push and stop until told to stop."""
    transport = ZmqTransport.connect(endpoint, secret=secret)
    try:
        with HumanoidStandIn(truth, seed=seed) as robot:
            transport.send(_pack("hello"))
            while True:
                payload = transport.receive(timeout=0.5)
                if payload is None:
                    if parent_pid is not None and os.getppid() != parent_pid:
                        return  # the twin's process is gone: nothing to serve
                    continue
                try:
                    body = _unpack(payload)
                    kind = body["kind"]
                    if kind == "stop":
                        return
                    if kind == "step":
                        m = robot.step()
                        fields = {name: getattr(m, name) for name in _SHAPES}
                        transport.send(_pack("measurement", time=m.time, fallen=robot.fallen, **fields))
                    elif kind == "apply":
                        ball = _array(body, "ball_targets", (len(BALL_JOINTS), 4))
                        hinge = _array(body, "hinge_targets", (len(HINGE_JOINTS),))
                        robot.apply(PostureCommand(float(body.get("time", 0.0)), ball, hinge))
                    elif kind == "push":
                        robot.push(body["impulse"], body["direction"], body["duration"], body["link"])
                        transport.send(_pack("pushed"))
                    else:
                        raise ValueError(f"unknown message kind {kind!r}")
                except (ValueError, TypeError, KeyError) as error:
                    transport.send(_pack("error", message=str(error)))
    finally:
        transport.close()


def main(argv: list[str] | None = None) -> None:
    """Run the humanoid stand-in for a twin that listens at ``--connect``."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--connect", required=True, help="the twin's endpoint, tcp://127.0.0.1:PORT")
    parser.add_argument("--parent-pid", type=int, default=None, help="exit when this process is gone")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--truth", default="{}", help="HumanoidTruth fields as JSON")
    args = parser.parse_args(argv)
    secret = os.environ.get(SECRET_VARIABLE)
    if not secret:
        parser.error(f"set {SECRET_VARIABLE} to the secret of the twin's link (the twin passes it when it spawns).")
    fields = json.loads(args.truth)
    for name in ("imu_tilt", "gyro_bias"):
        if name in fields:
            fields[name] = tuple(fields[name])
    serve(args.connect, secret, args.parent_pid, HumanoidTruth(**fields), args.seed)


if __name__ == "__main__":
    main()
