"""The xgboost and ensemble points systems: walk-forward training windows, the model registry, idempotent
writes and the ensemble's averaging, on the demo warehouse."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from dbt_project.settings import project_vars
from dbt_project.warehouse import connect
from ml import xgb
from ml.predict import predict_date
from ml.systems import REGISTRY, Ensemble, XGBoostPoints, build_systems

PREDICTIONS = "test_nba_predictions.player_prop_predictions"
MODEL_REGISTRY = "test_nba_predictions.model_registry"
KEY = "game_date, player_id, market, bookmaker, system, model_version"


def _xgb(params: dict | None = None) -> XGBoostPoints:
    return next(s for s in build_systems(params or {}) if isinstance(s, XGBoostPoints))


# -- units -------------------------------------------------------------------------------------------------
def test_xgboost_and_ensemble_are_registered_after_the_baselines():
    names = list(REGISTRY)
    assert names.index("ensemble") > max(names.index(n) for n in ("rolling_l10", "season_avg", "xgboost"))
    ens = next(s for s in build_systems({}) if isinstance(s, Ensemble))
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
    train = xgb.training_frame(demo_env.settings, day)
    assert len(train) >= 500
    assert (pd.to_datetime(train["game_date"]).dt.date < day).all()
    assert train["points"].notna().all() and set(xgb.FEATURES) <= set(train.columns)
    # the model actually used for the date is trained through an earlier date still
    through = xgb.trained_through(day)
    window = xgb.training_frame(demo_env.settings, through + timedelta(days=1))
    assert through < day and pd.to_datetime(window["game_date"]).dt.date.max() <= through


@pytest.mark.e2e
def test_xgboost_predicts_a_late_date_idempotently_and_registers_each_model_once(demo_env):
    day = _late_date(demo_env)
    for i in range(2):
        predict_date(demo_env.settings, day, f"xgb_rerun_{i}")
    with connect(demo_env.settings, read_only=True) as con:
        counts = dict(con.execute(
            f"select system, count(*) from {PREDICTIONS} where game_date = ? group by 1", [day]
        ).fetchall())
        dupes = con.execute(
            f"select count(*) from (select 1 from {PREDICTIONS} group by {KEY} having count(*) > 1)"
        ).fetchone()[0]
        registry = con.execute(
            f"select system, model_version, trained_through, n_train_rows, feature_version, features "
            f"from {MODEL_REGISTRY} order by trained_through"
        ).df()
        predicted_dates = [r[0] for r in con.execute(
            f"select distinct game_date from {PREDICTIONS} where system = 'xgboost'"
        ).fetchall()]
    assert counts["xgboost"] > 50 and counts["ensemble"] == counts["xgboost"]
    assert dupes == 0
    keys = registry[["system", "model_version", "trained_through"]]
    assert not keys.duplicated().any()
    trained = set(pd.to_datetime(registry["trained_through"]).dt.date)
    assert trained == {xgb.trained_through(d) for d in predicted_dates}  # one row per trained model
    row = registry[pd.to_datetime(registry["trained_through"]).dt.date == xgb.trained_through(day)].iloc[0]
    through = xgb.trained_through(day)
    assert row["n_train_rows"] == len(xgb.training_frame(demo_env.settings, through + timedelta(days=1)))
    assert row["system"] == "xgboost" and row["feature_version"] == "v2"
    assert "points_line_consensus" in row["features"]


@pytest.mark.e2e
def test_below_min_train_rows_xgboost_and_ensemble_write_nothing(demo_env):
    day = _late_date(demo_env)
    try:
        predict_date(demo_env.settings, day, "too_few_rows", params={"xgb_min_train_rows": 10**9})
        with connect(demo_env.settings, read_only=True) as con:
            systems = {r[0] for r in con.execute(
                f"select distinct system from {PREDICTIONS} where game_date = ?", [day]
            ).fetchall()}
        assert systems == {"rolling_l10", "season_avg"}
    finally:
        predict_date(demo_env.settings, day, "restore")


@pytest.mark.e2e
def test_ensemble_mean_is_the_average_of_its_components(demo_env):
    day = _late_date(demo_env)
    predict_date(demo_env.settings, day, "ensemble_check")
    with connect(demo_env.settings, read_only=True) as con:
        long = con.execute(
            f"select player_id, bookmaker, system, predicted_value from {PREDICTIONS} where game_date = ?", [day]
        ).df()
    wide = long.pivot(index=["player_id", "bookmaker"], columns="system", values="predicted_value").dropna()
    assert len(wide) > 20
    components = wide[["rolling_l10", "season_avg", "xgboost"]].mean(axis=1)
    assert wide["ensemble"].to_numpy() == pytest.approx(components.to_numpy())
    sample = wide.iloc[len(wide) // 2]
    expected = (sample["rolling_l10"] + sample["season_avg"] + sample["xgboost"]) / 3
    assert sample["ensemble"] == pytest.approx(expected)
