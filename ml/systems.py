"""Prediction systems. Each turns feature rows (one per player, game and book line of one market) into a
predicted mean and P(over line).

Every system predicts a mean; P(over) then comes in one of two ways:

* calibrated (preferred): the empirical distribution of the system's own past residuals
  (actual - predicted mean) in the same market from games strictly before the prediction date (walk-forward,
  see ``ml.calibration``): P(over) = share of past residuals r with predicted + r > line;
* fallback, while fewer than ``min_residuals`` past residuals exist: a normal distribution around the mean
  whose spread is the player's own last-10 standard deviation (floored) or a market default for short
  histories.

Both are non-increasing in the line. Probabilities are clipped to [0.001, 0.999].

Systems, per market (``ml.markets``):

* ``rolling_l10`` and ``season_avg``: baselines, the feature store's last-10 / season-to-date average;
* ``xgboost``: gradient-boosted trees on the feature store's declared model inputs (``ml.features``) and the
  market's consensus line, books and line spread (``ml.xgb``);
* ``ensemble``: a stack anchored on the market. Its mean is consensus line + a ridge regression of
  (actual - line) on the components' (prediction - line), fitted on the components' stored out-of-sample
  predictions of earlier dates (``ml.stack``); the plain average of the components until enough exist.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from ml.calibration import empirical_prob_over
from ml.markets import MARKETS, POINTS_KEY, Market

PROB_FLOOR, PROB_CEILING = 0.001, 0.999


@dataclass(frozen=True)
class MeanBaseline:
    """A system whose mean is one feature-store column and whose normal fallback spread is another."""

    name: str
    model_version: str
    market: Market
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
        """Mean and P(over) per row. ``residuals`` are this system's past residuals in this market, all from
        dates strictly before the rows' game date (the caller guarantees it); too few -> the normal spread."""
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


@dataclass(frozen=True)
class XGBoostModel(MeanBaseline):
    """Gradient-boosted trees on the feature store (``ml.xgb``, walk-forward); calibrated on its own stored
    out-of-sample residuals."""

    n_estimators: int = 300
    max_depth: int = 4
    learning_rate: float = 0.04
    subsample: float = 0.8
    colsample_bytree: float = 0.8
    min_child_weight: float = 20.0
    n_jobs: int = 2
    random_state: int = 20251021
    min_train_rows: int = 500
    retrain_days: int = 7


@dataclass(frozen=True)
class Ensemble(MeanBaseline):
    """Stack of the ``components`` anchored on the consensus line (``ml.stack``), for rows where the
    ``required`` component predicts; calibrated on its own stored past residuals."""

    components: tuple[str, ...] = ()
    required: str = "xgboost"
    min_stack_rows: int = 300
    stack_window_days: int = 120


def _spread(market: Market, default_sd: float | None) -> dict:
    # the default_points_sd var overrides the seed's default_sd of the points market only
    sd = market.default_sd if default_sd is None or market.key != POINTS_KEY else default_sd
    return {"default_sd": sd, "sd_floor": round(sd / 2.0, 3)}


def rolling_l10(market: Market, default_sd: float | None = None, **kwargs) -> MeanBaseline:
    """The player's last-10 average of the market's stat."""
    return MeanBaseline(
        name="rolling_l10",
        model_version="rolling_l10-v2",
        market=market,
        mean_column=market.l10_column,
        sd_column=market.sd_column,
        **_spread(market, default_sd),
        **kwargs,
    )


def season_avg(market: Market, default_sd: float | None = None, **kwargs) -> MeanBaseline:
    """The player's season-to-date average of the market's stat."""
    return MeanBaseline(
        name="season_avg",
        model_version="season_avg-v1",
        market=market,
        mean_column=market.season_column,
        sd_column=market.sd_column,
        **_spread(market, default_sd),
        **kwargs,
    )


def xgboost(
    market: Market, default_sd: float | None = None, min_train_rows: int = 500, retrain_days: int = 7, **kwargs
) -> XGBoostModel:
    """XGBRegressor on the ml_feature_store model inputs (``ml.features``: the columns its yml flags, at its
    feature_version) and the market's consensus pre-game line (player_prop_consensus)."""
    return XGBoostModel(
        name="xgboost",
        model_version="xgboost-v2",
        market=market,
        mean_column="xgboost_mean",
        sd_column=market.sd_column,
        min_train_rows=min_train_rows,
        retrain_days=retrain_days,
        **_spread(market, default_sd),
        **kwargs,
    )


def ensemble(market: Market, default_sd: float | None = None, **kwargs) -> Ensemble:
    """Line-anchored stack of the baselines and xgboost, where xgboost predicts."""
    return Ensemble(
        name="ensemble",
        model_version="ensemble-v2",
        market=market,
        mean_column="ensemble_mean",
        sd_column=market.sd_column,
        components=("rolling_l10", "season_avg", "xgboost"),
        **_spread(market, default_sd),
        **kwargs,
    )


# every system predict_date runs, by name, in order (an ensemble after its components)
REGISTRY = {"rolling_l10": rolling_l10, "season_avg": season_avg, "xgboost": xgboost, "ensemble": ensemble}


def build_systems(params: dict, market: Market | str = POINTS_KEY) -> list[MeanBaseline]:
    """Instantiate every registered system for one market with the project vars (dbt_project.yml)."""
    market = MARKETS[market] if isinstance(market, str) else market
    kwargs = {
        "default_sd": float(params.get("default_points_sd", 6.0)),
        "min_games_for_own_spread": int(params.get("min_games_for_own_spread", 5)),
        "min_residuals": int(params.get("min_calibration_residuals", 200)),
    }
    model_kwargs = {
        "min_train_rows": int(params.get("xgb_min_train_rows", 500)),
        "retrain_days": int(params.get("xgb_retrain_days", 7)),
    }
    per_system = {
        xgboost: model_kwargs,
        ensemble: {"min_stack_rows": int(params.get("ensemble_min_stack_rows", 300))},
    }
    return [factory(market, **kwargs, **per_system.get(factory, {})) for factory in REGISTRY.values()]
