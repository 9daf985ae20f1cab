"""Phase 5 step: predict every pre-game points line of a date and write the predictions idempotently."""

from __future__ import annotations

from datetime import date, datetime, timezone

import numpy as np
import pandas as pd

from dbt_project.settings import Settings, project_vars
from dbt_project.warehouse import connect
from ml import xgb
from ml.calibration import load_prediction_residuals, load_residuals, residuals_before
from ml.systems import Ensemble, MeanBaseline, XGBoostPoints, build_systems

TABLE = "player_prop_predictions"
COLUMNS = [
    "game_date", "player_id", "player_name", "team_abbr", "market", "bookmaker", "line", "over_price",
    "under_price", "system", "model_version", "feature_version", "predicted_value", "prob_over", "edge",
    "recommendation", "confidence", "run_id", "created_at",
]


def ensure_table(settings: Settings) -> None:
    schema = settings.schema("nba_predictions")
    with connect(settings) as con:
        con.execute(f"create schema if not exists {schema}")
        con.execute(
            f"""create table if not exists {schema}.{TABLE} (
                game_date date not null,
                player_id bigint not null,
                player_name varchar,
                team_abbr varchar,
                market varchar not null,
                bookmaker varchar not null,
                line double not null,
                over_price integer,
                under_price integer,
                system varchar not null,
                model_version varchar not null,
                feature_version varchar,
                predicted_value double not null,
                prob_over double not null,
                edge double,
                recommendation varchar not null,
                confidence double,
                run_id varchar,
                created_at timestamp,
                primary key (game_date, player_id, market, bookmaker, system, model_version)
            )"""
        )


def load_inputs(settings: Settings, game_date: date) -> pd.DataFrame:
    """Feature rows joined to every book's pre-game points line for the date (players ruled out dropped)."""
    precompute, analytics = settings.schema("nba_precompute"), settings.schema("nba_analytics")
    with connect(settings, read_only=False) as con:
        return con.execute(
            f"""
            select
                f.game_date, f.player_id, f.player_name, f.team_abbr, f.feature_version,
                f.points_avg_l10, f.points_std_l10, f.points_avg_season, f.points_std_season,
                f.games_played_season as games_played_total,
                l.market, l.bookmaker, l.line, l.over_price, l.under_price, l.no_vig_over_probability
            from {precompute}.ml_feature_store as f
            inner join {analytics}.player_prop_lines as l
                on l.game_date = f.game_date and l.player_name_key = f.player_name_key
            where f.game_date = ? and l.market = 'player_points' and f.injury_status <> 'Out'
            order by f.player_id, l.bookmaker
            """,
            [game_date],
        ).df()


def recommend(prob_over: np.ndarray, no_vig_over: np.ndarray, min_edge: float) -> tuple[np.ndarray, np.ndarray]:
    """OVER / UNDER / PASS per row, shared by every system: a side is recommended when our probability of it
    beats the book's no-vig probability by at least ``min_edge``; edge is that margin for the chosen side
    (the over margin for PASS). Rows without a no-vig probability are PASS."""
    no_vig_over = np.asarray(no_vig_over, dtype=float)
    over_edge = prob_over - no_vig_over
    under_edge = (1.0 - prob_over) - (1.0 - no_vig_over)
    rec = np.where(over_edge >= min_edge, "OVER", np.where(under_edge >= min_edge, "UNDER", "PASS"))
    edge = np.where(rec == "UNDER", under_edge, over_edge)
    return rec, edge


def _add_mean(settings: Settings, game_date: date, system: MeanBaseline, inputs: pd.DataFrame,
              mean_columns: dict[str, str]) -> None:
    """Fill ``system.mean_column`` of the model systems (the baselines read theirs from the feature store):
    xgboost's prediction per player, or the ensemble's average of its components' means (where the required
    component predicts)."""
    if isinstance(system, XGBoostPoints):
        predicted = xgb.predict_points(settings, system, game_date)
        inputs[system.mean_column] = inputs["player_id"].map(predicted).astype(float)
    elif isinstance(system, Ensemble):
        columns = [mean_columns[name] for name in system.components if name in mean_columns]
        required = mean_columns.get(system.required)
        if columns and required in inputs:
            inputs[system.mean_column] = inputs[columns].mean(axis=1).where(inputs[required].notna())
        else:
            inputs[system.mean_column] = np.nan


def _residuals(settings: Settings, system: MeanBaseline, game_date: date) -> np.ndarray:
    if isinstance(system, (XGBoostPoints, Ensemble)):
        past = load_prediction_residuals(settings, system.name, system.model_version, game_date)
    else:
        past = load_residuals(settings, system.mean_column, game_date)
    return residuals_before(past, game_date)


def predict_date(settings: Settings, game_date: date, run_id: str, params: dict | None = None) -> int:
    """Predict one date with every system and replace that date's rows for each system/version atomically.
    ``params`` override the project vars (dbt_project.yml)."""
    params = {**project_vars(settings.project_dir), **(params or {})}
    systems = build_systems(params)
    min_edge = float(params.get("min_edge", 0.03))
    inputs = load_inputs(settings, game_date)
    ensure_table(settings)
    table = f"{settings.schema('nba_predictions')}.{TABLE}"
    mean_columns = {system.name: system.mean_column for system in systems}
    written = 0
    for system in systems:
        if system.mean_column not in inputs:
            _add_mean(settings, game_date, system, inputs, mean_columns)
        frame = inputs[inputs[system.mean_column].notna()].copy()
        if not frame.empty:
            residuals = _residuals(settings, system, game_date)
            out = system.predict(frame, residuals)
            frame["predicted_value"] = out["predicted_value"]
            frame["prob_over"] = out["prob_over"]
            rec, edge = recommend(
                frame["prob_over"].to_numpy(float), frame["no_vig_over_probability"].to_numpy(float), min_edge
            )
            frame["recommendation"], frame["edge"] = rec, edge
            frame["confidence"] = np.maximum(frame["prob_over"], 1.0 - frame["prob_over"])
        written += _replace(settings, table, game_date, system, frame, run_id)
    return written


def _replace(settings: Settings, table: str, game_date: date, system: MeanBaseline, frame: pd.DataFrame,
             run_id: str) -> int:
    """Replace one date's rows of one system/model version with ``frame`` in one transaction."""
    frame["system"], frame["model_version"] = system.name, system.model_version
    frame["run_id"], frame["created_at"] = run_id, datetime.now(timezone.utc).replace(tzinfo=None)
    for col in COLUMNS:
        if col not in frame:
            frame[col] = None
    rows = frame[COLUMNS]
    with connect(settings) as con:
        con.execute("begin transaction")
        try:
            con.execute(
                f"delete from {table} where game_date = ? and system = ? and model_version = ?",
                [game_date, system.name, system.model_version],
            )
            if not rows.empty:
                con.register("new_predictions", rows)
                con.execute(f"insert into {table} ({', '.join(COLUMNS)}) select * from new_predictions")
                con.unregister("new_predictions")
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
    return len(rows)
