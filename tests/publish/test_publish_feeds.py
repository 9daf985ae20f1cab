"""Phase 6's six JSON feeds, checked on the demo season against the warehouse they come from: every file is
valid against its published schema, each feed agrees with the tables it summarises (recomputed here
independently), the live feeds cut at an as-of time, an invalid feed blocks every write of the date, and the
feeds can go to object storage (fsspec) instead of a folder."""

from __future__ import annotations

import dataclasses
import json
import stat
from datetime import UTC, date, datetime, timedelta

import fsspec
import pandas as pd
import pytest
from jsonschema import Draft202012Validator, FormatChecker

from core.settings import project_vars
from core.warehouse import connect
from dbt_project.publish import export
from dbt_project.publish.export import GAME_MINUTES, FeedValidationError, build_feeds, export_feeds, validate
from dbt_project.publish.feed_schemas import SCHEMAS

pytestmark = pytest.mark.e2e

FEED_NAMES = ("predictions", "best_bets", "tonight", "streaks", "live_scores", "live_grading")
ITEMS_KEY = {
    "predictions": "predictions",
    "best_bets": "bets",
    "tonight": "players",
    "streaks": "streaks",
    "live_scores": "games",
    "live_grading": "graded",
}
ACTUAL_COLUMN = {
    "player_points": "points",
    "player_rebounds": "rebounds",
    "player_assists": "assists",
    "player_threes": "threes",
    "player_points_rebounds_assists": "points_rebounds_assists",
}


def _feed(env, day: date, feed: str) -> dict:
    return json.loads((env.settings.exports_dir / day.isoformat() / f"{feed}.json").read_text(encoding="utf-8"))


def _query(env, sql: str, params: list | None = None) -> pd.DataFrame:
    with connect(env.settings, read_only=True) as con:
        return con.execute(sql, params or []).df()


def _utc(moment) -> datetime:
    return pd.Timestamp(moment).to_pydatetime().replace(tzinfo=UTC)


