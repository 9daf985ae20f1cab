"""The xgboost and ensemble systems: walk-forward training windows, saved model artifacts and the model
registry, idempotent writes, and the ensemble's line-anchored stack, on the demo warehouse."""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.settings import project_vars
from core.warehouse import connect
from ml import features, stack, store, xgb
from ml.markets import MARKETS, POINTS
from ml.predict import Session, predict_date, predict_xgboost
from ml.systems import REGISTRY, Ensemble, XGBoostModel, build_systems

PREDICTIONS = "test_nba_predictions.player_prop_predictions"
MODEL_REGISTRY = "test_nba_predictions.model_registry"
KEY = "game_date, player_id, market, bookmaker, system, model_version"


def _xgb(params: dict | None = None, market=POINTS) -> XGBoostModel:
    return next(s for s in build_systems(params or {}, market) if isinstance(s, XGBoostModel))


def _predict_in_a_new_session(settings, system: XGBoostModel, day: date) -> pd.Series:
    """xgboost's predictions of ``day`` in a new ``Session`` (no model in memory), its registry rows written."""
    registry: list[dict] = []
    predicted = predict_xgboost(settings, Session(), system, day, registry)
    store.write_registry(settings, registry)
    return predicted


# -- units -------------------------------------------------------------------------------------------------
def test_xgboost_and_ensemble_are_registered_after_the_baselines():
    names = list(REGISTRY)
    assert names.index("ensemble") > max(names.index(n) for n in ("rolling_l10", "season_avg", "xgboost"))
    ens = next(s for s in build_systems({}) if isinstance(s, Ensemble))
    assert ens.min_stack_rows == project_vars()["ensemble_min_stack_rows"]
    assert set(ens.components) == {"rolling_l10", "season_avg", "xgboost"}


def test_min_train_rows_and_retrain_days_come_from_the_project_vars():
    params = project_vars()
    assert _xgb(params).min_train_rows == params["xgb_min_train_rows"] == 500  # production default
    assert _xgb(params).retrain_days == params["xgb_retrain_days"] == 7
    assert _xgb({"xgb_min_train_rows": 10}).min_train_rows == 10


def test_training_windows_end_before_the_date_and_change_at_most_weekly():
    days = [date(2025, 10, 1) + timedelta(days=i) for i in range(60)]
    through = [xgb.trained_through(d) for d in days]
    assert all(t < d and (d - t).days <= 7 for t, d in zip(through, days, strict=True))
    # one model per 7-day window: the dates sharing a training end are consecutive and at most 7
    windows = pd.Series(days).groupby(through).agg(["min", "max", "count"])
    assert (windows["count"] <= 7).all() and windows["count"].iloc[1:-1].eq(7).all()
    assert ((windows["max"] - windows["min"]).map(lambda d: d.days) == windows["count"] - 1).all()


# -- on the demo warehouse ---------------------------------------------------------------------------------
def _late_date(env) -> date:
    return env.game_dates[-1]


@pytest.mark.e2e
def test_training_frame_has_no_rows_on_or_after_the_date(demo_env):
    day = _late_date(demo_env)
    train = store.training_frame(demo_env.settings, POINTS, day)
    assert len(train) >= 500
    assert (pd.to_datetime(train["game_date"]).dt.date < day).all()
    columns = xgb.features(demo_env.settings)
    assert train["target"].notna().all() and list(train.columns) == ["game_date", "player_id", *columns, "target"]
    # the model inputs: the feature store's columns its yml flags (read from dbt's manifest), then the market's
    # own consensus line, books and line spread (known before tip-off); the target is the market's stat
    assert columns[: -len(xgb.LINE_FEATURES)] == list(features.feature_spec(demo_env.settings).columns)
    assert train["market_line"].notna().mean() > 0.3
    assert (train["market_line_books"] >= 0).all()
    assert train["market_line_spread"].notna().equals(train["market_line"].notna())
    assert (train.loc[train["market_line_books"] == 1, "market_line_spread"] == 0).all()
    # the line is player_prop_consensus's, the one consensus definition
    with connect(demo_env.settings, read_only=True) as con:
        consensus = con.execute(
            "select c.game_date, f.player_id, c.line_consensus, c.books, c.line_spread "
            "from test_nba_analytics.player_prop_consensus as c "
            "inner join test_nba_precompute.ml_feature_store as f on f.game_date = c.game_date "
            "and f.player_name_key = c.player_name_key "
            "and (f.team_abbr is null or f.team_abbr in (c.home_team_abbr, c.away_team_abbr)) "
            "where c.market = 'player_points' and c.game_date < ?",
            [day],
        ).df()
    lined = train.dropna(subset=["market_line"]).merge(consensus, on=["game_date", "player_id"], validate="1:1")
    assert len(lined) == train["market_line"].notna().sum() > 0
    assert lined["market_line"].to_numpy() == pytest.approx(lined["line_consensus"].to_numpy())
    assert lined["market_line_books"].to_numpy() == pytest.approx(lined["books"].to_numpy())
    assert lined["market_line_spread"].to_numpy() == pytest.approx(lined["line_spread"].to_numpy())
    rebounds = store.training_frame(demo_env.settings, MARKETS["player_rebounds"], day)
    assert len(rebounds) == len(train) and rebounds["target"].mean() < 0.6 * train["target"].mean()
    # the model actually used for the date is trained through an earlier date still
    through = xgb.trained_through(day)
    window = store.training_frame(demo_env.settings, POINTS, through + timedelta(days=1))
    assert through < day and pd.to_datetime(window["game_date"]).dt.date.max() <= through


