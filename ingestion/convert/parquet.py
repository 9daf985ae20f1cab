"""Turn a season of NBA data held in parquet files into API-shaped landing files (docs/landing-format.md).

The input directory holds three files (names and columns as below; any directory with them will do):

* ``player_box_scores.parquet`` -- one row per player per game -> ``balldontlie/<date>/games.json`` and
  ``stats_page_NNN.json``, and the day's schedule ``nbacom/<date>/scoreboard.json``;
* ``games.parquet`` -- one row per game with the final score -> the scores of those games (else the sum of
  each team's player points), the period count (from ``team_minutes``) and games without box scores;
* ``props_points_lines.parquet`` -- The Odds API player-prop quotes -> ``odds_api/<date>/events.json`` and
  one ``event_<id>_odds_<HHMM>Z.json`` per event and snapshot.

The data has no injury report, so no ``injury_report.json`` is written (an absent file is an empty day).

Ids. Game: ``game_id`` ("0022500001") is the NBA.com ``gameId``; its integer value (22500001) is the
BallDontLie game id. Without a ``game_id`` both are derived from (date, home, away): ``gameId`` =
``YYYYMMDD`` + away tricode + home tricode, BallDontLie id = int("9" + YYYYMMDD + home id + away id (2 digits
each, BallDontLie team ids)). Stat line: game id * 100 + the row's number in the game (1..99). Player:
``player_id`` where present (or the id the same name key has on another row of the file); otherwise
9,000,000,000 + (the first 64 bits of sha256(name key) mod 10^9), so a player keeps one id across dates.

The output depends only on the input files and the arguments (compact, key-sorted JSON; no clock).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from core.errors import UsageError
from core.markets import MARKETS
from ingestion.landing import EASTERN, PAGE_SIZE, LandingWriter, iso_z
from ingestion.output import claim_folder
from ingestion.teams import TeamRef, bdl_team_object, load_teams

GENERATOR = "nba-props from-parquet"
DEFAULT_SEASON = "2025-26"
MANAGED = ("balldontlie", "odds_api", "nbacom", "_manifest.json")
# the dbt sources (or source tables) this landing area carries, listed in the manifest's `sources`: the others
# (rosters, play-by-play, the injury report) are off for freshness checks (dbt_project/control/freshness.py)
SOURCES = ("balldontlie", "nbacom.schedule", "odds_api")
ROWS_PER_GAME = 100  # stat-line id = game id * ROWS_PER_GAME + row number
DEFAULT_TIPOFF_ET = time(19, 0)
DERIVED_PLAYER_ID_BASE = 9_000_000_000

BOX_FILE = "player_box_scores.parquet"
GAMES_FILE = "games.parquet"
PROPS_FILE = "props_points_lines.parquet"
COLUMNS: dict[str, tuple[str, ...]] = {
    BOX_FILE: (
        "game_id",
        "game_date",
        "season",
        "season_type",
        "player_id",
        "player_name",
        "team",
        "opponent",
        "is_home",
        "minutes",
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
    ),
    GAMES_FILE: ("game_id", "game_date", "season", "season_type", "home_team", "away_team", "home_pts", "away_pts"),
    PROPS_FILE: (
        "commence_time",
        "event_id",
        "home_team",
        "away_team",
        "player_name",
        "market",
        "bookmaker",
        "line",
        "over_price",
        "under_price",
        "snapshot_utc",
    ),
}
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {BOX_FILE: ("position",), GAMES_FILE: ("team_minutes",)}
STAT_FIELDS = {  # BallDontLie field <- parquet column
    "pts": "pts",
    "reb": "reb",
    "ast": "ast",
    "stl": "stl",
    "blk": "blk",
    "turnover": "tov",
    "pf": "pf",
    "fgm": "fgm",
    "fga": "fga",
    "fg3m": "fg3m",
    "fg3a": "fg3a",
    "ftm": "ftm",
    "fta": "fta",
    "oreb": "oreb",
    "dreb": "dreb",
}
POSTSEASON_TYPES = {"Playoffs", "PlayIn"}
POSITIONS = {
    "PG": "G",
    "SG": "G",
    "G": "G",
    "SF": "F",
    "PF": "F",
    "F": "F",
    "C": "C",
    "G-F": "G-F",
    "F-G": "G-F",
    "F-C": "F-C",
    "C-F": "F-C",
}
BOOK_TITLES = {
    "betmgm": "BetMGM",
    "betonlineag": "BetOnline.ag",
    "betrivers": "BetRivers",
    "bovada": "Bovada",
    "draftkings": "DraftKings",
    "fanatics": "Fanatics",
    "fanduel": "FanDuel",
    "williamhill_us": "Caesars",
}


class ConvertError(UsageError, ValueError):
    """Input that cannot be converted; the message names the file and column."""


def name_key(name: str) -> str:
    """The join key of macros/cross_db.sql name_key: "Kelly Oubre Jr." -> "kelly oubre"."""
    text = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    text = re.sub(r"[^a-z0-9 ]", "", text.lower().replace("-", " "))
    text = re.sub(r"\b(jr|sr|ii|iii|iv|v)\b", "", text)
    return re.sub(r"\s+", " ", text).strip()


def season_of(day: date) -> str:
    """NBA season of a date: "2025-26" from August 2025 to July 2026."""
    year = day.year if day.month >= 8 else day.year - 1
    return f"{year}-{(year + 1) % 100:02d}"


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _int(value: Any) -> int | None:
    return None if _missing(value) else int(value)


def _pct(made: int | None, attempted: int | None) -> float | None:
    if made is None or attempted is None:
        return None
    return round(made / attempted, 3) if attempted else 0.0


def _mmss(minutes: Any) -> str:
    seconds = 0 if _missing(minutes) else max(0, int(round(float(minutes) * 60)))
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


# -- inputs -------------------------------------------------------------------------------------------------
def _require_file(path: Path) -> None:
    if not path.is_file():
        raise ConvertError(f"{path}: file not found (the data directory must hold {', '.join(COLUMNS)})")


def _read(data_dir: Path, name: str) -> pd.DataFrame:
    path = data_dir / name
    _require_file(path)
    try:
        present = pq.read_schema(path).names
    except (pa.ArrowException, OSError) as exc:
        raise ConvertError(f"{path}: not a readable parquet file: {exc}") from exc
    missing = [c for c in COLUMNS[name] if c not in present]
    if missing:
        raise ConvertError(f"{path}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    columns = [*COLUMNS[name], *(c for c in OPTIONAL_COLUMNS.get(name, ()) if c in present)]
    return pq.read_table(path, columns=columns).to_pandas()


def _as_dates(df: pd.DataFrame, path: Path, column: str) -> pd.Series:
    try:
        return pd.to_datetime(df[column]).dt.date
    except (ValueError, TypeError) as exc:
        raise ConvertError(f"{path}: column {column} does not hold dates: {exc}") from exc


def _as_utc(df: pd.DataFrame, path: Path, column: str) -> pd.Series:
    """Timestamps as UTC (naive values are taken to be UTC)."""
    try:
        return pd.to_datetime(df[column], utc=True)
    except (ValueError, TypeError) as exc:
        raise ConvertError(f"{path}: column {column} does not hold timestamps: {exc}") from exc


def _teams() -> dict[str, TeamRef]:
    return {t.abbr: t for t in load_teams()}


@dataclass
class Game:
    day: date
    home: str
    away: str
    game_id: str | None = None  # the input's game_id, when it has one
    season_type: str = "Regular Season"
    rows: list[dict[str, Any]] = field(default_factory=list)
    home_score: int | None = None
    away_score: int | None = None
    score_source: str | None = None  # games_file | player_points_sum | None (no result: schedule only)
    team_minutes: int | None = None
    tipoff: datetime | None = None
    tipoff_source: str = ""
    home_away_from_games_file: bool = False  # the box scores' is_home disagreed with the games file

    @property
    def nba_id(self) -> str:
        return self.game_id or f"{self.day:%Y%m%d}{self.away}{self.home}"

    def bdl_id(self, teams: dict[str, TeamRef]) -> int:
        if self.game_id and self.game_id.isdigit():
            return int(self.game_id)
        return int(f"9{self.day:%Y%m%d}{teams[self.home].bdl_id:02d}{teams[self.away].bdl_id:02d}")

    @property
    def period(self) -> int:
        return 4 if self.team_minutes is None else 4 + max(0, round((self.team_minutes - 240) / 25))


class _Skips:
    """Input rows left out, by kind and reason (written to the manifest)."""

    def __init__(self) -> None:
        self.counts: dict[str, Counter[str]] = defaultdict(Counter)

    def add(self, kind: str, reason: str, n: int = 1) -> None:
        if n:
            self.counts[kind][reason] += n

    def as_dict(self) -> dict[str, Any]:
        return {kind: _nested(c) for kind, c in sorted(self.counts.items())}


def _nested(counts: Counter[str]) -> dict[str, Any]:
    """{"a:x": 1, "a:y": 2, "b": 3} -> {"a": {"x": 1, "y": 2}, "b": 3}"""
    out: dict[str, Any] = {}
    for key, n in sorted(counts.items()):
        head, _, tail = key.partition(":")
        if tail:
            out.setdefault(head, {})[tail] = n
        else:
            out[head] = n
    return out


# -- box scores and games -----------------------------------------------------------------------------------
def _given_id(value: Any) -> int | None:
    text = "" if _missing(value) else str(value).strip()
    return int(text) if text.isdigit() else None


def _player_ids(box: pd.DataFrame) -> dict[str, int]:
    """Ids for rows without a player_id, by name key: the one id the same key has elsewhere in the file,
    else a derived one (unique: a collision is an error)."""
    known: dict[str, set[int]] = defaultdict(set)
    for key, pid in zip(box["_key"], box["player_id"], strict=True):
        if _given_id(pid) is not None:
            known[key].add(_given_id(pid))
    ids: dict[str, int] = {}
    used = {i for s in known.values() for i in s}
    for key in sorted(set(box.loc[[_given_id(v) is None for v in box["player_id"]], "_key"])):
        if len(known.get(key, ())) == 1:
            ids[key] = next(iter(known[key]))
            continue
        digest = int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:16], 16)
        pid = DERIVED_PLAYER_ID_BASE + digest % 1_000_000_000
        if pid in used:
            raise ConvertError(f"derived player id {pid} for {key!r} collides with another player's id")
        used.add(pid)
        ids[key] = pid
    return ids


def _box_games(box: pd.DataFrame, teams: dict[str, TeamRef], home_hint: dict, skips: _Skips, in_window) -> list[Game]:
    """Group the season's box-score rows into games with a home and an away team (skips are counted for the
    dates converted only)."""
    groups: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for row in box.to_dict("records"):
        team, opponent = str(row["team"]).strip(), str(row["opponent"]).strip()
        if _missing(row["pts"]):
            skips.add("box_score_rows", "null_pts", in_window(row["_day"]))
            continue
        if team not in teams or opponent not in teams:
            skips.add("box_score_rows", "team_not_in_seed", in_window(row["_day"]))
            continue
        row["team"], row["opponent"] = team, opponent
        gid = None if _missing(row["game_id"]) else str(row["game_id"]).strip()
        group = ("id", gid) if gid else ("match", row["_day"], *sorted((team, opponent)))
        groups[group].append(row)
    games: list[Game] = []
    for group, rows in groups.items():
        day = rows[0]["_day"]
        pair = tuple(sorted({r["team"] for r in rows} | {r["opponent"] for r in rows}))
        if len(pair) != 2 or any(r["_day"] != day for r in rows):
            skips.add("box_score_rows", "inconsistent_game_rows", len(rows) * in_window(day))
            continue
        home_flags = {r["team"] for r in rows if not _missing(r["is_home"]) and bool(r["is_home"])}
        away_flags = {r["team"] for r in rows if not _missing(r["is_home"]) and not bool(r["is_home"])}
        if len(home_flags) == 1 and not (home_flags & away_flags):
            home = next(iter(home_flags))
        elif not home_flags and len(away_flags) == 1:
            home = next(t for t in pair if t not in away_flags)
        elif not home_flags and not away_flags and (day, pair) in home_hint:
            home = home_hint[(day, pair)]
        else:
            skips.add("box_score_rows", "home_team_unknown", len(rows) * in_window(day))
            continue
        away = pair[0] if pair[1] == home else pair[1]
        types = {str(r["season_type"]) for r in rows if not _missing(r["season_type"])}
        games.append(
            Game(
                day, home, away, group[1] if group[0] == "id" else None, min(types) if types else "Regular Season", rows
            )
        )
    return games


def _merge_games_file(games: list[Game], gf: pd.DataFrame, teams: dict[str, TeamRef], skips: _Skips, in_window) -> None:
    """Scores, overtime periods and missing game ids from the games file, matched on game_id or (date, teams);
    the games file is the schedule of record for home and away. Its other games are added (without a score:
    on the schedule only)."""
    by_id: dict[str, dict] = {}
    by_match: dict[tuple, dict] = {}
    for row in gf.to_dict("records"):
        home, away = str(row["home_team"]).strip(), str(row["away_team"]).strip()
        if home not in teams or away not in teams:
            if in_window(row["_day"]):
                skips.add("games_file_games", "team_not_in_seed")
            continue
        row["home_team"], row["away_team"] = home, away
        if not _missing(row["game_id"]):
            by_id[str(row["game_id"]).strip()] = row
        by_match[(row["_day"], *sorted((home, away)))] = row
    used: set[int] = set()
    for game in games:
        match = (game.day, *sorted((game.home, game.away)))
        row = by_id.get(game.game_id) if game.game_id else None
        if row is not None and (row["_day"], *sorted((row["home_team"], row["away_team"]))) != match:
            row = None  # the same id for another matchup: not this game
        row = row or by_match.get(match)
        if row is not None:
            used.add(id(row))
            if (game.home, game.away) != (row["home_team"], row["away_team"]):
                game.home, game.away, game.home_away_from_games_file = row["home_team"], row["away_team"], True
            _apply_games_row(game, row)
        if game.score_source is None:
            game.home_score = sum(int(r["pts"]) for r in game.rows if r["team"] == game.home)
            game.away_score = sum(int(r["pts"]) for r in game.rows if r["team"] == game.away)
            game.score_source = "player_points_sum"
    for row in {id(r): r for r in [*by_id.values(), *by_match.values()]}.values():
        if id(row) not in used:
            game = Game(
                row["_day"],
                row["home_team"],
                row["away_team"],
                season_type=str(row["season_type"]) if not _missing(row["season_type"]) else "Regular Season",
            )
            _apply_games_row(game, row)
            games.append(game)


def _apply_games_row(game: Game, row: dict[str, Any]) -> None:
    if game.game_id is None and not _missing(row["game_id"]):
        game.game_id = str(row["game_id"]).strip()
    if "team_minutes" in row and not _missing(row["team_minutes"]):
        game.team_minutes = int(row["team_minutes"])
    if not _missing(row["home_pts"]) and not _missing(row["away_pts"]):
        game.home_score, game.away_score = int(row["home_pts"]), int(row["away_pts"])
        game.score_source = "games_file"


# -- props --------------------------------------------------------------------------------------------------
@dataclass
class Event:
    event_id: str
    day: date
    commence: datetime
    home: str
    away: str
    # snapshot time -> bookmaker -> market -> outcomes
    snapshots: dict[datetime, dict[str, dict[str, list[dict[str, Any]]]]] = field(default_factory=dict)

    def body(self, teams: dict[str, TeamRef]) -> dict[str, Any]:
        return {
            "id": self.event_id,
            "sport_key": "basketball_nba",
            "sport_title": "NBA",
            "commence_time": iso_z(self.commence),
            "home_team": teams[self.home].full_name,
            "away_team": teams[self.away].full_name,
        }


def _team_code(value: Any, teams: dict[str, TeamRef], by_name: dict[str, str]) -> str | None:
    text = "" if _missing(value) else str(value).strip()
    return text if text in teams else by_name.get(text)


def _events(
    props: pd.DataFrame, path: Path, teams: dict[str, TeamRef], season: str, in_window, skips: _Skips
) -> dict[str, Event]:
    by_name = {t.full_name: t.abbr for t in teams.values()}
    props = props.assign(
        commence_at=_as_utc(props, path, "commence_time"), snapshot_at=_as_utc(props, path, "snapshot_utc")
    )
    props = props[props["commence_at"].notna() & props["event_id"].notna()]
    props = props.assign(local_day=props["commence_at"].dt.tz_convert(EASTERN).dt.date)
    props = props[[season_of(d) == season and in_window(d) for d in props["local_day"]]]
    # the event as its latest snapshot describes it
    latest = props.sort_values(["event_id", "snapshot_at", "commence_at"]).groupby("event_id", sort=True).tail(1)
    events: dict[str, Event] = {}
    for row in latest.itertuples(index=False):
        home, away = _team_code(row.home_team, teams, by_name), _team_code(row.away_team, teams, by_name)
        if home is None or away is None:
            skips.add("prop_rows", "team_not_in_seed", int((props["event_id"] == row.event_id).sum()))
            continue
        commence = row.commence_at.to_pydatetime()
        events[str(row.event_id)] = Event(str(row.event_id), commence.astimezone(EASTERN).date(), commence, home, away)
    props = props[props["event_id"].astype(str).isin(events)]

    market_ok = props["market"].isin(MARKETS)
    for market, n in sorted(Counter(props.loc[~market_ok, "market"].astype(str)).items()):
        skips.add("prop_rows", f"market_not_loaded:{market}", n)
    props = props[market_ok]
    null_key = props["player_name"].isna() | props["bookmaker"].isna() | props["snapshot_at"].isna()
    skips.add("prop_rows", "null_player_bookmaker_orsnapshot_at", int(null_key.sum()))
    props = props[~null_key]
    null_value = props["line"].isna() | props["over_price"].isna() | props["under_price"].isna()
    skips.add("prop_rows", "null_line_or_price", int(null_value.sum()))
    props = props[~null_value]
    props = props.assign(
        event_id=props["event_id"].astype(str),
        player_name=props["player_name"].astype(str).str.strip(),
        bookmaker=props["bookmaker"].astype(str),
        market=props["market"].astype(str),
        line=props["line"].astype(float).round(2),
        over_price=props["over_price"].astype(int),
        under_price=props["under_price"].astype(int),
        market_rank=props["market"].map(MARKETS.index),
    ).sort_values(
        ["event_id", "snapshot_at", "bookmaker", "market_rank", "player_name", "line", "over_price", "under_price"]
    )
    duplicated = props.duplicated(["event_id", "snapshot_at", "bookmaker", "market", "player_name", "line"])
    skips.add("prop_rows", "duplicate_quote", int(duplicated.sum()))
    props = props[~duplicated]
    # one file per event and snapshot minute (<HHMM>Z): of two snapshots in one minute, the later one stays
    minute = props["snapshot_at"].dt.floor("min")
    last_in_minute = props.groupby([props["event_id"], minute])["snapshot_at"].transform("max")
    earlier = props["snapshot_at"] != last_in_minute
    skips.add("prop_rows", "earliersnapshot_at_same_minute", int(earlier.sum()))
    props = props[~earlier]

    for row in props.itertuples(index=False):
        books = events[row.event_id].snapshots.setdefault(row.snapshot_at.to_pydatetime(), {})
        outcomes = books.setdefault(row.bookmaker, {}).setdefault(row.market, [])
        outcomes.append({"name": "Over", "description": row.player_name, "price": row.over_price, "point": row.line})
        outcomes.append({"name": "Under", "description": row.player_name, "price": row.under_price, "point": row.line})
    return events


# -- output -------------------------------------------------------------------------------------------------
def _prepare(out_dir: Path) -> None:
    """Clear a landing area this converter wrote before; refuse a folder that holds anything else."""
    claim_folder(out_dir, MANAGED, GENERATOR)


def _first(given: date | None, found: list[date]) -> str | None:
    return str(given or found[0]) if (given or found) else None


def _clock_text(moment: datetime) -> str:
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'am' if moment.hour < 12 else 'pm'} ET"


def _season_games(
    data_dir: Path,
    season: str,
    box_all: pd.DataFrame,
    games_all: pd.DataFrame,
    props: pd.DataFrame,
    teams: dict[str, TeamRef],
    in_window,
    skips: _Skips,
) -> tuple[list[Game], dict[str, Event]]:
    """The games (with tip-off times) and odds events of one season."""
    box_path, games_path, props_path = data_dir / BOX_FILE, data_dir / GAMES_FILE, data_dir / PROPS_FILE
    season_rows = box_all["season"].astype(str) == season
    unnamed = box_all["_key"] == ""
    skips.add("box_score_rows", "no_player_name", int((unnamed & season_rows).sum()))  # all dates of the season
    box = box_all[season_rows & ~unnamed]
    box = box.assign(_day=_as_dates(box, box_path, "game_date"))
    gf = games_all[games_all["season"].astype(str) == season]
    gf = gf.assign(_day=_as_dates(gf, games_path, "game_date"))

    events = _events(props, props_path, teams, season, in_window, skips)
    home_hint = {(e.day, tuple(sorted((e.home, e.away)))): e.home for e in events.values()}
    home_hint.update(
        {(d, tuple(sorted((h, a)))): h for d, h, a in zip(gf["_day"], gf["home_team"], gf["away_team"], strict=True)}
    )
    games = _box_games(box, teams, home_hint, skips, in_window)
    _merge_games_file(games, gf, teams, skips, in_window)
    matchups = {(g.day, g.home, g.away) for g in games}
    # matchups only the odds feed knows (e.g. tonight's games): on the schedule, without a result
    for e in sorted(events.values(), key=lambda e: (e.commence, e.event_id)):
        if (e.day, e.home, e.away) not in matchups:
            games.append(Game(e.day, e.home, e.away))
            matchups.add((e.day, e.home, e.away))
    commence = {}
    for e in sorted(events.values(), key=lambda e: (e.commence, e.event_id), reverse=True):
        commence[(e.day, e.home, e.away)] = e.commence  # the earliest event of a matchup wins
    for g in games:
        if (g.day, g.home, g.away) in commence:
            g.tipoff, g.tipoff_source = commence[(g.day, g.home, g.away)], "props_commence_time"
        else:
            g.tipoff = datetime.combine(g.day, DEFAULT_TIPOFF_ET, tzinfo=EASTERN).astimezone(UTC)
            g.tipoff_source = "default_19_00_et"
    games.sort(key=lambda g: (g.day, g.tipoff, g.bdl_id(teams)))
    ids = [g.bdl_id(teams) for g in games]
    if len(set(ids)) != len(ids):
        dupes = sorted(i for i, n in Counter(ids).items() if n > 1)[:5]
        raise ConvertError(f"{box_path}/{games_path}: two games share a game id: {dupes}")
    return games, events


def _write_season(
    season: str,
    games: list[Game],
    events: dict[str, Event],
    teams: dict[str, TeamRef],
    fallback_ids: dict[str, int],
    writer: LandingWriter,
    counts: Counter[str],
    skips: _Skips,
    summed_dates: set[str],
    in_window,
) -> list[date]:
    """Write one season's landing days (team records start at 0-0); return its game dates."""
    records: dict[str, list[int]] = {abbr: [0, 0] for abbr in teams}
    by_day: dict[date, list[Game]] = defaultdict(list)
    for g in games:
        by_day[g.day].append(g)
    event_days: dict[date, list[Event]] = defaultdict(list)
    for e in events.values():
        if in_window(e.day):
            event_days[e.day].append(e)
    for day in sorted(set(by_day) | set(event_days)):
        day_games = by_day.get(day, [])
        if in_window(day):
            day_events = sorted(event_days.get(day, []), key=lambda e: (e.commence, e.event_id))
            _write_day(
                day, day_games, day_events, teams, fallback_ids, records, writer, counts, skips, summed_dates, season
            )
        for g in day_games:  # records after the day: the next day's scoreboard shows them
            if g.score_source is not None and g.home_score != g.away_score:
                winner, loser = (g.home, g.away) if g.home_score > g.away_score else (g.away, g.home)
                records[winner][0] += 1
                records[loser][1] += 1
    return sorted({d for d in by_day if in_window(d)} | set(event_days))


