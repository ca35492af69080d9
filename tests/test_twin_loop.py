"""One twin step in the chapter's order: physical -> link -> model -> analytics, each handing the sample on once."""

from __future__ import annotations

import numpy as np
import pytest

from twin.control.pd import JointPD
from twin.digital_twin import DigitalTwin
from twin.link import Impairments, InProcessLink
from twin.link.impaired_link import ImpairedLink


class _Spy:
    """Wraps one method of an object: logs ``(label, argument or result)`` in a shared journal."""

    def __init__(self, journal: list, label: str, method, log_result: bool = False) -> None:
        self.journal, self.label, self.method, self.log_result = journal, label, method, log_result

    def __call__(self, *args, **kwargs):
        result = self.method(*args, **kwargs)
        self.journal.append((self.label, result if self.log_result else (args[0] if args else None)))
        return result


def _spy_on(twin: DigitalTwin, journal: list) -> None:
    twin.physical.measure = _Spy(journal, "physical.measure", twin.physical.measure, log_result=True)
    twin.physical.step = _Spy(journal, "physical.step", twin.physical.step)
    twin.link.uplink.send = _Spy(journal, "uplink.send", twin.link.uplink.send)
    twin.link.uplink.receive = _Spy(journal, "uplink.receive", twin.link.uplink.receive, log_result=True)
    twin.model.correct_each = _Spy(journal, "model.correct", twin.model.correct_each)  # every arrival, one write
    twin.model.advance = _Spy(journal, "model.predict", twin.model.advance)  # predict, without reading back
    twin.analytics.record = _Spy(journal, "analytics.record", twin.analytics.record)


def test_a_sample_goes_physical_link_model_analytics_once_each() -> None:
    journal: list = []
    with DigitalTwin("pendulum", "twin", controller=JointPD([0.5]), initial_positions=[0.2]) as twin:
        _spy_on(twin, journal)
        twin.step()
    labels = [label for label, _ in journal]
    path = ["physical.measure", "uplink.send", "uplink.receive", "model.correct", "analytics.record"]
    assert [label for label in labels if label in path] == path  # each once, in the chapter's order
    sample = journal[labels.index("physical.measure")][1]
    assert journal[labels.index("uplink.send")][1] is sample  # the link got the physical system's sample
    assert journal[labels.index("uplink.receive")][1] == [sample]  # and delivered that same object
    assert journal[labels.index("model.correct")][1] == [sample]  # which the model, and only then analytics, got
    # nothing of this step is written before the robot's step has returned
    assert labels.index("physical.step") < labels.index("model.predict")


def test_a_lossy_link_feeds_the_analytics_only_what_the_model_received() -> None:
    steps = 240
    link = ImpairedLink(Impairments(loss=0.3), seed=4)
    with DigitalTwin("pendulum", "shadow", link=link, initial_positions=[0.5], seed=4) as twin:
        run = twin.run(steps)
        received = twin.model.corrections
        judged = len(twin.analytics)
    assert link.uplink.lost > 0.2 * steps  # the link really lost samples
    assert received == link.uplink.delivered == steps - link.uplink.lost
    assert judged == received  # the analytics judged exactly the samples the model was corrected with
    assert len(run.times) == steps  # the run's own record still has every step


def test_step_reports_nan_when_nothing_arrived() -> None:
    with DigitalTwin("pendulum", "shadow", link=InProcessLink(delay_steps=2)) as twin:
        first = twin.step()
        twin.step()
        third = twin.step()
        assert np.all(np.isnan(first))  # the first sample is still in flight
        assert np.all(np.isfinite(third))
        assert len(twin.analytics) == 1


def test_the_process_stand_in_is_the_only_link_in_that_mode() -> None:
    with pytest.raises(ValueError, match="only link"):
        DigitalTwin("pendulum", "shadow", standin="process", link=InProcessLink())


def test_a_dead_stand_in_leaves_history_one_row_per_completed_step() -> None:
    with DigitalTwin("pendulum", "twin", controller=JointPD([0.5]), initial_positions=[0.2]) as twin:
        twin.run(5)
        alive_step = twin.physical.step

        def dead() -> None:
            raise RuntimeError("the stand-in died")

        twin.physical.step = dead
        with pytest.raises(RuntimeError, match="died"):
            twin.step()
        assert twin.steps_taken == 5
        assert len(twin.history().times) == 5
        assert len(twin.analytics) == 5
        assert twin.model.plant.time == pytest.approx(twin.time)  # no prediction past the robot's time

        twin.physical.step = alive_step  # it comes back (a restart): the twin carries on where it was
        twin.run(3)
        times = twin.history().times
        assert len(times) == twin.steps_taken == 8
        np.testing.assert_allclose(np.diff(times), twin.time_step)  # no time repeated
        assert twin.model.plant.time == pytest.approx(twin.time)
