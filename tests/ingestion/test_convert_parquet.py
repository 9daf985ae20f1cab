"""`nba-props landing from-parquet`: parquet files -> API-shaped landing files (docs/landing-format.md).

The synthetic tests build small parquet files with the real files' schema inside tmp_path and always run.
The real_data test converts the shared NBA data (never copied into the repo) and loads it through the dlt
sources; it is skipped when that directory is absent.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from core.markets import MARKETS
from core.settings import Settings
from dbt_project.cli import app
from ingestion.convert import ConvertError, convert_parquet, name_key
from ingestion.convert.parquet import DERIVED_PLAYER_ID_BASE
from tests.support.files import tree_digest
from tests.support.parquet import (
    D1,
    D2,
    EVENT_1,
    EVENT_2,
    GAMES,
    NO_ID_PLAYER,
    PLAYERS_PER_TEAM,
    box_rows,
    games_rows,
    write_synthetic,
)

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = Path(os.environ.get("NBA_PROPS_SHARED_DATA", REPO.parent / "shared" / "data"))


def _load(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    base = tmp_path_factory.mktemp("convert")
    data = write_synthetic(base / "data")
    out = base / "landing"
    manifest = convert_parquet(data, out)
    return out, manifest


# -- synthetic: always run -------------------------------------------------------------------------------------
def test_layout_follows_the_landing_format(converted):
    out, manifest = converted
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == [
        "_manifest.json",
        "balldontlie/2025-10-21/games.json",
        "balldontlie/2025-10-21/stats_page_001.json",
        "balldontlie/2025-10-22/games.json",
        "balldontlie/2025-10-22/stats_page_001.json",
        "nbacom/2025-10-21/scoreboard.json",
        "nbacom/2025-10-22/scoreboard.json",
        f"odds_api/2025-10-21/event_{EVENT_1}_odds_1500Z.json",
        f"odds_api/2025-10-21/event_{EVENT_1}_odds_2200Z.json",
        "odds_api/2025-10-21/events.json",
        f"odds_api/2025-10-22/event_{EVENT_2}_odds_2200Z.json",
        "odds_api/2025-10-22/events.json",
    ]
    # no injury report in the data: no file (an absent file is an empty day)
    assert not list(out.rglob("injury_report.json"))
    assert manifest["game_dates"] == ["2025-10-21", "2025-10-22"]
    assert manifest["counts"]["files"] == len(files)
    # compact JSON
    assert "\n" not in (out / "balldontlie/2025-10-21/games.json").read_text(encoding="utf-8")
    assert _load(out / "_manifest.json") == {k: v for k, v in manifest.items() if k != "bytes"}


def test_pagination_chains_cursors_with_at_most_100_rows(tmp_path):
    data = tmp_path / "data"
    write_synthetic(data)
    # 3 games on D2 with 18 players a team: 108 rows -> pages of 100 and 8
    box = box_rows(18)
    box.to_parquet(data / "player_box_scores.parquet", index=False)
    games_rows(box).to_parquet(data / "games.parquet", index=False)
    manifest = convert_parquet(data, tmp_path / "landing", start=D2, end=D2)
    pages = sorted((tmp_path / "landing/balldontlie/2025-10-22").glob("stats_page_*.json"))
    assert [p.name for p in pages] == ["stats_page_001.json", "stats_page_002.json"]
    first, second = (_load(p) for p in pages)
    assert len(first["data"]) == 100 and len(second["data"]) == 8
    assert first["meta"] == {"next_cursor": first["data"][-1]["id"], "per_page": 100}
    assert second["meta"] == {"next_cursor": None, "per_page": 100}
    ids = [s["id"] for s in first["data"] + second["data"]]
    assert len(set(ids)) == len(ids) == manifest["counts"]["box_score_rows"] == 108
    assert manifest["game_dates"] == ["2025-10-22"] and manifest["start"] == manifest["end"] == "2025-10-22"
    assert not (tmp_path / "landing/balldontlie/2025-10-21").exists()


def test_box_scores_and_games_have_the_api_shape(converted):
    out, manifest = converted
    games = _load(out / "balldontlie/2025-10-21/games.json")
    assert games["meta"] == {"per_page": 100}
    okc = next(g for g in games["data"] if g["home_team"]["abbreviation"] == "OKC")
    assert set(okc) == {
        "id",
        "date",
        "datetime",
        "season",
        "status",
        "period",
        "time",
        "postseason",
        "home_team_score",
        "visitor_team_score",
        "home_team",
        "visitor_team",
    }
    assert okc["id"] == 22500001 and okc["date"] == "2025-10-21" and okc["season"] == 2025
    assert okc["datetime"] == "2025-10-21T23:35:00Z"  # the Odds API commence_time of the matchup
    assert okc["period"] == 5  # team_minutes 265: one overtime
    assert okc["home_team"] == {
        "id": 21,
        "conference": "West",
        "division": "Northwest",
        "city": "Oklahoma City",
        "name": "Thunder",
        "full_name": "Oklahoma City Thunder",
        "abbreviation": "OKC",
    }
    stats = _load(out / "balldontlie/2025-10-21/stats_page_001.json")["data"]
    okc_rows = [s for s in stats if s["game"]["id"] == 22500001]
    assert okc["home_team_score"] == sum(s["pts"] for s in okc_rows if s["team"]["abbreviation"] == "OKC") + 1
    row = okc_rows[0]
    assert set(row) >= {
        "id",
        "min",
        "pts",
        "reb",
        "ast",
        "stl",
        "blk",
        "turnover",
        "pf",
        "fgm",
        "fga",
        "fg_pct",
        "fg3m",
        "fg3a",
        "fg3_pct",
        "ftm",
        "fta",
        "ft_pct",
        "oreb",
        "dreb",
        "player",
        "team",
        "game",
    }
    assert set(row["game"]) == {
        "id",
        "date",
        "datetime",
        "season",
        "status",
        "postseason",
        "home_team_id",
        "visitor_team_id",
        "home_team_score",
        "visitor_team_score",
    }
    assert row["game"]["home_team_id"] == 21 and row["game"]["visitor_team_id"] == 11
    minutes = {s["player"]["first_name"] + " " + s["player"]["last_name"]: s["min"] for s in okc_rows}
    assert minutes["Player00 OKCson"] == "36:30" and minutes["Player01 OKCson"] == "33:45"
    assert minutes["Player11 OKCson"] == "00:00"
    assert {s["player"]["position"] for s in okc_rows} == {"G", "F", "C"}
    lal = next(g for g in games["data"] if g["home_team"]["abbreviation"] == "LAL")
    assert lal["id"] == 22500002  # matched in the games file on (date, home, away): its game_id
    # no game_id anywhere: an id derived from date and BallDontLie team ids, the score summed from the players
    d2 = _load(out / "balldontlie/2025-10-22/games.json")["data"]
    okc2 = next(g for g in d2 if g["home_team"]["abbreviation"] == "OKC")
    assert okc2["id"] == int("9" + "20251022" + "21" + "24") and okc2["period"] == 4
    okc2_rows = [
        s for s in _load(out / "balldontlie/2025-10-22/stats_page_001.json")["data"] if s["game"]["id"] == okc2["id"]
    ]
    assert okc2["home_team_score"] == sum(s["pts"] for s in okc2_rows if s["team"]["abbreviation"] == "OKC")
    assert {s["id"] for s in okc2_rows} == {okc2["id"] * 100 + n for n in range(1, 2 * PLAYERS_PER_TEAM + 1)}
    assert okc2["datetime"] == "2025-10-22T23:00:00Z"  # no odds event: 19:00 US/Eastern
    assert manifest["counts"]["scores_from"] == {"games_file": 4, "player_points_sum": 1}
    assert manifest["scores_from_player_points_sum"] == ["2025-10-22"]
    assert manifest["counts"]["tipoff_from"] == {"default_19_00_et": 3, "props_commence_time": 2}


def test_player_ids_given_or_derived_from_the_name_key(converted):
    out, manifest = converted
    ids: dict[str, set[int]] = {}
    for page in out.glob("balldontlie/*/stats_page_*.json"):
        for s in _load(page)["data"]:
            ids.setdefault(f"{s['player']['first_name']} {s['player']['last_name']}", set()).add(s["player"]["id"])
    derived = ids[NO_ID_PLAYER]
    assert len(derived) == 1 and next(iter(derived)) >= DERIVED_PLAYER_ID_BASE  # same id on both dates
    assert all(i < DERIVED_PLAYER_ID_BASE for name, v in ids.items() if name != NO_ID_PLAYER for i in v)
    assert manifest["counts"]["box_score_rows_with_fallback_player_id"] == 2
    # the earlier season is not converted
    assert manifest["counts"]["box_score_rows"] == len(GAMES) * 2 * PLAYERS_PER_TEAM


def test_schedule_has_the_scoreboard_shape(converted):
    out, _ = converted
    board = _load(out / "nbacom/2025-10-22/scoreboard.json")["scoreboard"]
    assert board["gameDate"] == "2025-10-22" and len(board["games"]) == 3
    bos = next(g for g in board["games"] if g["homeTeam"]["teamTricode"] == "BOS")
    assert bos["gameId"] == "0022500003" and bos["gameCode"] == "20251022/NYKBOS"
    assert bos["gameTimeUTC"] == "2025-10-23T00:10:00Z" and bos["gameEt"] == "2025-10-22T20:10:00"
    assert bos["gameStatusText"] == "8:10 pm ET" and bos["gameStatus"] == 1
    assert bos["homeTeam"] == {
        "teamId": 1610612738,
        "teamName": "Celtics",
        "teamCity": "Boston",
        "teamTricode": "BOS",
        "wins": 0,
        "losses": 0,
        "score": 0,
    }
    # records as of the morning: OKC beat HOU on D1 (by the games file's score)
    okc2 = next(g for g in board["games"] if g["homeTeam"]["teamTricode"] == "OKC")
    assert (okc2["homeTeam"]["wins"], okc2["homeTeam"]["losses"]) == (1, 0)
    assert (okc2["awayTeam"]["wins"], okc2["awayTeam"]["losses"]) == (0, 0)
    assert okc2["gameId"] == "20251022PHXOKC"  # derived: date, away, home
    d1 = _load(out / "nbacom/2025-10-21/scoreboard.json")["scoreboard"]["games"]
    assert {g["gameId"] for g in d1} == {"0022500001", "0022500002"}
    assert all(g["homeTeam"]["wins"] == g["awayTeam"]["losses"] == 0 for g in d1)


def test_odds_snapshots_group_books_markets_and_outcomes(converted):
    out, manifest = converted
    events = _load(out / "odds_api/2025-10-21/events.json")
    assert events == [
        {
            "id": EVENT_1,
            "sport_key": "basketball_nba",
            "sport_title": "NBA",
            "commence_time": "2025-10-21T23:35:00Z",
            "home_team": "Oklahoma City Thunder",
            "away_team": "Houston Rockets",
        }
    ]
    opening = _load(out / f"odds_api/2025-10-21/event_{EVENT_1}_odds_1500Z.json")
    pregame = _load(out / f"odds_api/2025-10-21/event_{EVENT_1}_odds_2200Z.json")
    assert opening["timestamp"] == "2025-10-21T15:00:00Z" and opening["previous_timestamp"] is None
    assert opening["next_timestamp"] == pregame["timestamp"] == "2025-10-21T22:00:00Z"
    assert pregame["previous_timestamp"] == "2025-10-21T15:00:00Z" and pregame["next_timestamp"] is None
    body = pregame["data"]
    assert {k: v for k, v in body.items() if k != "bookmakers"} == events[0]
    assert [b["key"] for b in body["bookmakers"]] == ["bovada", "draftkings", "fanduel"]
    dk = next(b for b in body["bookmakers"] if b["key"] == "draftkings")
    assert dk["title"] == "DraftKings" and [m["key"] for m in dk["markets"]] == list(MARKETS)
    points = dk["markets"][0]["outcomes"]
    assert points[:2] == [
        {"name": "Over", "description": "Player00 OKCson", "price": -115, "point": 21.5},
        {"name": "Under", "description": "Player00 OKCson", "price": -105, "point": 21.5},
    ]
    bovada = next(b for b in body["bookmakers"] if b["key"] == "bovada")["markets"][0]["outcomes"]
    assert sorted({o["point"] for o in bovada}) == [16.5, 24.5]  # alternate lines kept
    fanduel = next(b for b in body["bookmakers"] if b["key"] == "fanduel")
    assert [m["key"] for m in fanduel["markets"]] == list(MARKETS)  # no double-double market
    assert {o["description"] for m in fanduel["markets"] for o in m["outcomes"]} == {"Player00 OKCson", NO_ID_PLAYER}
    # the D2 event is filed under its US/Eastern date although it starts on the next UTC day
    assert _load(out / "odds_api/2025-10-22/events.json")[0]["commence_time"] == "2025-10-23T00:10:00Z"
    per_snapshot = 2 * (len(MARKETS) + 1) + 2
    assert manifest["counts"]["prop_line_rows"] == 2 * per_snapshot + 1
    assert manifest["counts"]["prop_outcome_rows"] == 2 * manifest["counts"]["prop_line_rows"]
    assert manifest["counts"]["prop_line_rows_by_market"]["player_points"] == 2 * (2 * 2 + 2) + 1
    assert manifest["counts"]["events"] == 2 and manifest["counts"]["odds_snapshots"] == 3
    assert manifest["skipped"] == {
        "prop_rows": {"market_not_loaded": {"player_double_double": 1}, "null_line_or_price": 1}
    }


def test_output_is_deterministic_and_a_rerun_replaces_it(tmp_path, converted):
    out, manifest = converted
    data = write_synthetic(tmp_path / "data")
    again = tmp_path / "landing"
    convert_parquet(data, again)
    first = tree_digest(again)
    (again / "balldontlie" / "stale.json").write_text("{}", encoding="utf-8")
    convert_parquet(data, again)  # its own landing area: cleared and rewritten
    assert tree_digest(again) == first
    # same bytes as the fixture's conversion except the manifest's source_dir
    theirs = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*.json") if p.name != "_manifest.json"}
    ours = {
        p.relative_to(again).as_posix(): p.read_bytes() for p in again.rglob("*.json") if p.name != "_manifest.json"
    }
    assert theirs == ours


def test_unscored_games_are_scheduled_and_unknown_teams_counted(tmp_path):
    data = write_synthetic(tmp_path / "data")
    games = pd.read_parquet(data / "games.parquet")
    extra = games.iloc[[0]].assign(
        game_id="0022500009", game_date=D2, home_team="CHI", away_team="CLE", home_pts=pd.NA, away_pts=pd.NA
    )
    pd.concat([games, extra]).to_parquet(data / "games.parquet", index=False)
    box = pd.read_parquet(data / "player_box_scores.parquet")
    stray = box.iloc[[0]].assign(team="SEA", opponent="OKC", player_name="Old Sonic", player_id="1")
    pd.concat([box, stray]).to_parquet(data / "player_box_scores.parquet", index=False)
    manifest = convert_parquet(data, tmp_path / "landing")
    board = _load(tmp_path / "landing/nbacom/2025-10-22/scoreboard.json")["scoreboard"]["games"]
    chi = next(g for g in board if g["homeTeam"]["teamTricode"] == "CHI")
    assert chi["gameId"] == "0022500009" and chi["awayTeam"]["teamTricode"] == "CLE"
    bdl = _load(tmp_path / "landing/balldontlie/2025-10-22/games.json")["data"]
    assert "CHI" not in {g["home_team"]["abbreviation"] for g in bdl}  # no result: not a BallDontLie game
    assert manifest["counts"]["schedule_games_without_result"] == 1
    assert manifest["counts"]["schedule_games"] == manifest["counts"]["games"] + 1
    assert manifest["skipped"]["box_score_rows"] == {"team_not_in_seed": 1}


def test_refuses_a_folder_with_other_landing_data(tmp_path):
    data = write_synthetic(tmp_path / "data")
    out = tmp_path / "landing"
    (out / "odds_api").mkdir(parents=True)
    (out / "_manifest.json").write_text(json.dumps({"generator": "nba-props demo"}), encoding="utf-8")
    with pytest.raises(FileExistsError, match="choose an empty folder"):
        convert_parquet(data, out)


@pytest.mark.parametrize(
    ("file", "column"),
    [("player_box_scores.parquet", "minutes"), ("games.parquet", "home_pts"), ("props_points_lines.parquet", "line")],
)
def test_missing_column_is_a_clear_error(tmp_path, file, column):
    data = write_synthetic(tmp_path / "data")
    pd.read_parquet(data / file).drop(columns=[column]).to_parquet(data / file, index=False)
    with pytest.raises(ConvertError) as err:
        convert_parquet(data, tmp_path / "landing")
    assert str(data / file) in str(err.value) and f"missing column {column}" in str(err.value)
    assert not (tmp_path / "landing").exists()  # nothing written


def test_missing_file_and_unknown_season_are_clear_errors(tmp_path):
    data = write_synthetic(tmp_path / "data")
    with pytest.raises(ConvertError, match="no rows of season '2019-20' in column season"):
        convert_parquet(data, tmp_path / "landing", season="2019-20")
    (data / "games.parquet").unlink()
    with pytest.raises(ConvertError, match=r"games\.parquet: file not found"):
        convert_parquet(data, tmp_path / "landing")


def test_cli_writes_the_landing_area_and_reports_errors(tmp_path):
    data = write_synthetic(tmp_path / "data")
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "landing",
            "from-parquet",
            "--data-dir",
            str(data),
            "--out",
            str(tmp_path / "l"),
            "--start",
            "2025-10-21",
            "--end",
            "2025-10-21",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["start"] == summary["end"] == "2025-10-21" and summary["counts"]["games"] == 2
    bad = runner.invoke(
        app, ["landing", "from-parquet", "--data-dir", str(tmp_path / "nowhere"), "--out", str(tmp_path / "l2")]
    )
    assert bad.exit_code == 2 and "data directory not found" in bad.output
    inverted = runner.invoke(
        app,
        [
            "landing",
            "from-parquet",
            "--data-dir",
            str(data),
            "--out",
            str(tmp_path / "l3"),
            "--start",
            "2025-10-22",
            "--end",
            "2025-10-21",
        ],
    )
    assert inverted.exit_code == 2 and "before --start" in inverted.output


def test_synthetic_landing_loads_through_the_dlt_sources(tmp_path, converted):
    from ingestion.pipeline import load_landing

    out, manifest = converted
    settings = Settings(target="test", landing_dir=out, warehouse_dir=tmp_path / "wh", exports_dir=tmp_path / "ex")
    result = load_landing(settings, [D1, D2])
    assert not getattr(result, "rejected", {}), getattr(result, "rejected_examples", None)
    counts = manifest["counts"]
    assert result.rows["games"] == counts["games"]
    assert result.rows["box_scores"] == counts["box_score_rows"]
    assert result.rows["schedule"] == counts["schedule_games"]
    assert result.rows["events"] == counts["events"]
    assert result.rows["player_props"] == counts["prop_line_rows"]


# -- real data: skipped when ../shared/data is absent ----------------------------------------------------------
@pytest.mark.real_data
@pytest.mark.timeout(300)
def test_real_season_converts_and_loads_with_matching_names(tmp_path):
    if not (SHARED_DATA / "player_box_scores.parquet").is_file():
        pytest.skip(f"real data not found at {SHARED_DATA} (set NBA_PROPS_SHARED_DATA to its folder)")
    from ingestion.pipeline import load_landing

    started = time.perf_counter()
    manifest = convert_parquet(SHARED_DATA, tmp_path / "landing")
    convert_seconds = time.perf_counter() - started
    assert convert_seconds < 60
    counts = manifest["counts"]
    assert counts["games"] >= 200 and counts["box_score_rows"] >= 5000 and counts["prop_line_rows"] >= 100_000
    assert counts["games"] == counts["schedule_games"]
    dates = [date.fromisoformat(d) for d in manifest["game_dates"]]
    settings = Settings(
        target="test", landing_dir=tmp_path / "landing", warehouse_dir=tmp_path / "wh", exports_dir=tmp_path / "ex"
    )
    result = load_landing(settings, dates)
    assert not getattr(result, "rejected", {}), getattr(result, "rejected_examples", None)

    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        raw = settings.schema("nba_raw")
        loaded = {
            t: con.execute(f"select count(*) from {raw}.{t}").fetchall()[0][0]
            for t in ("games", "box_scores", "schedule", "events", "player_props")
        }
        assert loaded == {
            "games": counts["games"],
            "box_scores": counts["box_score_rows"],
            "schedule": counts["schedule_games"],
            "events": counts["events"],
            "player_props": counts["prop_line_rows"],
        }
        box = con.execute(
            f"select distinct game__date, player__first_name || ' ' || player__last_name from {raw}.box_scores"
        ).fetchall()
        props = con.execute(
            f"select cast(timezone('America/New_York', commence_time) as date), player_name "
            f"from {raw}.player_props where market = 'player_points'"
        ).fetchall()
    played = {(str(d), name_key(n)) for d, n in box}
    keys = Counter((str(d), name_key(n)) for d, n in props)
    matched = sum(n for k, n in keys.items() if k in played)
    rate = matched / sum(keys.values())
    assert rate >= 0.90, f"only {rate:.1%} of player_points lines match a box-score row on (game_date, name key)"
