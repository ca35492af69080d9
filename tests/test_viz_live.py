"""Live paths: the notebook widget (no port) and the opt-in loopback server (closed, never orphaned)."""

from __future__ import annotations

import asyncio
import struct

import numpy as np
import psutil
import pytest

from twin.sim import World
from twin.viz import Scene
from twin.viz import _protocol as proto
from twin.viz.widget import SceneWidget


def listening_ports(pid: int | None = None) -> set[tuple[str, int]]:
    process = psutil.Process(pid)
    return {(c.laddr.ip, c.laddr.port) for c in process.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN}


def split_frames(data: bytes) -> list[bytes]:
    out, offset = [], 0
    while offset < len(data):
        (n,) = struct.unpack(">I", data[offset : offset + 4])
        out.append(data[offset + 4 : offset + 4 + n])
        offset += 4 + n
    return out


@pytest.fixture
def arm_scene():
    with World() as world:
        robot = world.load_robot("arm")
        yield world, robot, Scene.from_world(world)


def test_building_scenes_and_widgets_opens_no_port_and_starts_no_process(arm_scene):
    world, robot, scene = arm_scene
    before_ports, before_children = listening_ports(), psutil.Process().children(recursive=True)
    widget = scene.widget()
    scene.show()
    scene.record().stop()
    for _ in range(10):
        world.step()
        scene.update()
    assert listening_ports() == before_ports
    assert psutil.Process().children(recursive=True) == before_children
    widget.close()


def test_widget_snapshot_is_the_scene_and_updates_travel_as_comm_messages(arm_scene):
    world, robot, scene = arm_scene
    widget = SceneWidget(scene, height=300)
    assert split_frames(widget._snapshot) == scene.commands()
    assert "MeshCat" in widget._page and widget.height == 300
    sent = []
    widget.send = lambda content, buffers=None: sent.append((content, buffers))

    # before the front end says hello, objects go into the synced snapshot (they must not get lost)
    scene.add_marker("target", (0.4, 0.0, 0.5))
    assert any(proto.unpack(c)["path"] == "/meshcat/markers/target" for c in split_frames(widget._snapshot))
    assert sent == []

    widget._on_frontend_message(widget, {"kind": "hello"}, [])
    assert widget.frontend_ready
    robot.set_state([0.3, -0.4, 0.2, -1.0, 0.1, 0.5, 0.0])
    scene.update()
    content, buffers = sent[-1]
    assert content["kind"] == "commands" and len(buffers) == 1
    offsets = np.cumsum([0] + content["sizes"])
    commands = [proto.unpack(buffers[0][a:b]) for a, b in zip(offsets[:-1], offsets[1:], strict=True)]
    assert [c["type"] for c in commands] == ["set_transform"] * 8
    assert content["keys"] == ["t:" + c["path"] for c in commands]
    mirror = scene.mirrors["arm"]
    frames = mirror.frames.matrices()
    for c in commands:
        row = mirror.link_paths.index(c["path"])
        np.testing.assert_allclose(np.array(c["matrix"]).reshape(4, 4).T, frames[row])
    widget.close()
    n = len(sent)
    scene.update()
    assert len(sent) == n, "a closed widget no longer follows the scene"


def test_live_server_listens_on_loopback_only_serves_the_scene_and_leaves_nothing(arm_scene):
    world, robot, scene = arm_scene
    before_ports, before_children = listening_ports(), psutil.Process().children(recursive=True)
    server = scene.serve()
    try:
        new = listening_ports() - before_ports
        assert new == {("127.0.0.1", server.port)}, f"server must bind 127.0.0.1 only, got {new}"
        assert psutil.Process().children(recursive=True) == before_children, "no process is started"
        import tornado.httpclient
        import tornado.websocket

        async def talk() -> tuple[str, list[bytes], list[bytes]]:
            page = await tornado.httpclient.AsyncHTTPClient().fetch(server.url)
            request = tornado.httpclient.HTTPRequest(
                f"ws://127.0.0.1:{server.port}/ws", headers={"Origin": server.url.rstrip("/")}
            )
            ws = await tornado.websocket.websocket_connect(request)
            initial = [await ws.read_message() for _ in scene.commands()]
            robot.set_state([0.1] * 7)
            scene.update()
            live = [await asyncio.wait_for(ws.read_message(), 5.0) for _ in range(8)]
            ws.close()
            return page.body.decode(), initial, live

        expected_initial = scene.commands()
        page, initial, live = asyncio.run(talk())
        assert "MeshCat" in page and "/ws" in page
        assert initial == expected_initial
        frames = scene.mirrors["arm"].frames.matrices()
        last = proto.unpack(live[-1])
        np.testing.assert_allclose(np.array(last["matrix"]).reshape(4, 4).T, frames[-1])
    finally:
        server.close()
    assert not server.is_open
    assert listening_ports() == before_ports, "the port must be released"
    server.close()  # twice is fine


def test_live_server_refuses_pages_from_other_origins(arm_scene):
    _, _, scene = arm_scene
    import tornado.httpclient
    import tornado.websocket

    with scene.serve() as server:

        async def attempt() -> None:
            request = tornado.httpclient.HTTPRequest(
                f"ws://127.0.0.1:{server.port}/ws", headers={"Origin": "http://evil.example"}
            )
            await tornado.websocket.websocket_connect(request)

        with pytest.raises(tornado.httpclient.HTTPClientError):
            asyncio.run(attempt())
    assert not server.is_open


def test_a_forgotten_live_server_does_not_keep_the_interpreter_alive(tmp_path):
    import subprocess
    import sys

    script = (
        "from twin.viz import Scene\n"
        "server = Scene().serve()\n"
        "print(server.port, flush=True)\n"  # and exit without closing it
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    port = int(done.stdout.split()[0])
    assert all(c.laddr.port != port for c in psutil.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN)
