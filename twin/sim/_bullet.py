"""pybullet, imported once and quietly (its import prints a build banner from C)."""

from __future__ import annotations

from twin.sim._quiet import quiet_c_output

with quiet_c_output():
    import pybullet
    import pybullet_data
    from pybullet_utils.bullet_client import BulletClient

__all__ = ["pybullet", "pybullet_data", "BulletClient"]
