"""Opt-in live viewer for a separate browser tab: a small tornado server on 127.0.0.1, in a thread.

meshcat's own ``Visualizer()`` starts a server process bound to every interface that nothing stops
until the interpreter exits. This one listens on the loopback interface only, lives in a daemon
thread of the current process (so it cannot be orphaned), and is closed by ``close()``, by leaving a
``with`` block, or at interpreter exit, whichever comes first.

::

    with scene.serve() as server:
        print(server.url)          # open it in a browser on the same machine
        for _ in range(600):
            world.step(); scene.update()
"""

from __future__ import annotations

import asyncio
import atexit
import threading
from types import TracebackType

import tornado.httpserver
import tornado.netutil
import tornado.web
import tornado.websocket

from twin.viz._protocol import ViewedScene
from twin.viz.html import viewer_page

HOST = "127.0.0.1"

_CONNECT = """
<script>
(function () {
  if (!window.viewer) { return; }
  var ws = new WebSocket("ws://" + location.host + "/ws");
  ws.binaryType = "arraybuffer";
  ws.onmessage = function (msg) { window.twinHandle(new Uint8Array(msg.data)); };
  ws.onclose = function () { document.title = "twin live view (disconnected)"; };
})();
</script></body>"""


class LiveServer:
    """A viewer page at ``url`` that follows the scene over a websocket. Loopback only; close it.

    Args:
        scene: the scene to follow.
        port: TCP port; 0 (default) lets the operating system pick a free one.
    """

    def __init__(self, scene: ViewedScene, port: int = 0) -> None:
        self.scene = scene
        self._clients: set[tornado.websocket.WebSocketHandler] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: tornado.httpserver.HTTPServer | None = None
        self._started = threading.Event()
        self._error: BaseException | None = None
        self._sockets = tornado.netutil.bind_sockets(port, address=HOST)
        self.port = int(self._sockets[0].getsockname()[1])
        self._thread = threading.Thread(target=self._run, name=f"twin-viewer-{self.port}", daemon=True)
        self._thread.start()
        self._started.wait(10.0)
        if self._error is not None:
            raise RuntimeError(f"the live viewer could not start: {self._error}") from self._error
        scene.add_sink(self._receive)
        atexit.register(self.close)

    @property
    def url(self) -> str:
        """Where to point a browser on this machine."""
        return f"http://{HOST}:{self.port}/"

    @property
    def is_open(self) -> bool:
        return self._thread.is_alive()

    def __repr__(self) -> str:
        state = "open" if self.is_open else "closed"
        return f"LiveServer({self.url}, {len(self._clients)} browser(s), {state})"

    def _repr_html_(self) -> str:
        if not self.is_open:
            return "<p>twin live viewer: closed.</p>"
        return f'<p>twin live viewer (this machine only): <a href="{self.url}" target="_blank">{self.url}</a></p>'

    # -- server thread ---------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            server_ref = self

            class Page(tornado.web.RequestHandler):
                def get(self) -> None:
                    page = viewer_page(
                        [],
                        eye=server_ref.scene.camera_eye,
                        target=server_ref.scene.camera_target,
                        title="twin live view",
                    )
                    self.set_header("Content-Type", "text/html; charset=utf-8")
                    self.set_header("Cache-Control", "no-store")
                    head, _, tail = page.rpartition("</body>")
                    self.write(head + _CONNECT + tail)

            class Socket(tornado.websocket.WebSocketHandler):
                def check_origin(self, origin: str) -> bool:  # only pages served from loopback
                    return origin.startswith(("http://127.0.0.1:", "http://localhost:"))

                def open(self) -> None:
                    server_ref._clients.add(self)
                    for data in server_ref.scene.commands():
                        self.write_message(data, binary=True)

                def on_close(self) -> None:
                    server_ref._clients.discard(self)

            app = tornado.web.Application([(r"/", Page), (r"/ws", Socket)])
            self._server = tornado.httpserver.HTTPServer(app)
            self._server.add_sockets(self._sockets)
        except BaseException as error:  # pragma: no cover - reported to the caller
            self._error = error
            self._started.set()
            return
        self._started.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    def _receive(self, _commands: list[dict], packed: list[bytes]) -> None:
        loop = self._loop
        if loop is None or not self._clients or loop.is_closed():
            return

        def push() -> None:
            for client in list(self._clients):
                for data in packed:
                    try:
                        client.write_message(data, binary=True)
                    except tornado.websocket.WebSocketClosedError:
                        self._clients.discard(client)
                        break

        try:
            loop.call_soon_threadsafe(push)
        except RuntimeError:  # loop closed meanwhile
            pass

    # -- lifecycle -------------------------------------------------------------------------------
    def close(self) -> None:
        """Disconnect browsers, stop listening and end the server thread. Safe to call twice."""
        self.scene.remove_sink(self._receive)
        loop = self._loop
        if loop is not None and self._thread.is_alive():

            def shutdown() -> None:
                for client in list(self._clients):
                    client.close()
                if self._server is not None:
                    self._server.stop()
                loop.stop()

            try:
                loop.call_soon_threadsafe(shutdown)
            except RuntimeError:
                pass
            self._thread.join(5.0)
        for sock in self._sockets:
            sock.close()
        self._clients.clear()
        atexit.unregister(self.close)

    def __enter__(self) -> LiveServer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass
