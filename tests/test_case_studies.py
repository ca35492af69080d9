"""Notebook 13's case table and its two miniatures: an actuator network and latency randomisation."""

from __future__ import annotations

import dataclasses
import re

import matplotlib
import numpy as np
import pytest

from twin.gap.actuator_net import actuator_features, fit_actuator_network, rollout_with_actuator
from twin.gap.reality import Reality
from twin.gap.residual import rollout
from twin.sim.plant import DynamicsParameters
from twin.studies.case_miniatures import (
    HIDDEN_ROBOTS,
    LATENCY_TASK,
    actuator_network_study,
    latency_candidates,
    latency_study,
)
from twin.studies.case_studies import CASES, Case, Citation, case, case_table, reported_figures

matplotlib.use("Agg")


# -- the case table ------------------------------------------------------------------------------------------
def test_every_case_has_a_citation_a_reader_can_follow() -> None:
    assert len({c.key for c in CASES}) == len(CASES) >= 5
    for c in CASES:
        assert re.fullmatch(r"\d{4}\.\d{4,5}", c.citation.arxiv), c.key
        assert c.citation.url == f"https://arxiv.org/abs/{c.citation.arxiv}"
        assert c.evidence_source.startswith("https://") and len(c.evidence.split()) >= 15, c.key
        assert all((c.robot, c.modelled, c.gap, c.bridged, c.result)), c.key
        assert c.citation.arxiv in str(c.citation) and str(c.citation.year) in str(c.citation)
    assert any(c.humanoid for c in CASES), "the chapter's exercise asks for humanoid robotics: keep a humanoid case"


def test_every_reported_figure_appears_in_its_quoted_evidence() -> None:
    checked = 0
    for c in CASES:
        for figure in reported_figures(c.result):
            assert figure in c.evidence, f"{c.key}: {figure} is not in the quotation"
            checked += 1
    assert checked >= 3  # the Rubik's cube rates and the hours of data are figures, not prose


def test_a_figure_without_evidence_or_a_bad_citation_is_refused() -> None:
    good = case("openai2019")
    with pytest.raises(ValueError, match=r"\['75'\]"):
        dataclasses.replace(good, result="the hand solves the cube 75% of the time")
    with pytest.raises(ValueError, match="https"):
        dataclasses.replace(good, evidence_source="openai.com")
    with pytest.raises(ValueError, match="arXiv identifier"):
        Citation("A. Author", 2019, "Title", "Venue", "arXiv:1910.07113")
    with pytest.raises(ValueError, match="needs authors"):
        Citation("", 2019, "Title", "Venue", "1910.07113")
    assert reported_figures("60% and 0.5 m/s in 2 runs") == ["60", "0.5", "2"]


def test_cases_are_found_by_key_and_shown_as_a_table() -> None:
    assert isinstance(case("hwangbo2019"), Case) and case("hwangbo2019").miniature.startswith("2a")
    with pytest.raises(KeyError, match="tan2018"):
        case("tan2017")
    table = case_table()
    assert len(table) == len(CASES) and "how it was bridged" in table.columns
    humanoids = case_table(humanoid_only=True)
    assert 0 < len(humanoids) < len(CASES)
    assert all("arXiv:" in row for row in humanoids.column("case"))


# -- the actuator network ------------------------------------------------------------------------------------
def test_features_hold_the_command_history_and_the_velocity() -> None:
    x = actuator_features(np.array([1.0, 2.0, 3.0]), np.array([0.1, 0.2, 0.3]), history=2)
    np.testing.assert_array_equal(x, [[1, 0, 0.1], [2, 1, 0.2], [3, 2, 0.3]])
    with pytest.raises(ValueError, match="history"):
        actuator_features(np.ones(3), np.ones(3), history=0)
    with pytest.raises(ValueError, match="one value per step"):
        actuator_features(np.ones(3), np.ones(2), history=1)


def test_a_network_learns_a_delayed_saturating_actuator_that_the_ideal_one_misses() -> None:
    rng = np.random.default_rng(3)
    u = np.convolve(rng.normal(0, 2.0, 1200), np.ones(10) / np.sqrt(10), mode="same")
    qd = rng.normal(0, 1.0, u.size)
    delayed = np.concatenate([[0.0, 0.0], u[:-2]])
    delivered = 2.0 * np.tanh(delayed / 2.0)  # two steps late, saturating at 2 N m
    net = fit_actuator_network(u[:900], qd[:900], delivered[:900], history=4, iterations=800)
    predicted = net.torque(actuator_features(u, qd, 4))[900:]
    ideal_error = np.sqrt(np.mean((u[900:] - delivered[900:]) ** 2))
    network_error = np.sqrt(np.mean((predicted - delivered[900:]) ** 2))
    assert network_error < 0.15 * ideal_error, (network_error, ideal_error)
    # the same network without the delayed command in its inputs cannot know it
    blind = fit_actuator_network(u[:900], qd[:900], delivered[:900], history=1, iterations=800)
    blind_error = np.sqrt(np.mean((blind.torque(actuator_features(u, qd, 1))[900:] - delivered[900:]) ** 2))
    assert blind_error > 3 * network_error


