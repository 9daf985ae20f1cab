"""Prediction systems (every market; unit tests on points): the registry, walk-forward residual calibration
of P(over), the shared recommendation, and per-date idempotent writes of every registered system."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from core.settings import Settings, project_vars
from core.warehouse import connect
from ml.calibration import empirical_prob_over, residuals_before
from ml.markets import MARKETS
from ml.predict import predict_date, recommend
from ml.store import load_residuals
from ml.systems import REGISTRY, build_systems
from tests.support.env import copy_warehouse

PREDICTIONS = "test_nba_predictions.player_prop_predictions"
KEY = "game_date, player_id, market, bookmaker, system, model_version"


def _features(lines: list[float], mean: float = 20.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "line": lines,
            "points_avg_l10": mean,
            "points_std_l10": 5.0,
            "points_avg_season": mean,
            "points_std_season": 5.0,
            "games_played_total": 10,
        }
    )


# -- units -------------------------------------------------------------------------------------------------
def test_registry_has_the_baselines_with_their_own_names_and_versions():
    systems = build_systems({})
    assert {"rolling_l10", "season_avg"} <= set(REGISTRY)
    assert [s.name for s in systems] == list(REGISTRY)
    assert len({s.model_version for s in systems}) == len(systems)
    assert {s.mean_column for s in systems} >= {"points_avg_l10", "points_avg_season"}


def test_empirical_prob_over_is_the_share_of_residuals_clearing_the_line():
    residuals = np.array([-6.0, -2.0, 0.0, 1.0, 5.0])
    prob = empirical_prob_over(np.full(4, 20.0), np.array([13.5, 19.5, 20.5, 25.5]), residuals)
    assert prob.tolist() == [1.0, 0.6, 0.4, 0.0]


@pytest.mark.parametrize("n_residuals", [0, 50, 500])
def test_prob_over_is_a_probability_decreasing_in_the_line(n_residuals):
    system = build_systems({})[0]
    residuals = np.random.default_rng(7).normal(0.0, 6.0, n_residuals)
    lines = np.arange(5.5, 40.0, 1.0)
    out = system.predict(_features(lines.tolist()), residuals)
    prob = out["prob_over"].to_numpy()
    assert ((prob >= 0.0) & (prob <= 1.0)).all()
    assert (np.diff(prob) <= 0).all()
    assert out["calibration"].iloc[0] == ("empirical" if n_residuals >= system.min_residuals else "normal")


def test_calibration_uses_only_residuals_strictly_before_the_date():
    day = date(2025, 11, 1)
    residuals = pd.DataFrame(
        {
            "game_date": pd.to_datetime(["2025-10-30", "2025-10-31", "2025-11-01", "2025-11-02"]),
            "residual": [1.0, 2.0, 100.0, 200.0],
        }
    )
    assert residuals_before(residuals, day).tolist() == [1.0, 2.0]
    assert residuals_before(residuals.iloc[:0], day).size == 0


def test_recommend_is_shared_and_thresholded_on_min_edge():
    rec, edge = recommend(np.array([0.60, 0.40, 0.51, 0.5]), np.array([0.5, 0.5, 0.5, np.nan]), 0.03)
    assert rec.tolist() == ["OVER", "UNDER", "PASS", "PASS"]
    assert edge[:3] == pytest.approx([0.10, 0.10, 0.01])


# -- on the demo warehouse ---------------------------------------------------------------------------------
def _late_date(env) -> date:
    return env.game_dates[-1]


def _by_system(env, day: date) -> dict[str, int]:
    with connect(env.settings, read_only=True) as con:
        rows = con.execute(f"select system, count(*) from {PREDICTIONS} where game_date = ? group by 1", [day])
        return dict(rows.fetchall())


@pytest.mark.e2e
def test_every_system_predicts_a_late_date_and_reruns_are_idempotent(demo_env):
    day = _late_date(demo_env)
    counts = []
    for i in range(3):
        predict_date(demo_env.settings, day, f"rerun_{i}")
        counts.append(_by_system(demo_env, day))
    assert set(counts[0]) == set(REGISTRY)
    assert all(n > 50 for n in counts[0].values()), counts[0]
    assert counts[0] == counts[1] == counts[2]
    with connect(demo_env.settings, read_only=True) as con:
        dupes = con.execute(
            f"select count(*) from (select 1 from {PREDICTIONS} group by {KEY} having count(*) > 1)"
        ).fetchone()[0]
        bad_prob, run_ids = con.execute(
            f"select count(*) filter (where prob_over < 0 or prob_over > 1 or prob_over is null), "
            f"count(distinct run_id) from {PREDICTIONS} where game_date = ?",
            [day],
        ).fetchone()
        # for one player, system and date, a higher line never gets a higher P(over)
        pairs, inversions = con.execute(
            f"""
            select count(*), count(*) filter (where b.prob_over > a.prob_over + 1e-12)
            from {PREDICTIONS} as a
            inner join {PREDICTIONS} as b
                on a.game_date = b.game_date and a.player_id = b.player_id and a.system = b.system
                and a.market = b.market and b.line > a.line
            where a.game_date = ?
            """,
            [day],
        ).fetchone()
    assert dupes == 0
    assert bad_prob == 0
    assert run_ids == 1  # the last rerun replaced every system's rows of the date
    assert pairs > 0 and inversions == 0


@pytest.mark.e2e
def test_late_date_is_calibrated_on_enough_past_residuals(demo_env):
    day = _late_date(demo_env)
    system = build_systems(project_vars(demo_env.settings.project_dir))[0]
    residuals = load_residuals(demo_env.settings, system.market, system.mean_column, day)
    assert len(residuals) >= system.min_residuals  # the demo's late dates use the empirical calibration
    assert (pd.to_datetime(residuals["game_date"]).dt.date < day).all()


@pytest.mark.e2e
def test_results_on_or_after_the_date_cannot_change_its_predictions(demo_env, tmp_path):
    """Corrupt every actual from the prediction date on (and later feature rows) in a copy of the warehouse:
    the date's predictions are unchanged. Corrupting earlier actuals does change them (the test can fail)."""
    day = _late_date(demo_env)
    predict_date(demo_env.settings, day, "reference")
    src = demo_env.settings
    copy = copy_warehouse(src, tmp_path)

    def predictions(settings: Settings) -> pd.DataFrame:
        with connect(settings, read_only=True) as con:
            return con.execute(
                f"select {KEY}, predicted_value, prob_over, recommendation, edge from {PREDICTIONS} "
                f"where game_date = ? order by {KEY}",
                [day],
            ).df()

    reference = predictions(src)
    with connect(copy) as con:
        con.execute(
            "update test_nba_analytics.player_game_summary set points = points + 37, rebounds = rebounds + 9, "
            "assists = assists + 9, threes = threes + 5, points_rebounds_assists = points_rebounds_assists "
            "+ 55 where game_date >= ?",
            [day],
        )
        con.execute(
            "update test_nba_precompute.ml_feature_store set points_avg_l10 = 99, "
            "points_avg_season = 99 where game_date > ?",
            [day],
        )
    predict_date(copy, day, "corrupted_future")
    pd.testing.assert_frame_equal(predictions(copy), reference)

    with connect(copy) as con:
        con.execute("update test_nba_analytics.player_game_summary set points = points + 37 where game_date < ?", [day])
    predict_date(copy, day, "corrupted_past")
    assert not np.allclose(predictions(copy)["prob_over"], reference["prob_over"])


