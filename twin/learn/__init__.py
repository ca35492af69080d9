"""Training Physical AI in the twin: gymnasium environments, random search, sim-to-real, adaptation.

Importing ``twin.learn`` only registers the environments with gymnasium (ids ``twin/CartPoleBalance-v0`` and
``twin/ArmReach-v0``); the modules load when used:

- ``twin.learn.envs``: the environments, on the model or on a physical stand-in.
- ``twin.learn.ars``: Augmented Random Search with linear policies, vectorised over episodes.
- ``twin.learn.transfer``: policies trained on the nominal model or over randomised models, on stand-ins.
- ``twin.learn.adaptation``: online identification of a hidden parameter and a controller conditioned on it.
- ``twin.learn.imitation`` and ``twin.learn.dmp``: learning from demonstrations (behaviour cloning, DAgger,
  dynamic movement primitives), used by the manipulation notebook.
"""

from gymnasium.envs.registration import register, registry

ENVIRONMENT_IDS = {
    "twin/CartPoleBalance-v0": "twin.learn.envs:CartPoleBalanceEnv",
    "twin/ArmReach-v0": "twin.learn.envs:ArmReachEnv",
}

for _id, _entry_point in ENVIRONMENT_IDS.items():
    if _id not in registry:
        register(id=_id, entry_point=_entry_point)