@pytest.mark.e2e
def test_xgboost_predicts_a_late_date_idempotently_and_registers_each_model_once(demo_env):
    day = _late_date(demo_env)
    for i in range(2):
        predict_date(demo_env.settings, day, f"xgb_rerun_{i}")
    with connect(demo_env.settings, read_only=True) as con:
        counts = dict(
            con.execute(f"select system, count(*) from {PREDICTIONS} where game_date = ? group by 1", [day]).fetchall()
        )
        dupes = con.execute(
            f"select count(*) from (select 1 from {PREDICTIONS} group by {KEY} having count(*) > 1)"
        ).fetchone()[0]
        registry = con.execute(
            f"select system, model_version, market, trained_through, n_train_rows, feature_version, features, "
            f"artifact_path, artifact_sha256 from {MODEL_REGISTRY} where system = 'xgboost' order by trained_through"
        ).df()
        predicted = con.execute(
            f"select distinct market, game_date from {PREDICTIONS} where system = 'xgboost'"
        ).fetchall()
    assert counts["xgboost"] > 50 and counts["ensemble"] == counts["xgboost"]
    assert dupes == 0
    keys = registry[["system", "model_version", "market", "trained_through"]]
    assert not keys.duplicated().any()
    trained = set(zip(registry["market"], pd.to_datetime(registry["trained_through"]).dt.date, strict=True))
    assert trained == {(m, xgb.trained_through(d)) for m, d in predicted}  # one row per trained model
    through = xgb.trained_through(day)
    row = registry[
        (pd.to_datetime(registry["trained_through"]).dt.date == through) & (registry["market"] == "player_points")
    ].iloc[0]
    assert row["n_train_rows"] == len(store.training_frame(demo_env.settings, POINTS, through + timedelta(days=1)))
    spec = features.feature_spec(demo_env.settings)
    assert row["system"] == "xgboost" and row["feature_version"] == spec.version
    assert json.loads(row["features"]) == xgb.features(demo_env.settings)
    # every registered model has its artifact on disk, intact
    for path, sha in zip(registry["artifact_path"], registry["artifact_sha256"], strict=True):
        assert Path(path).is_file() and hashlib.sha256(Path(path).read_bytes()).hexdigest() == sha
        assert json.loads((Path(path).parent / "meta.json").read_text())["sha256"] == sha


@pytest.mark.e2e
def test_a_new_process_reloads_the_saved_artifact_and_retrains_when_it_is_corrupt(demo_env):
    """Without the in-process cache the registered artifact is loaded (same predictions, no retraining);
    a corrupted artifact fails its sha256 check and the model is retrained and saved again."""
    day = _late_date(demo_env)
    system = _xgb(project_vars(demo_env.settings.project_dir))
    first = _predict_in_a_new_session(demo_env.settings, system, day)

    def trained_at() -> pd.Timestamp:
        with connect(demo_env.settings, read_only=True) as con:
            return con.execute(
                f"select trained_at from {MODEL_REGISTRY} where system = 'xgboost' and market = ? "
                "and trained_through = ?",
                [system.market.key, xgb.trained_through(day)],
            ).fetchone()[0]

    stamp = trained_at()
    again = _predict_in_a_new_session(demo_env.settings, system, day)
    pd.testing.assert_series_equal(first, again)
    assert trained_at() == stamp  # loaded, not retrained
    path = xgb.artifact_dir(demo_env.settings, system, xgb.trained_through(day)) / "model.json"
    path.write_text("{}")
    healed = _predict_in_a_new_session(demo_env.settings, system, day)
    assert trained_at() > stamp  # retrained
    assert healed.to_numpy() == pytest.approx(first.to_numpy())  # same rows, same seed: the same model


