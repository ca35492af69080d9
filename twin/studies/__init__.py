"""Experiments: drivers that build twins and stand-ins and run studies on them.

They sit above the components they study (``physical``, ``link``, ``model``, ``analytics``) and may
import any of them; no component imports a study.

- ``comms``: balancing over an impaired link, replaying a recording into a model.
"""
