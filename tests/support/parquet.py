"""Small parquet files with the schema of the real shared data (box scores, games, points lines), for the
converter's tests (tests/ingestion/test_convert_parquet.py) and the freshness tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from core.markets import MARKETS

D1, D2 = date(2025, 10, 21), date(2025, 10, 22)
# (date, game_id or None, home, away). LAL-GSW has no game_id in the box scores (the games file has it);
# OKC-PHX has none anywhere and no games-file row (derived ids, score summed from the players).
GAMES = [
    (D1, "0022500001", "OKC", "HOU"),
    (D1, None, "LAL", "GSW"),
    (D2, "0022500003", "BOS", "NYK"),
    (D2, "0022500004", "MIA", "ORL"),
    (D2, None, "OKC", "PHX"),
]
PLAYERS_PER_TEAM = 12  # D2: 3 games * 2 teams * 12 = 72 rows; D1: 48 rows
NO_ID_PLAYER = "Théo Núñez-Ibáñez Jr."  # no player_id: a derived id from the name key
EVENT_1 = "a" * 32  # OKC-HOU, two snapshots
EVENT_2 = "b" * 32  # BOS-NYK, one snapshot
OPEN, PREGAME = datetime(2025, 10, 21, 15, 0, tzinfo=UTC), datetime(2025, 10, 21, 22, 0, tzinfo=UTC)
PREGAME_D2 = datetime(2025, 10, 22, 22, 0, tzinfo=UTC)


def box_rows(page_size_day_rows: int = PLAYERS_PER_TEAM) -> pd.DataFrame:
    rows = []
    for day, game_id, home, away in GAMES:
        for team, opponent, is_home in ((home, away, True), (away, home, False)):
            for i in range(page_size_day_rows):
                # an id per (team, slot), stable across dates; one player without an id, traded between the days
                name, player_id = f"Player{i:02d} {team}son", str(1_600_000 + sum(map(ord, team)) * 100 + i)
                if i == 0 and team in ("HOU", "NYK"):
                    name, player_id = NO_ID_PLAYER, None
                fg3m, fgm, ftm = i % 3, 2 + i % 5, i % 4
                rows.append(
                    {
                        "game_id": game_id,
                        "game_date": day,
                        "season": "2025-26",
                        "season_type": "Regular Season",
                        "player_id": player_id,
                        "player_name": name,
                        "team": team,
                        "opponent": opponent,
                        "is_home": is_home,
                        "starter": i < 5,
                        "position": ["PG", "SG", "SF", "PF", "C"][i % 5],
                        "minutes": 36.5 - 2.75 * i if i < 11 else 0.0,
                        "pts": 2 * (fgm - fg3m) + 3 * fg3m + ftm if i < 11 else 0,
                        "reb": 5,
                        "oreb": 1,
                        "dreb": 4,
                        "ast": 3,
                        "stl": 1,
                        "blk": 0,
                        "tov": 2,
                        "pf": 2,
                        "fgm": fgm if i < 11 else 0,
                        "fga": 2 * fgm + 1 if i < 11 else 0,
                        "fg3m": fg3m if i < 11 else 0,
                        "fg3a": 2 * fg3m if i < 11 else 0,
                        "ftm": ftm if i < 11 else 0,
                        "fta": ftm + 1 if i < 11 else 0,
                        "plus_minus": None,
                        "source": "synthetic",
                    }
                )
    # an earlier season's row: ignored when converting 2025-26
    rows.append({**rows[0], "game_id": "0022400001", "game_date": date(2024, 10, 22), "season": "2024-25"})
    df = pd.DataFrame(rows)
    for col in (
        "pts",
        "reb",
        "oreb",
        "dreb",
        "ast",
        "stl",
        "blk",
        "tov",
        "pf",
        "fgm",
        "fga",
        "fg3m",
        "fg3a",
        "ftm",
        "fta",
        "plus_minus",
    ):
        df[col] = df[col].astype("Int16")
    df["minutes"] = df["minutes"].astype("float32")
    return df


def games_rows(box: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for day, game_id, home, away in GAMES[:-1]:  # no row for the last game
        g = box[(box["game_date"] == day) & box["team"].isin([home, away]) & (box["season"] == "2025-26")]
        rows.append(
            {
                "game_id": game_id or "0022500002",
                "game_date": day,
                "season": "2025-26",
                "season_type": "Regular Season",
                "game_subtype": None,
                "neutral_site": False,
                "home_team": home,
                "away_team": away,
                # the official score (here: one point more than the box-score sum, to tell the sources apart)
                "home_pts": int(g[g["team"] == home]["pts"].sum()) + 1,
                "away_pts": int(g[g["team"] == away]["pts"].sum()),
                "home_possessions": 99.0,
                "away_possessions": 99.0,
                "team_minutes": 265 if home == "OKC" else 240,
                "source": "synthetic",
            }
        )
    df = pd.DataFrame(rows)
    df[["home_pts", "away_pts"]] = df[["home_pts", "away_pts"]].astype("Int16")
    return df


def props_rows() -> pd.DataFrame:
    rows = []

    def add(event, home, away, commence, snapshot, player, market, book, line, over, under):
        rows.append(
            {
                "game_date": commence.astimezone(UTC).date(),
                "commence_time": commence,
                "event_id": event,
                "home_team": home,
                "away_team": away,
                "player_name": player,
                "market": market,
                "bookmaker": book,
                "line": line,
                "over_price": over,
                "under_price": under,
                "snapshot_utc": snapshot,
                "source": "synthetic",
            }
        )

    c1 = datetime(2025, 10, 21, 23, 35, tzinfo=UTC)
    for snapshot, shift in ((OPEN, 0.0), (PREGAME, 1.0)):
        for book in ("draftkings", "fanduel"):
            for market in MARKETS:
                add(EVENT_1, "OKC", "HOU", c1, snapshot, "Player00 OKCson", market, book, 20.5 + shift, -115, -105)
            add(EVENT_1, "OKC", "HOU", c1, snapshot, NO_ID_PLAYER, "player_points", book, 12.5, -110, -110)
        # an alternate line of the same player and book
        add(EVENT_1, "OKC", "HOU", c1, snapshot, "Player00 OKCson", "player_points", "bovada", 24.5, 150, -190)
        add(EVENT_1, "OKC", "HOU", c1, snapshot, "Player00 OKCson", "player_points", "bovada", 16.5, -190, 150)
    # skipped: a market nba-props does not load, and a quote with no Over price
    add(EVENT_1, "OKC", "HOU", c1, PREGAME, "Player00 OKCson", "player_double_double", "fanduel", None, 300, None)
    add(EVENT_1, "OKC", "HOU", c1, PREGAME, "Player01 OKCson", "player_points", "fanduel", 18.5, None, -110)
    c2 = datetime(2025, 10, 23, 0, 10, tzinfo=UTC)  # 8:10 pm ET on D2: filed under D2
    add(EVENT_2, "BOS", "NYK", c2, PREGAME_D2, NO_ID_PLAYER, "player_points", "betmgm", 9.5, -120, -100)
    df = pd.DataFrame(rows)
    df["line"] = df["line"].astype("float32")
    df[["over_price", "under_price"]] = df[["over_price", "under_price"]].astype("Int16")
    return df


def write_synthetic(data_dir: Path) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    box = box_rows()
    box.to_parquet(data_dir / "player_box_scores.parquet", index=False)
    games_rows(box).to_parquet(data_dir / "games.parquet", index=False)
    props_rows().to_parquet(data_dir / "props_points_lines.parquet", index=False)
    return data_dir
