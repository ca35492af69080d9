"""Walking on uneven terrain: terrain statistics, the biped's gait, CMA-ES in the twin."""

from __future__ import annotations

import math

import numpy as np
import pytest

from twin.fleet.executors import executor_for, map_or_raise
from twin.walking.optimise import Curriculum, Episode, Training, optimise_gait, run_episode, walk_score
from twin.walking.terrain import (
    MAX_HEIGHTFIELD_SAMPLES,
    TerrainSpec,
    difficulty_spec,
    flat_terrain,
    generate_terrain,
)
from twin.walking.walker import HAND_TUNED, BipedWalker, DynamicsRanges, Gait, WalkerDynamics, simulate


# -- terrain ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("rms, slope", [(0.01, 0.0), (0.03, 5.0), (0.02, -8.0)])
def test_terrain_has_the_requested_rms_and_slope(rms, slope):
    terrain = generate_terrain(TerrainSpec(roughness_rms=rms, slope_deg=slope, length=20.0), seed=3, slope_sign=1)
    assert math.isclose(terrain.measured_roughness_rms(), rms, rel_tol=1e-9)  # scaled exactly
    # the fitted line sees the roughness too: its slope error is about rms / (length * sqrt(length / wavelength))
    assert terrain.measured_slope_deg() == pytest.approx(slope, abs=0.2)


def test_roughness_decorrelates_over_the_wavelength():
    """Smoothing white noise by a Gaussian of sigma = L/2 gives autocorrelation exp(-d^2 / L^2): 1/e at d = L."""
    spec = TerrainSpec(roughness_rms=0.02, wavelength=0.5, length=60.0, width=6.0, cell_size=0.05)
    terrain = generate_terrain(spec, seed=1)
    r = terrain.roughness[terrain.course]
    lag = int(round(spec.wavelength / spec.cell_size))
    rho = np.mean(r[:-lag] * r[lag:]) / np.mean(r * r)
    assert rho == pytest.approx(math.exp(-1.0), abs=0.06)  # ~1100 x 120 samples, correlated over ~10 cells


def test_steps_have_the_requested_height_and_the_start_is_flat():
    spec = TerrainSpec(step_height=0.04, step_spacing=1.0, length=10.0)
    terrain = generate_terrain(spec, seed=5)
    profile = terrain.heights[:, 0]
    jumps = np.abs(np.diff(profile))
    assert np.allclose(jumps[jumps > 1e-9], 0.04)
    assert np.count_nonzero(jumps > 1e-9) >= 8  # about one per metre (consecutive opposite steps cancel)
    assert np.all(terrain.heights[terrain.y < spec.start_flat] == 0.0)


def test_same_seed_same_terrain_and_difficulty_knob_grows():
    a = generate_terrain(difficulty_spec(0.5), seed=7)
    b = generate_terrain(difficulty_spec(0.5), seed=7)
    np.testing.assert_array_equal(a.heights, b.heights)
    assert not np.array_equal(a.heights, generate_terrain(difficulty_spec(0.5), seed=8).heights)
    assert np.all(generate_terrain(difficulty_spec(0.0), seed=7).heights == 0.0)
    assert generate_terrain(difficulty_spec(1.0), seed=7).measured_roughness_rms() == pytest.approx(0.03)


def test_heightfield_in_pybullet_matches_the_terrain_heights():
    terrain = generate_terrain(difficulty_spec(1.0), seed=2)
    with BipedWalker(terrain) as walker:
        c = walker.world.client
        for y in (0.5, 3.3, 7.9, 12.15):
            hit = c.rayTest([0.0, y, 5.0], [0.0, y, -5.0])[0]
            assert hit[0] == walker.terrain_body
            assert hit[3][2] == pytest.approx(float(terrain.height_at(y)), abs=1e-3)


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(roughness_rms=-0.01), "roughness_rms"),
        (dict(roughness_rms=float("nan")), "finite"),
        (dict(slope_deg=45.0), "30 degrees"),
        (dict(length=5000.0, width=50.0, cell_size=0.05), "larger cell_size"),
        (dict(wavelength=0.05, cell_size=0.05), "longer wavelength"),
    ],
)
def test_bad_terrain_requests_name_the_fix(kwargs, words):
    with pytest.raises(ValueError, match=words):
        TerrainSpec(**kwargs)
    assert MAX_HEIGHTFIELD_SAMPLES == 4_000_000


def test_difficulty_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError, match="between 0"):
        difficulty_spec(1.5)


# -- walker -----------------------------------------------------------------------------------------
def test_gait_vector_round_trip_and_bad_vectors():
    v = HAND_TUNED.as_vector()
    assert Gait.from_vector(v) == HAND_TUNED
    with pytest.raises(ValueError, match="needs 13 numbers"):
        Gait.from_vector(v[:5])
    v[2] = np.nan
    with pytest.raises(ValueError, match="hip_offset"):
        Gait.from_vector(v)
    with pytest.raises(ValueError, match="frequency=9 is outside"):
        Gait(frequency=9.0)


def test_walks_are_deterministic_and_falls_say_where():
    a, b = simulate(HAND_TUNED, duration=3.0), simulate(HAND_TUNED, duration=3.0)
    assert a == b
    assert a.fell and a.fall_time < 3.0 and "torso" in a.fall_reason
    assert a.fall_y == a.distance and a.fall_slope_deg == 0.0  # flat ground


def test_energy_and_cost_of_transport_follow_their_definitions():
    r = simulate(HAND_TUNED, duration=1.0)  # walks forward a little before the fall
    assert r.energy > 0
    if r.distance > 0.05:
        assert r.cost_of_transport == pytest.approx(r.energy / (90.0 * 9.81 * r.distance), rel=0.01)


