"""The analytics engine: compare, predict, judge."""

from twin.analytics.limit_violations import Violation, find_violations
from twin.analytics.prediction_error import PredictionErrorTracker
from twin.analytics.trend import LinearTrend, fit_linear_trend

__all__ = ["LinearTrend", "PredictionErrorTracker", "Violation", "find_violations", "fit_linear_trend"]
