"""Phase 5 step: predict every pre-game line of a date (points, rebounds, assists, threes, PRA) with every
system and write the predictions idempotently."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pandas as pd

from core.errors import UserError
from core.settings import Settings, project_vars
from core.warehouse import connect, shared_connection, table_exists
from ml import stack, xgb
from ml.calibration import load_prediction_residuals, load_residuals, residuals_before
from ml.markets import MARKETS
from ml.systems import Ensemble, MeanBaseline, XGBoostModel, build_systems

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


def _form_columns() -> list[str]:
    columns: list[str] = []
    for market in MARKETS.values():
        columns += [c for c in (market.l10_column, market.season_column, market.sd_column) if c not in columns]
    return columns


def load_inputs(settings: Settings, game_date: date) -> pd.DataFrame:
    """The date's predicted rows of the slate (nba_precompute.prediction_slate, ``is_predicted``: every book's
    pre-game line of every market of the seed for the players with a feature row who are not ruled out), with
    the market's consensus line (``line_consensus``) and the player's form columns from the feature store."""
    precompute = settings.schema("nba_precompute")
    form = ", ".join(f"f.{c}" for c in _form_columns())
    with connect(settings, read_only=False) as con:
        if not table_exists(con, precompute, "prediction_slate"):
            raise UserError(f"{precompute}.prediction_slate does not exist: phase 4 has not built the slate "
                               "(run phase 4 first)")
        return con.execute(
            f"""
            select
                f.game_date, f.player_id, f.player_name, f.team_abbr, f.feature_version, {form},
                f.games_played_season as games_played_total,
                s.market, s.bookmaker, s.line, s.over_price, s.under_price, s.no_vig_over_probability,
                s.line_consensus
            from {precompute}.prediction_slate as s
            inner join {precompute}.ml_feature_store as f
                on f.player_id = s.player_id and f.game_date = s.game_date
            where s.game_date = ? and s.is_predicted
            order by s.market, f.player_id, s.bookmaker
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
              components: dict[str, MeanBaseline]) -> None:
    """Fill ``system.mean_column`` of the model systems (the baselines read theirs from the feature store):
    xgboost's prediction per player, or the ensemble's stack of its components' means (where the required
    component predicts; the components' plain average until the stack has enough history)."""
    if isinstance(system, XGBoostModel):
        predicted = xgb.predict(settings, system, game_date)
        inputs[system.mean_column] = inputs["player_id"].map(predicted).astype(float)
    elif isinstance(system, Ensemble):
        present = [components[name] for name in system.components if name in components]
        required = components.get(system.required)
        if not present or required is None or required.mean_column not in inputs:
            inputs[system.mean_column] = np.nan
            return
        means = inputs[[c.mean_column for c in present]]
        fitted = stack.fit(settings, system, {c.name: c.model_version for c in present}, game_date)
        if fitted is None:
            mean = means.mean(axis=1)
        else:
            mean = pd.Series(fitted.apply(inputs["line_consensus"].to_numpy(float), means), index=inputs.index)
        inputs[system.mean_column] = mean.where(inputs[required.mean_column].notna())


def _residuals(settings: Settings, system: MeanBaseline, game_date: date) -> np.ndarray:
    if isinstance(system, (XGBoostModel, Ensemble)):
        past = load_prediction_residuals(settings, system.name, system.model_version, system.market, game_date)
    else:
        past = load_residuals(settings, system.market, system.mean_column, game_date)
    return residuals_before(past, game_date)


def predict_market(settings: Settings, game_date: date, systems: list[MeanBaseline], inputs: pd.DataFrame,
                   min_edge: float) -> list[pd.DataFrame]:
    """Every system's predictions of one market's rows (one frame per system)."""
    inputs = inputs.copy()  # line_consensus: the slate's (player_prop_consensus), one per player and market
    components: dict[str, MeanBaseline] = {}
    frames = []
    for system in systems:
        if system.mean_column not in inputs:
            _add_mean(settings, game_date, system, inputs, components)
        components[system.name] = system
        frame = inputs[inputs[system.mean_column].notna()].copy()
        if frame.empty:
            continue
        out = system.predict(frame, _residuals(settings, system, game_date))
        frame["predicted_value"] = out["predicted_value"]
        frame["prob_over"] = out["prob_over"]
        rec, edge = recommend(
            frame["prob_over"].to_numpy(float), frame["no_vig_over_probability"].to_numpy(float), min_edge
        )
        frame["recommendation"], frame["edge"] = rec, edge
        frame["confidence"] = np.maximum(frame["prob_over"], 1.0 - frame["prob_over"])
        frame["system"], frame["model_version"] = system.name, system.model_version
        frames.append(frame)
    return frames


def predict_date(settings: Settings, game_date: date, run_id: str, params: dict | None = None) -> int:
    """Predict one date with every system in every market and replace that date's rows of the registered
    systems/versions in one transaction. ``params`` override the project vars (dbt_project.yml)."""
    with shared_connection(settings):
        return _predict_date(settings, game_date, run_id, {**project_vars(settings.project_dir), **(params or {})})


def predict_dates(settings: Settings, dates: list[date], run_id: str, params: dict | None = None) -> dict[str, int]:
    """``predict_date`` for each of ``dates`` in order (phase 5 of a run), as one session: one warehouse
    connection, the project vars read once and the training data, which only phases 1-4 write, fingerprinted
    once per market and week (``xgb.frozen_training_data``). Rows written: the same as date by date."""
    with shared_connection(settings), xgb.frozen_training_data():
        merged = {**project_vars(settings.project_dir), **(params or {})}
        return {d.isoformat(): _predict_date(settings, d, run_id, merged) for d in dates}


def _predict_date(settings: Settings, game_date: date, run_id: str, params: dict) -> int:
    min_edge = float(params.get("min_edge", 0.03))
    inputs = load_inputs(settings, game_date)
    ensure_table(settings)
    xgb.ensure_registry(settings)  # graded and tested by phase 5 even before any model is trained
    frames: list[pd.DataFrame] = []
    versions: dict[tuple[str, str], None] = {}
    for market in MARKETS.values():
        systems = build_systems(params, market)
        versions.update({(s.name, s.model_version): None for s in systems})
        rows = inputs[inputs["market"] == market.key]
        if not rows.empty:
            frames += predict_market(settings, game_date, systems, rows, min_edge)
    return _replace(settings, game_date, list(versions), frames, run_id)


def _replace(settings: Settings, game_date: date, versions: list[tuple[str, str]], frames: list[pd.DataFrame],
             run_id: str) -> int:
    """Replace one date's rows of the given system/model versions with ``frames`` in one transaction: a
    crash or retry leaves the old rows or the new ones, never both or half."""
    table = f"{settings.schema('nba_predictions')}.{TABLE}"
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    rows["run_id"], rows["created_at"] = run_id, datetime.now(UTC).replace(tzinfo=None)
    for col in COLUMNS:
        if col not in rows:
            rows[col] = None
    rows = rows[COLUMNS]
    pairs = " or ".join("(system = ? and model_version = ?)" for _ in versions)
    with connect(settings) as con:
        con.execute("begin transaction")
        try:
            con.execute(
                f"delete from {table} where game_date = ? and ({pairs})",
                [game_date, *[v for pair in versions for v in pair]],
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
