"""Experiments: drivers that build twins and stand-ins and run studies on them.

They sit above the components they study (``physical_system``, ``link``, ``virtual_model``, ``analytics``) and may
import any of them; no component imports a study.

- ``comms``: balancing over an impaired link, replaying a recording into a model.
- ``gap_experiment``: the same commands on the model and on a stand-in (notebook 07); ``ablation``: the gap
  taken apart by cause.
- ``risks``: four risks of over-relying on the twin, each measured with its safeguard (notebook 13).
- ``transfer``: tune a controller on models, then run it on many stand-ins (notebook 07), in parallel through
  ``twin.fleet``'s executors; the task it runs is ``twin.gap.task``.
"""
