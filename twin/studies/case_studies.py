"""Published twins that bridged the simulation-to-reality gap on real robots: the case table, as data.

Each ``Case`` says what the simulation (the twin's virtual model) modelled, which gap remained, how the authors
bridged it and what they report, with a citation a reader can follow and a short quotation from the source (the
paper's own abstract, or its authors' announcement) that carries every figure in the reported result:
``tests/test_case_studies.py`` checks that each number in ``result`` appears in ``evidence``. Where the sources
at hand give no figure, the result is stated without one rather than invented.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from twin.tables import Table, make_table

_ARXIV_ID = re.compile(r"^\d{4}\.\d{4,5}$")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Citation:
    """Where a case was published: authors (as printed), year, title, venue and its arXiv identifier."""

    authors: str
    year: int
    title: str
    venue: str
    arxiv: str

    def __post_init__(self) -> None:
        if not _ARXIV_ID.match(self.arxiv):
            raise ValueError(f"arxiv={self.arxiv!r} must be an arXiv identifier such as '1804.10332'.")
        if not (self.authors and self.title and self.venue) or not 1990 <= self.year <= 2100:
            raise ValueError(f"a citation needs authors, a year, a title and a venue; got {self!r}.")

    @property
    def url(self) -> str:
        """The paper's arXiv page."""
        return f"https://arxiv.org/abs/{self.arxiv}"

    def __str__(self) -> str:
        return f"{self.authors} ({self.year}). {self.title}. {self.venue}. arXiv:{self.arxiv}"


@dataclass(frozen=True)
class Case:
    """One published sim-to-real transfer.

    Attributes:
        key: a short name to pick the case by.
        citation: the paper.
        robot: the hardware it ran on.
        humanoid: True for a humanoid robot.
        modelled: what the simulation (the twin's virtual model) modelled.
        gap: the gap that remained between that model and the robot.
        bridged: how the authors bridged it.
        result: what they report on the real robot (every number in it appears in ``evidence``).
        evidence: a short verbatim quotation from ``evidence_source`` that supports ``result``.
        evidence_source: where the quotation is from (a URL).
        miniature: the section of notebook 13 that reproduces the technique with the kit, or "".
    """

    key: str
    citation: Citation
    robot: str
    humanoid: bool
    modelled: str
    gap: str
    bridged: str
    result: str
    evidence: str
    evidence_source: str
    miniature: str = ""

    def __post_init__(self) -> None:
        if not self.evidence_source.startswith("https://"):
            raise ValueError(f"{self.key}: evidence_source must be a https:// address, got {self.evidence_source!r}.")
        missing = [n for n in reported_figures(self.result) if n not in self.evidence]
        if missing:
            raise ValueError(f"{self.key}: the figures {missing} in the result do not appear in the evidence quoted.")


def reported_figures(text: str) -> list[str]:
    """The numbers written in ``text`` (as strings, in order): the figures a reader must be able to check."""
    return _NUMBER.findall(text)


