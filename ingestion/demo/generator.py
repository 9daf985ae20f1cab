"""Deterministic generator of realistic, API-shaped landing files for a stretch of an NBA season.

The league it simulates is invented but behaves like the real one where nba-props cares:

* 30 teams (the real franchises, from `seeds/nba_teams.csv`) with 15-man rosters (~450 players) whose roles
  are stable: minutes, usage (points per minute), shot profile, rebounding and playmaking rates.
* A schedule of 3-12 games a night (none on Thanksgiving), no team playing three days in a row, tip-offs
  between 7:00 and 10:30 pm Eastern (stored in UTC, so late games fall on the next UTC day).
* Box scores drawn from those rates with home-court (+1.5%) and back-to-back (-5%) effects, opponent
  defence, minutes redistributed around injured players, overtime now and then, and consistent arithmetic
  (points = 2*2PM + 3*3PM + FTM; team score = sum of its players; rebounds = OREB + DREB).
* An injury report per game day (Out / Doubtful / Questionable / Probable, names "Last, First"); players
  ruled out are absent from the box score, players who dressed but did not play have "00:00".
* Sportsbook player props from 4-6 books in five markets, priced like an efficient market's: the consensus
  is the generator's own expected outcome for the player-game (the distribution its box scores are drawn
  from) with a small error that shrinks from the opening to the pre-game snapshot; each book hangs its
  line at the x.5 nearest the median of its (slightly shaded, slightly noisy) view, so books differ by 0-1
  point, and prices its sides from that distribution with vig (about -110 on a line near even money).

Files follow docs/landing-format.md exactly and are written as compact, key-sorted JSON, so the same
(start, days, seed) always produces byte-identical output.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from core.markets import MARKETS, MARKETS_CSV
from ingestion.demo.extras import write_extras
from ingestion.demo.league import Game, League, Player, Team
from ingestion.landing import PAGE_SIZE, LandingWriter, iso_z
from ingestion.output import claim_folder

DEMO_START = date(2025, 10, 21)
DEMO_DAYS = 40
DEMO_SEED = 7
GENERATOR = "nba-props demo"

MANAGED = ("balldontlie", "odds_api", "nbacom", "bref", "bigdataball", "_manifest.json")

DEEP_BENCH_MINUTES = 7.0
DEEP_BENCH_SITS = 0.55  # chance that a deep-bench player (under DEEP_BENCH_MINUTES) does not get in
MINUTES_SD_SHARE = 0.1  # a player's minutes vary around his expectation by this share (at least 2 minutes)
OVERTIME_CHANCE = 0.06
LINE_MIN_MINUTES = 18.0
HOME_EFFECT = 1.015
AWAY_EFFECT = 0.99
BACK_TO_BACK_EFFECT = 0.95
BOOKS = (
    ("draftkings", "DraftKings"),
    ("fanduel", "FanDuel"),
    ("betmgm", "BetMGM"),
    ("williamhill_us", "Caesars"),
    ("bovada", "Bovada"),
    ("betrivers", "BetRivers"),
)
# The market, in standard deviations of the player-game's outcome: the consensus's error about the
# generator's expectation at the pre-game snapshot (the opening one adds OPENING_ERROR on top), each book's
# own deviation from the consensus, and its shading of lines towards the over (the public bets overs).
MARKET_ERROR = 0.1
OPENING_ERROR = 0.12
BOOK_ERROR = 0.04
BOOK_SHADE = (0.03, 0.02)  # mean and spread across books
VIG = 1.045  # each side's implied probability is its fair probability times VIG: -110 / -110 at even money
OPENING_SNAPSHOT = time(15, 0)
PREGAME_SNAPSHOT = time(22, 0)


def american_price(probability: float) -> int:
    """American odds for an implied probability, rounded to 5 as books quote them."""
    p = min(max(probability, 0.2), 0.8)
    raw = -100 * p / (1 - p) if p >= 0.5 else 100 * (1 - p) / p
    price = int(5 * round(raw / 5))
    if -100 < price < 100:
        price = -100 if p >= 0.5 else 100
    return price


def quote(mean: float, variance: float) -> tuple[float, float]:
    """(line, P(over)) for a count of this mean and variance: the x.5 line (at least 0.5) whose over is nearest
    even money, under a negative binomial (Poisson when the count is not over-dispersed)."""
    mean = max(mean, 0.05)
    if variance > mean * 1.001:
        q = mean / variance  # the negative binomial's success probability
        r = mean * q / (1 - q)
        pmf, step = q**r, lambda k: (k + r) / (k + 1) * (1 - q)
    else:
        pmf, step = math.exp(-mean), lambda k: mean / (k + 1)
    k, cdf = 0, pmf
    while cdf < 0.5:
        pmf *= step(k)
        k += 1
        cdf += pmf
    # P(X <= k) >= 0.5 > P(X <= k - 1): the line is k + 0.5 (over below even) or k - 0.5 (over above)
    if k >= 1 and (1 - cdf + pmf) - 0.5 < 0.5 - (1 - cdf):
        return k - 0.5, 1 - cdf + pmf
    return k + 0.5, 1 - cdf


# each market's expected box-score count from the player-game's expected points, rebounds and assists: the
# demo hangs lines in the seed's markets (seeds/prop_markets.csv) and simulates these
_SIMULATIONS: dict[str, Callable[[Player, float, float, float], float]] = {
    "player_points": lambda p, pts, reb, ast: pts,
    "player_rebounds": lambda p, pts, reb, ast: reb,
    "player_assists": lambda p, pts, reb, ast: ast,
    "player_threes": lambda p, pts, reb, ast: pts / p.points_per_shot * p.three_share * p.three_pct,
    "player_points_rebounds_assists": lambda p, pts, reb, ast: pts + reb + ast,
}


def check_simulated_markets() -> None:
    """Every market of the seed has a simulation here: a market added to the seed alone is a clear error."""
    missing = [m for m in MARKETS if m not in _SIMULATIONS]
    if missing:
        raise ValueError(
            f"{MARKETS_CSV} lists market(s) {', '.join(missing)} that the demo generator does not "
            "simulate: add each one's box-score count to _SIMULATIONS in ingestion/demo/generator.py"
        )


@dataclass
class _Expectation:
    minutes: float  # the simulator's draw of his minutes is centred here, before it rescales them to the game
    factor: float  # home/away x back-to-back x opponent defence x team offence
    played: float = 0.0  # the minutes the box score will show on average (after the rescaling)

    def market(self, p: Player, market: str) -> float:
        """The expected box-score count of this player-game in a market."""
        pts = p.points_per_minute * self.played * self.factor
        reb = p.rebounds_per_minute * self.played
        ast = p.assists_per_minute * self.played
        simulate = _SIMULATIONS.get(market)
        if simulate is None:
            raise ValueError(f"the demo generator does not simulate market {market!r} (see _SIMULATIONS)")
        return simulate(p, pts, reb, ast)

    def variance(self, p: Player, market: str) -> float:
        """The count's variance: given his minutes, points are compound Poisson (Player.points_dispersion) and
        rebounds, assists and threes Poisson; his minutes themselves vary by MINUTES_SD_SHARE, which moves all of
        a player's counts together."""
        mean = self.market(p, market)
        if market == "player_points":
            given_minutes = mean * p.points_dispersion
        elif market == "player_points_rebounds_assists":
            pts = self.market(p, "player_points")
            given_minutes = pts * p.points_dispersion + (mean - pts)
        else:
            given_minutes = mean
        return given_minutes + (MINUTES_SD_SHARE * mean) ** 2


