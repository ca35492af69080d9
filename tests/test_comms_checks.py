"""Chapter 06 checks: the right answers pass, typical wrong ones fail with a useful hint, nothing leaks."""

from __future__ import annotations

from twin.course.checks_comms import _tracking_errors, balances, check_latency_tolerance, check_ntp


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


def _scan(criterion):
    """A student's answer: scan the candidates in order, stop at the first run that ``criterion`` rejects."""

    def largest_tolerated_latency(candidates, seconds):
        tolerated = None
        for latency_ms in candidates:
            errors = _tracking_errors(latency_ms, seconds)
            if not criterion(errors):
                break
            tolerated = latency_ms
        return tolerated

    return largest_tolerated_latency


def test_latency_tolerance_check():
    # the experiments the exercise asks for: 25 ms is the limit in 2 s runs, 20 ms in 1.5 s runs
    assert balances(25.0, 2.0) and not balances(30.0, 2.0)
    assert balances(20.0, 1.5) and not balances(25.0, 1.5)
    right = {2.0: 25, 1.5: 20}
    assert check_latency_tolerance(lambda candidates, seconds: right[seconds]).passed
    assert check_latency_tolerance(_scan(lambda e: e[-60:].max() < 0.05)).passed
    too_low = check_latency_tolerance(lambda candidates, seconds: 10)
    assert not too_low.passed and "still balances at 15" in too_low.message
    too_high = check_latency_tolerance(lambda candidates, seconds: 35)
    assert not too_high.passed and "try less latency" in too_high.message
    assert "Pick one of" in check_latency_tolerance(lambda candidates, seconds: 12).message
    assert "number" in check_latency_tolerance(lambda candidates, seconds: "25 ms").message

    def stub(candidates, seconds):
        raise NotImplementedError

    assert "Not answered" in check_latency_tolerance(stub).message


def test_latency_tolerance_rejects_judging_the_final_sample_only():
    # In a 1.5 s run at 25 ms the pendulum still swings: its last sample is near upright, the last 60 are not.
    errors = _tracking_errors(25.0, 1.5)
    assert errors[-1] < 0.05 <= errors[-60:].max()
    final_only = check_latency_tolerance(_scan(lambda e: e[-1] < 0.05))
    assert not final_only.passed and "not all of the last 60" in final_only.message
    always_25 = check_latency_tolerance(lambda candidates, seconds: 25)  # the 2 s answer, whatever the run length
    assert not always_25.passed and "1.5 s" in always_25.message


def test_latency_tolerance_rejects_a_longer_window_and_a_one_argument_answer():
    # the last 0.5 s instead of 0.25 s: at 25 ms the 2 s run still swings past 0.05 rad in that window
    half_second = check_latency_tolerance(_scan(lambda e: e[-120:].max() < 0.05))
    assert not half_second.passed and "still balances at 25" in half_second.message
    old_signature = check_latency_tolerance(lambda candidates: 25)
    assert not old_signature.passed and "TypeError" in old_signature.message


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
