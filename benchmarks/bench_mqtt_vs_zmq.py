"""MQTT through a broker against the direct ZeroMQ link: one-way latency and bytes per state message.

Starts the course's amqtt broker on 127.0.0.1, sends the same msgpack state message N times on each route (one
at a time, so no queueing is measured), and prints median and 99th-percentile latency, bytes on the wire per
message (TCP/IP headers excluded), and the ratios MQTT / ZeroMQ. The broker is a pure-Python program: a C
broker such as mosquitto is faster; pass --broker HOST:PORT to measure one that is already running.

Usage: python benchmarks/bench_mqtt_vs_zmq.py [--messages 1000] [--joints 7] [--broker HOST:PORT]
"""

from __future__ import annotations

import argparse

from twin.fleet.mqtt import MqttBroker, mqtt_latency, zmq_latency


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--joints", type=int, default=7)
    parser.add_argument("--broker", default=None, help="HOST:PORT of a running broker (default: start amqtt)")
    args = parser.parse_args()
    if args.messages < 1 or args.joints < 1:
        parser.error("--messages and --joints must be >= 1")
    zmq = zmq_latency(args.messages, args.joints)
    if args.broker:
        host, port = args.broker.rsplit(":", 1)
        mqtt = mqtt_latency((host, int(port)), args.messages, args.joints)
    else:
        with MqttBroker() as broker:
            mqtt = mqtt_latency(broker.address, args.messages, args.joints)
    print(f"{args.messages} state messages of {mqtt.payload_bytes} bytes ({args.joints} joints), one at a time")
    print(f"{'route':>16} | {'median [us]':>11} | {'p99 [us]':>9} | {'bytes/message':>13}")
    for result in (zmq, mqtt):
        print(
            f"{result.protocol:>16} | {result.median * 1e6:>11.0f} | {result.percentile(99) * 1e6:>9.0f} | "
            f"{result.wire_bytes:>13d}"
        )
    print(
        f"ratio MQTT / ZeroMQ: latency x{mqtt.median / zmq.median:.1f} (median), "
        f"bytes x{mqtt.wire_bytes / zmq.wire_bytes:.2f}"
    )


if __name__ == "__main__":
    main()