@pytest.mark.e2e
def test_every_market_is_predicted_by_every_system_from_its_own_columns(demo_env):
    """Rebounds, assists, threes and PRA are predicted like points; a baseline's mean is its market's
    feature-store column (not the points one), and each market is calibrated on its own residuals."""
    day = _late_date(demo_env)
    predict_date(demo_env.settings, day, "markets")
    # each market's own last-10 column, as the seed (seeds/prop_markets.csv, feature_prefix) names it
    own_l10 = " ".join(f"when '{m.key}' then f.{m.l10_column}" for m in MARKETS.values())
    with connect(demo_env.settings, read_only=True) as con:
        counts = con.execute(
            f"select market, system, count(*) from {PREDICTIONS} where game_date = ? group by 1, 2", [day]
        ).fetchall()
        check = (
            con.execute(
                f"""
            select p.market, max(abs(p.predicted_value - case p.market {own_l10} end)) as max_gap,
                avg(p.predicted_value) as mean_prediction, avg(p.line) as mean_line
            from {PREDICTIONS} as p
            inner join test_nba_precompute.ml_feature_store as f
                on f.player_id = p.player_id and f.game_date = p.game_date
            where p.game_date = ? and p.system = 'rolling_l10'
            group by p.market
            """,
                [day],
            )
            .df()
            .set_index("market")
        )
    assert {m for m, _, _ in counts} == set(MARKETS)
    assert {(m, s) for m, s, n in counts if n > 10} == {(m, s) for m in MARKETS for s in REGISTRY}
    assert set(check.index) == set(MARKETS) and (check["max_gap"] < 1e-9).all()
    # the predictions are on each market's scale: points ~ 3x rebounds, PRA above points
    scale = check["mean_prediction"]
    assert scale["player_points_rebounds_assists"] > scale["player_points"] > scale["player_rebounds"]
    assert (abs(check["mean_prediction"] - check["mean_line"]) < 0.35 * check["mean_line"]).all()
    for market in MARKETS.values():
        system = build_systems({}, market)[0]
        past = load_residuals(demo_env.settings, market, system.mean_column, day)
        assert len(past) >= system.min_residuals
