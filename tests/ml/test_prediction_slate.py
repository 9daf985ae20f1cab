"""The prediction slate (models/precompute/prediction_slate.sql), the one definition of who is predicted for a
date, on the demo warehouse: its rows and rules recomputed here from the tables it is built on, phase 5
predicting exactly its is_predicted rows, the P4 -> P5 coverage gate and `heal` counting over it, and, in a
copy of the warehouse, a player ruled out who stays on the slate but is no longer predicted."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from core.settings import Settings
from core.warehouse import connect
from dbt_project.control.gates import feature_coverage
from dbt_project.control.heal import _data_findings
from ml.markets import MARKETS
from ml.predict import predict_date
from ml.systems import REGISTRY
from tests.support.env import copy_warehouse

pytestmark = pytest.mark.e2e

SLATE = "test_nba_precompute.prediction_slate"
FEATURES = "test_nba_precompute.ml_feature_store"
PREDICTIONS = "test_nba_predictions.player_prop_predictions"
LINE_KEY = ["game_date", "player_name_key", "market", "bookmaker"]
PREDICTION_KEY = ["game_date", "player_id", "market", "bookmaker"]


def _query(settings: Settings, sql: str, params: list | None = None) -> pd.DataFrame:
    with connect(settings, read_only=True) as con:
        return con.execute(sql, params or []).df()


def _slate(settings: Settings, day=None) -> pd.DataFrame:
    where = "" if day is None else " where game_date = ?"
    return _query(settings, f"select * from {SLATE}{where}", [] if day is None else [day])


def _copy(env, tmp_path: Path) -> Settings:
    """A copy of the demo warehouse (same file name, so the slate view's references resolve)."""
    return copy_warehouse(env.settings, tmp_path)


def _keys(frame: pd.DataFrame, columns: list[str]) -> set[tuple]:
    return set(frame[columns].astype({"game_date": str}).itertuples(index=False, name=None))


@pytest.fixture(scope="module")
def slate(demo_env) -> pd.DataFrame:
    frame = _slate(demo_env.settings)
    assert len(frame) > 1000
    return frame


def test_the_slate_is_every_book_line_of_the_predicted_markets_with_its_consensus(demo_env, slate):
    lines = _query(
        demo_env.settings,
        "select game_date, player_name_key, market, bookmaker, line from test_nba_analytics.player_prop_lines",
    )
    expected = lines[lines["market"].isin(list(MARKETS))]
    assert not slate.duplicated(LINE_KEY).any()
    assert _keys(slate, LINE_KEY) == _keys(expected, LINE_KEY)
    assert set(slate["market"]) == set(MARKETS)
    # the consensus line is the median main line across books of the player's market (player_prop_consensus)
    median = expected.groupby(["game_date", "player_name_key", "market"])["line"].median().rename("median")
    joined = slate.join(median, on=["game_date", "player_name_key", "market"])
    assert (joined["line_consensus"] - joined["median"]).abs().max() < 1e-9


def test_a_player_without_an_earlier_game_has_no_history_and_no_features(demo_env, slate):
    played = _query(
        demo_env.settings,
        "select player_name_key, min(game_date) as first_game_date "
        "from test_nba_analytics.player_game_summary where played group by 1",
    )
    first = slate["player_name_key"].map(played.set_index("player_name_key")["first_game_date"])
    expected = (pd.to_datetime(first) < pd.to_datetime(slate["game_date"])).fillna(False)
    assert (slate["has_history"] == expected).all()
    without = slate[~slate["has_history"]]
    assert len(without) > 0 and slate["has_history"].any()
    # opening night: nobody has history yet, and a player without history cannot have a feature row
    opening = slate[pd.to_datetime(slate["game_date"]).dt.date == demo_env.game_dates[0]]
    assert len(opening) > 0 and not opening["has_history"].any()
    assert not without["has_features"].any() and not without["is_predicted"].any()


def test_features_ruled_out_and_predicted_follow_the_feature_store(demo_env, slate):
    features = _query(
        demo_env.settings, f"select game_date, player_id, player_name_key, team_abbr, injury_status from {FEATURES}"
    )
    with_row = slate[slate["has_features"]]
    assert len(with_row) > 0 and (~slate["has_features"]).any()
    merged = with_row.merge(features, on=["game_date", "player_id"], suffixes=("", "_store"), validate="many_to_one")
    assert len(merged) == len(with_row)
    assert (merged["player_name_key"] == merged["player_name_key_store"]).all()
    assert (merged["team_abbr"].eq(merged["home_team_abbr"]) | merged["team_abbr"].eq(merged["away_team_abbr"])).all()
    assert (merged["injury_status"] == merged["injury_status_store"]).all()
    # a line without a feature row: no feature-store row of that name on either team of the game
    without = slate[~slate["has_features"]].merge(features, on=["game_date", "player_name_key"], how="inner")
    assert not (
        without["team_abbr_y"].eq(without["home_team_abbr"]) | without["team_abbr_y"].eq(without["away_team_abbr"])
    ).any()
    assert (slate["is_ruled_out"] == slate["injury_status"].eq("Out")).all()
    assert (slate["is_predicted"] == (slate["has_features"] & ~slate["is_ruled_out"])).all()


def test_phase5_predicted_exactly_the_is_predicted_rows(demo_env, slate):
    predictions = _query(demo_env.settings, f"select distinct system, {', '.join(PREDICTION_KEY)} from {PREDICTIONS}")
    predicted = slate[slate["is_predicted"]]
    days = sorted(set(predicted["game_date"]))
    assert len(days) >= len(demo_env.game_dates) - 2
    systems_by_day = predictions.groupby("game_date")["system"].agg(set)
    for day in days:
        wanted = _keys(predicted[predicted["game_date"] == day], PREDICTION_KEY)
        # the baselines predict every slate date with features; the model systems once they have history
        assert {"rolling_l10", "season_avg"} <= systems_by_day.get(day, set()), day
        for system in systems_by_day[day]:
            rows = predictions[(predictions["game_date"] == day) & (predictions["system"] == system)]
            assert _keys(rows, PREDICTION_KEY) == wanted, (day, system)
    assert systems_by_day[max(days)] == set(REGISTRY)
    # nothing is predicted off the slate
    assert set(predictions["game_date"]) <= set(days)


def test_the_coverage_gate_counts_the_slate(demo_env, slate):
    def counts(frame: pd.DataFrame) -> tuple[int, int]:
        players = frame[frame["has_history"]].groupby(["game_date", "player_name_key"])["has_features"].any()
        return len(players), int(players.sum())

    coverage, covered, on_slate = feature_coverage(demo_env.settings, demo_env.all_dates)
    assert (on_slate, covered) == counts(slate)
    assert on_slate > 0 and coverage == pytest.approx(covered / on_slate)
    for day in demo_env.game_dates[:3] + demo_env.game_dates[-1:]:
        day_coverage, day_covered, day_slate = feature_coverage(demo_env.settings, [day])
        expected = counts(slate[pd.to_datetime(slate["game_date"]).dt.date == day])
        assert (day_slate, day_covered) == expected, day
        assert day_coverage == (None if not day_slate else pytest.approx(day_covered / day_slate))
    # the fixture's range run (the first run of this warehouse: other tests re-run single dates in it later)
    # recorded the same numbers in phase 4's gate details
    recorded = _query(
        demo_env.settings,
        "select details from test_nba_monitoring.pipeline_run_history where phase = 4 order by finished_at limit 1",
    )["details"][0]
    details = json.loads(recorded)
    assert (details["players_on_slate"], details["players_with_features"]) == (on_slate, covered)


def test_a_player_ruled_out_stays_on_the_slate_but_is_not_predicted(demo_env, tmp_path):
    day = demo_env.game_dates[-1]
    copy = _copy(demo_env, tmp_path)
    before = _slate(copy, day)
    player_id = int(before.loc[before["is_predicted"], "player_id"].min())
    with connect(copy) as con:
        con.execute(
            f"update {FEATURES} set injury_status = 'Out' where player_id = ? and game_date = ?", [player_id, day]
        )
    after = _slate(copy, day)
    assert _keys(after, LINE_KEY) == _keys(before, LINE_KEY)  # still on the slate, every line of him
    his = after[after["player_id"] == player_id]
    assert len(his) > 0 and his["has_features"].all() and his["is_ruled_out"].all()
    assert not his["is_predicted"].any()
    # the gate still counts him as covered (he has features); phase 5 no longer predicts him
    assert feature_coverage(copy, [day]) == feature_coverage(demo_env.settings, [day])
    predict_date(copy, day, "ruled_out")
    rows = _query(
        copy, f"select distinct system, {', '.join(PREDICTION_KEY)} from {PREDICTIONS} where game_date = ?", [day]
    )
    assert player_id not in set(rows["player_id"])
    wanted = _keys(after[after["is_predicted"]], PREDICTION_KEY)
    for system, group in rows.groupby("system"):
        assert _keys(group, PREDICTION_KEY) == wanted, system


def test_heal_finds_missing_features_and_predictions_on_the_slate(demo_env, tmp_path):
    copy = _copy(demo_env, tmp_path)
    no_features, no_predictions = demo_env.game_dates[-1], demo_env.game_dates[-2]
    with connect(copy) as con:
        assert _data_findings(con, copy) == []
        con.execute(f"delete from {FEATURES} where game_date = ?", [no_features])
        con.execute(f"delete from {PREDICTIONS} where game_date = ?", [no_predictions])
        findings = _data_findings(con, copy)
    slate = _slate(copy)
    dates = pd.to_datetime(slate["game_date"]).dt.date
    experienced = slate[(dates == no_features) & slate["has_history"]]["player_name_key"].nunique()
    predicted = slate[(dates == no_predictions) & slate["is_predicted"]]["player_id"].nunique()
    assert experienced > 0 and predicted > 0
    assert [(f.day, f.rule) for f in findings] == [(no_features, "features"), (no_predictions, "predictions")]
    assert findings[0].detail.startswith(f"{experienced} players") and findings[1].detail.startswith(f"{predicted} ")
    assert feature_coverage(copy, [no_features]) == (0.0, 0, experienced)
