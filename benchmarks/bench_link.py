"""How fast is the data connection? Loopback ZeroMQ between two processes, humanoid state messages.

1. Round-trip latency at 1 kHz: this process sends a full humanoid state message (43 + 43 float64,
   ~0.7 kB, schema v2 msgpack) every millisecond to an echo process, which decodes, validates,
   re-encodes and sends it back. p50 / p99 of the round trip. Target: p99 < 1 ms. Baseline in the
   same run: the same encode + validate + decode work with no transport (the floor).
2. Throughput: the echo process streams messages one way as fast as it can; this process receives and
   validates them. Messages/s and MB/s. Target: >= 20,000 messages/s.
3. Compression: ratio and max error of each codec on a 1 kHz humanoid-like joint trajectory.

Usage: python benchmarks/bench_link.py [--messages 5000] [--stream 50000]
Figures depend on the machine's load: on a shared 2-core box they are noisy, so run it twice.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import numpy as np

from twin.link.compression import compare, default_codecs
from twin.link.schema import Inbox, decode, encode, humanoid_state_message
from twin.link.transport import ZmqTransport

SEND_PATIENCE = 5.0  # s the echo retries one message on a full queue before it decides the other end is gone


def send_patiently(transport: ZmqTransport, payload: bytes, parent_pid: int | None) -> bool:
    """Send, retrying while the queue is full (a benchmark wants every message through), but give up (False)
    after ``SEND_PATIENCE`` s or as soon as the parent process is gone: never spin on after the benchmark."""
    deadline = time.monotonic() + SEND_PATIENCE
    while not transport.send(payload):
        if time.monotonic() > deadline or (parent_pid is not None and os.getppid() != parent_pid):
            return False
    return True


def echo(endpoint: str, stream: int, parent_pid: int | None = None) -> None:
    """The far end: echo each state message back; on any command, stream ``stream`` messages one way.

    Returns when told to stop, after 30 s without a message, or when its messages cannot go out any more.
    """
    with ZmqTransport.connect(endpoint) as transport:
        transport.send(encode("heartbeat", 0, time.monotonic(), session="echo", rate=0.0))
        while True:
            payload = transport.receive(timeout=30.0)
            if payload is None:
                return
            message = decode(payload)
            if message.type == "state":
                transport.send(encode("state", message.seq, time.monotonic(), q=message["q"], qd=message["qd"]))
            elif message.type == "command":
                template = decode(humanoid_state_message())
                for seq in range(stream):
                    payload = encode("state", seq, time.monotonic(), q=template["q"], qd=template["qd"])
                    if not send_patiently(transport, payload, parent_pid):
                        print(f"echo: the other end took no message for {SEND_PATIENCE} s: exiting", file=sys.stderr)
                        return
            elif message.type == "control":
                return


def percentile_us(values: list[float], q: float) -> float:
    return float(np.percentile(values, q) * 1e6)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=5000, help="round trips at 1 kHz")
    parser.add_argument("--stream", type=int, default=50000, help="messages in the throughput test")
    parser.add_argument("--echo", help=argparse.SUPPRESS)
    parser.add_argument("--parent-pid", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.echo:
        echo(args.echo, args.stream, args.parent_pid)
        return

    message = humanoid_state_message()
    print(f"humanoid state message: {len(message)} bytes (schema v2, msgpack)")

    # baseline: serialisation + validation only
    q = decode(message)["q"]
    start = time.perf_counter()
    for seq in range(args.messages):
        m = decode(encode("state", seq, 0.0, q=q, qd=q))
        decode(encode("state", seq, 0.0, q=m["q"], qd=m["qd"]))
    floor = (time.perf_counter() - start) / args.messages
    print(f"baseline (encode + validate, both ends, no transport): {floor * 1e6:.1f} us per round trip")

    with ZmqTransport.bind() as transport:
        echo_command = [sys.executable, __file__, "--echo", transport.endpoint, "--stream", str(args.stream)]
        child = subprocess.Popen([*echo_command, "--parent-pid", str(os.getpid())])
        try:
            assert transport.receive(timeout=30.0) is not None, "the echo process did not start"
            rtts = []
            inbox = Inbox("bench")
            next_send = time.perf_counter()
            for seq in range(args.messages):
                while time.perf_counter() < next_send:
                    pass  # pace at 1 kHz without sleeping (sleep granularity is too coarse)
                sent = time.perf_counter()
                transport.send(encode("state", seq, time.monotonic(), q=q, qd=q))
                reply = transport.receive(timeout=1.0)
                rtts.append(time.perf_counter() - sent)
                assert reply is not None and inbox.accept(reply).seq == seq
                next_send += 1e-3
            p50, p99 = percentile_us(rtts, 50), percentile_us(rtts, 99)
            print(
                f"round trip at 1 kHz over {args.messages} messages: p50 {p50:.0f} us, p99 {p99:.0f} us, "
                f"max {max(rtts) * 1e6:.0f} us (target p99 < 1000 us: {'met' if p99 < 1000 else 'NOT met'}); "
                f"ratio p50 / baseline = {p50 / (floor * 1e6):.1f}"
            )

            for validate in (False, True):
                start = time.perf_counter()
                transport.send(encode("command", 0, 0.0, tau=[0.0], steps=0))  # "start streaming"
                stream_inbox = Inbox("stream")
                for received in range(args.stream):
                    payload = transport.receive(timeout=5.0)
                    assert payload is not None, f"stream stalled after {received} messages"
                    if validate:
                        stream_inbox.accept(payload)
                rate = args.stream / (time.perf_counter() - start)
                what = "validated on receipt" if validate else "transport only (bytes counted, not decoded)"
                verdict = "met" if rate >= 20000 else "NOT met"
                print(
                    f"throughput, {what}: {rate:,.0f} messages/s, {rate * len(message) / 1e6:.1f} MB/s "
                    f"(target >= 20,000 messages/s: {verdict})"
                )
                assert not validate or stream_inbox.accepted == args.stream
            transport.send(encode("control", 0, 0.0, action="stop"))
            child.wait(timeout=10)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()

    rng = np.random.default_rng(0)
    t = np.arange(2000)[:, None] / 1000.0
    trajectory = 0.5 * np.sin(2 * np.pi * rng.uniform(0.2, 2.0, 43) * t + rng.uniform(0, 6, 43))
    trajectory += 0.0005 * rng.standard_normal(trajectory.shape)
    print("\ncompression of 2 s of a 43-value humanoid state at 1 kHz:")
    print(f"{'codec':<12}{'ratio':>8}{'max error':>14}{'bound':>12}{'encode ms':>11}")
    for report in compare(trajectory, default_codecs(step=1e-4, dead_band=2e-3)):
        print(
            f"{report.codec:<12}{report.ratio:>8.2f}{report.max_error:>14.2e}{report.bound:>12.2e}"
            f"{report.encode_seconds * 1e3:>11.2f}"
        )


if __name__ == "__main__":
    main()
