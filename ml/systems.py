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


@dataclass(frozen=True)
class XGBoostPoints(MeanBaseline):
    """Gradient-boosted trees on the feature store (``ml.xgb``, walk-forward). ``predict_date`` puts the
    model's prediction in ``mean_column``; P(over) is calibrated like the baselines but on this system's own
    out-of-sample residuals (its stored predictions of earlier dates vs actuals)."""

    n_estimators: int = 200
    max_depth: int = 4
    learning_rate: float = 0.05
    n_jobs: int = 2
    random_state: int = 20251021
    min_train_rows: int = 500
    retrain_days: int = 7


@dataclass(frozen=True)
class Ensemble(MeanBaseline):
    """The mean of the ``components``' predicted means for the same player and date (rows with a
    ``required`` prediction only); calibrated on its own stored past residuals."""

    components: tuple[str, ...] = ()
    required: str = "xgboost"


def xgboost(min_train_rows: int = 500, retrain_days: int = 7, **kwargs) -> XGBoostPoints:
    """XGBRegressor on the ml_feature_store v2 numeric features and the consensus pre-game line."""
    return XGBoostPoints(
        name="xgboost", model_version="xgboost-v1", mean_column="xgboost_points", sd_column="points_std_l10",
        min_train_rows=min_train_rows, retrain_days=retrain_days, **kwargs,
    )


def ensemble(**kwargs) -> Ensemble:
    """The average of the baselines' and xgboost's means, where xgboost predicts."""
    return Ensemble(
        name="ensemble", model_version="ensemble-v1", mean_column="ensemble_points", sd_column="points_std_l10",
        components=("rolling_l10", "season_avg", "xgboost"), **kwargs,
    )


# every system predict_date runs, by name, in order (an ensemble after its components)
REGISTRY = {"rolling_l10": rolling_l10, "season_avg": season_avg, "xgboost": xgboost, "ensemble": ensemble}


def build_systems(params: dict) -> list[MeanBaseline]:
    """Instantiate every registered system with the project vars (dbt_project.yml)."""
    kwargs = {
        "default_sd": float(params.get("default_points_sd", 6.0)),
        "min_games_for_own_spread": int(params.get("min_games_for_own_spread", 5)),
        "min_residuals": int(params.get("min_calibration_residuals", 200)),
    }
    model_kwargs = {
        "min_train_rows": int(params.get("xgb_min_train_rows", 500)),
        "retrain_days": int(params.get("xgb_retrain_days", 7)),
    }
    return [
        factory(**kwargs, **model_kwargs) if factory is xgboost else factory(**kwargs)
        for factory in REGISTRY.values()
    ]
