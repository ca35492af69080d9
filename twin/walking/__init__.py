"""Walking on uneven terrain: seeded terrain, a planar biped's gait, CMA-ES in the twin, transfer to a stand-in."""
