"""Walk-forward residual calibration for the baseline systems.

A system's residual for a past game is the actual stat - the system's predicted mean for that game, where
the prediction is the feature-store value of that game's date (point-in-time: built only from earlier
games). Calibrating a prediction for date D uses residuals of games strictly before D only, so nothing from
D or later (not even D's finished games on a re-run) leaks into D's probabilities. The residuals are read by
``ml.store`` (``load_residuals`` for the baselines, ``load_prediction_residuals`` for the model systems).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd


def residuals_before(residuals: pd.DataFrame, game_date: date) -> np.ndarray:
    """The residuals usable for a prediction on ``game_date``: those of games strictly before it."""
    if residuals.empty:
        return np.empty(0)
    dates = pd.to_datetime(residuals["game_date"]).dt.date
    return residuals.loc[dates < game_date, "residual"].to_numpy(float)


def empirical_prob_over(predicted: np.ndarray, line: np.ndarray, residuals: np.ndarray) -> np.ndarray:
    """P(actual > line) = share of past residuals r with predicted + r > line (non-increasing in line)."""
    ordered = np.sort(np.asarray(residuals, dtype=float))
    threshold = np.asarray(line, dtype=float) - np.asarray(predicted, dtype=float)
    above = len(ordered) - np.searchsorted(ordered, threshold, side="right")
    return above / len(ordered)
