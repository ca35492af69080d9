"""The course's reference gaits: trained here, stored in ``assets/reference_gaits.json``, loaded by the notebook.

Training on random terrain takes longer than a notebook should (a few thousand walks). This module is the
script that does it, with every setting in plain sight::

    python -m twin.walking.reference            # all stages, on every core (3,800 walks: a few minutes on 2 cores)
    python -m twin.walking.reference rough      # one stage (its starting gait must be stored already)

Stages:

- ``flat``: CMA-ES from the hand-tuned gait on flat ground (notebook 10 runs this same stage live);
- ``rough``: from ``flat``'s gait, terrain randomisation with a curriculum (new terrain seeds every
  generation, the difficulty raised when the better half of the population walks through);
- ``robust``: from ``rough``'s gait, terrain of difficulty 0.2 and the robot's dynamics randomised too
  (``AROUND_THE_ROBOT``: masses, sole friction, motor strength, latency), for the transfer to the robot;
- ``scan``: as ``rough`` (same start, settings and seed), with the height scan ahead of the robot as a 13th
  parameter (``scan_gain``): does seeing the ground ahead help?

The same seed gives the same gaits on any number of cores (``optimise_gait``).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

from twin.fleet.executors import default_workers
from twin.walking.optimise import Curriculum, OptimisationResult, Training, optimise_gait
from twin.walking.walker import HAND_TUNED, DynamicsRanges, Gait

REFERENCE_FILE = Path(__file__).with_name("assets") / "reference_gaits.json"
# What the workshop says of the robots it builds: heavier than drawn (a payload), motors down to 70 %, soles
# slipperier than the twin's, up to 30 ms of latency. Randomise around that, not over everything imaginable:
# DynamicsRanges() (masses 85-130 %, friction 0.4-1.1, motors 65-110 %, latency 0-40 ms) was too wide here.
AROUND_THE_ROBOT = DynamicsRanges(
    mass_scale=(1.0, 1.3), foot_friction=(0.45, 1.0), motor_strength=(0.7, 1.0), latency=(0.0, 0.03)
)


@dataclass(frozen=True)
class Stage:
    """One training run: where it starts, how it trains, how long."""

    start: str  # "hand_tuned" or an earlier stage's name
    training: Training
    generations: int
    population: int
    sigma: float
    seed: int = 0


STAGES: dict[str, Stage] = {
    "flat": Stage("hand_tuned", Training(duration=5.0), generations=30, population=12, sigma=0.5),
    "rough": Stage(
        "flat",
        Training(curriculum=Curriculum(start=0.1, step=0.1, maximum=0.6), episodes=3, duration=6.0),
        generations=40,
        population=12,
        sigma=0.3,
    ),
    "robust": Stage(
        "rough",
        Training(difficulty=0.2, episodes=3, duration=6.0, dynamics=AROUND_THE_ROBOT),
        generations=25,
        population=12,
        sigma=0.3,
    ),
    "scan": Stage(
        "flat",
        Training(
            curriculum=Curriculum(start=0.1, step=0.1, maximum=0.6),
            episodes=3,
            duration=6.0,
            search=(*Training().search, "scan_gain"),
        ),
        generations=40,
        population=12,
        sigma=0.3,
    ),
}


def _stored() -> dict:
    return json.loads(REFERENCE_FILE.read_text()) if REFERENCE_FILE.exists() else {}


def load_reference(stage: str) -> Gait:
    """The gait that stage ``stage`` of this script found (see the module docstring)."""
    stored = _stored()
    if stage not in stored:
        known = ", ".join(stored) or "none yet"
        raise ValueError(
            f"no stored reference gait {stage!r} (stored: {known}); run `python -m twin.walking.reference {stage}`."
        )
    return Gait(**stored[stage]["gait"])


def load_result(stage: str) -> OptimisationResult:
    """What stage ``stage`` found, as the optimiser returned it: gait, settings, learning curve, walks made."""
    gait = load_reference(stage)
    stored, s = _stored()[stage], STAGES[stage]
    initial = HAND_TUNED if s.start == "hand_tuned" else load_reference(s.start)
    return OptimisationResult(
        gait=gait, initial=initial, training=s.training, seed=s.seed, evaluations=stored["walks"], **stored["curve"]
    )


def train_stage(stage: str, workers: int = 1, progress: bool = True) -> OptimisationResult:
    """Run one stage from its stored starting gait; returns the optimiser's result (not stored)."""
    if stage not in STAGES:
        raise ValueError(f"stage={stage!r}; choose one of {', '.join(STAGES)}.")
    s = STAGES[stage]
    initial = HAND_TUNED if s.start == "hand_tuned" else load_reference(s.start)
    return optimise_gait(
        initial,
        s.training,
        generations=s.generations,
        population=s.population,
        sigma=s.sigma,
        seed=s.seed,
        workers=workers,
        progress=progress,
    )


def store(stage: str, result: OptimisationResult) -> None:
    """Write ``result``'s gait and learning curve into the reference file under ``stage``."""
    stored = _stored()
    stored[stage] = {
        "gait": result.gait.as_dict(),
        "curve": {
            "best_score": result.best_score,
            "mean_score": result.mean_score,
            "difficulty": result.difficulty,
            "success_rate": result.success_rate,
        },
        "walks": result.evaluations,
        "settings": repr(STAGES[stage]),
    }
    REFERENCE_FILE.write_text(json.dumps(stored, indent=1) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train and store the course's reference gaits.")
    parser.add_argument("stages", nargs="*", default=list(STAGES), help=f"any of {', '.join(STAGES)} (default: all)")
    parser.add_argument("--workers", type=int, default=default_workers())
    args = parser.parse_args(argv)
    for stage in args.stages:
        result = train_stage(stage, workers=args.workers)
        store(stage, result)
        print(f"{stage}: {result}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
