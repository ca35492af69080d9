"""The analytics engine: compare, predict, judge."""

from twin.analytics.prediction_error import PredictionErrorTracker

__all__ = ["PredictionErrorTracker"]
