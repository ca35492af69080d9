"""Chapter 06 checks: the right answers pass, typical wrong ones fail with a useful hint, nothing leaks."""

from __future__ import annotations

from twin.course.checks_comms import balances, check_latency_tolerance, check_ntp


def right(t0, t1, t2, t3):
    return ((t1 - t0) + (t2 - t3)) / 2, (t3 - t0) - (t2 - t1)


def test_ntp_right_answer_passes():
    assert check_ntp(right).passed


def test_ntp_typical_mistakes_get_their_hint():
    wrong_sign = check_ntp(lambda *t: (-right(*t)[0], right(*t)[1]))
    assert not wrong_sign.passed and "wrong sign" in wrong_sign.message
    whole_exchange = check_ntp(lambda t0, t1, t2, t3: (right(t0, t1, t2, t3)[0], t3 - t0))
    assert not whole_exchange.passed and "(t2 - t1)" in whole_exchange.message
    no_half = check_ntp(lambda t0, t1, t2, t3: ((t1 - t0) + (t2 - t3), right(t0, t1, t2, t3)[1]))
    assert not no_half.passed and "divide" in no_half.message
    one_way = check_ntp(lambda t0, t1, t2, t3: (t1 - t0, right(t0, t1, t2, t3)[1]))
    assert not one_way.passed and "each direction" in one_way.message


def test_ntp_unfinished_or_broken_answers_do_not_raise():
    def stub(*_):
        raise NotImplementedError

    assert "Not answered" in check_ntp(stub).message
    assert "raised ZeroDivisionError" in check_ntp(lambda *_: 1 / 0).message
    assert "pair" in check_ntp(lambda *_: 3.0).message


def test_latency_tolerance_check():
    assert balances(25.0) and not balances(30.0)  # the experiment the exercise asks for
    assert check_latency_tolerance(lambda candidates: 25).passed
    too_low = check_latency_tolerance(lambda candidates: 10)
    assert not too_low.passed and "still balances at 15" in too_low.message
    too_high = check_latency_tolerance(lambda candidates: 35)
    assert not too_high.passed and "falls" in too_high.message
    assert "Pick one of" in check_latency_tolerance(lambda candidates: 12).message
    assert "number" in check_latency_tolerance(lambda candidates: "25 ms").message

    def stub(candidates):
        raise NotImplementedError

    assert "Not answered" in check_latency_tolerance(stub).message


def test_the_solution_notebook_passes_its_own_checks():
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "solutions" / "06_real_time_communication_exercises.ipynb"
    namespace: dict = {}
    for cell in json.loads(path.read_text())["cells"]:
        if cell["cell_type"] == "code" and "check_" not in "".join(cell["source"]).split("\n")[-1]:
            exec(compile("".join(cell["source"]), path.name, "exec"), namespace)
    assert check_ntp(namespace["ntp"]).passed
    assert check_latency_tolerance(namespace["largest_tolerated_latency"]).passed
