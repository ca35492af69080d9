"""Self-contained viewer pages: meshcat's JavaScript inlined, the scene's commands embedded.

The same page serves three purposes: a notebook snapshot (``<iframe srcdoc=...>``), an exported file an
instructor opens offline, and the inside of the live widget (with no commands, fed over the comm).
If the browser cannot draw WebGL the page says so in words instead of staying blank.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from twin.viz._protocol import viewer_js

_STYLE = """
html, body { margin: 0; height: 100%; overflow: hidden; font-family: sans-serif; }
#meshcat-pane { width: 100vw; height: 100vh; overflow: hidden; }
#twin-message { position: absolute; left: 0; right: 0; top: 40%; text-align: center; color: #333;
  background: #fff8e0; padding: 12px; display: none; }
#twin-bar { position: absolute; left: 8px; right: 8px; bottom: 8px; display: flex; gap: 8px; align-items: center;
  background: rgba(255, 255, 255, 0.85); border-radius: 6px; padding: 4px 8px; font-size: 13px; }
#twin-bar input[type=range] { flex: 1; }
#twin-bar button { width: 2.2em; }
"""

# Runs after main.min.js. Sets up window.viewer, window.twinSetCamera and, for recordings, a time bar.
_BOOT = """
(function () {
  var CONFIG = %(config)s;
  function say(text) {
    var m = document.getElementById("twin-message");
    m.textContent = text; m.style.display = "block";
    window.twinError = text;
  }
  function webglAvailable() {
    try {
      var c = document.createElement("canvas");
      return !!(window.WebGLRenderingContext && (c.getContext("webgl2") || c.getContext("webgl")));
    } catch (e) { return false; }
  }
  if (typeof MeshCat === "undefined") {
    say("The 3D view cannot render here: the meshcat viewer script did not load.");
    return;
  }
  if (!webglAvailable()) {
    say("The 3D view cannot render here: this browser offers no WebGL. " +
        "Try another browser, or enable hardware acceleration.");
    return;
  }
  var viewer;
  try { viewer = new MeshCat.Viewer(document.getElementById("meshcat-pane")); }
  catch (e) { say("The 3D view cannot render here: " + e); return; }
  window.viewer = viewer;
  window.twinCommandErrors = 0;
  window.twinHandle = function (bytes) {
    try { viewer.handle_command_bytearray(bytes); }
    catch (e) { window.twinCommandErrors += 1; console.error("twin viewer: bad command", e); }
  };
  window.twinSetCamera = function (eye, target) {
    // meshcat turns its z-up scene into three.js's y-up world and keeps the camera in that world:
    // a point (x, y, z) of ours is (x, z, -y) there.
    viewer.camera.position.set(eye[0], eye[2], -eye[1]);
    viewer.controls.target.set(target[0], target[2], -target[1]);
    viewer.controls.update();
    viewer.set_dirty();
  };
  function decode(b64) {
    var s = atob(b64), out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) { out[i] = s.charCodeAt(i); }
    return out;
  }
  window.twinSetCamera(CONFIG.eye, CONFIG.target);
  var commands = CONFIG.commands;
  for (var i = 0; i < commands.length; i++) { window.twinHandle(decode(commands[i])); }
  window.twinCommandsApplied = commands.length;
  if (CONFIG.timebar) {
    var bar = document.getElementById("twin-bar");
    bar.style.display = "flex";
    var button = document.getElementById("twin-play"), slider = document.getElementById("twin-time"),
        label = document.getElementById("twin-clock");
    var anim = viewer.animator;
    slider.max = anim.duration; slider.step = Math.max(anim.duration / 1000, 0.001);
    button.onclick = function () {
      if (anim.playing) { anim.pause(); } else { anim.play(); }
    };
    slider.oninput = function () {
      if (anim.playing) { anim.pause(); }
      anim.seek(parseFloat(slider.value));
      anim.time = parseFloat(slider.value);
    };
    // the clock follows the longest clip: a path that never moved has a clip of length 0, whose looped time
    // three.js reports as NaN
    var longest = anim.actions.reduce(function (a, b) { return b._clip.duration > a._clip.duration ? b : a; },
                                      anim.actions[0]);
    (function tick() {
      var t = anim.playing ? (longest ? longest.time : 0) : anim.time;
      if (anim.playing) { slider.value = t; }
      button.textContent = anim.playing ? "\u275a\u275a" : "\u25b6";
      label.textContent = "t = " + Number(t).toFixed(2) + " s / " + anim.duration.toFixed(2) + " s";
      requestAnimationFrame(tick);
    })();
  }
  window.twinReady = true;
})();
"""


def viewer_page(
    commands: Sequence[bytes],
    *,
    eye: Sequence[float] | np.ndarray = (2.0, 1.2, 1.2),
    target: Sequence[float] | np.ndarray = (0.0, 0.0, 0.4),
    title: str = "twin scene",
    timebar: bool = False,
) -> str:
    """A standalone HTML page that draws ``commands`` (packed meshcat commands) with the viewer inlined.

    ``eye``/``target``: camera position and look-at point (m). ``timebar``: add play/pause and a time
    slider (for recordings).
    """
    config = {
        "eye": [float(x) for x in np.asarray(eye, dtype=np.float64).reshape(3)],
        "target": [float(x) for x in np.asarray(target, dtype=np.float64).reshape(3)],
        "commands": [base64.b64encode(bytes(c)).decode("ascii") for c in commands],
        "timebar": bool(timebar),
    }
    boot = _BOOT % {"config": json.dumps(config)}
    script = viewer_js().replace("</script", "<\\/script")
    return (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        "<div id='meshcat-pane'></div><div id='twin-message'></div>"
        "<div id='twin-bar' style='display:none'><button id='twin-play'>&#9654;</button>"
        "<input id='twin-time' type='range' min='0' max='1' step='0.001' value='0'><span id='twin-clock'></span></div>"
        f"<script>{script}</script>\n<script>{boot}</script></body></html>"
    )


def iframe(page: str, height: int = 420) -> str:
    """``page`` inside an ``<iframe srcdoc=...>``: its own document, so the viewer owns a whole window."""
    if not isinstance(height, int) or height < 50:
        raise ValueError(f"height={height!r} must be an integer number of pixels >= 50, e.g. 420.")
    return (
        f'<iframe srcdoc="{html.escape(page, quote=True)}" style="width: 100%; height: {height}px; '
        'border: 1px solid #ddd; border-radius: 4px;" allowfullscreen></iframe>'
    )


class HTMLView:
    """A viewer page that a notebook shows as an iframe (via ``_repr_html_``, so no iframe warning).

    Attributes:
        html: the standalone page; ``save(path)`` writes it.
        height: pixels of the notebook output.
    """

    def __init__(self, page: str, height: int = 420) -> None:
        self.html = page
        self.height = height

    def _repr_html_(self) -> str:
        return iframe(self.html, self.height)

    def save(self, path: str | Path) -> str:
        """Write the standalone page (opens offline in any browser); returns the path."""
        Path(path).write_text(self.html, encoding="utf-8")
        return str(path)

    def __repr__(self) -> str:
        return f"<twin 3D view, {len(self.html) / 1e6:.1f} MB page; shows in a notebook, or .save('view.html')>"
