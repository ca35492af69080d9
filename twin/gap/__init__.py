"""The reality gap: measure it, take it apart by cause, and close it (calibration, residual, randomisation).

- ``reality``: what a stand-in *is* (true parameters, unmodeled effects, sensor noise) and the causes
  of a gap, each of which can be switched off.
- ``metrics`` / ``record``: the gap between model and stand-in trajectories, and what one run recorded.
- ``randomization``: ranges and seeded samplers of stand-ins (Tan et al. 2018).
- ``residual``: a learned correction fitted on the error that calibration leaves.
- ``task``: the reach task of the transfer experiment and one scored run of it on a given robot.

The experiments that build stand-ins and run them are studies: ``twin.studies.gap_experiment`` (the same
commands on model and stand-in), ``twin.studies.ablation`` (the gap taken apart by cause) and
``twin.studies.transfer`` (tune on models, test on many stand-ins).
"""