@pytest.mark.e2e
def test_below_min_train_rows_xgboost_and_ensemble_write_nothing(demo_env):
    day = _late_date(demo_env)
    try:
        predict_date(demo_env.settings, day, "too_few_rows", params={"xgb_min_train_rows": 10**9})
        with connect(demo_env.settings, read_only=True) as con:
            systems = {
                r[0]
                for r in con.execute(f"select distinct system from {PREDICTIONS} where game_date = ?", [day]).fetchall()
            }
        assert systems == {"rolling_l10", "season_avg"}
    finally:
        predict_date(demo_env.settings, day, "restore")


def _wide(env, day: date) -> pd.DataFrame:
    with connect(env.settings, read_only=True) as con:
        long = con.execute(
            f"select player_id, bookmaker, line, system, predicted_value from {PREDICTIONS} "
            "where game_date = ? and market = 'player_points'",
            [day],
        ).df()
    wide = long.pivot(index=["player_id", "bookmaker"], columns="system", values="predicted_value").dropna()
    return wide.join(long.groupby("player_id")["line"].median().rename("line_consensus"), on="player_id")


@pytest.mark.e2e
def test_ensemble_is_the_plain_average_until_the_stack_has_enough_history(demo_env):
    day = _late_date(demo_env)
    try:
        predict_date(demo_env.settings, day, "no_stack", params={"ensemble_min_stack_rows": 10**9})
        wide = _wide(demo_env, day)
        assert len(wide) > 20
        components = wide[["rolling_l10", "season_avg", "xgboost"]].mean(axis=1)
        assert wide["ensemble"].to_numpy() == pytest.approx(components.to_numpy())
    finally:
        predict_date(demo_env.settings, day, "restore")


@pytest.mark.e2e
def test_ensemble_stacks_components_on_the_consensus_line_from_past_dates_only(demo_env):
    """The stack for date D is fitted on stored predictions of dates before D; its weights are registered
    (trained_through D - 1) and the ensemble's mean is line + intercept + sum b_i (component_i - line)."""
    day = _late_date(demo_env)
    # the 14-day test season has one earlier day of xgboost predictions: lower the history threshold
    params = {"ensemble_min_stack_rows": 60}
    predict_date(demo_env.settings, day, "stacked", params=params)
    ens = next(s for s in build_systems(params) if isinstance(s, Ensemble))
    versions = {s.name: s.model_version for s in build_systems({}) if s.name in ens.components}
    long = store.stack_predictions(
        demo_env.settings, "player_points", "points", versions, day - timedelta(days=ens.stack_window_days), day
    )
    rows = stack.training_rows(long, versions)
    assert len(rows) >= ens.min_stack_rows and (pd.to_datetime(rows["game_date"]).dt.date < day).all()
    with connect(demo_env.settings, read_only=True) as con:
        registered = con.execute(
            f"select params, n_train_rows from {MODEL_REGISTRY} where system = 'ensemble' "
            "and market = 'player_points' and trained_through = ?",
            [day - timedelta(days=1)],
        ).fetchone()
    assert registered is not None and registered[1] == len(rows.dropna())
    weights = json.loads(registered[0])
    wide = _wide(demo_env, day)
    coef = weights["coefficients"]
    expected = (
        wide["line_consensus"]
        + weights["intercept"]
        + sum(coef[name] * (wide[name] - wide["line_consensus"]) for name in ("rolling_l10", "season_avg", "xgboost"))
    )
    assert wide["ensemble"].to_numpy() == pytest.approx(expected.to_numpy())
    # the stack is not the plain average (the test can tell them apart)
    assert not np.allclose(wide["ensemble"], wide[["rolling_l10", "season_avg", "xgboost"]].mean(axis=1))
    inputs = store.load_inputs(demo_env.settings, day)
    assert set(inputs["market"]) <= set(MARKETS)
    predict_date(demo_env.settings, day, "restore")


def test_fit_threads_come_from_the_environment_and_bad_values_are_refused(monkeypatch):
    from core.errors import UsageError
    from ml import xgb
    from ml.markets import MARKETS
    from ml.systems import build_systems

    system = next(s for s in build_systems({}, next(iter(MARKETS.values()))) if s.name == "xgboost")
    monkeypatch.delenv(xgb.THREADS_ENV, raising=False)
    assert xgb.threads(system) == system.n_jobs == 2
    monkeypatch.setenv(xgb.THREADS_ENV, "1")
    assert xgb.threads(system) == 1
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv(xgb.THREADS_ENV, bad)
        with pytest.raises(UsageError, match=xgb.THREADS_ENV):
            xgb.threads(system)
