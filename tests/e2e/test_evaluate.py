"""`nba-props evaluate` (dbt_project/evaluate.py): the scoring functions on small hand-made frames whose metrics are
computed by hand, and one walk-forward evaluation on the shared real data (skipped when it is absent) checked
against a book-line MAE recomputed here straight from the parquet files."""

from __future__ import annotations

import json
import math
import os
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from core.settings import Settings
from dbt_project.cli import app
from dbt_project.evaluate import (
    GRADED_COLUMNS,
    EvalConfig,
    _ratio_interval,
    _season_of,
    _seasons,
    ece,
    picks_of,
    score_market,
)
from ingestion.convert.parquet import name_key, season_of

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = Path(os.environ.get("NBA_PROPS_SHARED_DATA", REPO.parent / "shared" / "data"))

WIN_110 = 100 / 110  # profit per unit staked on a -110 winner
SYSTEMS = ("rolling_l10", "season_avg", "xgboost", "ensemble")
SYSTEM_KEYS = ("n", "mae", "n_picks", "hit_rate", "brier", "ece", "roi_at_110", "roi_at_price")


# -- ece --------------------------------------------------------------------------------------------------------
def test_ece_is_zero_when_each_bin_frequency_equals_its_probability():
    # 0.25 x4 with 1 hit, 0.55 x20 with 11 hits, 0.75 x8 with 6 hits, 0.95 x20 with 19 hits
    prob = np.repeat([0.25, 0.55, 0.75, 0.95], [4, 20, 8, 20])
    outcome = np.concatenate([[1, 0, 0, 0], [1] * 11 + [0] * 9, [1] * 6 + [0] * 2, [1] * 19 + [0]])
    assert ece(prob, outcome) == pytest.approx(0.0, abs=1e-12)


def test_ece_of_a_constant_overconfident_predictor_is_its_gap():
    # always 0.9, right 6 times out of 10: |0.9 - 0.6|
    assert ece(np.full(10, 0.9), np.array([1] * 6 + [0] * 4)) == pytest.approx(0.3, abs=1e-12)


def test_ece_weights_bins_by_count_and_averages_within_a_bin():
    # bin 9: 0.9 x10, 6 hits (gap 0.3); bin 1: 0.15 x30, 9 hits (gap 0.15) -> (10*0.3 + 30*0.15) / 40
    prob = np.concatenate([np.full(10, 0.9), np.full(30, 0.15)])
    outcome = np.concatenate([[1] * 6 + [0] * 4, [1] * 9 + [0] * 21])
    assert ece(prob, outcome) == pytest.approx(0.1875, abs=1e-12)
    # one bin (0.8-0.9): mean prob 0.85 vs frequency 0.5 -> 0.35 (per-sample gaps would average 0.54)
    assert ece(np.array([0.81, 0.89]), np.array([1, 0])) == pytest.approx(0.35, abs=1e-12)
    # p = 1.0 falls in the last bin with 0.95: mean 0.975 vs 1.0; p = 0.0 in the first bin, exact
    assert ece(np.array([0.95, 1.0, 0.0]), np.array([1, 1, 0])) == pytest.approx(2 * 0.025 / 3, abs=1e-12)


def test_ece_of_nothing_is_nan():
    assert math.isnan(ece(np.array([]), np.array([])))


# -- hand-made graded rows ----------------------------------------------------------------------------------------
D1, D2 = date(2025, 11, 3), date(2025, 11, 4)
COLUMNS = [*GRADED_COLUMNS, "line_consensus"]
# player_prop_consensus.line_consensus of graded_frame's player-games (the median of their books' lines)
CONSENSUS = {(D1, "p1"): 21.5, (D1, "p2"): 11.0, (D2, "p1"): 20.0, (D2, "p3"): 5.5}


def _row(day, player, book, system, line, predicted, prob_over, rec, edge, actual, price=-110, consensus=None):
    outcome = "PUSH" if actual == line else ("OVER" if actual > line else "UNDER")
    if rec == "PASS":
        is_hit, p110, pprice = None, None, None
    elif outcome == "PUSH":
        is_hit, p110, pprice = None, 0.0, 0.0
    else:
        is_hit = rec == outcome
        win = 100 / -price if price < 0 else price / 100
        is_hit, p110, pprice = is_hit, WIN_110 if is_hit else -1.0, win if is_hit else -1.0
    consensus = CONSENSUS.get((day, player), line) if consensus is None else consensus
    return [
        day,
        player,
        "player_points",
        book,
        system,
        f"{system}-v1",
        line,
        price,
        -110,
        predicted,
        prob_over,
        rec,
        edge,
        actual,
        outcome,
        is_hit,
        p110,
        pprice,
        consensus,
    ]


