"""The ``xgboost`` points system: an XGBRegressor on the point-in-time feature store, trained walk-forward.

The model used for a prediction date D is trained through T = ``trained_through(D)``, on feature rows with
game_date <= T (< D) joined to the actual points of played games. T steps once every ``retrain_days`` days on
a fixed calendar, so D in (T, T + retrain_days] share one model: retraining happens at most once per window,
and a re-run of D retrains the same model (same rows, fixed seed) instead of depending on what ran before.
Within a process, trained models are cached by (warehouse, version, T, training-data fingerprint).
Every trained model is recorded in ``nba_predictions.model_registry`` (idempotent per system, version, T).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pandas as pd

from dbt_project.settings import Settings
from dbt_project.warehouse import connect

FEATURE_VERSION = "v2"
# numeric ml_feature_store (v2) columns, plus the consensus pre-game line (published before tip-off)
FEATURES = [
    "is_home", "rest_days", "is_back_to_back", "games_played_season", "games_played_l10",
    "points_avg_season", "points_avg_l5", "points_avg_l10", "points_std_l10", "points_std_l5", "points_std_season",
    "minutes_avg_l3", "minutes_avg_l5", "minutes_avg_l10", "minutes_avg_season", "minutes_std_l10",
    "minutes_trend", "minutes_slope_l10",
    "rebounds_avg_l10", "assists_avg_l10", "threes_avg_l10", "pra_avg_l10",
    "games_last_7_days", "teammates_out", "fatigue_factor", "team_pace_l10", "opponent_pace_l10", "pace_factor",
    "opponent_defensive_rating_l10", "defense_factor", "absent_minutes_share", "absent_points_share",
    "usage_boost_factor", "composite_factor",
    "restricted_area_share", "restricted_area_fg_pct", "opponent_restricted_area_fg_pct_vs_league",
    "paint_share", "paint_fg_pct", "opponent_paint_fg_pct_vs_league",
    "mid_range_share", "mid_range_fg_pct", "opponent_mid_range_fg_pct_vs_league",
    "three_share", "three_fg_pct", "opponent_three_fg_pct_vs_league",
    "points_line_consensus", "points_line_books",
]
REGISTRY_TABLE = "model_registry"
_EPOCH = date(2000, 1, 1)
_CACHE: dict[tuple, object] = {}


def trained_through(game_date: date, retrain_days: int = 7) -> date:
    """The last game date a model used on ``game_date`` is trained on: fixed calendar windows, always < D and
    at most ``retrain_days`` before it."""
    offset = (game_date - timedelta(days=1) - _EPOCH).days % retrain_days
    return game_date - timedelta(days=1 + offset)


def _feature_select() -> str:
    return ", ".join(f"cast(f.{col} as double) as {col}" for col in FEATURES)


def training_frame(settings: Settings, before: date) -> pd.DataFrame:
    """Feature rows of played games strictly before ``before`` with their actual points (the target)."""
    precompute, analytics = settings.schema("nba_precompute"), settings.schema("nba_analytics")
    with connect(settings) as con:
        return con.execute(
            f"""
            select f.game_date, f.player_id, {_feature_select()}, cast(s.points as double) as points
            from {precompute}.ml_feature_store as f
            inner join {analytics}.player_game_summary as s
                on s.player_id = f.player_id and s.game_date = f.game_date
            where f.game_date < ? and s.played and s.points is not null
            order by f.game_date, f.player_id
            """,
            [before],
        ).df()


def feature_rows(settings: Settings, game_date: date) -> pd.DataFrame:
    """The model inputs of one date, one row per player."""
    precompute = settings.schema("nba_precompute")
    with connect(settings) as con:
        return con.execute(
            f"select f.player_id, {_feature_select()} from {precompute}.ml_feature_store as f "
            "where f.game_date = ? order by f.player_id",
            [game_date],
        ).df()


def ensure_registry(settings: Settings) -> None:
    schema = settings.schema("nba_predictions")
    with connect(settings) as con:
        con.execute(f"create schema if not exists {schema}")
        con.execute(
            f"""create table if not exists {schema}.{REGISTRY_TABLE} (
                system varchar not null,
                model_version varchar not null,
                feature_version varchar,
                trained_through date not null,
                n_train_rows bigint not null,
                features varchar,
                trained_at timestamp,
                primary key (system, model_version, trained_through)
            )"""
        )


def _register(settings: Settings, system, through: date, n_rows: int) -> None:
    ensure_registry(settings)
    table = f"{settings.schema('nba_predictions')}.{REGISTRY_TABLE}"
    with connect(settings) as con:
        con.execute(
            f"insert or replace into {table} values (?, ?, ?, ?, ?, ?, ?)",
            [system.name, system.model_version, FEATURE_VERSION, through, n_rows, json.dumps(FEATURES),
             datetime.now(timezone.utc).replace(tzinfo=None)],
        )


def _fit(system, train: pd.DataFrame):
    from xgboost import XGBRegressor

    model = XGBRegressor(
        n_estimators=system.n_estimators, max_depth=system.max_depth, learning_rate=system.learning_rate,
        n_jobs=system.n_jobs, random_state=system.random_state, tree_method="hist",
    )
    model.fit(train[FEATURES].to_numpy(float), train["points"].to_numpy(float))
    return model


def model_for(settings: Settings, system, game_date: date):
    """The model for ``game_date`` (trained through ``trained_through``), or None under ``min_train_rows``."""
    through = trained_through(game_date, system.retrain_days)
    train = training_frame(settings, through + timedelta(days=1))
    if len(train) < system.min_train_rows:
        return None
    fingerprint = hashlib.sha1(pd.util.hash_pandas_object(train, index=False).to_numpy().tobytes()).hexdigest()
    key = (str(settings.duckdb_path), system.model_version, through, fingerprint)
    if key not in _CACHE:
        _CACHE[key] = _fit(system, train)
        _register(settings, system, through, len(train))
    return _CACHE[key]


def predict_points(settings: Settings, system, game_date: date) -> pd.Series:
    """Predicted points per player_id for ``game_date`` (empty when no model can be trained yet)."""
    model = model_for(settings, system, game_date)
    rows = feature_rows(settings, game_date)
    if model is None or rows.empty:
        return pd.Series(dtype=float)
    predicted = model.predict(rows[FEATURES].to_numpy(float)).astype(float)
    return pd.Series(np.asarray(predicted, dtype=float), index=rows["player_id"].to_numpy())
