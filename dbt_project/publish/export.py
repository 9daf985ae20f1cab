"""Phase 6 step: write the six JSON feeds of a date from the publish models.

``exports/<date>/{predictions, best_bets, tonight, streaks, live_scores, live_grading}.json``. Every feed is
built, then validated against its JSON Schema (``feed_schemas.py``); only when all six are valid are they
written, each atomically (local: temp file + rename; object storage such as ``gs://`` via fsspec: one
object upload, which is atomic there). The destination is ``Settings.exports_dir`` or, when set,
``Settings.exports_url`` (``NBA_PROPS_EXPORTS_URL``).

Live feeds at an as-of time (``as_of``; default now): a game is ``final`` once its box score has landed and,
in replay at a cut-off, ``as_of`` is at least ``GAME_MINUTES`` after tip-off; ``in_progress`` between
tip-off and then; ``scheduled`` before tip-off. Live grading counts only final games.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema
import orjson
from jsonschema import Draft202012Validator, FormatChecker
from rfc3339_validator import validate_rfc3339

from core.errors import FileSystemError, NoDataError, UsageError, UserError
from core.files import write_bytes_atomic, write_text_atomic
from core.settings import Settings, project_vars, target_folder
from core.warehouse import connect
from dbt_project.publish.feed_schemas import FEEDS, SCHEMAS

GAME_MINUTES = 150


class FeedValidationError(UserError, ValueError):
    pass


class FeedWriteError(FileSystemError, OSError):
    """A feed (or schema) file that could not be written: the message names the file and the OS error (disk full,
    read-only file system...). The file is left as it was: no partial or temporary file remains."""

    def __init__(self, errno: int | None, message: str) -> None:
        OSError.__init__(self, errno, message)  # errno and strerror as an OSError; the exit code of its class


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime):
        return (
            value.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")
            if value.tzinfo is None
            else value.astimezone(UTC).isoformat().replace("+00:00", "Z")
        )
    if isinstance(value, date):
        return value.isoformat()
    return value


def encode_json(payload: dict[str, Any]) -> bytes:
    """A feed's bytes: compact UTF-8 JSON and a newline (orjson: numbers as their shortest round-trip form)."""
    return orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_APPEND_NEWLINE)


def write_json_atomic(path: Path, payload: dict[str, Any]) -> None:
    write_bytes_atomic(path, encode_json(payload))


def publish_rows(
    settings: Settings, model: str, game_date: date, order: str, schema: str = "nba_publish"
) -> list[dict]:
    """A date's rows of a publish model, in ``order`` (the feeds' and `nba-props picks`' one reader)."""
    with connect(settings, read_only=True) as con:
        cursor = con.execute(
            f"select * from {settings.schema(schema)}.{model} where game_date = ? order by {order}", [game_date]
        )
        columns = [c[0] for c in cursor.description]
        return [dict(zip(columns, map(_clean, r), strict=True)) for r in cursor.fetchall()]