def _expectations(game: Game, active: dict[str, list[Player]]) -> dict[int, _Expectation]:
    out: dict[int, _Expectation] = {}
    for side, team, opp in (("home", game.home, game.away), ("away", game.away, game.home)):
        players = active[side]
        regular = [p for p in players if p.mean_minutes >= DEEP_BENCH_MINUTES]
        scale = 240 / max(sum(p.mean_minutes for p in regular), 1.0)
        factor = (HOME_EFFECT if side == "home" else AWAY_EFFECT) * team.offense * opp.defense
        if team.played_on(game.day - timedelta(days=1)):
            factor *= BACK_TO_BACK_EFFECT
        for p in players:
            minutes = p.mean_minutes * scale if p.mean_minutes >= DEEP_BENCH_MINUTES else p.mean_minutes * 0.5
            out[p.id] = _Expectation(min(minutes, 40.0), factor)
        # the simulator rescales the drawn minutes to the game's (overtime now and then; the deep bench sits
        # DEEP_BENCH_SITS of the time): the minutes a box score shows on average
        drawn = sum(
            out[p.id].minutes * ((1 - DEEP_BENCH_SITS) if p.mean_minutes < DEEP_BENCH_MINUTES else 1.0) for p in players
        )
        game_minutes = 240 + 25 * OVERTIME_CHANCE
        for p in players:
            e = out[p.id]
            e.played = e.minutes * game_minutes / max(drawn, 1.0)
    return out


