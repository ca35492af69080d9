"""Where every URDF link frame of a body is in the world: what 3D views and frame-aware code need.

pybullet reports a body's base at its centre of mass (``getBasePositionAndOrientation``), while URDF
visuals hang on the link frame; links report their URDF frame as ``getLinkState(...)[4:6]``. This reader
undoes the base's inertial offset once, at construction, and then costs two pybullet calls per read.
"""

from __future__ import annotations

import numpy as np


class LinkFrames:
    """Reads the world pose of every URDF link frame of one body. Row ``i`` is link index ``i - 1`` (row 0: base)."""

    def __init__(self, client: object, body_id: int) -> None:
        self.client = client
        self.body_id = body_id
        self.n_links = client.getNumJoints(body_id)  # type: ignore[attr-defined]
        self._link_indices = list(range(self.n_links))
        local_pos, local_orn = client.getDynamicsInfo(body_id, -1)[3:5]  # type: ignore[attr-defined]
        self._base_from_com = client.invertTransform(local_pos, local_orn)  # type: ignore[attr-defined]

    def positions_orientations(self) -> tuple[np.ndarray, np.ndarray]:
        """World positions (n+1, 3) in m and quaternions (n+1, 4) as (x, y, z, w)."""
        c = self.client
        pos = np.empty((self.n_links + 1, 3))
        orn = np.empty((self.n_links + 1, 4))
        com_pos, com_orn = c.getBasePositionAndOrientation(self.body_id)  # type: ignore[attr-defined]
        pos[0], orn[0] = c.multiplyTransforms(com_pos, com_orn, *self._base_from_com)  # type: ignore[attr-defined]
        if self.n_links:
            # computeForwardKinematics: the poses are right even straight after resetJointState
            states = c.getLinkStates(self.body_id, self._link_indices, computeForwardKinematics=1)  # type: ignore[attr-defined]
            for row, s in enumerate(states, start=1):
                pos[row] = s[4]
                orn[row] = s[5]
        return pos, orn
