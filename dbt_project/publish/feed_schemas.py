"""JSON Schemas (draft 2020-12) of the six published feeds. Every feed is validated against its schema
before anything is written; the exporter also publishes them as ``<exports>/schemas/<feed>.schema.json``."""

from __future__ import annotations

from typing import Any

from core.markets import MARKETS

DRAFT = "https://json-schema.org/draft/2020-12/schema"
NUM = {"type": ["number", "null"]}
INT = {"type": ["integer", "null"]}
STR = {"type": ["string", "null"]}
BOOL = {"type": ["boolean", "null"]}
DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
PROB = {"type": ["number", "null"], "minimum": 0, "maximum": 1}
MARKET = {"enum": list(MARKETS)}  # the seed's markets (seeds/prop_markets.csv)
REC = {"enum": ["OVER", "UNDER", "PASS"]}
OUTCOME = {"enum": ["OVER", "UNDER", "PUSH", None]}


def _object(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {**required, **(optional or {})},
        "required": sorted(required),
        "additionalProperties": False,
    }


def _feed(name: str, items_key: str, item: dict[str, Any], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    envelope = {
        "feed": {"const": name},
        "game_date": DATE,
        "run_id": {"type": "string", "minLength": 1},
        "generated_at": {"type": "string", "format": "date-time"},
        "as_of": {"type": ["string", "null"], "format": "date-time"},
        "count": {"type": "integer", "minimum": 0},
        items_key: {"type": "array", "items": item},
        **(extra or {}),
    }
    schema = _object(envelope)
    schema.update(
        {
            "$schema": DRAFT,
            "$id": f"https://nba-props.dev/schemas/{name}.schema.json",
            "title": f"nba-props {name} feed",
        }
    )
    return schema


PLAYER = {"player_id": {"type": "integer"}, "player_name": STR, "team_abbr": STR}

PREDICTION = _object(
    {
        "game_date": DATE,
        **PLAYER,
        "opponent_abbr": STR,
        "is_home": BOOL,
        "injury_status": STR,
        "market": MARKET,
        "bookmaker": {"type": "string"},
        "system": {"type": "string"},
        "model_version": {"type": "string"},
        "line": {"type": "number"},
        "over_price": INT,
        "under_price": INT,
        "predicted_value": {"type": "number"},
        "prob_over": {"type": "number", "minimum": 0, "maximum": 1},
        "recommendation": REC,
        "edge": NUM,
        "confidence": PROB,
        "actual_value": NUM,
        "outcome": OUTCOME,
        "is_hit": BOOL,
    }
)

TONIGHT_MARKET = _object(
    {
        "market": MARKET,
        "consensus_line": NUM,
        "books": INT,
        "predicted_value": NUM,
        "prob_over": PROB,
        "recommendation": REC,
        "best_edge": NUM,
    }
)
TONIGHT_PLAYER = _object(
    {
        **PLAYER,
        "opponent_abbr": STR,
        "is_home": BOOL,
        "nba_game_id": STR,
        "injury_status": STR,
        "rest_days": INT,
        "is_back_to_back": BOOL,
        "teammates_out": INT,
        "games_played_season": INT,
        "points_avg_l10": NUM,
        "minutes_avg_l10": NUM,
        "markets": {"type": "array", "items": TONIGHT_MARKET},
    }
)

BEST_BET = _object(
    {
        "rank": {"type": "integer", "minimum": 1},
        **PLAYER,
        "opponent_abbr": STR,
        "is_home": BOOL,
        "market": MARKET,
        "bookmaker": {"type": "string"},
        "line": {"type": "number"},
        "recommendation": {"enum": ["OVER", "UNDER"]},
        "price": INT,
        "predicted_value": {"type": "number"},
        "prob_over": PROB,
        "confidence": PROB,
        "edge": {"type": "number"},
        "system": {"type": "string"},
        "model_version": {"type": "string"},
        "reasons": {"type": "array", "items": {"type": "string"}, "minItems": 1},
    }
)

STREAK = _object(
    {
        **PLAYER,
        "opponent_abbr": STR,
        "market": MARKET,
        "side": {"enum": ["OVER", "UNDER"]},
        "games": {"type": "integer", "minimum": 1},
        "last_game_date": DATE,
        "average_margin": NUM,
    }
)

GAME = _object(
    {
        "nba_game_id": {"type": "string"},
        "tipoff_at": STR,
        "home_team": {"type": "string"},
        "away_team": {"type": "string"},
        "status": {"enum": ["scheduled", "in_progress", "final"]},
        "home_score": INT,
        "away_score": INT,
    }
)

GRADED = _object(
    {
        **PLAYER,
        "nba_game_id": {"type": "string"},
        "market": MARKET,
        "bookmaker": {"type": "string"},
        "line": {"type": "number"},
        "predicted_value": {"type": "number"},
        "prob_over": PROB,
        "recommendation": REC,
        "actual_value": {"type": "number"},
        "outcome": OUTCOME,
        "is_hit": BOOL,
    }
)
GRADING_SUMMARY = _object(
    {
        "system": {"type": "string"},
        "market": MARKET,
        "graded": {"type": "integer", "minimum": 0},
        "picks": {"type": "integer", "minimum": 0},
        "hits": {"type": "integer", "minimum": 0},
        "hit_rate": PROB,
        "mae": NUM,
    }
)

SCHEMAS: dict[str, dict[str, Any]] = {
    "predictions": _feed("predictions", "predictions", PREDICTION),
    "tonight": _feed("tonight", "players", TONIGHT_PLAYER, {"system": {"type": "string"}}),
    "best_bets": _feed("best_bets", "bets", BEST_BET),
    "streaks": _feed("streaks", "streaks", STREAK),
    "live_scores": _feed("live_scores", "games", GAME),
    "live_grading": _feed(
        "live_grading",
        "graded",
        GRADED,
        {
            "system": {"type": "string"},
            "games_final": {"type": "integer", "minimum": 0},
            "summary": {"type": "array", "items": GRADING_SUMMARY},
        },
    ),
}
FEEDS = tuple(SCHEMAS)