def test_weaker_motors_change_the_walk_and_bad_dynamics_are_refused():
    base = simulate(HAND_TUNED, duration=1.0)
    weak = simulate(HAND_TUNED, dynamics=WalkerDynamics(motor_strength=0.3), duration=1.0)
    assert weak != base
    with pytest.raises(ValueError, match="foot_friction"):
        WalkerDynamics(foot_friction=-1.0)
    draws = [DynamicsRanges().sample(np.random.default_rng(s)) for s in range(20)]
    assert all(DynamicsRanges().contains(d) for d in draws)


# -- optimisation -----------------------------------------------------------------------------------
def test_cma_es_improves_on_the_hand_tuned_gait_at_a_fixed_seed():
    result = optimise_gait(HAND_TUNED, Training(duration=3.0), generations=6, population=8, seed=0, progress=False)
    start = walk_score(simulate(HAND_TUNED, duration=3.0))
    found = walk_score(simulate(result.gait, duration=3.0))
    assert found > start + 1.0, (start, found)
    assert len(result.best_score) == 6 and result.evaluations == 6 * 8 + 2


def test_serial_and_parallel_give_the_same_optimisation():
    training = Training(difficulty=0.3, episodes=2, duration=1.0, dynamics=DynamicsRanges())
    kw = dict(generations=2, population=4, seed=3, progress=False)
    serial = optimise_gait(HAND_TUNED, training, workers=1, **kw)
    parallel = optimise_gait(HAND_TUNED, training, workers=2, **kw)
    assert serial.gait == parallel.gait and serial.best_score == parallel.best_score


def test_parallel_map_keeps_the_input_order():
    tasks = [(HAND_TUNED.as_vector(), Episode(difficulty=d, terrain_seed=1, duration=0.5)) for d in (0.0, 1.0)]
    with executor_for(2) as executor:
        parallel = [(w.distance, w.energy, w.fell) for w in map_or_raise(run_episode, tasks, executor)]
    assert parallel == [(w.distance, w.energy, w.fell) for w in map(run_episode, tasks)]
    with pytest.raises(ValueError, match="workers"):
        executor_for(0)


def test_studies_reuse_an_open_pool_and_close_only_the_pool_they_started():
    import psutil

    from twin.walking.evaluation import evaluate_gait

    def workers_alive() -> int:  # pool workers ('spawn' children), not multiprocessing's resource tracker
        return sum("spawn_main" in " ".join(c.cmdline()) for c in psutil.Process().children(recursive=True))

    walk = dict(difficulties=[0.0, 0.3], seeds=[1, 2], duration=0.5)
    serial = evaluate_gait(HAND_TUNED, **walk, workers=1)
    with executor_for(2) as pool:
        first = evaluate_gait(HAND_TUNED, **walk, workers=pool)
        started = workers_alive()
        second = evaluate_gait(HAND_TUNED, **walk, workers=pool)
        assert started >= 2 and workers_alive() == started  # the same worker processes, still running
    evaluate_gait(HAND_TUNED, **walk, workers=2)  # a pool of its own, stopped when it returns
    assert workers_alive() == 0
    distances = [[w.distance for w in score.walks] for score in serial]
    assert [[w.distance for w in score.walks] for score in first] == distances
    assert [[w.distance for w in score.walks] for score in second] == distances


def test_a_failing_walk_raises_its_error_instead_of_going_missing():
    bad = (HAND_TUNED.as_vector()[:3], Episode(duration=0.5))  # a gait vector of the wrong length
    with executor_for(1) as executor, pytest.raises(ValueError, match="needs 13 numbers"):
        map_or_raise(run_episode, [bad], executor)


def test_curriculum_promotes_and_demotes():
    c = Curriculum(start=0.0, step=0.2)
    assert c.next(0.4, 0.9) == 0.6 and c.next(0.4, 0.1) == 0.2 and c.next(0.4, 0.5) == 0.4
    assert c.next(1.0, 1.0) == 1.0 and c.next(0.0, 0.0) == 0.0
    with pytest.raises(ValueError, match="demote_below"):
        Curriculum(promote_at=0.2, demote_below=0.5)


def test_flat_terrain_is_flat():
    assert np.all(flat_terrain().heights == 0.0)


def test_held_out_seeds_take_numpy_counts_and_refuse_a_negative_offset():
    from twin.walking.evaluation import held_out_seeds

    assert held_out_seeds(np.int64(2)) == held_out_seeds(2)
    with pytest.raises(ValueError, match="offset"):
        held_out_seeds(2, offset=-1_000_000)  # gave seeds 0 and 1: training terrains, called held out


@pytest.mark.parametrize(
    ("difficulties", "seeds", "options", "fragment"),
    [
        ([0.0], np.array([1, 2]), {"duration": 6000.0}, "duration"),  # an array of seeds: numpy's 'ambiguous' before
        ([0.0], [1.5], {}, "terrain seed"),  # walked on terrain 1 and called it 1.5
        (0.3, [1], {}, "list of difficulties"),
        ([30.0], [1], {}, "difficulty"),
    ],
)
def test_evaluate_gait_checks_its_terrains_before_walking(difficulties, seeds, options, fragment):
    from twin.walking.evaluation import evaluate_gait
    from twin.walking.walker import HAND_TUNED

    with pytest.raises(ValueError, match=fragment):
        evaluate_gait(HAND_TUNED, difficulties, seeds, **options)


def test_training_settings_take_numpy_counts_and_refuse_milliseconds():
    from twin.walking.optimise import Training
    from twin.walking.standin import PhysicalBiped

    assert Training(episodes=np.int64(3)).episodes == 3
    with pytest.raises(ValueError, match="duration"):
        Training(duration=5000)
    assert PhysicalBiped(np.int64(0)).seed == 0
