"""Demo Basketball-Reference roster pages and BigDataBall play-by-play: consistent with the box scores,
deterministic, and loaded by their dlt sources (docs/landing-format.md)."""

from __future__ import annotations

import csv
import json
import math
import re
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pytest

from core.settings import Settings
from core.warehouse import connect
from ingestion.bigdataball import parse_play_by_play, parsed_games, read_game_file
from ingestion.bref import parse_roster
from ingestion.demo import DEMO_SEED, DEMO_START, generate_demo
from ingestion.landing import LandingArea, LandingError
from ingestion.quarantine import Quarantine
from tests.support.files import tree_digest

BOX_KEYS = ("fga", "fgm", "fg3a", "fg3m", "fta", "ftm", "oreb", "dreb", "turnover", "pf")


def _load(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def _seconds(clock: str) -> int:
    h, m, s = (int(x) for x in clock.split(":"))
    return h * 3600 + m * 60 + s


@pytest.fixture(scope="module")
def landing(demo_landing: tuple[Path, list[date]]) -> Path:
    return demo_landing[0]


@pytest.fixture(scope="module")
def game_dates(demo_landing: tuple[Path, list[date]]) -> list[str]:
    return [d.isoformat() for d in demo_landing[1]]


@pytest.fixture(scope="module")
def games(landing: Path, game_dates: list[str]) -> dict[str, dict]:
    """NBA.com game id -> the BallDontLie game (matched on date and home team via the scoreboard)."""
    out = {}
    for d in game_dates:
        bdl = {g["home_team"]["abbreviation"]: g for g in _load(landing / "balldontlie" / d / "games.json")["data"]}
        for g in _load(landing / "nbacom" / d / "scoreboard.json")["scoreboard"]["games"]:
            out[g["gameId"]] = bdl[g["homeTeam"]["teamTricode"]]
    return out


@pytest.fixture(scope="module")
def box_rows(landing: Path, game_dates: list[str]) -> list[dict]:
    return [
        r
        for d in game_dates
        for p in sorted((landing / "balldontlie" / d).glob("stats_page_*.json"))
        for r in _load(p)["data"]
    ]


@pytest.fixture(scope="module")
def pbp(landing: Path, game_dates: list[str]) -> dict[str, list[dict]]:
    out = {}
    for d in game_dates:
        for path in sorted((landing / "bigdataball" / d).glob("pbp_*.csv")):
            with open(path, newline="", encoding="utf-8") as fh:
                out[path.stem.removeprefix("pbp_")] = list(csv.DictReader(fh))
    return out


def test_every_game_has_a_play_by_play_file(games: dict, pbp: dict, landing: Path) -> None:
    assert set(pbp) == set(games)
    manifest = _load(landing / "_manifest.json")
    assert manifest["counts"]["pbp_files"] == len(pbp)
    assert manifest["counts"]["pbp_rows"] == sum(len(rows) for rows in pbp.values())


def test_play_by_play_adds_up_to_the_box_scores(games: dict, box_rows: list[dict], pbp: dict) -> None:
    nba_id = {g["id"]: gid for gid, g in games.items()}
    expected: dict[tuple[str, str, str], Counter] = {}
    assists: dict[tuple[str, str, str], int] = {}
    for r in box_rows:
        key = (
            nba_id[r["game"]["id"]],
            r["team"]["abbreviation"],
            f"{r['player']['first_name']} {r['player']['last_name']}",
        )
        expected[key] = Counter({k: r[k] for k in BOX_KEYS if r[k]})
        assists[key] = r["ast"]
    actual: dict[tuple[str, str, str], Counter] = defaultdict(Counter)
    assisted: Counter = Counter()
    for gid, rows in pbp.items():
        for e in rows:
            key = (gid, e["team"], e["player"])
            kind = e["event_type"]
            if kind in ("shot", "miss"):
                three = e["type"].startswith("3pt")
                actual[key].update(fga=1, fgm=kind == "shot", fg3a=three, fg3m=three and kind == "shot")
                if e["assist"]:
                    assisted[(gid, e["team"], e["assist"])] += 1
            elif kind == "free throw":
                actual[key].update(fta=1, ftm=e["result"] == "made")
            elif kind == "rebound" and e["player"]:
                actual[key]["oreb" if e["type"] == "rebound offensive" else "dreb"] += 1
            elif kind == "turnover":
                actual[key]["turnover"] += 1
            elif kind == "foul":
                actual[key]["pf"] += 1
    actual_clean = {k: +c for k, c in actual.items() if +c}
    expected_clean = {k: c for k, c in expected.items() if c}
    assert actual_clean == expected_clean
    # assists go to teammates of the scorer, never more than the box score's, nearly all of them placed
    assert all(assisted[k] <= assists[k] for k in assisted)
    assert sum(assisted.values()) >= 0.95 * sum(assists.values())


def test_play_by_play_score_and_clock_run_in_order(games: dict, pbp: dict) -> None:
    for gid, rows in pbp.items():
        game = games[gid]
        assert [int(e["play_id"]) for e in rows] == list(range(1, len(rows) + 1))
        assert {e["game_id"] for e in rows} == {gid} and {e["date"] for e in rows} == {game["date"]}
        periods = [int(e["period"]) for e in rows]
        assert periods == sorted(periods) and max(periods) == game["period"]
        last = rows[-1]
        assert (int(last["home_score"]), int(last["away_score"])) == (
            game["home_team_score"],
            game["visitor_team_score"],
        )
        previous = (0, 0)
        for e in rows:
            elapsed, remaining = (_seconds(e["elapsed"]), _seconds(e["remaining_time"]))
            assert elapsed + remaining == (720 if int(e["period"]) <= 4 else 300)
            assert (int(e["period"]), elapsed) >= previous, (gid, e["play_id"])
            previous = (int(e["period"]), elapsed)
            if e["event_type"] == "shot":
                assert int(e["points"]) == (3 if e["type"].startswith("3pt") else 2)


def test_shot_distances_fit_the_shot_value(pbp: dict) -> None:
    zones: Counter = Counter()
    made: Counter = Counter()
    for rows in pbp.values():
        for e in rows:
            if e["event_type"] not in ("shot", "miss"):
                assert e["shot_distance"] == ""
                continue
            feet = int(e["shot_distance"])
            assert feet == int(math.hypot(int(e["original_x"]), int(e["original_y"])) / 10)
            if e["type"].startswith("3pt"):
                assert 22 <= feet <= 28, e
                zone = "three"
            else:
                assert feet < 22, e
                zone = "restricted_area" if feet < 4 else "paint" if feet < 14 else "mid_range"
            zones[zone] += 1
            made[zone] += e["event_type"] == "shot"
    assert all(zones[z] > 0.1 * zones.total() for z in ("restricted_area", "paint", "mid_range", "three"))
    assert made["restricted_area"] / zones["restricted_area"] > made["mid_range"] / zones["mid_range"]


def test_roster_pages_list_each_teams_fifteen_players(
    landing: Path, game_dates: list[str], box_rows: list[dict]
) -> None:
    scraped = sorted(p.name for p in (landing / "bref").iterdir())
    assert scraped == [d for i, d in enumerate(game_dates) if i == 0 or date.fromisoformat(d).weekday() == 0]
    assert len(scraped) >= 2
    played: dict[str, set[str]] = defaultdict(set)
    for r in box_rows:
        played[r["team"]["abbreviation"]].add(f"{r['player']['first_name']} {r['player']['last_name']}")
    slugs: dict[str, str] = {}
    for d in scraped:
        pages = sorted((landing / "bref" / d).glob("roster_*.html"))
        assert len(pages) == 30
        for page in pages:
            team = page.stem.removeprefix("roster_")
            rows = parse_roster(page.read_text(encoding="utf-8"), page)
            assert len(rows) == 15, page  # the injuries table in the page's HTML comment is not read
            names = {r["player_name"] for r in rows}
            assert played[team] <= names
            assert {r["position"] for r in rows} <= {"PG", "SG", "SF", "PF", "C"}
            for r in rows:
                assert slugs.setdefault(r["player_slug"], r["player_name"]) == r["player_name"], "one slug, one player"
                assert r["player_slug"].isascii() and r["player_slug"][-2:].isdigit()
                assert isinstance(r["birth_date"], date) and 150 <= r["weight"] <= 300
    assert len(slugs) == 450


def test_extras_are_deterministic_and_leave_the_other_feeds_unchanged(tmp_path: Path, monkeypatch) -> None:
    def extras(root: Path) -> str:
        return tree_digest(root, ("*.html", "*.csv"), skip={"_manifest.json"})

    def json_files(root: Path) -> str:
        return tree_digest(root, ("*.json",), skip={"_manifest.json"})

    generate_demo(tmp_path / "a", DEMO_START, 3, DEMO_SEED)
    generate_demo(tmp_path / "b", DEMO_START, 3, DEMO_SEED)
    generate_demo(tmp_path / "c", DEMO_START, 3, DEMO_SEED + 1)
    assert extras(tmp_path / "a") == extras(tmp_path / "b")
    assert extras(tmp_path / "a") != extras(tmp_path / "c")
    # the extras draw from their own random streams: without them every JSON file is byte for byte the same
    monkeypatch.setattr("ingestion.demo.generator.write_extras", lambda *args, **kwargs: None)
    generate_demo(tmp_path / "plain", DEMO_START, 3, DEMO_SEED)
    assert not (tmp_path / "plain" / "bref").exists()
    assert json_files(tmp_path / "plain") == json_files(tmp_path / "a")


def test_unreadable_files_name_the_file_and_row(tmp_path: Path, landing: Path, game_dates: list[str]) -> None:
    page = sorted((landing / "bref" / game_dates[0]).glob("roster_*.html"))[0]
    html = page.read_text(encoding="utf-8")
    with pytest.raises(LandingError, match=r"roster_BOS\.html: no <table id=\"roster\">"):
        parse_roster(html.replace('id="roster"', 'id="other"'), "bref/x/roster_BOS.html")
    no_link = html.replace('<a href="/players/', '<a href="/coaches/', 2)
    with pytest.raises(LandingError, match=r"roster row 2 \('.+'\): no /players/"):
        parse_roster(no_link.replace('<a href="/coaches/', '<a href="/players/', 1), page)
    bad_date = re.sub(r'(<td[^>]*data-stat="birth_date"[^>]*>)[^<]+', r"\1sometime in 1998", html, count=1)
    with pytest.raises(LandingError, match=r"roster row 1 \(.+\): not a birth date like 'March 3, 1998': 'some"):
        parse_roster(bad_date, page)

    day = tmp_path / "bigdataball" / game_dates[0]
    day.mkdir(parents=True)
    source = sorted((landing / "bigdataball" / game_dates[0]).glob("pbp_*.csv"))[0]
    with open(source, newline="", encoding="utf-8") as fh:
        header, *rows = list(csv.reader(fh))
    rows[1][header.index("period")] = "first"
    bad = day / source.name
    with open(bad, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows([header, *rows[:3]])
    game_id, text = read_game_file(bad)
    with pytest.raises(LandingError, match=rf"{bad.name}: line 3: period is not an integer: 'first'"):
        list(parse_play_by_play(text, bad, game_id))
    # in a load, the unreadable file is quarantined whole and named; nothing of it loads
    quarantine = Quarantine()
    assert list(parsed_games(LandingArea(tmp_path), date.fromisoformat(game_dates[0]), quarantine)) == []
    [rejected] = quarantine.rows
    assert rejected["source_file"] == f"bigdataball/{game_dates[0]}/{bad.name}"
    assert "line 3: period is not an integer" in rejected["reason"]


def _raw_counts(settings: Settings) -> dict[str, int]:
    with connect(settings, read_only=True) as con:
        return {
            t: con.execute(f"select count(*) from {settings.schema('nba_raw')}.{t}").fetchone()[0]
            for t in ("rosters", "play_by_play", "box_scores")
        }


def test_load_landing_loads_rosters_and_play_by_play_idempotently(
    tmp_path: Path, demo_landing: tuple[Path, list[date]]
) -> None:
    from ingestion.pipeline import load_landing

    landing, dates = demo_landing
    settings = Settings(
        target="test", landing_dir=landing, warehouse_dir=tmp_path / "warehouse", exports_dir=tmp_path / "exports"
    )
    # the second day has no roster scrape: the table is created anyway (empty), so staging can read it
    second = load_landing(settings, dates[1:2])
    assert second.rows["play_by_play"] > 0 and second.rows.get("rosters", 0) == 0
    assert _raw_counts(settings)["rosters"] == 0

    pbp_rows = sum(
        len(read_game_file(path)[1].splitlines()) - 1
        for d in dates[:2]
        for path in (landing / "bigdataball" / d.isoformat()).glob("pbp_*.csv")
    )
    first = load_landing(settings, dates[:2])
    assert first.rows["rosters"] == 30 * 15
    assert first.rows["play_by_play"] == pbp_rows
    counts = _raw_counts(settings)
    assert counts["rosters"] == 450 and counts["play_by_play"] == pbp_rows
    load_landing(settings, dates[:2])
    assert _raw_counts(settings) == counts
