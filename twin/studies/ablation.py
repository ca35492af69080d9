"""Ablation: how much of the reality gap each cause is responsible for.

Switch the causes on one at a time and replay the same commands. For small effects the gap is
close to linear in its causes, so the one-at-a-time error signals e_i(t) add up to the total e(t).
Each cause's *share* of the total mean-square gap is the projection <e_i, e> / <e, e>; the shares
plus an *interaction* term (whatever the sum of the parts does not explain) add to exactly 100 %.
A large interaction means the causes amplify or mask each other, and one-at-a-time thinking misleads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from twin.gap.reality import CAUSES, Reality
from twin.gap.record import GapRecord
from twin.studies.gap_experiment import GapExperiment
from twin.tables import Table, make_table


@dataclass(frozen=True)
class Ablation:
    """The result of ``ablate``: the total gap, each cause alone, and each cause's share.

    Attributes:
        causes: the causes that were on, in order.
        total: the record with every cause on.
        alone: cause -> record with only that cause on.
        shares: cause -> fraction of the total mean-square gap it explains (they can be negative when
            a cause partly cancels the others).
        interaction: 1 - sum(shares): what the causes do together that they do not do alone.
        additivity_error: |e - sum e_i| / |e|, how far the gap is from adding up (0 = perfectly additive).
    """

    causes: tuple[str, ...]
    total: GapRecord
    alone: dict[str, GapRecord]
    shares: dict[str, float]
    interaction: float
    additivity_error: float

    @property
    def total_rmse(self) -> float:
        """The overall measured-position gap with every cause on, rad."""
        return self.total.gap().overall_rmse

    @property
    def dominant(self) -> str:
        """The cause with the largest share of the gap."""
        return max(self.shares, key=self.shares.get)

    def table(self) -> Table:
        rows = [
            (name, CAUSES[name].kind, CAUSES[name].remedy, self.alone[name].gap().overall_rmse, 100 * self.shares[name])
            for name in self.causes
        ]
        rows.append(("interaction", "", "", float("nan"), 100 * self.interaction))
        rows.append(("all together", "", "", self.total_rmse, 100.0))
        return make_table(
            ("cause", "kind", "remedy", "gap alone RMSE [rad]", "share of gap [%]"),
            rows,
            f"ablation: total gap {self.total_rmse:.4g} rad RMSE, additivity error {100 * self.additivity_error:.1f} %",
        )


def ablate(experiment: GapExperiment, reality: Reality, causes: Sequence[str] | None = None, seed: int = 0) -> Ablation:
    """Attribute the gap between ``experiment``'s model and ``reality`` to each cause.

    ``causes`` defaults to every cause that is on in ``reality``; the others are switched off for
    all runs. The same ``seed`` is used in every run, so sensor noise is the same sample each time.
    """
    model = experiment.model_parameters
    active = reality.active_causes(model)
    causes = tuple(active if causes is None else causes)
    if not causes:
        raise ValueError("reality matches the model: there is no gap to take apart. Switch on at least one cause.")
    off = [name for name in causes if name not in active]
    if off:
        raise ValueError(f"cause(s) {off} are not on in this reality; those on are {list(active)}.")
    reality = reality.only(causes, model)
    total = experiment.run(reality, seed)
    alone = {name: experiment.run(reality.only([name], model), seed) for name in causes}
    e = total.errors.ravel()
    energy = float(e @ e)
    if energy == 0.0:
        raise ValueError("the causes switched on leave no gap on this experiment; try a longer or richer command plan.")
    shares = {name: float(alone[name].errors.ravel() @ e) / energy for name in causes}
    parts = sum(alone[name].errors for name in causes)
    additivity_error = float(np.linalg.norm(total.errors - parts) / np.sqrt(energy))
    return Ablation(causes, total, alone, shares, 1.0 - sum(shares.values()), additivity_error)
