"""A live 3D view inside the notebook, fed over the kernel's own comm channel: no port, no server.

How it works (measured in JupyterLab 4 with anywidget 0.11): the widget renders an ``<iframe srcdoc>``
holding the viewer page (``twin.viz.html.viewer_page`` with no commands). The model keeps a snapshot of
the whole scene (a synced bytes trait) and, in the browser, the newest transform/colour of each path that
arrived since. When an iframe finishes loading it is brought up to date from those, then every new
command batch from ``scene.update()`` is handed to ``frame.contentWindow.viewer.handle_command_bytearray``.
"""

from __future__ import annotations

import struct

import anywidget
import traitlets

from twin.viz._protocol import ViewedScene
from twin.viz.html import viewer_page

_STRUCTURAL = {"set_object", "delete", "set_animation"}

_ESM = r"""
function split(view, sizes) {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  const out = [];
  let offset = 0;
  if (sizes) {
    for (const n of sizes) { out.push(bytes.subarray(offset, offset + n)); offset += n; }
    return out;
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  while (offset + 4 <= bytes.length) {
    const n = dv.getUint32(offset); offset += 4;
    out.push(bytes.subarray(offset, offset + n)); offset += n;
  }
  return out;
}

const stores = new WeakMap();

function storeFor(model) {
  let store = stores.get(model);
  if (!store) {
    store = { objects: new Map(), props: new Map(), transforms: new Map(), views: new Set() };
    stores.set(model, store);
    model.on("msg:custom", (msg, buffers) => {
      if (!msg || msg.kind !== "commands" || !buffers || !buffers.length) { return; }
      const commands = split(buffers[0], msg.sizes);
      msg.keys.forEach((key, i) => {
        if (key.startsWith("t:")) { store.transforms.set(key, commands[i]); }
        else if (key.startsWith("p:")) { store.props.set(key, commands[i]); }
        else {
          if (key.startsWith("d:")) {  // a delete: forget what was under that path
            const path = key.slice(2);
            for (const map of [store.objects, store.props, store.transforms]) {
              for (const k of Array.from(map.keys())) {
                const p = k.slice(2);
                if (p === path || p.startsWith(path + "/") || p.startsWith(path + ":")) { map.delete(k); }
              }
            }
          }
          store.objects.delete(key);
          store.objects.set(key, commands[i]);
        }
      });
      for (const view of store.views) { view.handle(commands); }
    });
    model.on("change:_snapshot", () => {
      store.objects.clear(); store.props.clear(); store.transforms.clear();
      for (const view of store.views) { view.replay(); }
    });
    model.on("change:camera", () => { for (const view of store.views) { view.camera(); } });
    model.send({ kind: "hello" });
  }
  return store;
}

function initialize({ model }) { storeFor(model); }

function render({ model, el }) {
  const store = storeFor(model);
  const frame = document.createElement("iframe");
  frame.style.width = "100%";
  frame.style.border = "1px solid #ddd";
  frame.style.borderRadius = "4px";
  frame.style.height = model.get("height") + "px";
  let ready = false;
  const view = {
    handle(commands) {
      if (!ready) { return; }   // not loaded yet: the store keeps the newest state for replay()
      const win = frame.contentWindow;
      if (!win || !win.twinHandle) { return; }
      for (const c of commands) { win.twinHandle(c); }
      view.count += commands.length;
      el.dataset.commands = String(view.count);
    },
    replay() {
      if (!ready) { return; }
      const snapshot = model.get("_snapshot");
      const commands = snapshot ? split(snapshot) : [];
      const win = frame.contentWindow;
      if (!win || !win.twinHandle) {
        el.dataset.error = win && win.twinError ? win.twinError : "viewer missing";
        return;
      }
      for (const c of commands) { win.twinHandle(c); }
      for (const map of [store.objects, store.props, store.transforms]) {
        for (const c of map.values()) { win.twinHandle(c); }
        view.count += map.size;
      }
      view.count += commands.length;
      el.dataset.commands = String(view.count);
    },
    camera() {
      const win = frame.contentWindow;
      const cam = model.get("camera");
      if (ready && win && win.twinSetCamera && cam && cam.length === 6) {
        win.twinSetCamera(cam.slice(0, 3), cam.slice(3, 6));
      }
    },
    count: 0,
  };
  frame.addEventListener("load", () => {
    ready = true;
    el.dataset.ready = "1";
    view.camera();
    view.replay();
  });
  frame.srcdoc = model.get("_page");
  el.appendChild(frame);
  store.views.add(view);
  model.on("change:height", () => { frame.style.height = model.get("height") + "px"; });
  return () => { store.views.delete(view); };
}

export default { initialize, render };
"""


def frame_commands(packed: list[bytes]) -> bytes:
    """Concatenate packed commands, each preceded by its length (4 bytes, big-endian)."""
    return b"".join(struct.pack(">I", len(c)) + c for c in packed)


class SceneWidget(anywidget.AnyWidget):
    """A live notebook view of a ``Scene``; every ``scene.update()`` reaches it over the comm channel.

    Made by ``scene.widget(height)``. ``close()`` detaches it from the scene (and closes the comm).
    """

    _esm = _ESM
    _page = traitlets.Unicode("").tag(sync=True)
    _snapshot = traitlets.Bytes(b"").tag(sync=True)
    height = traitlets.Int(420).tag(sync=True)
    camera = traitlets.List(traitlets.Float(), default_value=[]).tag(sync=True)

    def __init__(self, scene: ViewedScene, height: int = 420, **kwargs: object) -> None:
        if not isinstance(height, int) or height < 50:
            raise ValueError(f"height={height!r} must be an integer number of pixels >= 50, e.g. 420.")
        super().__init__(height=height, **kwargs)
        self.scene = scene
        self.frontend_ready = False
        self.batches_sent = 0
        self._page = viewer_page([], eye=scene.camera_eye, target=scene.camera_target, title="twin live view")
        self.camera_changed()
        self.sync()
        scene.add_sink(self._receive)
        self.on_msg(self._on_frontend_message)

    def sync(self) -> None:
        """Send the whole scene as the model's snapshot (views replay it when they load)."""
        self._snapshot = frame_commands(self.scene.commands())

    def camera_changed(self) -> None:
        self.camera = [float(x) for x in list(self.scene.camera_eye) + list(self.scene.camera_target)]

    def _on_frontend_message(self, _widget: object, content: dict, _buffers: list) -> None:
        if isinstance(content, dict) and content.get("kind") == "hello":
            self.sync()  # catch up on anything sent while the front end was still loading
            self.frontend_ready = True

    def _receive(self, commands: list[dict], packed: list[bytes]) -> None:
        if not self.frontend_ready and any(c["type"] in _STRUCTURAL for c in commands):
            self.sync()  # no front end listening yet: keep the snapshot whole instead
            return
        keys = []
        for c in commands:
            if c["type"] == "set_transform":
                keys.append("t:" + c["path"])
            elif c["type"] == "set_property":
                keys.append(f"p:{c['path']}:{c['property']}")
            elif c["type"] == "delete":
                keys.append("d:" + c["path"])
            else:
                keys.append("s:" + c["path"])
        self.send({"kind": "commands", "keys": keys, "sizes": [len(p) for p in packed]}, buffers=[b"".join(packed)])
        self.batches_sent += 1

    def close(self) -> None:
        """Stop following the scene and close the widget."""
        scene = getattr(self, "scene", None)
        if scene is not None:
            scene.remove_sink(self._receive)
        super().close()
