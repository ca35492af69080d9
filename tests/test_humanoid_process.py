"""The humanoid stand-in in its own process: the same run as in-process, bit for bit; errors on both sides of
the link; nothing left running after close."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from twin.humanoid import HumanoidStandIn, HumanoidTruth, HumanoidTwin, PostureCommand
from twin.humanoid.process import HumanoidProcess


def _run(robot: HumanoidStandIn | HumanoidProcess, steps: int = 240) -> list:
    measurements = []
    with HumanoidTwin() as twin:
        for k in range(steps):
            if k == 120:
                robot.push(4.0, 180.0)
            m = robot.step()
            measurements.append(m)
            robot.apply(twin.step(m))
    return measurements


def test_a_run_over_the_process_is_the_run_in_process_bit_for_bit():
    truth = HumanoidTruth.random(1)
    with HumanoidProcess(truth, seed=1) as remote:
        assert remote.transport.endpoint.startswith("tcp://127.0.0.1:")
        over_the_link = _run(remote)
        process = remote.process
    assert process.poll() is not None  # closed: the robot's process has exited
    with HumanoidStandIn(truth, seed=1) as robot:
        in_process = _run(robot)
    for a, b in zip(over_the_link, in_process, strict=True):
        assert a.time == b.time
        for name in ("ball_joints", "hinge_joints", "accel", "gyro", "foot_force", "foot_cop"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))  # NaN CoPs compare equal


def test_bad_requests_fail_on_the_side_that_can_tell():
    with HumanoidProcess() as remote:
        with pytest.raises(ValueError, match="impulse"):
            remote.push(float("nan"), 0.0)  # checked by the twin
        with pytest.raises(ValueError, match="refused.*cannot be pushed"):
            remote.push(5.0, 0.0, link="left_wrist")  # checked by the robot, which answers with the reason
        with pytest.raises(ValueError, match="shapes"):
            remote.apply(PostureCommand(0.0, np.zeros((8, 3)), np.zeros(4)))
        for _ in range(60):  # still serving after the refusals: after a quarter second it stands on its feet
            sample = remote.step()
        assert sample.foot_force.sum() > 300


def test_the_robot_side_wants_the_links_secret():
    env = {k: v for k, v in os.environ.items() if k != "TWIN_LINK_SECRET"}
    done = subprocess.run(
        [sys.executable, "-m", "twin.humanoid.process", "--connect", "tcp://127.0.0.1:5999"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "TWIN_LINK_SECRET" in done.stderr


def test_the_robot_process_exits_when_its_twin_dies_without_closing():
    import time

    orphaning = (
        "import os\n"
        "from twin.humanoid.process import HumanoidProcess\n"
        "remote = HumanoidProcess()\n"
        "print(remote.process.pid, flush=True)\n"
        "os._exit(0)  # a crashed kernel: no close(), no stop message\n"
    )
    done = subprocess.run([sys.executable, "-c", orphaning], capture_output=True, text=True, timeout=60)
    child = int(done.stdout.split()[0])
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)  # still there?
        except ProcessLookupError:
            return
        try:
            with open(f"/proc/{child}/stat") as stat:  # an exited child awaiting its reaper counts as gone
                if stat.read().split()[2] == "Z":
                    return
        except FileNotFoundError:  # reaped between the two looks
            return
        time.sleep(0.1)
    os.kill(child, 9)
    pytest.fail("the robot's process outlived its twin by 10 s")
