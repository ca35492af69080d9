"""Checks for notebook 12's exercise: an adaptation that follows a weakening motor on hidden stand-ins."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import replace

from twin.course.checks import CheckResult, _call
from twin.learn.adaptation import ADAPTATION_STANDIN, run_change
from twin.learn.ars import LinearPolicy

# (mass scale, strength after the change, episode seed): robots the student never sees
HIDDEN_CHANGES = ((1.0, 0.35, 2_000_001), (1.15, 0.5, 2_000_002), (0.9, 0.7, 2_000_003))
TRACK_WITHIN = 1.5  # s after the change ...
TRACK_TOLERANCE = 0.1  # ... the estimate must be this close to the truth
MAX_JITTER = 0.06  # standard deviation of the estimate while nothing changes
# what an explanation must name (word starts): what a short memory does, and what a long one does
NEEDED_WORDS = {
    "noise": (r"\bnois", r"\bjitter", r"\bjump", r"\bfluctuat", r"\bscatter", r"\brandom"),
    "lag": (r"\blag", r"\bslow", r"\blate", r"\bdelay", r"\bbehind", r"\bstale", r"\bold\b", r"\boutdated"),
}


def check_forgetting_factor(choose_forgetting: Callable[[], float], policy: LinearPolicy) -> CheckResult:
    """Pass when, with the student's forgetting factor, the adaptive ``policy`` keeps the pole up on three
    hidden stand-ins whose motor weakens mid-episode, its estimate is within 0.1 of the truth 1.5 s after the
    change, and the estimate's jitter before the change stays below 0.06."""
    name = "A forgetting factor that follows the motor"
    answer, failed = _call(name, choose_forgetting)
    if failed is not None:
        return failed
    if isinstance(answer, bool) or not isinstance(answer, int | float) or not math.isfinite(answer):
        return CheckResult(name, False, f"Return one number, the forgetting factor, such as 0.95 (got {answer!r}).")
    if not 0 < answer <= 1:
        return CheckResult(name, False, f"A forgetting factor lies in (0, 1]: 1 never forgets (got {answer}).")
    if not isinstance(policy, LinearPolicy) or policy.weights.shape != (1, 4):
        return CheckResult(name, False, "Pass the cart-pole policy trained above (a LinearPolicy with 1 x 4 weights).")
    problems = []
    for mass_scale, strength, seed in HIDDEN_CHANGES:
        robot = replace(ADAPTATION_STANDIN, truth=ADAPTATION_STANDIN.truth.with_changes(mass_scale=mass_scale))
        try:
            run = run_change(policy, adaptive=True, before=robot, strength_after=strength, forgetting=answer, seed=seed)
        except ValueError as error:
            return CheckResult(name, False, str(error))
        where = f"the robot whose motor drops to {strength:.0%}"
        if run.fell_at is not None and run.fell_at <= run.change_time:
            ended = run.outcome()
            return CheckResult(
                name, False, f"{ended[0].upper()}{ended[1:]}, before any change: train the policy longer first."
            )
        if run.fell_at is not None:
            why = ""
            if run.fell_at > run.change_time + TRACK_WITHIN:
                error = run.error_at(run.change_time + TRACK_WITHIN)
                why = f", and {TRACK_WITHIN} s after the change the estimate was still {error:.2f} off the truth"
            problems.append(f"on {where} {run.outcome()}{why}")
            continue
        error = run.error_at(run.change_time + TRACK_WITHIN)
        if error > TRACK_TOLERANCE:
            problems.append(
                f"on {where} the estimate is still {error:.2f} off {TRACK_WITHIN} s after the change: it remembers "
                "the old motor too long (forget faster: a smaller factor)"
            )
        jitter = run.jitter_before()
        if jitter > MAX_JITTER:
            problems.append(
                f"on {where} the estimate jitters by {jitter:.3f} while nothing changes: it follows the sensor noise "
                "(remember longer: a factor closer to 1)"
            )
    if problems:
        return CheckResult(name, False, "; ".join(problems) + ".")
    return CheckResult(
        name,
        True,
        f"forgetting {answer:g} (a memory of about {1 / max(1 - answer, 1e-9):.0f} control steps) follows all three "
        "hidden motors within 0.1 in 1.5 s and keeps the pole up.",
    )


def check_forgetting_explanation(explain: Callable[[], str]) -> CheckResult:
    """Pass when the explanation names both sides of the trade-off: noise (forgetting fast) and lag (slowly)."""
    name = "Why not forget instantly, or never?"
    answer, failed = _call(name, explain)
    if failed is not None:
        return failed
    if not isinstance(answer, str) or len(answer.split()) < 15:
        return CheckResult(name, False, "Write a few sentences (at least 15 words) and return them as a string.")
    text = answer.lower()
    missing = [side for side, words in NEEDED_WORDS.items() if not any(re.search(w, text) for w in words)]
    if missing == ["noise"]:
        return CheckResult(name, False, "You explain the lag; what happens to the estimate with a short memory?")
    if missing == ["lag"]:
        return CheckResult(name, False, "You explain the noise; what happens after a change with a long memory?")
    if missing:
        return CheckResult(name, False, "Say what goes wrong with a very short memory and with a very long one.")
    return CheckResult(name, True, "Both sides of the trade-off are there; compare with the model answer.")
