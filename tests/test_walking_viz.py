"""The walking views: the terrain drawn where pybullet has it, and a recording that covers the walk."""

from __future__ import annotations

import numpy as np
import pytest

from twin.viz import _protocol as proto
from twin.viz.walking import record_walk
from twin.walking.terrain import difficulty_spec, generate_terrain
from twin.walking.walker import HAND_TUNED


def test_recording_covers_the_walk_and_draws_the_terrain():
    terrain = generate_terrain(difficulty_spec(0.5), seed=1)
    shown = []
    recording, result = record_walk(HAND_TUNED, terrain, duration=1.0, fps=20, live=shown.append)
    assert shown == [recording.scene]  # the live view gets the scene before the walk starts
    assert recording.duration == pytest.approx(result.fall_time if result.fell else 1.0, abs=0.06)
    assert len(recording.times) >= 0.9 * 20 * recording.duration
    terrain_objects = [proto.unpack(c) for c in recording.scene.commands()]
    meshes = [c for c in terrain_objects if c["type"] == "set_object" and c["path"] == "/meshcat/terrain"]
    assert len(meshes) == 1
    raw = meshes[0]["object"]["geometries"][0]["data"]["attributes"]["position"]["array"].data
    vertices = np.frombuffer(raw, dtype=np.float32).reshape(-1, 3)
    assert len(vertices) == terrain.heights.size
    assert "<html" in recording.scene.to_html().lower()
