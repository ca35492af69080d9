"""Safety screening, trends, tables, the setup check, test mode and the shared figures."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from twin.analytics import find_violations, fit_linear_trend
from twin.course import full_or_quick, in_test_mode
from twin.course.setup_check import PACKAGES, _version_tuple, check_package, run_setup_check
from twin.sim import World
from twin.tables import make_table
from twin.virtual_model.virtual import Forecast


@pytest.fixture()
def arm():
    with World() as world:
        yield world.load_robot("arm")


def forecast_with(positions: np.ndarray, velocities: np.ndarray) -> Forecast:
    times = 0.01 * np.arange(1, len(positions) + 1)
    return Forecast(times, positions, velocities, np.zeros_like(positions))


def test_find_violations_reports_the_first_breach_of_each_urdf_limit(arm):
    lower, upper = arm.joint_limits()
    q = np.zeros((50, 7))
    qd = np.zeros((50, 7))
    q[20:, 3] = upper[3] + 0.1  # joint 4 goes past its upper limit from sample 20 on
    qd[35, 0] = -(arm.joints[0].max_velocity + 1.0)  # joint 1 too fast at sample 35
    violations = find_violations(forecast_with(q, qd), arm)
    assert [(v.joint, v.kind) for v in violations] == [("lbr_iiwa_joint_4", "position"), ("lbr_iiwa_joint_1", "speed")]
    assert violations[0].time == pytest.approx(0.21) and violations[0].limit == pytest.approx(upper[3])
    assert violations[1].value == pytest.approx(-(arm.joints[0].max_velocity + 1.0))
    assert [v.unit for v in violations] == ["rad", "rad/s"]  # revolute joints: the printed line says so
    assert str(violations[1]).startswith("lbr_iiwa_joint_1: speed -") and " rad/s beyond limit " in str(violations[1])


def test_find_violations_gives_a_prismatic_joint_metres():
    with World() as world:
        cartpole = world.load_robot("cartpole")  # a cart on a rail (prismatic, +-15 m, 5 m/s) and a pole
        q, qd = np.zeros((5, 2)), np.zeros((5, 2))
        q[2:, 0] = 15.5  # m: past the rail's end
        qd[3, 0] = 6.0  # m/s: faster than the cart may go
        violations = find_violations(forecast_with(q, qd), cartpole)
    assert [(v.joint, v.kind, v.unit) for v in violations] == [
        ("slider_to_cart", "position", "m"),
        ("slider_to_cart", "speed", "m/s"),
    ]
    assert "15.5 m beyond limit 15 m" in str(violations[0])


def test_find_violations_accepts_a_motion_inside_the_limits_and_applies_the_margin(arm):
    qd = np.full((10, 7), 0.9 * arm.joints[0].max_velocity)
    assert find_violations(forecast_with(np.zeros((10, 7)), qd), arm) == []
    assert len(find_violations(forecast_with(np.zeros((10, 7)), qd), arm, velocity_margin=0.8)) == 7
    with pytest.raises(ValueError, match="velocity_margin"):
        find_violations(forecast_with(np.zeros((10, 7)), qd), arm, velocity_margin=0)


def test_linear_trend_recovers_a_known_line_and_its_crossing():
    days = np.arange(8.0)
    trend = fit_linear_trend(days, 0.03 + 0.0025 * days)
    assert trend.slope == pytest.approx(0.0025) and trend.intercept == pytest.approx(0.03)
    assert trend.crossing(0.06) == pytest.approx(12.0)
    assert trend.residual_std == pytest.approx(0.0, abs=1e-12)
    assert fit_linear_trend(days, np.ones(8)).crossing(2.0) is None


def test_linear_trend_needs_enough_matching_points():
    with pytest.raises(ValueError, match="at least 3 points"):
        fit_linear_trend(np.arange(2.0), np.arange(2.0))
    with pytest.raises(ValueError, match="same length"):
        fit_linear_trend(np.arange(4.0), np.arange(3.0))


def test_linear_trend_refuses_a_nan_point_or_a_single_x_instead_of_returning_a_nan_line():
    """One failed day (NaN) gave slope=nan, intercept=nan and a crossing of nan, without a word."""
    with pytest.raises(ValueError, match="point 2 is not"):
        fit_linear_trend(np.arange(4.0), [0.1, 0.2, np.nan, 0.4])
    with pytest.raises(ValueError, match="every x is 1"):
        fit_linear_trend(np.ones(3), np.arange(3.0))
    with pytest.raises(ValueError, match="threshold=nan"):
        fit_linear_trend(np.arange(4.0), np.arange(4.0)).crossing(math.nan)


def test_table_prints_as_text_and_html_and_rejects_ragged_rows():
    table = make_table(("joint", "mass [kg]"), [("knee", 3.0), ("ankle <b>", 1.25)], title="legs")
    text = str(table)
    assert text.splitlines()[0] == "legs" and "knee" in text and "1.25" in text
    assert "<td>ankle &lt;b&gt;</td>" in table._repr_html_()
    assert table.column("mass [kg]") == [3.0, 1.25]
    with pytest.raises(KeyError, match="columns are"):
        table.column("speed")
    with pytest.raises(ValueError, match="2 columns"):
        make_table(("a", "b"), [(1,)])


def test_robot_tables_list_every_joint_and_link(arm):
    assert len(arm.joint_table()) == len(arm.joints) == 7
    assert len(arm.link_table()) == len(arm.links) == 8
    assert arm.joint_table().column("type") == ["revolute"] * 7


def test_setup_check_passes_in_this_environment_and_names_fixes():
    report = run_setup_check(require_kernel=False)
    assert report.ok, str(report)
    assert "Everything is ready" in str(report)


def test_setup_check_checks_every_runtime_dependency_at_its_minimum_version():
    import re
    import tomllib

    project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]
    required = {}
    for spec in project["dependencies"]:
        name, minimum = re.match(r"([A-Za-z0-9_.-]+)\s*>=\s*([0-9.]+)", spec).groups()
        required[name.lower()] = minimum
    checked = {pip_name.lower(): minimum for pip_name, minimum in PACKAGES.values()}
    assert checked == required, "twin/course/setup_check.py PACKAGES must list pyproject's dependencies and minima"


def test_setup_check_reports_a_missing_package_with_the_install_command(monkeypatch):
    monkeypatch.setitem(PACKAGES, "package_that_is_not_there", ("package-that-is-not-there", "1.0"))
    item = check_package("package_that_is_not_there")
    assert not item.ok and "pip install" in item.fix and "cannot import" in item.detail


def test_version_comparison_reads_numbers_not_text():
    assert _version_tuple("3.2.10") > _version_tuple("3.2.9")
    assert _version_tuple("0.11.0rc1") >= _version_tuple("0.11")


def test_test_mode_follows_the_environment_variable(monkeypatch):
    monkeypatch.setenv("TWIN_TEST_MODE", "1")
    assert in_test_mode() and full_or_quick(1000, 10) == 10
    monkeypatch.setenv("TWIN_TEST_MODE", "0")
    assert not in_test_mode() and full_or_quick(1000, 10) == 1000
    monkeypatch.delenv("TWIN_TEST_MODE")
    assert full_or_quick(1000, 10) == 1000


def test_shared_figures_draw_the_runs_they_are_given():
    from twin.control import JointPD
    from twin.digital_twin import DigitalTwin
    from twin.plotting import draw_twin_diagram, plot_integration_levels

    runs = {}
    for mode in ("model", "twin"):
        with DigitalTwin("pendulum", mode, controller=JointPD([0.8], kp=50, kd=4), initial_positions=[0.8]) as t:
            runs[mode] = t.run(60)
            if mode == "twin":
                diagram = draw_twin_diagram(t)
                texts = " ".join(text.get_text() for text in diagram.axes[0].texts)
                assert "60 measurements up" in texts and "60 commands down" in texts
    figure = plot_integration_levels(runs)
    assert len(figure.axes) == 4
    top_left = figure.axes[0]
    np.testing.assert_allclose(top_left.lines[0].get_ydata(), runs["model"].true_positions[:, 0])
