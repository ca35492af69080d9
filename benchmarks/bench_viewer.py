"""Scene updates per second for the humanoid mirror, against raw pybullet link-state queries.

Paths measured (each: read every link frame from pybullet, build the meshcat commands, deliver them):

- baseline: the pybullet queries alone (getBasePositionAndOrientation + getLinkStates), no drawing;
- scene only: ``scene.update()`` with nobody listening (commands built, packed, kept for replay);
- widget: ``scene.update()`` with a live ``SceneWidget`` (comm message per update; outside a kernel the
  comm is ipywidgets' dummy one, so this measures everything the kernel does, not the browser);
- recording: ``scene.update()`` while recording at 60 fps of simulated time, plus building the
  exported HTML page at the end (one-off cost, reported separately).

Target: at least 60 updates/s of the full humanoid on every path.

    python benchmarks/bench_viewer.py [--seconds 2]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from twin.sim import World
from twin.viz import Scene

TARGET = 60.0


def rate(work: Callable[[], None], seconds: float) -> float:
    """Calls per second of ``work`` over about ``seconds`` of wall time."""
    work()  # warm up
    n, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(20):
            work()
        n += 20
    return n / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="wall time per measurement (s)")
    args = parser.parse_args()

    with World() as world:
        robot = world.load_robot("humanoid")
        c, body = world.client, robot.body_id
        links = list(range(c.getNumJoints(body)))

        def baseline() -> None:
            c.getBasePositionAndOrientation(body)
            c.getLinkStates(body, links, computeForwardKinematics=1)

        def stepped(scene: Scene) -> Callable[[], None]:
            def work() -> None:
                world.step()
                scene.update()

            return work

        results: dict[str, float] = {"pybullet link-state queries (baseline)": rate(baseline, args.seconds)}
        scene = Scene.from_world(world)
        results["scene.update(), nobody listening"] = rate(scene.update, args.seconds)
        widget = scene.widget()
        widget.frontend_ready = True  # as after the browser's hello: updates go out as comm messages
        results["scene.update() -> live widget (comm)"] = rate(scene.update, args.seconds)
        widget.close()

        step_only = rate(world.step, args.seconds)
        recording = scene.record(fps=60)
        with_recording = rate(stepped(scene), args.seconds)
        start = time.perf_counter()
        page = recording.to_html()
        export_s = time.perf_counter() - start
        results["world.step() + scene.update() while recording"] = with_recording

    width = max(len(k) for k in results)
    print(f"humanoid mirror: {len(scene.mirrors['humanoid'].drawn_rows)} drawn links, target >= {TARGET:.0f} updates/s")
    base = results["pybullet link-state queries (baseline)"]
    for name, value in results.items():
        verdict = "ok" if value >= TARGET else "BELOW TARGET"
        print(f"  {name:<{width}}  {value:10.0f} /s   {value / base:6.2f} x baseline   {verdict}")
    print(
        f"  (world.step() alone: {step_only:.0f} steps/s, so recording costs "
        f"{1 / with_recording - 1 / step_only:.2e} s per update)"
    )
    print(
        f"  recording: {len(recording.times)} frames, {recording.duration:.2f} s simulated; exported page "
        f"{len(page) / 1e6:.2f} MB built in {export_s * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
