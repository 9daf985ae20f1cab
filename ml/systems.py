"""Prediction systems. Each turns feature rows (one per player, game, book line) into a predicted mean and
P(over line).

The baselines predict a mean straight from the point-in-time feature store and turn it into P(over) in one
of two ways:

* calibrated (preferred): the empirical distribution of the system's own past residuals
  (actual points - predicted mean) from games strictly before the prediction date (walk-forward, see
  ``ml.calibration``): P(over) = share of past residuals r with predicted + r > line;
* fallback, while fewer than ``min_residuals`` past residuals exist: a normal distribution around the mean
  whose spread is the player's own standard deviation (floored) or a league default for short histories.

Both are non-increasing in the line. Probabilities are clipped to [0.001, 0.999].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from ml.calibration import empirical_prob_over

PROB_FLOOR, PROB_CEILING = 0.001, 0.999


@dataclass(frozen=True)
class MeanBaseline:
    """A baseline whose mean is one feature-store column and whose normal fallback spread is another."""

    name: str
    model_version: str
    mean_column: str
    sd_column: str
    default_sd: float = 6.0
    min_games_for_own_spread: int = 5
    sd_floor: float = 3.0
    min_residuals: int = 200

    def normal_prob_over(self, features: pd.DataFrame, mean: pd.Series) -> np.ndarray:
        own_sd = features[self.sd_column].astype(float)
        enough = features["games_played_total"].astype(float) >= self.min_games_for_own_spread
        sd = np.where(enough & own_sd.notna(), np.maximum(own_sd.fillna(0.0), self.sd_floor), self.default_sd)
        return norm.sf(features["line"].astype(float), loc=mean, scale=sd)

    def predict(self, features: pd.DataFrame, residuals: np.ndarray | None = None) -> pd.DataFrame:
        """Mean and P(over) per row. ``residuals`` are this system's past residuals, all from dates strictly
        before the rows' game date (the caller guarantees it); too few of them -> the normal spread."""
        mean = features[self.mean_column].astype(float)
        if residuals is not None and len(residuals) >= self.min_residuals:
            prob_over = empirical_prob_over(mean.to_numpy(float), features["line"].to_numpy(float), residuals)
            calibration = "empirical"
        else:
            prob_over = self.normal_prob_over(features, mean)
            calibration = "normal"
        return pd.DataFrame(
            {
                "predicted_value": mean,
                "prob_over": np.clip(prob_over, PROB_FLOOR, PROB_CEILING),
                "calibration": calibration,
            },
            index=features.index,
        )


def rolling_l10(**kwargs) -> MeanBaseline:
    """The player's last-10 scoring average."""
    return MeanBaseline(
        name="rolling_l10", model_version="rolling_l10-v2", mean_column="points_avg_l10",
        sd_column="points_std_l10", **kwargs,
    )


def season_avg(**kwargs) -> MeanBaseline:
    """The player's season-to-date scoring average."""
    return MeanBaseline(
        name="season_avg", model_version="season_avg-v1", mean_column="points_avg_season",
        sd_column="points_std_season", **kwargs,
    )


# every system predict_date runs, by name
REGISTRY = {"rolling_l10": rolling_l10, "season_avg": season_avg}


def build_systems(params: dict) -> list[MeanBaseline]:
    """Instantiate every registered system with the project vars (dbt_project.yml)."""
    kwargs = {
        "default_sd": float(params.get("default_points_sd", 6.0)),
        "min_games_for_own_spread": int(params.get("min_games_for_own_spread", 5)),
        "min_residuals": int(params.get("min_calibration_residuals", 200)),
    }
    return [factory(**kwargs) for factory in REGISTRY.values()]
