"""BallDontLie payloads (games, box-score rows) and their mocks on the `responses` HTTP mock, for live-mode tests."""

from __future__ import annotations

from datetime import date
from typing import Any

import responses
from responses import matchers

from tests.support.env import LIVE_BDL_KEY

DAY = date(2025, 11, 3)  # Eastern standard time: 10:00 ET = 15:00Z
D = DAY.isoformat()
GAMES_URL = "https://api.balldontlie.io/v1/games"
STATS_URL = "https://api.balldontlie.io/v1/stats"


def team(team_id: int, abbr: str) -> dict[str, Any]:
    return {
        "id": team_id,
        "conference": "East",
        "division": "Atlantic",
        "city": abbr,
        "name": abbr,
        "full_name": f"{abbr} Team",
        "abbreviation": abbr,
    }


def game(game_id: int) -> dict[str, Any]:
    return {
        "id": game_id,
        "date": D,
        "datetime": "2025-11-04T00:30:00Z",
        "season": 2025,
        "status": "Final",
        "period": 4,
        "time": "Final",
        "postseason": False,
        "home_team_score": 110,
        "visitor_team_score": 101,
        "home_team": team(2, "BOS"),
        "visitor_team": team(20, "NYK"),
    }


def stat(stat_id: int, game_id: int = 18400001, **extra: Any) -> dict[str, Any]:
    return {
        "id": stat_id,
        "min": "30:00",
        "pts": 20,
        "reb": 5,
        "ast": 4,
        "stl": 1,
        "blk": 0,
        "turnover": 2,
        "pf": 2,
        "fgm": 8,
        "fga": 15,
        "fg_pct": 0.533,
        "fg3m": 2,
        "fg3a": 5,
        "fg3_pct": 0.4,
        "ftm": 2,
        "fta": 2,
        "ft_pct": 1.0,
        "oreb": 1,
        "dreb": 4,
        "player": {
            "id": 1000 + stat_id,
            "first_name": "P",
            "last_name": str(stat_id),
            "position": "G",
            "height": "6-3",
            "weight": "190",
            "jersey_number": "4",
            "team_id": 2,
        },
        "team": team(2, "BOS"),
        "game": {
            "id": game_id,
            "date": D,
            "datetime": "2025-11-04T00:30:00Z",
            "season": 2025,
            "status": "Final",
            "postseason": False,
            "home_team_id": 2,
            "visitor_team_id": 20,
            "home_team_score": 110,
            "visitor_team_score": 101,
        },
        **extra,
    }


def bdl_query(**extra: str) -> list:
    return [
        matchers.query_param_matcher({"dates[]": D, "per_page": "100", **extra}),
        matchers.header_matcher({"Authorization": LIVE_BDL_KEY}),
    ]


def mock_games(rsps: responses.RequestsMock, games: list[dict[str, Any]]) -> None:
    rsps.get(GAMES_URL, json={"data": games, "meta": {"per_page": 100}}, match=bdl_query())


def stats_body(rows: list[dict[str, Any]], next_cursor: int | None) -> dict[str, Any]:
    return {"data": rows, "meta": {"next_cursor": next_cursor, "per_page": 100}}


def mock_stats(rsps: responses.RequestsMock, cursor: int | None, rows: list, next_cursor: int | None, **kw) -> None:
    extra = {} if cursor is None else {"cursor": str(cursor)}
    rsps.get(STATS_URL, json=stats_body(rows, next_cursor), match=bdl_query(**extra), **kw)
