"""A kernel that dies takes its fleet's servers with it: the MQTT broker and a local Dask cluster exit by themselves
and free their ports when the process that started them is killed (SIGKILL: no close(), no atexit, no finalizer).

Each test starts a stand-in kernel (a Python subprocess) that starts the server and reports its processes and
ports, kills it, and then polls, with a deadline, until those processes are gone and the ports are free.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[1]
DEADLINE = 30.0  # s: generous for a loaded machine; a broker usually goes within half a second


def start_kernel(code: str) -> tuple[subprocess.Popen, dict]:
    """A stand-in kernel running ``code``, which prints one JSON line about its servers and then waits forever."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    kernel = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )
    line = kernel.stdout.readline()
    if not line:
        kernel.kill()
        kernel.wait()
        pytest.fail("the stand-in kernel exited before it reported its servers")
    return kernel, json.loads(line)


def gone(pid: int) -> bool:
    """True once process ``pid`` no longer runs (a zombie waiting for its new parent to reap it counts as gone)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def port_is_free(port: int) -> bool:
    """Nothing accepts connections on 127.0.0.1:``port``, and a new server could listen there."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            return False
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as every server, amqtt's too, binds
        try:
            server.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_until(condition, what: str) -> float:
    """Poll ``condition`` until it holds; fail after DEADLINE seconds. Returns the seconds it took."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > DEADLINE:
            pytest.fail(f"{what} still not true {DEADLINE} s after the kernel was killed")
        time.sleep(0.05)
    return time.monotonic() - started


def kill(kernel: subprocess.Popen) -> None:
    kernel.send_signal(signal.SIGKILL)
    kernel.wait(timeout=10)


BROKER_KERNEL = """
import json, sys
from twin.fleet.mqtt import MqttBroker
broker = MqttBroker()
print(json.dumps({"pid": broker.process.pid, "port": broker.port}), flush=True)
sys.stdin.read()
"""


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is how the test kills its stand-in kernel")
def test_the_broker_exits_and_frees_its_port_when_its_kernel_is_killed():
    kernel, broker = start_kernel(BROKER_KERNEL)
    try:
        assert not gone(broker["pid"]) and not port_is_free(broker["port"])  # it really serves before the kill
        kill(kernel)
        wait_until(lambda: gone(broker["pid"]), f"the broker process {broker['pid']} has exited")
        wait_until(lambda: port_is_free(broker["port"]), f"port {broker['port']} is free")
    finally:
        if kernel.poll() is None:
            kernel.kill()
        if not gone(broker["pid"]):
            psutil.Process(broker["pid"]).kill()  # never leave it behind, even when the test fails


def test_a_broker_started_by_a_process_that_is_already_gone_does_not_stay():
    """The watchdog's own check: a broker told that its parent is some other, live process exits at once."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    not_my_parent = os.getppid()  # alive, but not the broker's parent (which is this test process)
    broker = subprocess.Popen(
        [sys.executable, "-m", "twin.fleet._broker", str(port), str(not_my_parent)], env=env, stderr=subprocess.PIPE
    )
    try:
        assert broker.wait(timeout=DEADLINE) == 0
        assert "is gone: the broker" in broker.stderr.read().decode()
    finally:
        if broker.poll() is None:
            broker.kill()
            broker.wait()


DASK_KERNEL = """
import json, os, sys
from twin.fleet.executors import DaskExecutor
executor = DaskExecutor(workers=1)
client = executor._client
workers = sorted(client.run(os.getpid).values())
scheduler_port = int(client.scheduler.address.rsplit(":", 1)[1])
print(json.dumps({"workers": workers, "port": scheduler_port}), flush=True)
sys.stdin.read()
"""


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is how the test kills its stand-in kernel")
def test_a_local_dask_cluster_exits_and_frees_its_port_when_its_kernel_is_killed():
    pytest.importorskip("distributed")
    kernel, cluster = start_kernel(DASK_KERNEL)
    try:
        assert cluster["workers"] and not any(gone(pid) for pid in cluster["workers"])
        kill(kernel)  # the scheduler lived in the kernel; each worker watches a pipe from it (distributed's own)
        for pid in cluster["workers"]:
            wait_until(lambda pid=pid: gone(pid), f"the Dask worker process {pid} has exited")
        wait_until(lambda: port_is_free(cluster["port"]), f"the scheduler's port {cluster['port']} is free")
    finally:
        if kernel.poll() is None:
            kernel.kill()
        for pid in cluster["workers"]:
            if not gone(pid):
                psutil.Process(pid).kill()
