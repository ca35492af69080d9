"""How much the sensor models cost on top of the pybullet calls they make (target: at most +20 %).

Prints, for each sensor, its rate and the raw pybullet rate measured in the same run (raw and sensor
repetitions interleaved), the ratio (best sensor time / best raw time; 1.00 means free), the median ratio of
back-to-back pairs, and whether the line is within the 20 % target.
Run: ``.venv/bin/python benchmarks/bench_sensors.py [--quick]``.

- IMU: one physics step plus one reading per sample (``Imu.poll`` or the vectorised ``Imu.record``) vs
  ``stepSimulation`` plus the pose/velocity queries, on a free box (cheapest step) and on the humanoid.
- LIDAR: a 16-ring x 1024-beam scan in a room (two ``rayTestBatch`` calls) vs the same rays cast raw.
- Camera: a 320x240 frame with ``ER_TINY_RENDERER`` (``getCameraImage``) vs ``Camera.capture`` ideal, and with
  lens distortion and sensor noise (whose random numbers a background thread draws while pybullet renders:
  with a single free core that overlap, about 3 ms a frame, is lost).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from twin.sensors import BrownConrady, Camera, CameraIntrinsics, Imu, Lidar, scan_pattern_3d
from twin.sensors.lidar import MAX_RAYS_PER_CALL
from twin.sim import World
from twin.ui.sensor_demo_worlds import add_box, add_room

TARGET = 1.20  # the target: a sensor model costs at most 20 % on top of the pybullet calls it makes


def compare(
    name: str, unit: str, raw: Callable[[], None], sensor: Callable[[], None], items: int, repeats: int
) -> None:
    """Time ``raw`` and ``sensor`` in interleaved repetitions (raw, sensor, sensor, raw, ...) and print both rates.

    Interleaving puts both under the same load from other processes. The ratio is the sensor's best time over
    the raw best time (1.00: free); the median of the back-to-back pairs' ratios is printed beside it.
    """
    raw(), sensor()  # warm-up: caches, look-up tables, first-call costs
    times: dict[str, list[float]] = {"raw": [], "sensor": []}
    for k in range(repeats):
        order = (("raw", raw), ("sensor", sensor)) if k % 2 == 0 else (("sensor", sensor), ("raw", raw))
        for key, run in order:
            start = time.perf_counter()
            run()
            times[key].append(time.perf_counter() - start)
    best_raw, best_sensor = min(times["raw"]), min(times["sensor"])
    ratio = best_sensor / best_raw
    paired = float(np.median(np.array(times["sensor"]) / np.array(times["raw"])))
    verdict = "yes" if ratio <= TARGET else "no"
    print(
        f"{name:<38} {items / best_sensor:10.0f} {unit:<9} raw {items / best_raw:10.0f} {unit:<9} "
        f"ratio {ratio:5.2f} (median pair {paired:5.2f})  within 20 % target: {verdict}"
    )


def bench_imu(samples: int, repeats: int) -> None:
    with World() as world:  # a free box: the cheapest body to step, so the sensor's own cost shows fully
        body = add_box(world, (0, 0, 100), (0.1, 0.1, 0.1))
        world.client.changeDynamics(body, -1, mass=1.0)
        c = world.client

        def raw() -> None:
            for _ in range(samples):
                c.stepSimulation()
                c.getBasePositionAndOrientation(body)
                c.getBaseVelocity(body)

        imu = Imu(world, body, rate_hz=1 / world.time_step)
        recorder = Imu(world, body, rate_hz=1 / world.time_step)

        def polled() -> None:
            for _ in range(samples):
                world.step()
                imu.poll()

        compare("IMU on a box, poll() per sample", "samples/s", raw, polled, samples, repeats)
        compare(
            "IMU on a box, record() (vectorised)", "samples/s", raw, lambda: recorder.record(samples), samples, repeats
        )
    with World() as world:  # the humanoid's pelvis: a real robot's step dominates
        humanoid = world.load_robot("humanoid")
        pelvis = humanoid.link("root").index
        c = world.client
        n = max(samples // 10, 100)

        def raw_humanoid() -> None:
            for _ in range(n):
                c.stepSimulation()
                c.getLinkState(humanoid.body_id, pelvis, computeLinkVelocity=1, computeForwardKinematics=1)

        imu = Imu(world, humanoid.body_id, pelvis, rate_hz=1 / world.time_step)

        def polled_humanoid() -> None:
            for _ in range(n):
                world.step()
                imu.poll()

        compare("IMU on the humanoid, poll()", "samples/s", raw_humanoid, polled_humanoid, n, repeats)


def bench_lidar(repeats: int) -> None:
    with World() as world:
        world.add_ground()
        world.load_robot("humanoid")
        add_room(world)
        lidar = Lidar(world, scan_pattern_3d(1024, 16), position=(-1.5, 0.5, 0.6), max_range=8.0)
        ideal = Lidar(world, scan_pattern_3d(1024, 16), position=(-1.5, 0.5, 0.6), max_range=8.0, ideal=True)
        rays = len(lidar.pattern)
        starts = np.ascontiguousarray(np.broadcast_to(lidar.position, (rays, 3)))  # the scanner casts from its origin
        ends = lidar.position + lidar.directions * lidar.max_range
        c = world.client

        def raw() -> None:
            for k in range(0, rays, MAX_RAYS_PER_CALL):
                c.rayTestBatch(starts[k : k + MAX_RAYS_PER_CALL], ends[k : k + MAX_RAYS_PER_CALL])

        compare("LIDAR scan, ideal", "rays/s", raw, ideal.scan, rays, repeats)
        compare("LIDAR scan, beam model", "rays/s", raw, lidar.scan, rays, repeats)


def bench_camera(frames: int, repeats: int) -> None:
    with World() as world:
        world.add_ground()
        world.load_robot("humanoid")
        add_room(world)
        size = CameraIntrinsics(320, 240, 60.0)
        ideal = Camera(world, eye=(2.4, 1.6, 1.3), target=(0, 0, 0.5), intrinsics=size, ideal=True)
        lens = BrownConrady(k1=-0.3, k2=0.1, p1=0.001, p2=-0.001)
        noisy = Camera(world, eye=(2.4, 1.6, 1.3), target=(0, 0, 0.5), intrinsics=size, distortion=lens)
        noisy.capture()  # builds the distortion look-up table once, as a running camera would
        c = world.client

        def raw() -> None:
            for _ in range(frames):
                c.getCameraImage(320, 240, ideal.view_matrix, ideal.projection_matrix, renderer=c.ER_TINY_RENDERER)

        def run(camera: Camera) -> Callable[[], None]:
            return lambda: [camera.capture() for _ in range(frames)]

        compare("camera 320x240, ideal (metric depth)", "frames/s", raw, run(ideal), frames, repeats)
        compare("camera 320x240, lens + noise", "frames/s", raw, run(noisy), frames, repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run)")
    args = parser.parse_args()
    repeats = 3 if args.quick else 7
    print(__doc__.splitlines()[0])
    bench_imu(2000 if args.quick else 20000, repeats)
    bench_lidar(repeats)
    bench_camera(5 if args.quick else 30, repeats)


if __name__ == "__main__":
    main()