def graded_frame() -> pd.DataFrame:
    """Two systems. Player-games (consensus = the consensus model's median line over the books; actual):
    (D1, p1) books 20.5/21.5/24.5 -> 21.5 (the mean would be 22.17), scored 25 (line error 3.5);
    (D1, p2) books 10.5/11.5 -> 11.0, scored 8 (3.0);
    (D2, p1) one book 20.0, scored 20: a push (0.0);
    (D2, p3) predicted by alpha only, line 5.5, scored 30: outside every metric.
    alpha predicts 24, 10, 21 (errors 1, 2, 1); beta 20, 12, 20 (errors 5, 4, 0)."""
    a, b = "alpha", "beta"
    rows = [
        # alpha: OVER at three books on (D1, p1); the largest edge is bk1 at +120
        _row(D1, "p1", "bk1", a, 20.5, 24.0, 0.70, "OVER", 0.10, 25, price=120),
        _row(D1, "p1", "bk2", a, 21.5, 24.0, 0.65, "OVER", 0.08, 25),
        _row(D1, "p1", "bk3", a, 24.5, 24.0, 0.60, "OVER", 0.06, 25),
        # alpha: UNDER on (D1, p2), bk2 has the larger edge
        _row(D1, "p2", "bk1", a, 10.5, 10.0, 0.40, "UNDER", 0.05, 8),
        _row(D1, "p2", "bk2", a, 11.5, 10.0, 0.35, "UNDER", 0.09, 8),
        # alpha: OVER on a line the player lands exactly on
        _row(D2, "p1", "bk1", a, 20.0, 21.0, 0.60, "OVER", 0.07, 20),
        # alpha only
        _row(D2, "p3", "bk1", a, 5.5, 29.0, 0.99, "OVER", 0.40, 30),
        # beta: a losing UNDER at bk2 on (D1, p1); a PASS with a larger edge must not be the pick
        _row(D1, "p1", "bk1", b, 20.5, 20.0, 0.48, "PASS", 0.20, 25),
        _row(D1, "p1", "bk2", b, 21.5, 20.0, 0.45, "UNDER", 0.03, 25),
        _row(D1, "p1", "bk3", b, 24.5, 20.0, 0.40, "PASS", 0.01, 25),
        # beta: a winning UNDER at bk1 on (D1, p2)
        _row(D1, "p2", "bk1", b, 10.5, 12.0, 0.42, "UNDER", 0.04, 8),
        _row(D1, "p2", "bk2", b, 11.5, 12.0, 0.52, "PASS", 0.00, 8),
        # beta: no bet on (D2, p1)
        _row(D2, "p1", "bk1", b, 20.0, 20.0, 0.50, "PASS", 0.00, 20),
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


# -- picks_of -------------------------------------------------------------------------------------------------
def test_picks_of_one_largest_edge_recommended_quote_per_system_and_player_game():
    picks = picks_of(graded_frame()).set_index(["system", "game_date", "player_id"])
    assert not picks.index.duplicated().any()
    assert set(picks.index) == {
        ("alpha", D1, "p1"),
        ("alpha", D1, "p2"),
        ("alpha", D2, "p1"),
        ("alpha", D2, "p3"),
        ("beta", D1, "p1"),
        ("beta", D1, "p2"),
    }  # beta passes on (D2, p1)
    assert (picks["recommendation"] != "PASS").all()
    assert picks.loc[("alpha", D1, "p1"), "bookmaker"] == "bk1"
    assert picks.loc[("alpha", D1, "p2"), "bookmaker"] == "bk2"
    assert picks.loc[("beta", D1, "p1"), "bookmaker"] == "bk2"  # not bk1: a PASS with edge 0.20
    # P(recommended side): prob_over for OVER, 1 - prob_over for UNDER
    assert picks.loc[("alpha", D1, "p1"), "p_side"] == pytest.approx(0.70)
    assert picks.loc[("alpha", D1, "p2"), "p_side"] == pytest.approx(0.65)
    assert picks.loc[("beta", D1, "p1"), "p_side"] == pytest.approx(0.55)
    assert picks.loc[("beta", D1, "p2"), "p_side"] == pytest.approx(0.58)


def test_picks_of_breaks_edge_ties_by_book_name_and_keeps_no_all_pass_player_game():
    rows = pd.DataFrame(
        [
            _row(D1, "p9", "zbook", "alpha", 15.5, 13.0, 0.30, "UNDER", 0.05, 12),
            _row(D1, "p9", "abook", "alpha", 15.5, 13.0, 0.30, "UNDER", 0.05, 12),
            _row(D1, "p8", "abook", "alpha", 15.5, 15.4, 0.49, "PASS", 0.01, 12),
        ],
        columns=COLUMNS,
    )
    picks = picks_of(rows)
    assert len(picks) == 1
    assert picks.iloc[0]["bookmaker"] == "abook"
    assert picks.iloc[0]["p_side"] == pytest.approx(0.70)


# -- score_market ----------------------------------------------------------------------------------------------
def test_score_market_on_player_games_every_system_predicted():
    result = score_market(graded_frame(), np.random.default_rng(0), with_intervals=False)
    assert result["n_player_games"] == 3  # (D2, p3) has no beta prediction
    assert result["book_line_mae"] == pytest.approx((3.5 + 3.0 + 0.0) / 3, abs=1e-4)
    assert set(result["systems"]) == {"alpha", "beta"}
    alpha, beta = result["systems"]["alpha"], result["systems"]["beta"]
    line_mae = 6.5 / 3

    assert alpha["n"] == beta["n"] == 3
    assert alpha["mae"] == pytest.approx(4 / 3, abs=1e-4)
    assert beta["mae"] == pytest.approx(3.0, abs=1e-4)
    assert alpha["mae_over_line"] == pytest.approx((4 / 3) / line_mae, abs=1e-4)
    assert beta["mae_over_line"] == pytest.approx(3.0 / line_mae, abs=1e-4)

    # alpha: picks bk1 (D1, p1) won at +120, bk2 (D1, p2) won, (D2, p1) pushed; (D2, p3) is not scored
    assert alpha["n_picks"] == 3 and alpha["n_over_picks"] == 2
    assert alpha["hit_rate"] == pytest.approx(1.0)  # the push is not a miss
    assert alpha["roi_at_110"] == pytest.approx((2 * WIN_110 + 0.0) / 3, abs=1e-4)  # the push: 0 over 3 bets
    assert alpha["roi_at_price"] == pytest.approx((1.2 + WIN_110 + 0.0) / 3, abs=1e-4)
    assert alpha["brier"] == pytest.approx(((1 - 0.70) ** 2 + (1 - 0.65) ** 2) / 2, abs=1e-4)
    assert alpha["ece"] == pytest.approx((0.30 + 0.35) / 2, abs=1e-4)  # bins 7 and 6

    # beta: a lost UNDER (D1, p1) and a won UNDER (D1, p2)
    assert beta["n_picks"] == 2 and beta["n_over_picks"] == 0
    assert beta["hit_rate"] == pytest.approx(0.5)
    assert beta["roi_at_110"] == pytest.approx((-1.0 + WIN_110) / 2, abs=1e-4)
    assert beta["brier"] == pytest.approx(((0.55 - 0) ** 2 + (0.58 - 1) ** 2) / 2, abs=1e-4)

    # every quote of the scored player-games, pushes excluded: 5 (D1) of alpha's 6, beta's 6
    assert alpha["calibration_all_lines"]["n"] == beta["calibration_all_lines"]["n"] == 5
    over = np.array([0.70, 0.65, 0.60, 0.40, 0.35])
    hit = np.array([1, 1, 1, 0, 0])
    assert alpha["calibration_all_lines"]["brier"] == pytest.approx(np.mean((over - hit) ** 2), abs=1e-4)


def test_score_market_line_is_the_consensus_models_and_player_games_without_one_are_counted():
    rows = graded_frame()
    # the book line is line_consensus, not a statistic of the predicted rows' lines: move (D1, p1)'s to 22.5
    moved = rows.assign(
        line_consensus=np.where((rows["game_date"] == D1) & (rows["player_id"] == "p1"), 22.5, rows["line_consensus"])
    )
    result = score_market(moved, np.random.default_rng(0), with_intervals=False)
    assert result["book_line_mae"] == pytest.approx((2.5 + 3.0 + 0.0) / 3, abs=1e-4)
    assert result["n_player_games_without_consensus"] == 0
    # (D1, p2) without a consensus line: left out of every metric, and counted
    missing = rows.assign(line_consensus=np.where(rows["player_id"] == "p2", np.nan, rows["line_consensus"]))
    result = score_market(missing, np.random.default_rng(0), with_intervals=False)
    assert result["n_player_games"] == 2 and result["n_player_games_without_consensus"] == 1
    assert result["book_line_mae"] == pytest.approx((3.5 + 0.0) / 2, abs=1e-4)
    assert result["systems"]["alpha"]["n"] == 2 and result["systems"]["alpha"]["n_picks"] == 2


def test_score_market_intervals_bracket_the_point_estimates():
    result = score_market(graded_frame(), np.random.default_rng(7), with_intervals=True)
    lo, hi = result["book_line_mae_ci95"]
    assert lo <= result["book_line_mae"] <= hi and lo < hi
    alpha = result["systems"]["alpha"]
    for key in ("mae", "roi_at_110"):
        lo, hi = alpha["ci95"][key]
        assert lo <= alpha[key] <= hi, key
    assert alpha["ci95"]["hit_rate"] == [1.0, 1.0]  # both decided picks won
    assert sum(c["n"] for c in alpha["reliability_picks"]) == 2  # decided picks only
    assert sum(c["n"] for c in alpha["reliability_all_lines"]) == 5


def test_ratio_interval_is_finite_when_some_line_errors_are_zero():
    # a player-game landing exactly on an integer line has line error 0; about 1 resample in 4 draws only it
    interval = _ratio_interval(np.array([1.0, 1.0]), np.array([0.0, 2.0]), np.random.default_rng(0))
    assert interval is not None and all(np.isfinite(interval))


def test_a_registered_system_without_predictions_is_reported_not_dropped():
    rows = pd.DataFrame([_row(D1, 1, "a", "alpha", 20.5, 22.0, 0.6, "OVER", 0.1, 25.0)], columns=COLUMNS)
    result = score_market(rows, np.random.default_rng(0), with_intervals=False, registered=["alpha", "beta"])
    assert result["systems"]["alpha"]["n"] == 1
    assert result["systems"]["beta"]["n"] == 0 and "xgb_min_train_rows" in result["systems"]["beta"]["note"]


# -- seasons ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("day", "season"),
    [
        (date(2025, 10, 27), "2025-26"),
        (date(2026, 1, 15), "2025-26"),
        (date(2025, 1, 15), "2024-25"),
        (date(2025, 7, 31), "2024-25"),
        (date(2025, 8, 1), "2025-26"),
        (date(2009, 12, 1), "2009-10"),
    ],
)
def test_season_of(day, season):
    assert _season_of(day) == season