def check_data_dir(data_dir: Path) -> None:
    """The folder holds the parquet files a conversion reads; checked before anything is written or cleared."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise ConvertError(f"data directory not found: {data_dir}")
    for name in COLUMNS:
        _require_file(data_dir / name)


def convert_parquet(
    data_dir: Path | str,
    out_dir: Path | str,
    start: date | None = None,
    end: date | None = None,
    season: str | Sequence[str] = DEFAULT_SEASON,
) -> dict[str, Any]:
    """Convert one season, or several (a list, oldest first), optionally only start..end (local game dates),
    of `data_dir` into the landing area `out_dir`; return the manifest (also written to
    `out_dir/_manifest.json`)."""
    data_dir = Path(data_dir).resolve()
    out_dir = Path(out_dir)
    seasons = [season] if isinstance(season, str) else list(dict.fromkeys(season))
    if not seasons:
        raise ConvertError("no season given")
    check_data_dir(data_dir)
    if start and end and end < start:
        raise ConvertError(f"end {end} is before start {start}")

    def in_window(day: date) -> bool:
        return (start is None or day >= start) and (end is None or day <= end)

    teams = _teams()
    skips = _Skips()
    box_path = data_dir / BOX_FILE
    box_all, games_all, props = _read(data_dir, BOX_FILE), _read(data_dir, GAMES_FILE), _read(data_dir, PROPS_FILE)
    present = set(box_all["season"].dropna().astype(str))
    for name in seasons:
        if name not in present:
            raise ConvertError(
                f"{box_path}: no rows of season {name!r} in column season "
                f"(present: {', '.join(sorted(present)) or 'none'})"
            )
    box_all = box_all.assign(_key=[name_key(str(n)) if not _missing(n) else "" for n in box_all["player_name"]])
    fallback_ids = _player_ids(box_all[box_all["_key"] != ""])
    prepared = [_season_games(data_dir, name, box_all, games_all, props, teams, in_window, skips) for name in seasons]

    _prepare(out_dir)
    writer = LandingWriter(out_dir)
    counts: Counter[str] = Counter()
    summed_dates: set[str] = set()
    game_dates: list[date] = []
    for name, (games, events) in zip(seasons, prepared, strict=True):
        game_dates += _write_season(
            name, games, events, teams, fallback_ids, writer, counts, skips, summed_dates, in_window
        )
    game_dates.sort()

    manifest = {
        "generator": GENERATOR,
        "source_dir": str(data_dir),
        "source_files": list(COLUMNS),
        "season": ",".join(seasons),
        "seasons": seasons,
        "sources": list(SOURCES),
        "start": _first(start, game_dates[:1]),
        "end": _first(end, game_dates[-1:]),
        "game_dates": [d.isoformat() for d in game_dates],
        "counts": _nested(counts + Counter(files=writer.files + 1)),
        "skipped": skips.as_dict(),
        "scores_from_player_points_sum": sorted(summed_dates),
        "notes": {
            "scores": "games_file where it has the game's score, else the sum of each team's player points",
            "tipoff": "commence_time of the matchup's Odds API event, else 19:00 US/Eastern",
            "injury_report": "none in the data: no nbacom/<date>/injury_report.json is written",
            "player_id": "player_id, else the one id the same name key has on other rows, "
            f"else {DERIVED_PLAYER_ID_BASE} + sha256(name key) mod 1e9",
            "game_id": "game_id (BallDontLie id = its integer value), else derived from (date, home, away)",
            "odds_last_update": "the snapshot time (the data has no per-book update time)",
        },
    }
    writer.write("_manifest.json", manifest)
    manifest["bytes"] = writer.bytes
    return manifest


def _write_day(
    day: date,
    games: list[Game],
    events: list[Event],
    teams: dict[str, TeamRef],
    fallback_ids: dict[str, int],
    records: dict[str, list[int]],
    writer: LandingWriter,
    counts: Counter[str],
    skips: _Skips,
    summed_dates: set[str],
    season: str,
) -> None:
    d = day.isoformat()
    bdl_season = int(season[:4])
    bdl_games, stats, scoreboard = [], [], []
    for g in games:
        home, away = teams[g.home], teams[g.away]
        et = g.tipoff.astimezone(EASTERN)
        scoreboard.append(
            {
                "gameId": g.nba_id,
                "gameCode": f"{day:%Y%m%d}/{g.away}{g.home}",
                "gameStatus": 1,
                "gameStatusText": _clock_text(et),
                "gameTimeUTC": iso_z(g.tipoff),
                "gameEt": et.strftime("%Y-%m-%dT%H:%M:%S"),
                "homeTeam": {
                    "teamId": home.nba_id,
                    "teamName": home.nickname,
                    "teamCity": home.city,
                    "teamTricode": home.abbr,
                    "wins": records[g.home][0],
                    "losses": records[g.home][1],
                    "score": 0,
                },
                "awayTeam": {
                    "teamId": away.nba_id,
                    "teamName": away.nickname,
                    "teamCity": away.city,
                    "teamTricode": away.abbr,
                    "wins": records[g.away][0],
                    "losses": records[g.away][1],
                    "score": 0,
                },
            }
        )
        counts["schedule_games"] += 1
        counts[f"tipoff_from:{g.tipoff_source}"] += 1
        if g.score_source is None:
            counts["schedule_games_without_result"] += 1
            continue
        counts[f"scores_from:{g.score_source}"] += 1
        counts["games_home_away_from_games_file"] += g.home_away_from_games_file
        if g.score_source == "player_points_sum":
            summed_dates.add(d)
        gid = g.bdl_id(teams)
        game_ref = {
            "id": gid,
            "date": d,
            "datetime": iso_z(g.tipoff),
            "season": bdl_season,
            "status": "Final",
            "postseason": g.season_type in POSTSEASON_TYPES,
            "home_team_id": home.bdl_id,
            "visitor_team_id": away.bdl_id,
            "home_team_score": g.home_score,
            "visitor_team_score": g.away_score,
        }
        bdl_games.append(
            {
                **{k: v for k, v in game_ref.items() if k not in ("home_team_id", "visitor_team_id")},
                "period": g.period,
                "time": "Final",
                "home_team": bdl_team_object(home),
                "visitor_team": bdl_team_object(away),
            }
        )
        rows = sorted(
            g.rows,
            key=lambda r: (
                r["team"] == g.home,
                -float(0 if _missing(r["minutes"]) else r["minutes"]),
                str(r["player_name"]),
                r["_key"],
            ),
        )
        seen: set[int] = set()
        n = 0
        for r in rows:
            pid = _given_id(r["player_id"])
            if pid is None:
                pid = fallback_ids[r["_key"]]
                counts["box_score_rows_with_fallback_player_id"] += 1
            if pid in seen:
                skips.add("box_score_rows", "same_player_twice_in_game")
                continue
            seen.add(pid)
            n += 1
            if n >= ROWS_PER_GAME:
                raise ConvertError(f"game {g.nba_id} on {d} has more than {ROWS_PER_GAME - 1} box-score rows")
            team = teams[r["team"]]
            first, _, last = str(r["player_name"]).strip().partition(" ")
            stat: dict[str, Any] = {"id": gid * ROWS_PER_GAME + n, "min": _mmss(r["minutes"])}
            stat.update({api: _int(r[col]) for api, col in STAT_FIELDS.items()})
            stat.update(
                fg_pct=_pct(stat["fgm"], stat["fga"]),
                fg3_pct=_pct(stat["fg3m"], stat["fg3a"]),
                ft_pct=_pct(stat["ftm"], stat["fta"]),
            )
            position = r.get("position")
            stat["player"] = {
                "id": pid,
                "first_name": first,
                "last_name": last.strip(),
                "position": None if _missing(position) else POSITIONS.get(str(position), str(position)),
                "team_id": team.bdl_id,  # height, weight and jersey_number: not in the data, left out
            }
            stat["team"] = bdl_team_object(team)
            stat["game"] = game_ref
            stats.append(stat)
        counts["games"] += 1

    if bdl_games:
        writer.write(f"balldontlie/{d}/games.json", {"data": bdl_games, "meta": {"per_page": PAGE_SIZE}})
    pages = [stats[i : i + PAGE_SIZE] for i in range(0, len(stats), PAGE_SIZE)]
    for n, page in enumerate(pages, start=1):
        next_cursor = page[-1]["id"] if n < len(pages) else None
        writer.write(
            f"balldontlie/{d}/stats_page_{n:03d}.json",
            {"data": page, "meta": {"next_cursor": next_cursor, "per_page": PAGE_SIZE}},
        )
    counts["box_score_rows"] += len(stats)
    counts["stats_pages"] += len(pages)
    if scoreboard:
        writer.write(f"nbacom/{d}/scoreboard.json", {"scoreboard": {"gameDate": d, "games": scoreboard}})

    if events:
        writer.write(f"odds_api/{d}/events.json", [e.body(teams) for e in events])
        counts["events"] += len(events)
    for e in events:
        times = sorted(e.snapshots)
        for i, at in enumerate(times):
            bookmakers = []
            for book in sorted(e.snapshots[at]):
                markets = e.snapshots[at][book]
                bookmakers.append(
                    {
                        "key": book,
                        "title": BOOK_TITLES.get(book, book),
                        "last_update": iso_z(at),
                        "markets": [
                            {"key": m, "last_update": iso_z(at), "outcomes": markets[m]}
                            for m in MARKETS
                            if m in markets
                        ],
                    }
                )
                for m, outcomes in markets.items():
                    counts["prop_outcome_rows"] += len(outcomes)
                    counts["prop_line_rows"] += len(outcomes) // 2
                    counts[f"prop_line_rows_by_market:{m}"] += len(outcomes) // 2
            writer.write(
                f"odds_api/{d}/event_{e.event_id}_odds_{at:%H%M}Z.json",
                {
                    "timestamp": iso_z(at),
                    "previous_timestamp": iso_z(times[i - 1]) if i else None,
                    "next_timestamp": iso_z(times[i + 1]) if i + 1 < len(times) else None,
                    "data": {**e.body(teams), "bookmakers": bookmakers},
                },
            )
            counts["odds_snapshots"] += 1