def test_fitting_is_seeded_and_rejects_bad_data() -> None:
    u, qd = np.sin(np.linspace(0, 20, 300)), np.cos(np.linspace(0, 20, 300))
    a = fit_actuator_network(u, qd, 0.8 * u, iterations=50, seed=4)
    b = fit_actuator_network(u, qd, 0.8 * u, iterations=50, seed=4)
    np.testing.assert_array_equal(a.weights[0], b.weights[0])
    with pytest.raises(ValueError, match="record them together"):
        fit_actuator_network(u, qd, u[:-1])
    with pytest.raises(ValueError, match="too few"):
        fit_actuator_network(u[:20], qd[:20], u[:20])
    with pytest.raises(ValueError, match="finite"):
        fit_actuator_network(np.where(u > 0.99, np.nan, u), qd, u)
    with pytest.raises(ValueError, match="hidden"):
        fit_actuator_network(u, qd, u, hidden=())
    with pytest.raises(ValueError, match="learning_rate"):
        fit_actuator_network(u, qd, u, learning_rate=0)


def test_without_a_network_the_rollout_is_the_models_own() -> None:
    commands = 0.5 * np.ones((120, 1))
    ideal = rollout_with_actuator("pendulum", DynamicsParameters(), commands, initial_positions=[0.3])
    np.testing.assert_allclose(ideal, rollout("pendulum", DynamicsParameters(), commands, [0.3]))
    with pytest.raises(ValueError, match="one joint"):
        rollout_with_actuator("cartpole", DynamicsParameters(), np.zeros((10, 2)))


def test_the_network_closes_most_of_an_actuator_gap_on_held_out_motions() -> None:
    study = actuator_network_study(iterations=500)
    torque, path = study.torque_rmse, study.trajectory_rmse
    assert np.all(torque["actuator network"] < 0.3 * torque["ideal actuator"])
    assert np.all(path["actuator network"] < 0.2 * path["ideal actuator"])
    # the kit's residual model has no memory of past commands: it helps, but less than the network
    assert np.all(path["actuator network"] < path["generic residual"])
    assert np.all(path["generic residual"] < path["ideal actuator"])
    assert study.gap_closed() > 0.8 > study.gap_closed("generic residual")
    assert study.gap_closed("ideal actuator") == 0.0
    assert {"stand-in", "ideal actuator", "actuator network"} <= set(study.positions)
    assert len(study.table()) == 2
    with pytest.raises(KeyError, match="actuator network"):
        study.gap_closed("oracle")


def test_with_an_ideal_actuator_there_is_no_gap_to_close() -> None:
    study = actuator_network_study(Reality(truth=DynamicsParameters()), steps=240, iterations=100)
    assert np.all(study.torque_rmse["ideal actuator"] == 0.0)
    assert np.all(study.trajectory_rmse["ideal actuator"] < 1e-9)


def test_judging_on_training_data_is_refused() -> None:
    with pytest.raises(ValueError, match="none in both"):
        actuator_network_study(training_seeds=(0, 1), held_out_seeds=(1,))


# -- latency randomisation ----------------------------------------------------------------------------------
def test_candidates_span_gains_and_damping() -> None:
    candidates = latency_candidates()
    assert len(candidates) == 5 * 2 * 3 and len({(g.kp, g.kd, g.ki) for g in candidates}) == len(candidates)
    latencies = [r.effects.actuator.latency for r in HIDDEN_ROBOTS.sample(20, seed=0)]
    assert min(latencies) >= 0.015 and max(latencies) <= 0.040


def test_tuning_over_latency_picks_softer_gains_that_survive_the_hidden_robots() -> None:
    study = latency_study(training_models=3, standins=10)
    ideal, robust = study.on_ideal_model.best, study.over_latency.best
    assert ideal.kp > robust.kp  # on an ideal model the fastest gains win; latency punishes them
    rate_ideal = study.result.success_rate("tuned on the ideal model")[0]
    rate_robust = study.result.success_rate("tuned over latency 0-40 ms")[0]
    assert rate_robust == 1.0 and rate_ideal < 0.7
    slowest, runs = study.example_trials()
    assert slowest.effects.actuator.latency == study.latencies().max()
    assert abs(runs["tuned over latency 0-40 ms"][-1] - LATENCY_TASK.target[0]) < LATENCY_TASK.tolerance
    assert np.ptp(runs["tuned on the ideal model"][-100:]) > 10 * LATENCY_TASK.tolerance  # it oscillates
    with pytest.raises(ValueError, match="training_models"):
        latency_study(training_models=0)


def test_the_figures_draw_what_the_studies_measured() -> None:
    from twin.plotting_gap import plot_actuator_network, plot_latency_transfer

    study = actuator_network_study(steps=480, iterations=100)
    fig = plot_actuator_network(study)
    assert len(fig.axes[1].lines) == len(study.positions)
    with pytest.raises(ValueError, match="no sample"):
        plot_actuator_network(study, window=(5.0, 6.0))
    latency = latency_study(training_models=2, standins=4)
    fig = plot_latency_transfer(latency, latency.example_trials()[1])
    assert len(fig.axes) == 2 and len(fig.axes[0].patches) == 2
    assert len(plot_latency_transfer(latency).axes) == 1
