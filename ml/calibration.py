"""Walk-forward residual calibration for the baseline systems.

A system's residual for a past game is the actual stat - the system's predicted mean for that game, where
the prediction is the feature-store value of that game's date (point-in-time: built only from earlier
games). Calibrating a prediction for date D uses residuals of games strictly before D only, so nothing from
D or later (not even D's finished games on a re-run) leaks into D's probabilities.
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd

from core.settings import Settings
from core.warehouse import connect
from ml.markets import Market

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


def load_residuals(settings: Settings, market: Market, mean_column: str, before: date) -> pd.DataFrame:
    """(game_date, residual) of every played game strictly before ``before``: the market's stat -
    ``mean_column`` of the feature store."""
    for column in (mean_column, market.actual_column):
        if not _IDENTIFIER.match(column):
            raise ValueError(f"not a column name: {column!r}")
    precompute, analytics = settings.schema("nba_precompute"), settings.schema("nba_analytics")
    with connect(settings) as con:
        return con.execute(
            f"""
            select f.game_date, cast(s.{market.actual_column} as double) - f.{mean_column} as residual
            from {precompute}.ml_feature_store as f
            inner join {analytics}.player_game_summary as s
                on s.player_id = f.player_id and s.game_date = f.game_date
            where f.game_date < ? and s.played and s.{market.actual_column} is not null
                and f.{mean_column} is not null
            order by f.game_date
            """,
            [before],
        ).df()


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


def load_prediction_residuals(settings: Settings, system: str, model_version: str, market: Market,
                              before: date) -> pd.DataFrame:
    """(game_date, residual) of a model system's own stored predictions (out of sample: each was made with a
    model trained before its date) of played games strictly before ``before``, one per player and date."""
    predictions = f"{settings.schema('nba_predictions')}.player_prop_predictions"
    analytics = settings.schema("nba_analytics")
    with connect(settings) as con:
        return con.execute(
            f"""
            select p.game_date, cast(s.{market.actual_column} as double) - p.predicted_value as residual
            from (
                select game_date, player_id, any_value(predicted_value) as predicted_value
                from {predictions}
                where system = ? and model_version = ? and market = ? and game_date < ?
                group by game_date, player_id
            ) as p
            inner join {analytics}.player_game_summary as s
                on s.player_id = p.player_id and s.game_date = p.game_date
            where s.played and s.{market.actual_column} is not null
            order by p.game_date, p.player_id
            """,
            [system, model_version, market.key, before],
        ).df()