def test_season_of_agrees_with_the_converter():
    first = date(2023, 1, 1)
    for i in range(0, 3 * 366, 5):
        day = first + timedelta(days=i)
        assert _season_of(day) == season_of(day), day


@pytest.mark.parametrize(
    ("start", "history", "seasons"),
    [
        (date(2025, 10, 27), 0, ["2025-26"]),
        (date(2025, 10, 27), 1, ["2024-25", "2025-26"]),
        (date(2026, 1, 10), 0, ["2025-26"]),
        (date(2026, 1, 10), 1, ["2024-25", "2025-26"]),
        (date(2026, 1, 10), 2, ["2023-24", "2024-25", "2025-26"]),
    ],
)
def test_seasons_of_the_window_and_its_history(start, history, seasons):
    cfg = EvalConfig(data_dir=Path("."), start=start, end=start, out=Path("x.json"), history_seasons=history)
    assert _seasons(cfg) == seasons


# -- real data: skipped when ../shared/data is absent ----------------------------------------------------------
def _implied(price: pd.Series) -> pd.Series:
    price = price.astype(float)
    return np.where(price > 0, 100 / (price + 100), -price / (-price + 100))


def _book_line_mae(data_dir: Path, start: date, end: date) -> tuple[float, int]:
    """Consensus points line (per book: last pre-game snapshot, main line = prices closest to even; median
    over books) against the box-score points, joined on (game_date, name key), straight from the parquet."""
    lines = pd.read_parquet(data_dir / "props_points_lines.parquet")
    lines = lines[lines["market"] == "player_points"].copy()
    lines["game_date"] = pd.to_datetime(lines["game_date"]).dt.date
    lines = lines[
        (lines["game_date"] >= start)
        & (lines["game_date"] <= end)
        & (lines["snapshot_utc"] <= lines["commence_time"])
        & lines["line"].notna()
        & lines["over_price"].notna()
        & lines["under_price"].notna()
    ].copy()
    lines["key"] = lines["player_name"].map(name_key)
    per_book = ["event_id", "bookmaker", "key"]
    lines = lines[lines["snapshot_utc"] == lines.groupby(per_book)["snapshot_utc"].transform("max")].copy()
    lines["gap"] = np.abs(_implied(lines["over_price"]) - _implied(lines["under_price"]))
    lines = lines.sort_values([*per_book, "gap", "line"]).drop_duplicates(per_book)
    consensus = lines.groupby(["game_date", "key"])["line"].median().rename("line").reset_index()

    box = pd.read_parquet(
        data_dir / "player_box_scores.parquet", columns=["game_date", "player_name", "minutes", "pts"]
    )
    box["game_date"] = pd.to_datetime(box["game_date"]).dt.date
    box = box[
        (box["game_date"] >= start) & (box["game_date"] <= end) & box["pts"].notna() & (box["minutes"].fillna(0) > 0)
    ].copy()
    box["key"] = box["player_name"].map(name_key)
    box = box.drop_duplicates(["game_date", "key"], keep=False)  # ambiguous name keys out
    joined = consensus.merge(box, on=["game_date", "key"])
    return float((joined["line"] - joined["pts"].astype(float)).abs().mean()), len(joined)


