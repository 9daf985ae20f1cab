"""The demo generator: deterministic, shaped like the APIs (docs/landing-format.md), and realistic enough
that the models downstream have something true to find."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from statistics import mean, median_high, pstdev
from zoneinfo import ZoneInfo

import pytest

from ingestion.demo import DEMO_SEED, DEMO_START, generate_demo
from ingestion.demo.league import ascii_fold
from tests.support.env import TEST_DAYS
from tests.support.files import tree_digest

EASTERN = ZoneInfo("America/New_York")


def _load(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def landing(demo_landing: tuple[Path, list[date]]) -> Path:
    return demo_landing[0]


@pytest.fixture(scope="module")
def manifest(landing: Path) -> dict:
    return _load(landing / "_manifest.json")


@pytest.fixture(scope="module")
def box_rows(landing: Path, manifest: dict) -> list[dict]:
    rows = []
    for d in manifest["game_dates"]:
        for page in sorted((landing / "balldontlie" / d).glob("stats_page_*.json")):
            rows.extend(_load(page)["data"])
    return rows


@pytest.fixture(scope="module")
def games(landing: Path, manifest: dict) -> list[dict]:
    return [g for d in manifest["game_dates"] for g in _load(landing / "balldontlie" / d / "games.json")["data"]]


def test_same_arguments_give_identical_bytes(tmp_path: Path, landing: Path) -> None:
    again = generate_demo(tmp_path / "again", DEMO_START, TEST_DAYS, DEMO_SEED)
    assert tree_digest(tmp_path / "again", ("*.json",)) == tree_digest(landing, ("*.json",))
    other = generate_demo(tmp_path / "other", DEMO_START, TEST_DAYS, DEMO_SEED + 1)
    assert tree_digest(tmp_path / "other", ("*.json",)) != tree_digest(landing, ("*.json",))
    assert other["counts"]["players"] == again["counts"]["players"] == 450


def test_regenerating_replaces_but_refuses_foreign_folders(tmp_path: Path) -> None:
    target = tmp_path / "land"
    generate_demo(target, DEMO_START, 3, DEMO_SEED)
    first = tree_digest(target, ("*.json",))
    generate_demo(target, DEMO_START, 2, DEMO_SEED)  # a shorter window leaves no stale day behind
    assert not (target / "balldontlie" / (DEMO_START + timedelta(days=2)).isoformat()).exists()
    assert tree_digest(target, ("*.json",)) != first

    foreign = tmp_path / "foreign"
    (foreign / "balldontlie").mkdir(parents=True)
    (foreign / "balldontlie" / "keep.json").write_text("{}")
    with pytest.raises(FileExistsError, match="without a _manifest.json of its own, not by"):
        generate_demo(foreign, DEMO_START, 2, DEMO_SEED)
    assert (foreign / "balldontlie" / "keep.json").exists()


def test_manifest_counts_match_files(landing: Path, manifest: dict, box_rows: list[dict], games: list[dict]) -> None:
    assert manifest["generator"] == "nba-props demo"
    assert manifest["seed"] == DEMO_SEED
    assert manifest["start"] == DEMO_START.isoformat()
    assert len(manifest["game_dates"]) == TEST_DAYS  # no holiday inside the first two weeks
    counts = manifest["counts"]
    assert counts["games"] == len(games)
    assert counts["box_score_rows"] == len(box_rows)
    assert counts["players"] == 450
    outcomes = sum(
        len(m["outcomes"])
        for path in landing.glob("odds_api/*/event_*_odds_*.json")
        for b in _load(path)["data"]["bookmakers"]
        for m in b["markets"]
    )
    assert counts["prop_outcome_rows"] == outcomes
    injuries = sum(len(_load(p)["injuries"]) for p in landing.glob("nbacom/*/injury_report.json"))
    assert counts["injury_rows"] == injuries > 0


def test_full_window_defaults_have_enough_game_days(tmp_path: Path) -> None:
    manifest = generate_demo(tmp_path / "full")
    assert len(manifest["game_dates"]) >= 30
    games = [g for p in (tmp_path / "full").glob("balldontlie/*/games.json") for g in _load(p)["data"]]
    margins = [g["home_team_score"] - g["visitor_team_score"] for g in games]
    assert 0.5 < mean(margins) < 6, "home court is worth a few points"
    assert 10 < pstdev(margins) < 20
    assert "2025-11-27" not in manifest["game_dates"]  # Thanksgiving
    assert manifest["bytes"] < 60_000_000
    players = {
        r["player"]["id"]
        for page in (tmp_path / "full").glob("balldontlie/*/stats_page_*.json")
        for r in _load(page)["data"]
    }
    assert 400 <= len(players) <= 450


def test_no_team_plays_three_days_in_a_row(games: list[dict]) -> None:
    days_by_team: dict[str, list[date]] = defaultdict(list)
    for g in games:
        for side in ("home_team", "visitor_team"):
            days_by_team[g[side]["abbreviation"]].append(date.fromisoformat(g["date"]))
    assert len(days_by_team) == 30
    for team, days in days_by_team.items():
        assert len(days) == len(set(days)), f"{team} plays twice on one day"
        for d in days:
            assert not {d + timedelta(days=1), d + timedelta(days=2)} <= set(days), f"{team} 3 straight from {d}"


def test_box_scores_add_up(box_rows: list[dict], games: list[dict]) -> None:
    by_game_team: dict[tuple[int, int], int] = defaultdict(int)
    for r in box_rows:
        assert r["pts"] == 2 * (r["fgm"] - r["fg3m"]) + 3 * r["fg3m"] + r["ftm"], r["id"]
        assert r["reb"] == r["oreb"] + r["dreb"]
        assert r["fgm"] <= r["fga"] and r["fg3m"] <= r["fg3a"] <= r["fga"] and r["ftm"] <= r["fta"]
        minutes, seconds = r["min"].split(":")
        assert 0 <= int(seconds) < 60
        if r["min"] == "00:00":
            assert r["pts"] == r["reb"] == r["ast"] == r["fga"] == 0
        by_game_team[(r["game"]["id"], r["team"]["id"])] += r["pts"]
    for g in games:
        assert by_game_team[(g["id"], g["home_team"]["id"])] == g["home_team_score"]
        assert by_game_team[(g["id"], g["visitor_team"]["id"])] == g["visitor_team_score"]
        assert g["home_team_score"] != g["visitor_team_score"]
    assert any(r["min"] == "00:00" for r in box_rows), "some players dress but do not play"
    team_scores = [g["home_team_score"] for g in games] + [g["visitor_team_score"] for g in games]
    assert 105 < mean(team_scores) < 122


def test_team_minutes_are_a_full_game(box_rows: list[dict]) -> None:
    seconds: dict[tuple[int, int], int] = defaultdict(int)
    for r in box_rows:
        m, s = r["min"].split(":")
        seconds[(r["game"]["id"], r["team"]["id"])] += int(m) * 60 + int(s)
    assert set(seconds.values()) <= {240 * 60, 265 * 60}


def test_stats_pages_are_cursor_paginated(landing: Path, manifest: dict) -> None:
    multi_page_days = 0
    for d in manifest["game_dates"]:
        pages = sorted((landing / "balldontlie" / d).glob("stats_page_*.json"))
        multi_page_days += len(pages) > 1
        for i, path in enumerate(pages):
            body = _load(path)
            assert 0 < len(body["data"]) <= 100
            assert body["meta"]["per_page"] == 100
            if i == len(pages) - 1:
                assert body["meta"]["next_cursor"] is None
            else:
                assert body["meta"]["next_cursor"] == body["data"][-1]["id"]
                assert len(body["data"]) == 100
    assert multi_page_days > 0


def test_players_ruled_out_are_absent_and_names_are_last_first(
    landing: Path, manifest: dict, box_rows: list[dict]
) -> None:
    played = {(r["game"]["date"], f"{r['player']['last_name']}, {r['player']['first_name']}") for r in box_rows}
    statuses = defaultdict(int)
    for d in manifest["game_dates"]:
        report = _load(landing / "nbacom" / d / "injury_report.json")
        assert report["gameDate"] == d
        for entry in report["injuries"]:
            assert ", " in entry["playerName"]
            statuses[entry["currentStatus"]] += 1
            if entry["currentStatus"] == "Out":
                assert (d, entry["playerName"]) not in played
    assert statuses["Out"] > 0 and statuses["Questionable"] + statuses["Probable"] > 0
    assert set(statuses) <= {"Out", "Doubtful", "Questionable", "Probable", "Available"}


def test_tipoffs_are_evening_eastern_and_stored_in_utc(landing: Path, manifest: dict) -> None:
    late_utc_dates = 0
    for d in manifest["game_dates"]:
        board = _load(landing / "nbacom" / d / "scoreboard.json")["scoreboard"]
        assert board["gameDate"] == d
        events = {e["id"]: e for e in _load(landing / "odds_api" / d / "events.json")}
        assert len(events) == len(board["games"])
        for g in board["games"]:
            assert g["gameStatus"] == 1
            utc = datetime.fromisoformat(g["gameTimeUTC"].replace("Z", "+00:00"))
            local = utc.astimezone(EASTERN)
            assert local.date().isoformat() == d
            assert (19, 0) <= (local.hour, local.minute) <= (22, 30)
            assert local.replace(tzinfo=None).isoformat() == g["gameEt"]
            late_utc_dates += utc.date().isoformat() != d
        for e in events.values():
            commence = datetime.fromisoformat(e["commence_time"].replace("Z", "+00:00"))
            assert commence.astimezone(EASTERN).date().isoformat() == d
    assert late_utc_dates > 0, "evening tip-offs fall on the next UTC day"


def _pregame_points_lines(landing: Path, manifest: dict) -> dict[tuple[str, str, str], list[float]]:
    lines: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for d in manifest["game_dates"]:
        for path in (landing / "odds_api" / d).glob("event_*_odds_2200Z.json"):
            body = _load(path)
            assert body["timestamp"].endswith("22:00:00Z")
            for book in body["data"]["bookmakers"]:
                for market in book["markets"]:
                    if market["key"] != "player_points":
                        continue
                    for o in market["outcomes"]:
                        if o["name"] == "Over":
                            lines[(d, o["description"], book["key"])].append(o["point"])
    return lines


def test_points_lines_sit_near_outcomes(landing: Path, manifest: dict, box_rows: list[dict]) -> None:
    actual = {
        (r["game"]["date"], ascii_fold(f"{r['player']['first_name']} {r['player']['last_name']}")): r["pts"]
        for r in box_rows
        if r["min"] != "00:00"
    }
    lines = _pregame_points_lines(landing, manifest)
    errors = [actual[(d, name)] - line for (d, name, _), ls in lines.items() for line in ls if (d, name) in actual]
    assert len(errors) > 1000
    mae = mean(abs(e) for e in errors)
    bias = mean(errors)
    assert 4.0 <= mae <= 7.0, mae
    assert abs(bias) < 1.0, bias
    over_rate = mean(e > 0 for e in errors)
    assert 0.44 < over_rate < 0.53, "lines sit near the median: neither side wins blindly"
    books = {book for (_, _, book) in lines}
    assert 4 <= len(books) <= 6
    assert all(line % 1 == 0.5 for ls in lines.values() for line in ls)


def test_odds_snapshots_are_well_formed(landing: Path, manifest: dict) -> None:
    d = manifest["game_dates"][3]
    snapshots = sorted((landing / "odds_api" / d).glob("event_*_odds_*.json"))
    events = _load(landing / "odds_api" / d / "events.json")
    assert len(snapshots) == 2 * len(events)
    moved = 0
    for event in events:
        opening = _load(landing / "odds_api" / d / f"event_{event['id']}_odds_1500Z.json")
        pregame = _load(landing / "odds_api" / d / f"event_{event['id']}_odds_2200Z.json")
        for snap in (opening, pregame):
            assert snap["data"]["id"] == event["id"]
            assert snap["previous_timestamp"] < snap["timestamp"] < snap["next_timestamp"]
            assert snap["timestamp"] < event["commence_time"]
            markets = {m["key"] for b in snap["data"]["bookmakers"] for m in b["markets"]}
            assert "player_points" in markets
            assert markets <= {
                "player_points",
                "player_rebounds",
                "player_assists",
                "player_threes",
                "player_points_rebounds_assists",
            }
            for b in snap["data"]["bookmakers"]:
                for m in b["markets"]:
                    for o in m["outcomes"]:
                        assert o["name"] in ("Over", "Under")
                        assert -400 <= o["price"] <= 400 and abs(o["price"]) >= 100
                        if m["key"] == "player_points":  # main lines sit near even money with vig
                            assert -180 <= o["price"] <= 150

        def key(snap):
            return {
                (b["key"], m["key"], o["description"], o["name"]): o["point"]
                for b in snap["data"]["bookmakers"]
                for m in b["markets"]
                for o in m["outcomes"]
            }

        open_lines, close_lines = key(opening), key(pregame)
        moved += sum(open_lines[k] != close_lines.get(k, open_lines[k]) for k in open_lines)
    assert moved > 0, "lines move between the opening and the pre-game snapshot"


def test_names_carry_accents_and_suffixes(box_rows: list[dict]) -> None:
    names = {f"{r['player']['first_name']} {r['player']['last_name']}" for r in box_rows}
    assert any(ascii_fold(n) != n for n in names)
    assert any(n.endswith((" Jr.", " II", " III")) for n in names)


# -- the props market: priced like an efficient one -----------------------------------------------------------
MARKET_STATS = {
    "player_points": lambda r: r["pts"],
    "player_rebounds": lambda r: r["reb"],
    "player_assists": lambda r: r["ast"],
    "player_threes": lambda r: r["fg3m"],
    "player_points_rebounds_assists": lambda r: r["pts"] + r["reb"] + r["ast"],
}


def _implied(price: int) -> float:
    return 100 / (price + 100) if price > 0 else -price / (100 - price)


@pytest.fixture(scope="module")
def pregame_quotes(landing: Path, manifest: dict) -> dict[tuple[str, str, str], list[tuple[float, float]]]:
    """(date, player as the books spell him, market) -> [(line, no-vig P(over))], one per book, pre-game."""
    quotes: dict[tuple[str, str, str], list[tuple[float, float]]] = defaultdict(list)
    for d in manifest["game_dates"]:
        for path in (landing / "odds_api" / d).glob("event_*_odds_2200Z.json"):
            for book in _load(path)["data"]["bookmakers"]:
                for market in book["markets"]:
                    sides: dict[str, dict[str, dict]] = defaultdict(dict)
                    for o in market["outcomes"]:
                        sides[o["description"]][o["name"]] = o
                    for name, side in sides.items():
                        over, under = _implied(side["Over"]["price"]), _implied(side["Under"]["price"])
                        assert side["Over"]["point"] == side["Under"]["point"]
                        quotes[(d, name, market["key"])].append((side["Over"]["point"], over / (over + under)))
    return quotes


@pytest.fixture(scope="module")
def priced_games(
    box_rows: list[dict], pregame_quotes: dict
) -> list[tuple[str, float, list[tuple[float, float]], list[int]]]:
    """Per priced player-game and market that was played: (market, outcome, quotes, the player's outcomes in
    his other games of the window) - the last is what a bettor who knows his average (future games included,
    which no model has) would go by."""
    played = {
        (r["game"]["date"], ascii_fold(f"{r['player']['first_name']} {r['player']['last_name']}")): r
        for r in box_rows
        if r["min"] != "00:00"
    }
    games_of: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    for (d, name), r in played.items():
        games_of[name].append((d, r))
    out = []
    for (d, name, market), quotes in pregame_quotes.items():
        if (d, name) not in played:
            continue
        stat = MARKET_STATS[market]
        others = [stat(r) for other, r in games_of[name] if other != d]
        out.append((market, stat(played[(d, name)]), quotes, others))
    return out


def test_prop_prices_are_honest_in_every_market(priced_games: list) -> None:
    """Lines sit at the median (neither side wins blindly), the no-vig probabilities the prices imply come
    true as often as they say, and the books differ by 0-1 point."""
    for market in MARKET_STATS:
        games = [g for g in priced_games if g[0] == market]
        assert len(games) > 400, market
        consensus = [(actual, median_high(q[0] for q in quotes)) for _, actual, quotes, _ in games]
        over_share = mean(actual > line for actual, line in consensus)
        assert 0.40 < over_share < 0.60, (market, over_share)
        quotes = [(actual, line, p_over) for _, actual, qs, _ in games for line, p_over in qs]
        assert all(line % 1 == 0.5 for _, line, _ in quotes)
        said, came = mean(p for _, _, p in quotes), mean(actual > line for actual, line, _ in quotes)
        assert abs(said - came) < 0.04, (market, said, came)
        spreads = [max(q[0] for q in qs) - min(q[0] for q in qs) for _, _, qs, _ in games]
        assert mean(s <= 1 for s in spreads) > 0.95, market


def test_the_line_predicts_better_than_the_players_own_average(priced_games: list) -> None:
    """The consensus line is closer to the outcome than the player's average over his other games of the
    window, future ones included (threes aside: a 0.5 or 1.5 line is never the integer outcome)."""
    for market in ("player_points", "player_rebounds", "player_assists", "player_points_rebounds_assists"):
        errors = [
            (abs(actual - median_high(q[0] for q in quotes)), abs(actual - mean(others)))
            for m, actual, quotes, others in priced_games
            if m == market and len(others) >= 5
        ]
        line_mae, average_mae = mean(e[0] for e in errors), mean(e[1] for e in errors)
        assert line_mae < average_mae, (market, line_mae, average_mae)


def test_knowing_the_players_average_does_not_beat_the_market(priced_games: list) -> None:
    """Where a line sits far from the player's own average (in his own standard deviations), the line is right:
    betting the average's side on the tenth of quotes farthest from it hits no more often than the prices
    say, and not at a rate a newcomer would mistake for skill."""
    bets = []
    for _, actual, quotes, others in priced_games:
        if len(others) < 5:
            continue
        average, spread = mean(others), max(pstdev(others), 0.5)
        for line, p_over in quotes:
            over = average > line
            bets.append((abs(average - line) / spread, (actual > line) == over, p_over if over else 1 - p_over))
    farthest = sorted(bets, key=lambda b: -b[0])[: len(bets) // 10]
    hit_rate, priced = mean(b[1] for b in farthest), mean(b[2] for b in farthest)
    assert len(farthest) > 1000
    assert hit_rate < 0.60, hit_rate
    assert hit_rate - priced < 0.05, (hit_rate, priced)