CASES: tuple[Case, ...] = (
    Case(
        key="tan2018",
        citation=Citation(
            "Tan, J., Zhang, T., Coumans, E., Iscen, A., Bai, Y., Hafner, D., Bohez, S., Vanhoucke, V.",
            2018,
            "Sim-to-Real: Learning Agile Locomotion For Quadruped Robots",
            "Robotics: Science and Systems (RSS)",
            "1804.10332",
        ),
        robot="Minitaur quadruped (Ghost Robotics): direct-drive legs",
        humanoid=False,
        modelled="the robot in PyBullet, improved by system identification, an actuator (motor) model and latency",
        gap="motors that are not ideal torque sources, sensing-to-action latency, and parameters that vary between "
        "runs and robots",
        bridged="an accurate actuator model and simulated latency narrow the gap; randomised physical parameters, "
        "perturbations and a compact observation space make the policy robust to what is left",
        result="trotting and galloping policies learned in simulation run on the real robot",
        evidence="We improve the simulation using system identification, developing an accurate actuator model and "
        "simulating latency. We learn robust controllers by randomizing the physical environments, adding "
        "perturbations and designing a compact observation space. We evaluate our system on two agile locomotion "
        "gaits: trotting and galloping. After learning in simulation, a quadruped robot can successfully perform "
        "both gaits in the real world.",
        evidence_source="https://arxiv.org/abs/1804.10332",
        miniature="2b: a controller tuned over randomised latency",
    ),
    Case(
        key="hwangbo2019",
        citation=Citation(
            "Hwangbo, J., Lee, J., Dosovitskiy, A., Bellicoso, D., Tsounis, V., Koltun, V., Hutter, M.",
            2019,
            "Learning agile and dynamic motor skills for legged robots",
            "Science Robotics 4(26), eaau5872",
            "1901.08652",
        ),
        robot="ANYmal quadruped (ETH Zurich): series-elastic actuators",
        humanoid=False,
        modelled="rigid-body dynamics and contacts in simulation, plus an actuator network: a small neural network "
        "trained on data recorded on the real drives",
        gap="series-elastic drives with their own control loops, which an ideal-actuator or analytical model does "
        "not reproduce",
        bridged="the learned actuator network replaces the ideal actuator in the simulator the policy trains in; "
        "the policy is then deployed on the robot as trained",
        result="the real robot follows body-velocity commands, runs faster than before and recovers from falls",
        evidence="Using policies trained in simulation, the quadrupedal machine achieves locomotion skills that go "
        "beyond what had been achieved with prior methods: ANYmal is capable of precisely and energy-efficiently "
        "following high-level body velocity commands, running faster than before, and recovering from falling even "
        "in complex configurations.",
        evidence_source="https://robotics.sciencemag.org/content/4/26/eaau5872",
        miniature="2a: an actuator network learned from the stand-in's torques",
    ),
    Case(
        key="peng2018",
        citation=Citation(
            "Peng, X. B., Andrychowicz, M., Zaremba, W., Abbeel, P.",
            2018,
            "Sim-to-Real Transfer of Robotic Control with Dynamics Randomization",
            "IEEE International Conference on Robotics and Automation (ICRA)",
            "1710.06537",
        ),
        robot="a 7-DOF Fetch Robotics arm pushing a puck to a goal",
        humanoid=False,
        modelled="the arm and the object in a simulator, with no attempt at high fidelity",
        gap="dynamics that differ between simulator and robot (masses, friction, damping, the controller's timing), "
        "and calibration error",
        bridged="randomise the simulator's dynamics in training so the policy must adapt to whichever dynamics it "
        "meets",
        result="trained only in simulation, the policy performs about as well on the real robot as in simulation",
        evidence="By randomizing the dynamics of the simulator during training, we are able to develop policies that "
        "are capable of adapting to very different dynamics, including ones that differ significantly from the "
        "dynamics on which the policies were trained. [...] Despite being trained exclusively in simulation, our "
        "policies are able to maintain a similar level of performance when deployed on a real robot, reliably "
        "moving an object to a desired location from random initial configurations.",
        evidence_source="https://arxiv.org/abs/1710.06537",
        miniature="2b: a controller tuned over randomised latency",
    ),
    Case(
        key="openai2019",
        citation=Citation(
            "OpenAI: Akkaya, I., Andrychowicz, M., et al.",
            2019,
            "Solving Rubik's Cube with a Robot Hand",
            "arXiv preprint",
            "1910.07113",
        ),
        robot="Shadow Dexterous Hand (a five-fingered robot hand)",
        humanoid=False,
        modelled="the hand and the cube in simulation; friction, elasticity and dynamics too hard to measure exactly",
        gap="physics the simulator cannot get exactly right, and randomisation ranges that are hard to choose by hand",
        bridged="automatic domain randomisation (ADR): the randomisation ranges widen by themselves whenever the "
        "policy masters the current ones, so training meets ever more varied simulated worlds",
        result="the real hand solves the cube 60% of the time, and 20% of the time for a maximally difficult scramble",
        evidence="The neural networks are trained entirely in simulation, using the same reinforcement learning code "
        "as OpenAI Five paired with a new technique called Automatic Domain Randomization (ADR). [...] Our robot still "
        "hasn't perfected its technique though, as it solves the Rubik's Cube 60% of the time (and only 20% of the "
        "time for a maximally difficult scramble).",
        evidence_source="https://openai.com/index/solving-rubiks-cube/",
    ),
    Case(
        key="radosavovic2024",
        citation=Citation(
            "Radosavovic, I., Xiao, T., Zhang, B., Darrell, T., Malik, J., Sreenath, K.",
            2024,
            "Real-World Humanoid Locomotion with Reinforcement Learning",
            "Science Robotics",
            "2303.03381",
        ),
        robot="Digit, a full-sized humanoid (Agility Robotics)",
        humanoid=True,
        modelled="the humanoid in simulation, as an ensemble of randomised environments",
        gap="the real robot's dynamics and terrain differ from any one simulated world",
        bridged="a causal transformer policy reads the history of observations and actions, so it can adapt in "
        "context to the world it finds; trained by large-scale reinforcement learning over randomised environments",
        result="deployed zero-shot (no training on the robot), it walks over outdoor terrains and withstands pushes",
        evidence="We train our model with large-scale model-free reinforcement learning on an ensemble of randomized "
        "environments in simulation and deploy it to the real world zero-shot. Our controller can walk over various "
        "outdoor terrains, is robust to external disturbances, and can adapt in context.",
        evidence_source="https://arxiv.org/abs/2303.03381",
    ),
    Case(
        key="radosavovic2024tokens",
        citation=Citation(
            "Radosavovic, I., Zhang, B., Shi, B., Rajasegaran, J., Kamat, S., Darrell, T., Sreenath, K., Malik, J.",
            2024,
            "Humanoid Locomotion as Next Token Prediction",
            "Advances in Neural Information Processing Systems (NeurIPS)",
            "2402.19469",
        ),
        robot="Digit, a full-sized humanoid (Agility Robotics)",
        humanoid=True,
        modelled="sensorimotor trajectories collected in simulation from a reinforcement-learning policy and a "
        "model-based controller, plus human motion capture and videos",
        gap="a model trained on simulated (and human) data must act on the real robot",
        bridged="a transformer trained to predict the next token of sensorimotor sequences, deployed zero-shot",
        result="it walks in San Francisco zero-shot, even when trained on only 27 hours of walking data",
        evidence="We show that our model enables a real humanoid robot to walk in San Francisco zero-shot. Our model "
        "can transfer to the real world even when trained on only 27 hours of walking data, and can generalize to "
        "commands not seen during training.",
        # the NeurIPS 2024 camera-ready abstract; arXiv's (v1) words this "a full-sized humanoid" and adds
        # "like walking backward"
        evidence_source="https://openreview.net/forum?id=GrMczQGTlA",
    ),
)


def case(key: str) -> Case:
    """The case called ``key`` (one of ``[c.key for c in CASES]``)."""
    for found in CASES:
        if found.key == key:
            return found
    raise KeyError(f"no case {key!r}; choose one of {[c.key for c in CASES]}.")


def case_table(humanoid_only: bool = False) -> Table:
    """The cases as a table: citation, robot, what was modelled, the gap, how it was bridged, the result."""
    rows = [
        (
            f"{c.citation.authors.split(',')[0]} et al. {c.citation.year} (arXiv:{c.citation.arxiv})",
            c.robot,
            c.modelled,
            c.gap,
            c.bridged,
            c.result,
        )
        for c in CASES
        if c.humanoid or not humanoid_only
    ]
    columns = ("case", "robot", "the twin modelled", "gap that remained", "how it was bridged", "reported result")
    return make_table(columns, rows, "Published sim-to-real transfers (sources: references below the table)")
