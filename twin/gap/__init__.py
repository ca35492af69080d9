"""The reality gap: measure it, take it apart by cause, and close it (calibration, residual, randomisation).

- ``reality``: what a stand-in *is* (true parameters, unmodeled effects, sensor noise) and the causes
  of a gap, each of which can be switched off.
- ``metrics`` / ``experiment``: the same commands on the model and the stand-in, and the gap between them.
- ``ablation``: how much of the gap each cause is responsible for.
- ``randomization``: ranges and seeded samplers of stand-ins (Tan et al. 2018).
- ``residual``: a learned correction fitted on the error that calibration leaves.
- ``transfer``: tune a controller on the model (nominal or randomised) and test it on many stand-ins.
"""