@pytest.mark.real_data
@pytest.mark.e2e
@pytest.mark.timeout(600)
def test_real_walk_forward_evaluation(tmp_path):
    if not (SHARED_DATA / "player_box_scores.parquet").is_file():
        pytest.skip(f"real data not found at {SHARED_DATA} (set NBA_PROPS_SHARED_DATA to its folder)")
    # with no history season, xgboost needs xgb_min_train_rows (500) played games before its weekly training
    # date: late October has too few (362 through 2025-10-25), so xgboost and ensemble would predict nothing
    start, end = date(2025, 11, 3), date(2025, 11, 5)
    work, out = tmp_path / "work", tmp_path / "out" / "eval.json"
    result = CliRunner().invoke(
        app,
        [
            "evaluate",
            "--data-dir",
            str(SHARED_DATA),
            "--start",
            start.isoformat(),
            "--end",
            end.isoformat(),
            "--out",
            str(out),
            "--work-dir",
            str(work),
            "--history-seasons",
            "0",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output

    report = json.loads(out.read_text())
    assert {"window", "book_line_mae", "systems"} <= set(report)
    assert report["window"]["start"] == start.isoformat() and report["window"]["end"] == end.isoformat()
    assert report["window"]["seasons"] == ["2025-26"]
    assert report["window"]["game_dates_scored"] == 3
    assert set(report["systems"]) == set(SYSTEMS)
    n_games = report["n_player_games"]
    assert n_games > 100
    for name in SYSTEMS:
        entry = report["systems"][name]
        assert set(SYSTEM_KEYS) <= set(entry), name
        assert entry["n"] == n_games, name  # scored on the player-games every system predicted
        assert 0 < entry["n_picks"] <= entry["n"], name
        assert 0 <= entry["hit_rate"] <= 1 and 0 <= entry["brier"] <= 1 and 0 <= entry["ece"] <= 1, name
        assert 0 < entry["mae"] < 15, name
        assert -1 <= entry["roi_at_110"] <= 1 and -1 <= entry["roi_at_price"] <= 2, name
    assert 0 < report["book_line_mae"] < 10

    md, png = out.with_suffix(".md"), out.with_name("eval_reliability.png")
    assert md.is_file() and png.is_file()
    text = md.read_text()
    assert all(f"| {name} |" in text for name in SYSTEMS)
    assert f"{report['book_line_mae']:.3f}" in text
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000

    # independent: the consensus line's MAE recomputed from the parquet files (the report's is on the subset of
    # player-games every system predicted, so close, not equal)
    expected, matched = _book_line_mae(SHARED_DATA, start, end)
    assert matched >= n_games * 0.9
    assert report["book_line_mae"] == pytest.approx(expected, abs=0.35), (report["book_line_mae"], expected)

    # nothing after --end was loaded
    settings = Settings(
        target="eval", landing_dir=work / "landing", warehouse_dir=work / "warehouse", exports_dir=work / "exports"
    )
    db = work / "warehouse" / "nba_props_eval.duckdb"
    assert db.is_file()
    with duckdb.connect(str(db), read_only=True) as con:
        last = con.execute(
            f"select max(game_date) from {settings.schema('nba_analytics')}.player_game_summary"
        ).fetchone()[0]
        graded_last = con.execute(
            f"select max(game_date) from {settings.schema('nba_predictions')}.prediction_accuracy"
        ).fetchone()[0]
    assert last is not None and last <= end
    assert graded_last <= end