# -- 1. files, schemas, envelope ---------------------------------------------------------------------------
def test_last_date_has_six_valid_world_readable_feeds_and_their_schemas(demo_env):
    day = demo_env.game_dates[-1]
    exports = demo_env.settings.exports_dir
    folder = exports / day.isoformat()
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{f}.json" for f in FEED_NAMES)
    for feed in FEED_NAMES:
        path = folder / f"{feed}.json"
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, (path, oct(path.stat().st_mode))
        doc = json.loads(path.read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(SCHEMAS[feed])
        errors = list(Draft202012Validator(SCHEMAS[feed], format_checker=FormatChecker()).iter_errors(doc))
        assert not errors, f"{feed}: {[e.message for e in errors[:3]]}"
        assert doc["feed"] == feed and doc["game_date"] == day.isoformat()
        assert doc["count"] == len(doc[ITEMS_KEY[feed]])
        assert doc["run_id"].startswith("run_") and doc["as_of"] is None
        datetime.fromisoformat(doc["generated_at"].replace("Z", "+00:00"))  # a real timestamp

        schema_file = exports / "schemas" / f"{feed}.schema.json"
        assert stat.S_IMODE(schema_file.stat().st_mode) == 0o644
        assert json.loads(schema_file.read_text(encoding="utf-8")) == SCHEMAS[feed]
    # a late date of the demo has something in every feed
    assert all(_feed(demo_env, day, f)["count"] > 0 for f in FEED_NAMES)
    # atomic writes leave no temp files behind; the folder's one dotfile is its owner (the test target)
    assert (exports / export.OWNER_MARKER).read_text(encoding="utf-8").strip() == "test"
    for where in (exports, folder, exports / "schemas"):
        leftovers = [p.name for p in where.iterdir() if p.name.startswith(".") and p.name != export.OWNER_MARKER]
        assert not leftovers, (where, leftovers)


# -- 2. cross-checks against the warehouse ----------------------------------------------------------------
def test_tonight_has_one_entry_per_player_with_features(demo_env):
    day = demo_env.game_dates[-1]
    players = _feed(demo_env, day, "tonight")["players"]
    features = _query(
        demo_env,
        "select player_id, player_name, nba_game_id from test_nba_precompute.ml_feature_store where game_date = ?",
        [day],
    )
    assert len(features) > 0
    ids = [p["player_id"] for p in players]
    assert len(ids) == len(set(ids)), "a player is listed twice"
    assert set(ids) == set(features["player_id"])
    by_id = features.set_index("player_id")
    for p in players:
        assert p["nba_game_id"] == by_id.loc[p["player_id"], "nba_game_id"]
        markets = [m["market"] for m in p["markets"]]
        assert len(markets) == len(set(markets)), p


def test_live_scores_has_every_scheduled_game_final_with_box_score_scores(demo_env):
    day = demo_env.game_dates[-1]
    games = _feed(demo_env, day, "live_scores")["games"]
    schedule = _query(
        demo_env,
        "select nba_game_id, home_team_abbr, away_team_abbr "
        "from test_nba_staging.stg_nbacom__schedule where game_date = ?",
        [day],
    )
    assert sorted(g["nba_game_id"] for g in games) == sorted(schedule["nba_game_id"])
    results = _query(
        demo_env,
        "select home_team_abbr, away_team_abbr, home_score, away_score "
        "from test_nba_staging.stg_balldontlie__games where game_date = ? and is_final",
        [day],
    )
    finals = {(r.home_team_abbr, r.away_team_abbr): (r.home_score, r.away_score) for r in results.itertuples()}
    assert finals, "the demo's last date has box scores"
    for g in games:
        key = (g["home_team"], g["away_team"])
        if key in finals:
            assert g["status"] == "final", g
            assert (g["home_score"], g["away_score"]) == finals[key], g
        else:
            assert g["status"] != "final" and g["home_score"] is None, g
    assert sum(g["status"] == "final" for g in games) == len(finals)


def test_best_bets_are_the_top_edges_one_per_player_and_market(demo_env):
    day = demo_env.game_dates[-1]
    wanted = project_vars(demo_env.settings.project_dir)
    bets = _feed(demo_env, day, "best_bets")["bets"]
    n = len(bets)
    assert 0 < n <= wanted["best_bets_count"]
    assert [b["rank"] for b in bets] == list(range(1, n + 1))
    edges = [b["edge"] for b in bets]
    assert all(a >= b for a, b in zip(edges, edges[1:], strict=False)), edges
    keys = [(b["player_id"], b["market"]) for b in bets]
    assert len(keys) == len(set(keys))
    for b in bets:
        assert b["system"] == wanted["publish_system"]
        assert b["recommendation"] in ("OVER", "UNDER") and b["edge"] > 0
        assert any(b["bookmaker"] in reason for reason in b["reasons"]), b["reasons"]

    # independently: the best edge per player and market among the published system's picks of the date
    picks = _query(
        demo_env,
        "select player_id, market, bookmaker, edge from test_nba_publish.publish_predictions "
        "where game_date = ? and system = ? and recommendation in ('OVER', 'UNDER')",
        [day, wanted["publish_system"]],
    )
    best = picks.groupby(["player_id", "market"])["edge"].max()
    for b in bets:
        assert b["edge"] == pytest.approx(best[(b["player_id"], b["market"])], abs=1e-4)  # the best book's
    left_out = best.drop(index=keys)
    if n == wanted["best_bets_count"] and len(left_out):
        assert left_out.max() <= edges[-1] + 1e-4, "a larger edge than the last bet was left out"
    else:
        assert left_out.empty, "fewer bets than allowed, yet picks were left out"


def test_predictions_feed_has_every_publish_row_of_the_date(demo_env):
    day = demo_env.game_dates[-1]
    doc = _feed(demo_env, day, "predictions")
    rows = _query(
        demo_env, "select count(*) as n from test_nba_publish.publish_predictions where game_date = ?", [day]
    )["n"][0]
    assert doc["count"] == len(doc["predictions"]) == rows > 0
    assert {p["game_date"] for p in doc["predictions"]} == {day.isoformat()}


# -- 3. streaks recomputed from the games and the lines ---------------------------------------------------
def _runs(history: pd.DataFrame) -> tuple[str | None, int, int]:
    """(side, length, games with lines) of the latest over/under run in one player's market history."""
    sides = list(history.sort_values("game_date", ascending=False)["side"])
    if not sides or sides[0] == "PUSH":
        return None, 0, len(sides)
    length = next((i for i, s in enumerate(sides) if s != sides[0]), len(sides))
    return sides[0], length, len(sides)


def test_streaks_are_recomputed_from_games_and_consensus_lines(demo_env):
    day, streaks = None, []
    for candidate in reversed(demo_env.game_dates):
        streaks = _feed(demo_env, candidate, "streaks")["streaks"]
        if streaks:
            day = candidate
            break
    assert day is not None, "no date of the demo has a streak"
    minimum = project_vars(demo_env.settings.project_dir)["streak_min_games"]

    slate = _query(demo_env, "select player_id from test_nba_precompute.ml_feature_store where game_date = ?", [day])
    games = _query(
        demo_env,
        "select player_id, game_date, player_name_key, points, rebounds, assists, threes, points_rebounds_assists "
        "from test_nba_analytics.player_game_summary where played and game_date < ?",
        [day],
    )
    lines = _query(
        demo_env,
        "select game_date, player_name_key, market, line from test_nba_analytics.player_prop_lines where game_date < ?",
        [day],
    )
    consensus = lines.groupby(["game_date", "player_name_key", "market"], as_index=False)["line"].median()
    outcomes = games[games["player_id"].isin(slate["player_id"])].merge(consensus, on=["game_date", "player_name_key"])
    outcomes["actual"] = [getattr(r, ACTUAL_COLUMN[r.market]) for r in outcomes.itertuples()]
    outcomes["side"] = [
        "OVER" if a > line else "UNDER" if a < line else "PUSH"
        for a, line in zip(outcomes["actual"], outcomes["line"], strict=True)
    ]

    expected, broken_runs = {}, 0
    for (player_id, market), history in outcomes.groupby(["player_id", "market"]):
        side, length, with_lines = _runs(history)
        if side is not None and length >= minimum:
            latest = history.sort_values("game_date", ascending=False).head(length)
            expected[(player_id, market)] = (side, length, latest)
            broken_runs += length < with_lines  # a run ended by an earlier game on the other side (or a push)
    published = {(s["player_id"], s["market"]): s for s in streaks}
    assert len(published) == len(streaks), "a player's market is listed twice"
    assert set(published) == set(expected)
    assert broken_runs > 0, "no published run was checked against the game that ended it"
    for key, streak in published.items():
        side, length, latest = expected[key]
        assert (streak["side"], streak["games"]) == (side, length), streak
        assert streak["last_game_date"] == pd.Timestamp(latest["game_date"].iloc[0]).date().isoformat()
        assert streak["average_margin"] == pytest.approx((latest["actual"] - latest["line"]).mean(), abs=1e-9)


# -- 4. as-of cut-off -------------------------------------------------------------------------------------
def _date_with_staggered_tipoffs(env) -> tuple[date, pd.DataFrame]:
    for day in reversed(env.game_dates):
        games = _query(
            env,
            "select nba_game_id, tipoff_at, has_final_box_score, home_score, away_score "
            "from test_nba_publish.publish_games where game_date = ?",
            [day],
        )
        if games["tipoff_at"].nunique() > 1:
            return day, games
    pytest.fail("every demo date has all its games at one tip-off")


def test_live_feeds_cut_at_an_as_of_time(demo_env):
    settings = demo_env.settings
    system = project_vars(settings.project_dir)["publish_system"]
    day, games = _date_with_staggered_tipoffs(demo_env)
    tips = {r.nba_game_id: _utc(r.tipoff_at) for r in games.itertuples()}
    boxed = {r.nba_game_id for r in games.itertuples() if r.has_final_box_score}
    assert boxed, "the demo date has landed box scores"
    first, last = min(tips.values()), max(tips.values())
    done = timedelta(minutes=GAME_MINUTES)

    # before the first tip-off: nothing has started
    before = build_feeds(settings, day, "t", as_of=first - timedelta(minutes=1))
    assert before["live_scores"]["as_of"] == (first - timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
    assert [g["status"] for g in before["live_scores"]["games"]] == ["scheduled"] * len(tips)
    assert all(g["home_score"] is None and g["away_score"] is None for g in before["live_scores"]["games"])
    assert before["live_grading"]["games_final"] == 0
    assert before["live_grading"]["graded"] == [] and before["live_grading"]["summary"] == []

    # after the last game's final mark: every game with a box score is final, with its score
    after = build_feeds(settings, day, "t", as_of=last + done + timedelta(minutes=1))
    scores = {r.nba_game_id: (r.home_score, r.away_score) for r in games.itertuples()}
    for g in after["live_scores"]["games"]:
        assert g["status"] == ("final" if g["nba_game_id"] in boxed else "in_progress"), g
        if g["nba_game_id"] in boxed:
            assert (g["home_score"], g["away_score"]) == scores[g["nba_game_id"]]
    assert after["live_grading"]["games_final"] == len(boxed)

    # the earliest games are over, the latest not yet
    as_of = first + done
    assert as_of < last + done
    mid = build_feeds(settings, day, "t", as_of=as_of)
    over = {gid for gid, tip in tips.items() if gid in boxed and tip + done <= as_of}
    assert 0 < len(over) < len(tips)
    status = {g["nba_game_id"]: g["status"] for g in mid["live_scores"]["games"]}
    assert {gid for gid, s in status.items() if s == "final"} == over
    for gid, tip in tips.items():
        if gid not in over:
            assert status[gid] == ("in_progress" if tip <= as_of else "scheduled"), (gid, tip, as_of)
    grading = mid["live_grading"]
    assert grading["games_final"] == len(over)
    assert {r["nba_game_id"] for r in grading["graded"]} <= over
    expected = _query(
        demo_env,
        "select nba_game_id from test_nba_publish.publish_live_grading where game_date = ? and system = ?",
        [day, system],
    )
    assert len(grading["graded"]) == expected["nba_game_id"].isin(over).sum() > 0
    assert len(grading["graded"]) < len(after["live_grading"]["graded"])
    ours = [s for s in grading["summary"] if s["system"] == system]
    assert sum(s["graded"] for s in ours) == len(grading["graded"])


# -- 5. validation blocks writing -------------------------------------------------------------------------
def test_an_invalid_feed_blocks_every_write_of_the_date(demo_env, tmp_path, monkeypatch):
    day = demo_env.game_dates[-1]
    bad_streak = {
        "player_id": 1,
        "player_name": "A Player",
        "team_abbr": "BOS",
        "opponent_abbr": "NYK",
        "market": "player_points",
        "side": "OVER",
        "games": "three",
        "last_game_date": (day - timedelta(days=1)).isoformat(),
        "average_margin": 1.5,
    }
    monkeypatch.setitem(export.BUILDERS, "streaks", lambda settings, d, as_of: ("streaks", [bad_streak], {}))
    target = dataclasses.replace(demo_env.settings, exports_dir=tmp_path / "x")
    with pytest.raises(FeedValidationError) as raised:
        export_feeds(target, day, "t")
    message = str(raised.value)
    assert "streaks" in message and "streaks/0/games" in message and "'three'" in message
    # predictions, tonight and best_bets were built (and valid) before streaks: none of them was written
    assert not (tmp_path / "x" / day.isoformat()).exists()
    assert not (tmp_path / "x").exists() or not any((tmp_path / "x").rglob("*.json"))


def test_validate_names_the_path_of_an_unknown_game_status(demo_env):
    doc = build_feeds(demo_env.settings, demo_env.game_dates[-1], "t")["live_scores"]
    validate("live_scores", doc)  # as built: valid
    doc["games"][1]["status"] = "halftime"
    with pytest.raises(FeedValidationError) as raised:
        validate("live_scores", doc)
    assert "live_scores" in str(raised.value) and "games/1/status" in str(raised.value)
    assert "halftime" in str(raised.value)


# -- 6. object storage ------------------------------------------------------------------------------------
def test_feeds_and_schemas_go_to_object_storage(demo_env, tmp_path):
    day = demo_env.game_dates[-1]
    settings = dataclasses.replace(demo_env.settings, exports_url="memory://nba-feeds", exports_dir=tmp_path / "unused")
    fs = fsspec.filesystem("memory")
    try:
        written = export_feeds(settings, day, "run_memory")
        assert sorted(written) == sorted(f"memory://nba-feeds/{day.isoformat()}/{f}.json" for f in FEED_NAMES)
        expected = build_feeds(demo_env.settings, day, "run_memory")
        for feed in FEED_NAMES:
            stored = json.loads(fs.cat_file(f"/nba-feeds/{day.isoformat()}/{feed}.json"))
            stored.pop("generated_at")
            assert stored == {k: v for k, v in expected[feed].items() if k != "generated_at"}, feed
            schema = json.loads(fs.cat_file(f"/nba-feeds/schemas/{feed}.schema.json"))
            assert schema == SCHEMAS[feed]
        assert not settings.exports_dir.exists(), "nothing goes to the local folder when exports_url is set"
    finally:
        if fs.exists("/nba-feeds"):
            fs.rm("/nba-feeds", recursive=True)
    assert not fs.exists("/nba-feeds")