def _as_utc(moment: Any) -> datetime | None:
    if moment is None:
        return None
    parsed = datetime.fromisoformat(str(moment).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def game_status(tipoff: Any, has_box_score: bool, as_of: datetime | None) -> str:
    tip = _as_utc(tipoff)
    now = as_of or datetime.now(UTC)
    if has_box_score and (as_of is None or tip is None or now >= tip + timedelta(minutes=GAME_MINUTES)):
        return "final"
    if tip is not None and now >= tip:
        return "in_progress"
    return "scheduled"


# -- feeds ----------------------------------------------------------------------------------------------------
def _predictions(settings: Settings, day: date, as_of: datetime | None) -> tuple[str, list[dict], dict]:
    rows = publish_rows(settings, "publish_predictions", day, "player_name, market, bookmaker, system")
    return "predictions", rows, {}


def _tonight(settings: Settings, day: date, as_of: datetime | None) -> tuple[str, list[dict], dict]:
    rows = publish_rows(settings, "publish_tonight", day, "player_name, player_id, market")
    players: dict[int, dict] = {}
    market_keys = ("market", "consensus_line", "books", "predicted_value", "prob_over", "recommendation", "best_edge")
    system = rows[0]["system"] if rows else project_vars(settings.project_dir).get("publish_system", "ensemble")
    for r in rows:
        player = players.setdefault(
            r["player_id"],
            {
                k: r[k]
                for k in (
                    "player_id",
                    "player_name",
                    "team_abbr",
                    "opponent_abbr",
                    "is_home",
                    "nba_game_id",
                    "injury_status",
                    "rest_days",
                    "is_back_to_back",
                    "teammates_out",
                    "games_played_season",
                    "points_avg_l10",
                    "minutes_avg_l10",
                )
            }
            | {"markets": []},
        )
        if r["market"] is not None:
            player["markets"].append({k: r[k] for k in market_keys})
    return "players", list(players.values()), {"system": system}


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def bet_reasons(r: dict[str, Any]) -> list[str]:
    """Plain-language reasons behind a best bet, from the columns of publish_best_bets."""
    side = r["recommendation"].lower()
    book_prob = r["confidence"] - r["edge"]
    price = f" ({r['price']:+d})" if r.get("price") is not None else ""
    reasons = [
        f"P({side}) {_pct(r['confidence'])} vs the book's no-vig {_pct(book_prob)} at {r['bookmaker']}{price}",
        f"predicted {r['predicted_value']:.1f} vs a line of {r['line']:g}",
    ]
    if r["market"] == "player_points" and r.get("points_avg_l10") is not None:
        season = f" (season {r['points_avg_season']:.1f})" if r.get("points_avg_season") is not None else ""
        reasons.append(f"last 10 games: {r['points_avg_l10']:.1f} points{season}")
    if r.get("is_back_to_back"):
        reasons.append("second night of a back-to-back")
    elif (r.get("rest_days") or 0) >= 2:
        reasons.append(f"{r['rest_days']} days of rest")
    if (r.get("teammates_out") or 0) > 0:
        reasons.append(f"{r['teammates_out']} rotation teammate(s) out")
    factor = r.get("defense_factor")
    if factor is not None and abs(factor - 1.0) >= 0.03:
        reasons.append(f"opponent defence {'weaker' if factor > 1 else 'stronger'} than average (factor {factor:.2f})")
    if r.get("injury_status") not in (None, "Available"):
        reasons.append(f"on the injury report: {r['injury_status']}")
    return reasons


def _best_bets(settings: Settings, day: date, as_of: datetime | None) -> tuple[str, list[dict], dict]:
    bets = []
    for r in publish_rows(settings, "publish_best_bets", day, "bet_rank"):
        bet = {
            k: r[k]
            for k in (
                "player_id",
                "player_name",
                "team_abbr",
                "opponent_abbr",
                "is_home",
                "market",
                "bookmaker",
                "line",
                "recommendation",
                "price",
                "predicted_value",
                "prob_over",
                "confidence",
                "edge",
                "system",
                "model_version",
            )
        }
        bets.append({"rank": r["bet_rank"], **bet, "reasons": bet_reasons(r)})
    return "bets", bets, {}


def _streaks(settings: Settings, day: date, as_of: datetime | None) -> tuple[str, list[dict], dict]:
    rows = publish_rows(settings, "publish_streaks", day, "streak_games desc, player_name, market")
    return (
        "streaks",
        [
            {
                "player_id": r["player_id"],
                "player_name": r["player_name"],
                "team_abbr": r["team_abbr"],
                "opponent_abbr": r["opponent_abbr"],
                "market": r["market"],
                "side": r["streak_side"],
                "games": r["streak_games"],
                "last_game_date": r["last_game_date"],
                "average_margin": r["average_margin"],
            }
            for r in rows
        ],
        {},
    )


def _live_scores(settings: Settings, day: date, as_of: datetime | None) -> tuple[str, list[dict], dict]:
    games = []
    for r in publish_rows(settings, "publish_games", day, "tipoff_at, nba_game_id"):
        status = game_status(r["tipoff_at"], bool(r["has_final_box_score"]), as_of)
        final = status == "final"
        games.append(
            {
                "nba_game_id": r["nba_game_id"],
                "tipoff_at": r["tipoff_at"],
                "home_team": r["home_team_abbr"],
                "away_team": r["away_team_abbr"],
                "status": status,
                "home_score": r["home_score"] if final else None,
                "away_score": r["away_score"] if final else None,
            }
        )
    return "games", games, {}


def _live_grading(settings: Settings, day: date, as_of: datetime | None) -> tuple[str, list[dict], dict]:
    system = project_vars(settings.project_dir).get("publish_system", "ensemble")
    final_games = {
        g["nba_game_id"]
        for g in publish_rows(settings, "publish_games", day, "nba_game_id")
        if game_status(g["tipoff_at"], bool(g["has_final_box_score"]), as_of) == "final"
    }
    rows = [
        r
        for r in publish_rows(settings, "publish_live_grading", day, "player_name, market, bookmaker, system")
        if r["nba_game_id"] in final_games
    ]
    totals: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for r in rows:
        t = totals[(r["system"], r["market"])]
        t["graded"] += 1
        t["error"] += r["absolute_error"] or 0.0
        if r["recommendation"] != "PASS":
            t["picks"] += 1
            t["hits"] += 1 if r["is_hit"] else 0
            t["decided"] += 0 if r["is_hit"] is None else 1
    summary = [
        {
            "system": s,
            "market": m,
            "graded": int(t["graded"]),
            "picks": int(t["picks"]),
            "hits": int(t["hits"]),
            "hit_rate": t["hits"] / t["decided"] if t["decided"] else None,
            "mae": t["error"] / t["graded"] if t["graded"] else None,
        }
        for (s, m), t in sorted(totals.items())
    ]
    graded = [
        {
            k: r[k]
            for k in (
                "player_id",
                "player_name",
                "team_abbr",
                "nba_game_id",
                "market",
                "bookmaker",
                "line",
                "predicted_value",
                "prob_over",
                "recommendation",
                "actual_value",
                "outcome",
                "is_hit",
            )
        }
        for r in rows
        if r["system"] == system
    ]
    return "graded", graded, {"system": system, "games_final": len(final_games), "summary": summary}


BUILDERS = {
    "predictions": _predictions,
    "tonight": _tonight,
    "best_bets": _best_bets,
    "streaks": _streaks,
    "live_scores": _live_scores,
    "live_grading": _live_grading,
}
assert tuple(BUILDERS) == FEEDS


@cache
def _compiled(feed: str):
    """The feed's schema compiled once per process to Python code (fastjsonschema), with the date-time format
    checked by the same RFC 3339 validator jsonschema's FormatChecker uses."""
    return fastjsonschema.compile(SCHEMAS[feed], formats={"date-time": validate_rfc3339})


def validate(feed: str, document: dict[str, Any]) -> None:
    """Raise FeedValidationError naming the feed, the JSON path and the problem of the first errors.

    A valid document is checked once by the compiled schema; only an invalid one is checked again by jsonschema
    (draft 2020-12), which lists every error with its path."""
    try:
        _compiled(feed)(document)
        return
    except fastjsonschema.JsonSchemaValueException as exc:
        first = exc
    validator = Draft202012Validator(SCHEMAS[feed], format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    shown = "; ".join(f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors[:3])
    if not errors:
        shown = f"{'/'.join(map(str, first.path[1:])) or '<root>'}: {first.message}"
    raise FeedValidationError(f"{feed}.json does not match its schema ({max(len(errors), 1)} errors): {shown}")


def build_feeds(
    settings: Settings, game_date: date, run_id: str, as_of: datetime | None = None
) -> dict[str, dict[str, Any]]:
    generated = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    documents = {}
    for feed, builder in BUILDERS.items():
        key, items, extra = builder(settings, game_date, as_of)
        documents[feed] = {
            "feed": feed,
            "game_date": game_date.isoformat(),
            "run_id": run_id,
            "generated_at": generated,
            "as_of": _clean(as_of.astimezone(UTC)) if as_of else None,
            "count": len(items),
            **extra,
            key: items,
        }
        validate(feed, documents[feed])
    return documents


OWNER_MARKER = ".nba-props-target"


def _exports_owner(settings: Settings) -> tuple[str | None, str, Any]:
    """The target whose marker claims the exports folder (None: unclaimed), where that is, and how to claim it."""
    if settings.exports_url:
        import fsspec

        fs, root = fsspec.core.url_to_fs(settings.exports_url.rstrip("/"))
        marker = f"{root}/{OWNER_MARKER}"
        owner = fs.cat_file(marker).decode("utf-8").strip() if fs.exists(marker) else None
        return owner, settings.exports_url, lambda: fs.pipe_file(marker, f"{settings.target}\n".encode())
    marker = settings.exports_dir / OWNER_MARKER
    owner = marker.read_text(encoding="utf-8").strip() if marker.is_file() else None

    def claim() -> None:
        settings.exports_dir.mkdir(parents=True, exist_ok=True)
        write_text_atomic(marker, f"{settings.target}\n")

    return owner, str(settings.exports_dir), claim


def check_exports_owner(settings: Settings, claim: bool = False) -> None:
    """Each target owns its exports folder (or object-storage prefix): the first export writes a marker naming
    the target; an export of another target is refused, naming the folder and its owner, so that e.g. a
    `--target test` run never replaces dev's feeds. The runner checks before phase 1; nothing is written
    before the check."""
    try:
        owner, where, do_claim = _exports_owner(settings)
        if owner is None and claim:
            do_claim()
    except OSError as exc:
        where = settings.exports_url or settings.exports_dir
        raise FeedWriteError(exc.errno, f"cannot claim the exports folder {where}: {exc.strerror or exc}") from exc
    if owner is not None and owner != settings.target:
        raise UsageError(
            f"the exports folder {where} belongs to target {owner} ({OWNER_MARKER}); target {settings.target} "
            f"writes its own folder (by default {target_folder(settings.exports_dir, settings.target).name}): "
            "pass another --exports-dir"
        )


def _write(settings: Settings, relative: str, payload: dict[str, Any]) -> str:
    if settings.exports_url:
        import fsspec

        url = f"{settings.exports_url.rstrip('/')}/{relative}"
        fs, path = fsspec.core.url_to_fs(url)
        body = encode_json(payload)
        fs.pipe_file(path, body)  # one object upload: readers see the old object or the new one
        return url
    path = settings.exports_dir / relative
    try:
        write_json_atomic(path, payload)
    except OSError as exc:
        raise FeedWriteError(exc.errno, f"cannot write {path}: {exc.strerror or exc}") from exc
    return str(path)


def check_exportable(
    settings: Settings, game_date: date, documents: dict[str, dict[str, Any]], require_predictions: bool = True
) -> None:
    """Empty feeds are never written as if they were a date's output: a date without games has nothing to
    publish, and (``require_predictions``, `nba-props export`) a date without predictions is refused too."""
    if not documents["live_scores"]["count"]:
        raise NoDataError(
            f"no data for {game_date} on target {settings.target}: no games scheduled that date; nothing exported"
        )
    if require_predictions and not documents["predictions"]["count"]:
        raise NoDataError(
            f"no predictions for {game_date} on target {settings.target}: nothing exported (the feeds of that "
            f"date are left as they were). The date has not run (nba-props run --date {game_date}) or had no "
            "earlier games to predict from"
        )


def published_predictions(documents: dict[str, dict[str, Any]]) -> int:
    """How many predictions of the published system (the `tonight` feed's) the predictions feed holds."""
    system = documents["tonight"].get("system")
    return sum(1 for p in documents["predictions"]["predictions"] if p.get("system") == system)


def write_feeds(settings: Settings, game_date: date, documents: dict[str, dict[str, Any]]) -> list[str]:
    """Write validated feeds (and the schemas) into the target's own exports; returns where they went."""
    check_exports_owner(settings, claim=True)
    for feed, schema in SCHEMAS.items():
        _write(settings, f"schemas/{feed}.schema.json", schema)
    return [_write(settings, f"{game_date.isoformat()}/{feed}.json", doc) for feed, doc in documents.items()]


def export_feeds(settings: Settings, game_date: date, run_id: str, as_of: datetime | None = None) -> list[str]:
    """Build, validate and write the six feeds of a date (and the schemas); returns where they went. A date
    without games or without predictions raises NoDataError and writes nothing."""
    documents = build_feeds(settings, game_date, run_id, as_of)  # all valid before anything is written
    check_exportable(settings, game_date, documents)
    return write_feeds(settings, game_date, documents)
