"""Fidelity against cost: errors against the reference that follow the integrator's order, the Pareto front and
the cheapest setting within a bound on points whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from twin.fleet.fidelity import REFERENCE, FidelityPoint, Setting, cheapest_meeting, pareto_front, sweep, throw_box


def test_the_reference_has_no_error_against_itself_and_runs_are_deterministic():
    first, _ = throw_box(Setting(1 / 400, 10))
    again, _ = throw_box(Setting(1 / 400, 10))
    np.testing.assert_array_equal(first, again)
    (point,) = sweep([REFERENCE])
    assert point.error == 0.0


def test_the_error_shrinks_about_in_proportion_to_the_time_step():
    points = sweep([Setting(dt, 10) for dt in (1 / 200, 1 / 400, 1 / 800)])
    errors = np.array([p.error for p in points])
    assert np.all(np.diff(errors) < 0), errors
    # semi-implicit Euler is first order: halving the step about halves the error (a factor 1.5..4 per halving)
    ratios = errors[:-1] / errors[1:]
    assert np.all((ratios > 1.5) & (ratios < 4.0)), ratios


def test_a_mesh_box_costs_accuracy_against_the_exact_primitive():
    box, mesh = sweep([Setting(1 / 400, 10, "box"), Setting(1 / 400, 10, "mesh")])
    assert mesh.error > 5 * box.error  # the mesh's collision margin changes the contact


def points(*error_cost: tuple[float, float]) -> list[FidelityPoint]:
    return [FidelityPoint(Setting(1 / 100 / (i + 1), 10), e, c) for i, (e, c) in enumerate(error_cost)]


def test_pareto_front_keeps_only_settings_nothing_beats_on_both_counts():
    pts = points((0.05, 1.0), (0.02, 2.0), (0.03, 3.0), (0.01, 4.0), (0.01, 5.0))
    front = pareto_front(pts)
    assert [(p.error, p.cost) for p in front] == [(0.05, 1.0), (0.02, 2.0), (0.01, 4.0)]


def test_cheapest_meeting_picks_the_cheapest_setting_within_the_bound():
    pts = points((0.05, 1.0), (0.02, 2.0), (0.03, 3.0), (0.01, 4.0))
    assert cheapest_meeting(pts, 0.025).cost == 2.0
    assert cheapest_meeting(pts, 0.05).cost == 1.0  # the bound is inclusive
    with pytest.raises(ValueError, match="no setting meets max_error=0.005 m; the most accurate"):
        cheapest_meeting(pts, 0.005)
    with pytest.raises(ValueError, match="positive"):
        cheapest_meeting(pts, -1)


@pytest.mark.parametrize(
    "arguments, message",
    [
        ((0.0, 10), "in \\(0, 0.05\\]"),
        ((1 / 250, 10), "divide"),
        ((1 / 200, 0), "1..1000"),
        ((1 / 200, 10, "sphere"), "choose one of"),
    ],
)
def test_bad_settings_say_what_to_fix(arguments, message):
    with pytest.raises(ValueError, match=message):
        Setting(*arguments)
