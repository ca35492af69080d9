"""Validation: is the calibrated model good enough, judged on data it was *not* fitted to?

Four numbers per joint, each with an acceptance threshold decided before looking:

- RMSE: the typical error, in the signal's own unit (rad).
- NRMSE: RMSE divided by the range the signal covered, so joints and robots can be compared.
- max error: the worst moment, which an RMS hides.
- whiteness (Ljung-Box test): if the model captured all the dynamics, what is left is sensor noise,
  which is uncorrelated from sample to sample. Structure left in the residuals (a sine, a drift)
  means a missing or wrong effect, even when the RMSE looks small.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from scipy import stats

from twin.core.checks import check_number


def _pair(measured: object, predicted: object) -> tuple[np.ndarray, np.ndarray]:
    m = np.asarray(measured, dtype=float)
    p = np.asarray(predicted, dtype=float)
    if m.ndim == 1:
        m = m[:, None]
    if p.ndim == 1:
        p = p[:, None]
    if m.shape != p.shape or m.ndim != 2:
        raise ValueError(f"measured {m.shape} and predicted {p.shape} must have the same shape (samples, joints).")
    if len(m) < 2:
        raise ValueError(f"Validation needs at least 2 samples, got {len(m)}.")
    if not (np.all(np.isfinite(m)) and np.all(np.isfinite(p))):
        raise ValueError("measured and predicted must hold finite numbers (a NaN usually means a diverged model).")
    return m, p


def rmse(measured: object, predicted: object) -> np.ndarray:
    """Root-mean-square error per column (same unit as the data)."""
    m, p = _pair(measured, predicted)
    return np.sqrt(np.mean((p - m) ** 2, axis=0))


def nrmse(measured: object, predicted: object) -> np.ndarray:
    """RMSE divided by the measured range (max - min) per column; 0.05 reads as "5 % of the motion"."""
    m, p = _pair(measured, predicted)
    span = np.ptp(m, axis=0)
    if np.any(span <= 0):
        raise ValueError("A measured column never changes, so its range is 0 and NRMSE is undefined; excite it.")
    return rmse(m, p) / span


def max_error(measured: object, predicted: object) -> np.ndarray:
    """Largest absolute error per column."""
    m, p = _pair(measured, predicted)
    return np.max(np.abs(p - m), axis=0)


def autocorrelation(residuals: object, lags: int) -> np.ndarray:
    """Sample autocorrelation of a 1-D series at lags 1..``lags`` (0 for white noise, +-2/sqrt(n) by chance)."""
    x = np.asarray(residuals, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"residuals must be 1-D, got shape {x.shape}.")
    if isinstance(lags, bool) or not isinstance(lags, Integral) or not 1 <= lags < x.size:
        raise ValueError(f"lags={lags!r} must be an integer between 1 and the number of samples - 1 ({x.size - 1}).")
    x = x - x.mean()
    denominator = float(x @ x)
    if denominator == 0:
        return np.zeros(lags)
    return np.array([float(x[:-k] @ x[k:]) / denominator for k in range(1, lags + 1)])


def ljung_box(residuals: object, lags: int = 10) -> tuple[float, float]:
    """Ljung-Box Q = n (n + 2) sum_k r_k^2 / (n - k) and its p-value under "white noise" (chi-square, lags dof).

    A small p-value (say < 0.01) says the residuals are correlated: the model misses something.
    """
    x = np.asarray(residuals, dtype=float)
    r = autocorrelation(x, lags)
    n = x.size
    q = float(n * (n + 2) * np.sum(r**2 / (n - np.arange(1, lags + 1))))
    return q, float(stats.chi2.sf(q, lags))


@dataclass(frozen=True)
class AcceptanceThresholds:
    """What "good enough" means, fixed before validating.

    Attributes:
        max_nrmse: largest acceptable NRMSE (fraction of the measured range).
        max_error: largest acceptable single error, in the data's unit (rad); ``None`` skips this check.
        min_whiteness_p: smallest acceptable Ljung-Box p-value; ``None`` skips the whiteness check.
    """

    max_nrmse: float = 0.05
    max_error: float | None = None
    min_whiteness_p: float | None = 0.01

    def __post_init__(self) -> None:
        hint = "a fraction of the measured range, not a percentage: e.g. 0.05 for 5 %"
        check_number("max_nrmse", self.max_nrmse, "(fraction)", low=0, low_open=True, high=1, hint=hint)
        if self.max_error is not None:
            check_number("max_error", self.max_error, "(the data's unit)", low=0, low_open=True, hint="or None")
        p = self.min_whiteness_p
        if p is not None and (isinstance(p, bool) or not isinstance(p, Real) or not 0 < p < 1):
            raise ValueError(f"min_whiteness_p={self.min_whiteness_p!r} must lie in (0, 1), e.g. 0.01, or be None.")


@dataclass(frozen=True)
class ValidationReport:
    """The report card: metrics per joint, each judged against its threshold.

    Attributes:
        names: one name per column (joint).
        rmse, nrmse, max_error: per joint, see the module docstring.
        whiteness_p: Ljung-Box p-value per joint.
        autocorrelations: (joints, lags) residual autocorrelation, for plotting.
        thresholds: what was required.
        samples: how many samples were compared.
        unit: unit of the data, for display.
    """

    names: tuple[str, ...]
    rmse: np.ndarray
    nrmse: np.ndarray
    max_error: np.ndarray
    whiteness_p: np.ndarray
    autocorrelations: np.ndarray
    thresholds: AcceptanceThresholds
    samples: int
    unit: str = "rad"

    @property
    def checks(self) -> dict[str, np.ndarray]:
        """Pass/fail per metric and joint."""
        t = self.thresholds
        yes = np.ones(len(self.names), dtype=bool)
        return {
            "nrmse": self.nrmse <= t.max_nrmse,
            "max_error": yes if t.max_error is None else self.max_error <= t.max_error,
            "whiteness": yes if t.min_whiteness_p is None else self.whiteness_p >= t.min_whiteness_p,
        }

    @property
    def passed(self) -> bool:
        """True when every check passes on every joint."""
        return bool(all(np.all(v) for v in self.checks.values()))

    def failures(self) -> list[str]:
        """One readable line per failed check."""
        lines = []
        t = self.thresholds
        checks = self.checks
        for j, name in enumerate(self.names):
            if not checks["nrmse"][j]:
                lines.append(f"{name}: NRMSE {self.nrmse[j]:.1%} > {t.max_nrmse:.1%}")
            if not checks["max_error"][j]:
                lines.append(f"{name}: max error {self.max_error[j]:.3g} {self.unit} > {t.max_error:.3g} {self.unit}")
            if not checks["whiteness"][j]:
                lines.append(
                    f"{name}: residuals not white (Ljung-Box p = {self.whiteness_p[j]:.2g} < {t.min_whiteness_p}):"
                    " the model misses a systematic effect"
                )
        return lines

    def __repr__(self) -> str:
        verdict = "ACCEPTED" if self.passed else "REJECTED: " + "; ".join(self.failures())
        return f"ValidationReport({self.samples} samples, NRMSE {np.round(self.nrmse, 4).tolist()}, {verdict})"

    def _repr_html_(self) -> str:
        t = self.thresholds
        checks = self.checks

        def cell(text: str, ok: bool) -> str:
            colour, mark = ("#1b7f3b", "&#10004;") if ok else ("#b3261e", "&#10008;")
            return f'<td style="color:{colour}">{mark} {text}</td>'

        rows = []
        for j, name in enumerate(self.names):
            rows.append(
                f"<tr><td><b>{html.escape(name)}</b></td><td>{self.rmse[j]:.3g}</td>"
                + cell(f"{self.nrmse[j]:.2%}", bool(checks["nrmse"][j]))
                + cell(f"{self.max_error[j]:.3g}", bool(checks["max_error"][j]))
                + cell(f"{self.whiteness_p[j]:.2g}", bool(checks["whiteness"][j]))
                + "</tr>"
            )
        limit_error = "-" if t.max_error is None else f"&le; {t.max_error:.3g}"
        limit_white = "-" if t.min_whiteness_p is None else f"&ge; {t.min_whiteness_p}"
        head = (
            f"<tr><th>joint</th><th>RMSE [{self.unit}]</th><th>NRMSE (&le; {t.max_nrmse:.1%})</th>"
            f"<th>max error [{self.unit}] ({limit_error})</th><th>whiteness p ({limit_white})</th></tr>"
        )
        colour = "#1b7f3b" if self.passed else "#b3261e"
        verdict = "ACCEPTED" if self.passed else "REJECTED"
        why = "" if self.passed else "<br>" + "<br>".join(html.escape(line) for line in self.failures())
        return (
            f'<div style="border-left:6px solid {colour};padding:6px 10px">'
            f'<b style="color:{colour}">Validation report card: {verdict}</b> ({self.samples} held-out samples){why}'
            f'<table style="border-collapse:collapse;margin-top:4px">{head}{"".join(rows)}</table></div>'
        )


def validate(
    measured: object,
    predicted: object,
    thresholds: AcceptanceThresholds | None = None,
    *,
    names: Sequence[str] | None = None,
    lags: int = 10,
    unit: str = "rad",
) -> ValidationReport:
    """Compare a model's prediction with held-out measurements and judge it against ``thresholds``.

    Args:
        measured, predicted: (samples, joints) arrays (or 1-D for one joint), same unit.
        thresholds: acceptance thresholds (default ``AcceptanceThresholds()``).
        names: a name per joint (default ``joint 0``, ``joint 1``, ...).
        lags: autocorrelation lags for the whiteness test.
        unit: unit of the data, for display.
    """
    m, p = _pair(measured, predicted)
    thresholds = AcceptanceThresholds() if thresholds is None else thresholds
    if not isinstance(thresholds, AcceptanceThresholds):
        raise TypeError(f"thresholds must be an AcceptanceThresholds, got {type(thresholds).__name__}.")
    joints = m.shape[1]
    names = tuple(f"joint {j}" for j in range(joints)) if names is None else tuple(names)
    if len(names) != joints:
        raise ValueError(f"Give one name per joint: {joints} joints, {len(names)} names.")
    residuals = p - m
    tests = [ljung_box(residuals[:, j], lags) for j in range(joints)]
    return ValidationReport(
        names=names,
        rmse=rmse(m, p),
        nrmse=nrmse(m, p),
        max_error=max_error(m, p),
        whiteness_p=np.array([pv for _, pv in tests]),
        autocorrelations=np.array([autocorrelation(residuals[:, j], lags) for j in range(joints)]),
        thresholds=thresholds,
        samples=len(m),
        unit=unit,
    )