def _mmss(seconds: int) -> str:
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def _pct(made: int, attempted: int) -> float:
    return round(made / attempted, 3) if attempted else 0.0


class _Simulator:
    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def team_box(
        self, players: list[Player], exp: dict[int, _Expectation], overtime: bool, pace: float
    ) -> list[dict[str, Any]]:
        rng = self.rng
        total_seconds = (240 + (25 if overtime else 0)) * 60
        raw: list[float] = []
        for p in players:
            e = exp[p.id]
            if p.mean_minutes < DEEP_BENCH_MINUTES and rng.random() < DEEP_BENCH_SITS:
                raw.append(0.0)
            else:
                raw.append(max(0.0, float(rng.normal(e.minutes, max(2.0, MINUTES_SD_SHARE * e.minutes)))))
        scale = total_seconds / sum(raw)
        seconds = [int(round(m * scale)) for m in raw]
        seconds = [min(s, 50 * 60) for s in seconds]
        # put rounding drift on the player with the most minutes so the team total is exact
        top = max(range(len(seconds)), key=lambda i: seconds[i])
        seconds[top] += total_seconds - sum(seconds)
        # shots are a team budget (possessions are shared), split by each player's usage and minutes
        expected_shots = [
            p.points_per_minute * secs / 60 * exp[p.id].factor / p.points_per_shot
            for p, secs in zip(players, seconds, strict=True)
        ]
        team_shots = max(0, int(round(sum(expected_shots) * pace * rng.normal(1.0, 0.025))))
        shots = rng.multinomial(team_shots, np.array(expected_shots) / sum(expected_shots))
        lines = []
        for p, secs, fga in zip(players, seconds, (int(x) for x in shots), strict=True):
            m = secs / 60
            if secs == 0:
                lines.append(self._line(p, secs, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
                continue
            fg3a = int(rng.binomial(fga, p.three_share))
            fg3m = int(rng.binomial(fg3a, p.three_pct))
            fg2m = int(rng.binomial(fga - fg3a, p.two_pct))
            fta = int(rng.poisson(p.free_throw_rate * fga))
            ftm = int(rng.binomial(fta, p.free_throw_pct))
            reb = int(rng.poisson(p.rebounds_per_minute * m))
            oreb = int(rng.binomial(reb, p.offensive_rebound_share))
            ast = int(rng.poisson(p.assists_per_minute * m))
            stl = int(rng.poisson(0.03 * m))
            blk = int(rng.poisson(p.blocks_per_minute * m))
            tov = int(rng.poisson(0.02 * m + 0.08 * fga))
            pf = min(6, int(rng.poisson(0.065 * m)))
            lines.append(self._line(p, secs, fg2m, fga, fg3m, fg3a, ftm, fta, oreb, reb - oreb, ast, stl, blk, tov, pf))
        return lines

    @staticmethod
    def _line(
        p: Player,
        secs: int,
        fg2m: int,
        fga: int,
        fg3m: int,
        fg3a: int,
        ftm: int,
        fta: int,
        oreb: int,
        dreb: int,
        ast: int,
        stl: int,
        blk: int,
        tov: int,
        pf: int = 0,
    ) -> dict[str, Any]:
        fgm = fg2m + fg3m
        return {
            "min": _mmss(secs),
            "pts": 2 * fg2m + 3 * fg3m + ftm,
            "reb": oreb + dreb,
            "ast": ast,
            "stl": stl,
            "blk": blk,
            "turnover": tov,
            "pf": pf,
            "fgm": fgm,
            "fga": fga,
            "fg_pct": _pct(fgm, fga),
            "fg3m": fg3m,
            "fg3a": fg3a,
            "fg3_pct": _pct(fg3m, fg3a),
            "ftm": ftm,
            "fta": fta,
            "ft_pct": _pct(ftm, fta),
            "oreb": oreb,
            "dreb": dreb,
            "player": {
                "id": p.id,
                "first_name": p.first_name,
                "last_name": p.last_name,
                "position": p.position,
                "height": p.height,
                "weight": p.weight,
                "jersey_number": p.jersey,
                "team_id": p.team.bdl_id,
            },
        }


def _prepare(out_dir: Path) -> None:
    """Clear a previous demo landing area; refuse a folder that holds anything else."""
    claim_folder(out_dir, MANAGED, GENERATOR)


def generate_demo(out_dir: Path, start: date = DEMO_START, days: int = DEMO_DAYS, seed: int = DEMO_SEED) -> dict:
    """Write `days` days of landing files from `start` into `out_dir`; return the manifest (also written to
    `out_dir/_manifest.json`). Same arguments, same bytes."""
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    check_simulated_markets()
    out_dir = Path(out_dir)
    _prepare(out_dir)
    rng = np.random.default_rng(seed)
    league = League(rng, opening_day=DEMO_START)
    sim = _Simulator(rng)
    writer = LandingWriter(out_dir)
    counts: dict[str, int] = defaultdict(int)
    game_dates: list[str] = []
    seq = 0
    for offset in range(days):
        day = start + timedelta(days=offset)
        league.advance_injuries(day)
        games = league.schedule_day(day, seq, opening=offset == 0 and start == DEMO_START)
        if not games:
            continue
        seq = max(g.seq for g in games)
        _write_day(day, games, league, sim, writer, rng, counts)
        write_extras(day, games, league, writer, seed, counts)  # rosters and play-by-play (extras.py)
        game_dates.append(day.isoformat())
    manifest = {
        "generator": GENERATOR,
        "seed": seed,
        "start": start.isoformat(),
        "end": (start + timedelta(days=days - 1)).isoformat(),
        "game_dates": game_dates,
        "counts": {"players": len(league.players), **dict(sorted(counts.items()))},
    }
    writer.write("_manifest.json", manifest)
    manifest["bytes"] = writer.bytes
    return manifest


def _write_day(
    day: date,
    games: list[Game],
    league: League,
    sim: _Simulator,
    writer: LandingWriter,
    rng: np.random.Generator,
    counts: dict[str, int],
) -> None:
    d = day.isoformat()
    bdl_games, stats, scoreboard, events, injuries = [], [], [], [], []
    book_lines: dict[str, list[_Consensus]] = {}
    book_seeds: dict[str, int] = {}
    for game in games:
        report = league.injury_report(game)
        matchup = f"{game.away.abbr}@{game.home.abbr}"
        for team in (game.away, game.home):
            for p in league.roster(team):
                if p.id in report:
                    status, reason, _ = report[p.id]
                    injuries.append(
                        {
                            "gameId": game.nba_id,
                            "matchup": matchup,
                            "teamTricode": team.abbr,
                            "playerName": p.report_name,
                            "currentStatus": status,
                            "reason": reason,
                        }
                    )
        active = {
            side: [p for p in league.roster(team) if report.get(p.id, ("", "", True))[2]]
            for side, team in (("home", game.home), ("away", game.away))
        }
        exp = _expectations(game, active)
        book_lines[game.event_id] = _consensus(game, league, report, exp, rng)
        book_seeds[game.event_id] = int(rng.integers(2**32))
        scoreboard.append(_scoreboard_game(game))
        events.append(_event(game))
        overtime = rng.random() < OVERTIME_CHANCE
        pace = float(rng.normal(1.0, 0.04))  # shared by both teams: fast games are high-scoring for both
        box = {side: sim.team_box(active[side], exp, overtime, pace) for side in ("home", "away")}
        home_score = sum(r["pts"] for r in box["home"])
        away_score = sum(r["pts"] for r in box["away"])
        if home_score == away_score:  # no ties in basketball: the home team's best scorer hits one more
            best = max(box["home"], key=lambda r: r["pts"])
            best.update(ftm=best["ftm"] + 1, fta=best["fta"] + 1, pts=best["pts"] + 1)
            best["ft_pct"] = _pct(best["ftm"], best["fta"])
            home_score += 1
        winner, loser = (game.home, game.away) if home_score > away_score else (game.away, game.home)
        winner.wins += 1
        loser.losses += 1
        game_ref = {
            "id": game.bdl_id,
            "date": d,
            "datetime": iso_z(game.tipoff_utc),
            "season": 2025,
            "status": "Final",
            "postseason": False,
            "home_team_id": game.home.bdl_id,
            "visitor_team_id": game.away.bdl_id,
            "home_team_score": home_score,
            "visitor_team_score": away_score,
        }
        bdl_games.append(
            {
                **{k: v for k, v in game_ref.items() if k not in ("home_team_id", "visitor_team_id")},
                "period": 5 if overtime else 4,
                "time": "Final",
                "home_team": game.home.bdl_object(),
                "visitor_team": game.away.bdl_object(),
            }
        )
        for side, team in (("away", game.away), ("home", game.home)):
            for row in box[side]:
                stats.append({**row, "team": team.bdl_object(), "game": game_ref})
        for team in (game.home, game.away):
            team.game_dates.append(day)

    writer.write(f"balldontlie/{d}/games.json", {"data": bdl_games, "meta": {"per_page": PAGE_SIZE}})
    for i, row in enumerate(stats):
        row["id"] = 900_000_000 + counts["box_score_rows"] + i + 1
    pages = [stats[i : i + PAGE_SIZE] for i in range(0, len(stats), PAGE_SIZE)]
    for n, page in enumerate(pages, start=1):
        next_cursor = page[-1]["id"] if n < len(pages) else None
        writer.write(
            f"balldontlie/{d}/stats_page_{n:03d}.json",
            {"data": page, "meta": {"next_cursor": next_cursor, "per_page": PAGE_SIZE}},
        )
    writer.write(f"nbacom/{d}/scoreboard.json", {"scoreboard": {"gameDate": d, "games": scoreboard}})
    report_time = datetime.combine(day, time(17, 30), tzinfo=UTC)
    writer.write(
        f"nbacom/{d}/injury_report.json",
        {"reportTime": iso_z(report_time), "gameDate": d, "injuries": injuries},
    )
    writer.write(f"odds_api/{d}/events.json", events)
    for game in games:
        for snapshot, which in ((OPENING_SNAPSHOT, 0), (PREGAME_SNAPSHOT, 1)):
            at = datetime.combine(day, snapshot, tzinfo=UTC)
            body = _event_odds(game, at, book_lines[game.event_id], which, book_seeds[game.event_id], counts)
            writer.write(
                f"odds_api/{d}/event_{game.event_id}_odds_{snapshot.strftime('%H%M')}Z.json",
                {
                    "timestamp": iso_z(at),
                    "previous_timestamp": iso_z(at - timedelta(minutes=5)),
                    "next_timestamp": iso_z(at + timedelta(minutes=5)),
                    "data": body,
                },
            )
    counts["games"] += len(games)
    counts["box_score_rows"] += len(stats)
    counts["injury_rows"] += len(injuries)
    counts["stats_pages"] += len(pages)


def _scoreboard_game(game: Game) -> dict[str, Any]:
    def side(team: Team) -> dict[str, Any]:
        return {
            "teamId": team.nba_id,
            "teamName": team.nickname,
            "teamCity": team.city,
            "teamTricode": team.abbr,
            "wins": team.wins,
            "losses": team.losses,
            "score": 0,
        }

    et = game.tipoff_et
    return {
        "gameId": game.nba_id,
        "gameCode": f"{game.day.strftime('%Y%m%d')}/{game.away.abbr}{game.home.abbr}",
        "gameStatus": 1,
        "gameStatusText": f"{et.hour - 12}:{et.minute:02d} pm ET",
        "gameTimeUTC": iso_z(game.tipoff_utc),
        "gameEt": et.strftime("%Y-%m-%dT%H:%M:%S"),
        "homeTeam": side(game.home),
        "awayTeam": side(game.away),
    }


def _event(game: Game) -> dict[str, Any]:
    return {
        "id": game.event_id,
        "sport_key": "basketball_nba",
        "sport_title": "NBA",
        "commence_time": iso_z(game.tipoff_utc),
        "home_team": game.home.full_name,
        "away_team": game.away.full_name,
    }


@dataclass
class _Consensus:
    """The market's view of one player-game in one market: the generator's expectation and spread, and the
    consensus means (the expectation plus the market's error) at the opening and pre-game snapshots."""

    player: Player
    market: str
    mean: float
    variance: float
    opening: float
    close: float


def _consensus(
    game: Game,
    league: League,
    report: dict[int, tuple[str, str, bool]],
    exp: dict[int, _Expectation],
    rng: np.random.Generator,
) -> list[_Consensus]:
    """The markets hung on a game's players (rotation players who are not ruled out; most game-time decisions),
    each centred on the generator's own expected outcome. The pre-game error is small (MARKET_ERROR standard
    deviations of the outcome), the opening one larger (injury news is not in yet).

    The draws come from the league's stream, which the box scores drawn after them share: one per game-time
    decision and two per market hung, as many as the generator has always drawn here, so that the seed's
    schedule, injuries and box scores stay what they were before the market was priced this way."""
    rows = []
    for team in (game.home, game.away):
        for p in league.roster(team):
            status = report.get(p.id, ("Available", "", True))[0]
            if p.mean_minutes < LINE_MIN_MINUTES or status in ("Out", "Doubtful") or p.id not in exp:
                continue
            if status == "Questionable" and rng.random() < 0.3:
                continue
            e = exp[p.id]
            for market in MARKETS:
                mean, variance = e.market(p, market), e.variance(p, market)
                # a threes line is hung for a shooter: 0.8 or more at his minutes before the game's rescaling
                if market == "player_threes" and mean * e.minutes / e.played < 0.8:
                    continue
                sd = math.sqrt(variance)
                close = mean + MARKET_ERROR * sd * float(rng.normal())
                opening = close + OPENING_ERROR * sd * float(rng.normal())
                rows.append(_Consensus(p, market, mean, variance, max(opening, 0.1), max(close, 0.1)))
    return rows


def _event_odds(
    game: Game,
    at: datetime,
    consensus: list[_Consensus],
    which: int,
    book_seed: int,
    counts: dict[str, int],
) -> dict[str, Any]:
    # the books, their markets and their own deviations are fixed per game: both snapshots replay the same draw
    book_rng = np.random.default_rng(book_seed)
    n_books = int(book_rng.integers(4, 7))
    books = [BOOKS[int(i)] for i in sorted(book_rng.choice(len(BOOKS), size=n_books, replace=False))]
    bookmakers = []
    for key, title in books:
        shade = float(book_rng.normal(*BOOK_SHADE))
        offered = [m for m in MARKETS if m == "player_points" or book_rng.random() < 0.75]
        markets = []
        for market in offered:
            outcomes = []
            for c in consensus:
                if c.market != market:
                    continue
                skipped, deviation = book_rng.random() < 0.06, float(book_rng.normal(0, BOOK_ERROR))
                if skipped:
                    continue
                # the book's view: the consensus, its own deviation and its shading, in outcome sds; the
                # spread of outcomes scales with the mean (a rate times minutes)
                consensus_mean = c.opening if which == 0 else c.close
                mean = max(consensus_mean + (shade + deviation) * math.sqrt(c.variance), 0.05)
                line, p_over = quote(mean, c.variance * mean / c.mean)
                for side, prob in (("Over", p_over), ("Under", 1 - p_over)):
                    outcomes.append(
                        {
                            "name": side,
                            "description": c.player.book_name,
                            "price": american_price(prob * VIG),
                            "point": line,
                        }
                    )
            if outcomes:
                stamp = at - timedelta(minutes=int(book_rng.integers(1, 20)))
                markets.append({"key": market, "last_update": iso_z(stamp), "outcomes": outcomes})
                counts["prop_outcome_rows"] += len(outcomes)
                counts["prop_line_rows"] += len(outcomes) // 2
        if markets:
            bookmakers.append(
                {
                    "key": key,
                    "title": title,
                    "markets": markets,
                    "last_update": max(m["last_update"] for m in markets),
                }
            )
    return {**_event(game), "bookmakers": bookmakers}
