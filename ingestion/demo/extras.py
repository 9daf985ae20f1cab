"""Demo landing files of the second wave of providers, consistent with the simulated league.

* Basketball-Reference team roster pages (`bref/<date>/roster_<TEAM>.html`): each team's 15 players with
  the names the box scores use, a listed position, height, weight, birth date, experience and college.
  All 30 teams are scraped on the window's first game day and then every Monday.
* BigDataBall-style play-by-play (`bigdataball/<date>/pbp_<nba game id>.csv`), one file per game, built
  from the box score that the generator has just written: every player's FGA/FGM, 3PA/3PM and FTA/FTM are
  there as shot and free-throw events (3PA from 22-28 ft, 2PA spread over the restricted area, the paint
  and mid-range), his OREB/DREB as rebounds, his turnovers and fouls, and assists on made shots. The
  running score ends at the final score.

The box scores draw rebounds independently of misses, so a team's players may have more rebounds than
there are misses to rebound; such rebounds are still written (the totals match the box score) but stand on
their own between possessions instead of following a miss.

Everything is drawn from generators seeded by (seed, game or player), never from the main simulation's
random stream: adding these files leaves every other demo file byte-identical.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape
from typing import Any

import numpy as np

from ingestion.bref import MONTH_NAMES
from ingestion.demo.league import Game, League, Player, Team, ascii_fold
from ingestion.landing import LandingWriter

SEASON = "2025-26"
SEASON_OPENER = date(2025, 10, 21)
ROSTER_SALT = 0xB4EF
PBP_SALT = 0xB16D
PERIOD_SECONDS = 12 * 60
OVERTIME_SECONDS = 5 * 60

PBP_COLUMNS = (
    "game_id",
    "date",
    "period",
    "away_score",
    "home_score",
    "remaining_time",
    "elapsed",
    "play_id",
    "team",
    "event_type",
    "assist",
    "player",
    "result",
    "points",
    "type",
    "shot_distance",
    "original_x",
    "original_y",
    "description",
)

BREF_POSITIONS = {"G": ("PG", "SG"), "F": ("SF", "PF"), "C": ("C",), "G-F": ("SG", "SF"), "F-C": ("PF", "C")}
COLLEGES = (
    "Duke",
    "Kentucky",
    "Kansas",
    "UCLA",
    "North Carolina",
    "Gonzaga",
    "Villanova",
    "Arizona",
    "Michigan State",
    "Baylor",
    "Texas",
    "Alabama",
    "Houston",
    "UConn",
    "Tennessee",
    "Arkansas",
    "Auburn",
    "Memphis",
    "Oregon",
    "USC",
    "Florida",
    "Iowa State",
    "Marquette",
    "Creighton",
    "Virginia",
    "Wake Forest",
    "Stanford",
    "Indiana",
    "Ohio State",
    "Purdue",
    "LSU",
    "Texas A&M",
    "St. John's",
    "Saint Mary's",
)
COUNTRIES = ("fr", "rs", "es", "de", "ca", "au", "ng", "si", "lv", "hr", "dk", "br", "gr", "tr", "cm", "lt")

# 2-point attempts by zone (restricted area, paint, mid-range) and how often each zone goes in
ZONE_MIX = {"big": (0.56, 0.30, 0.14), "guard": (0.32, 0.30, 0.38), "wing": (0.42, 0.30, 0.28)}
ZONE_MAKE_WEIGHT = (0.66, 0.43, 0.41)
SHOT_TYPES = {
    "restricted_area": ("layup", "driving layup", "dunk", "cutting layup", "reverse layup", "tip layup"),
    "paint": ("floating jump shot", "hook shot", "driving floating jump shot", "turnaround hook shot", "jump shot"),
    "mid_range": ("jump shot", "pullup jump shot", "step back jump shot", "fadeaway jump shot", "turnaround jump shot"),
    "three": ("3pt jump shot", "3pt pullup jump shot", "3pt step back jump shot", "3pt running jump shot"),
}
TURNOVER_TYPES = ("bad pass", "lost ball", "traveling", "out of bounds lost ball", "offensive foul", "shot clock")


def write_extras(
    day: date, games: list[Game], league: League, writer: LandingWriter, seed: int, counts: dict[str, int]
) -> None:
    """Write the day's roster pages (first game day of the window, then Mondays) and play-by-play files.

    Called by generate_demo right after the day's box scores are written; reads them back from there."""
    if counts.get("roster_pages", 0) == 0 or day.weekday() == 0:
        bios = _bios(league, seed)
        for team in league.teams:
            roster = league.roster(team)
            html = roster_page(team, roster, bios, [p for p in roster if p.is_out(day)])
            writer.write_text(f"bref/{day.isoformat()}/roster_{team.abbr}.html", html)
            counts["roster_pages"] = counts.get("roster_pages", 0) + 1
            counts["roster_rows"] = counts.get("roster_rows", 0) + len(roster)
    box = _read_box_scores(writer, day)
    for game in games:
        rows = play_by_play(game, box[game.bdl_id], seed)
        writer.write_text(f"bigdataball/{day.isoformat()}/pbp_{game.nba_id}.csv", _csv(rows))
        counts["pbp_files"] = counts.get("pbp_files", 0) + 1
        counts["pbp_rows"] = counts.get("pbp_rows", 0) + len(rows)


# -- Basketball-Reference rosters ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Bio:
    slug: str
    position: str
    birth_date: date
    experience: int
    college: str
    country: str


# letters that do not decompose into a base letter and an accent
TRANSLITERATE = str.maketrans({"ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "æ": "ae", "ß": "ss"})


def _slug_base(p: Player) -> str:
    """The site's id scheme: five letters of the last name (no suffix), two of the first, ASCII only."""
    last = re.sub(r"\s+(Jr\.|Sr\.|II|III|IV)$", "", p.last_name)
    last_part = re.sub(r"[^a-z]", "", ascii_fold(last.translate(TRANSLITERATE)).lower())[:5]
    first_part = re.sub(r"[^a-z]", "", ascii_fold(p.first_name.translate(TRANSLITERATE)).lower())[:2]
    return last_part + first_part


def _bios(league: League, seed: int) -> dict[int, Bio]:
    """Stable per-player page data: a Basketball-Reference slug ("carteja01") and invented biography."""
    bios: dict[int, Bio] = {}
    taken: Counter[str] = Counter()
    for p in sorted(league.players, key=lambda p: p.id):
        rng = np.random.default_rng([seed, ROSTER_SALT, p.id])
        base = _slug_base(p)
        taken[base] += 1
        choices = BREF_POSITIONS[p.position]
        age_days = int(rng.integers(19 * 365 + 60, 37 * 365))
        birth = SEASON_OPENER - timedelta(days=age_days)
        experience = int(min(max(0, age_days // 365 - 19 - int(rng.integers(0, 3))), 17))
        country = "us" if rng.random() < 0.75 else COUNTRIES[int(rng.integers(len(COUNTRIES)))]
        college = "" if country != "us" and rng.random() < 0.7 else COLLEGES[int(rng.integers(len(COLLEGES)))]
        bios[p.id] = Bio(
            slug=f"{base}{taken[base]:02d}",
            position=choices[int(rng.integers(len(choices)))],
            birth_date=birth,
            experience=experience,
            college=college,
            country=country,
        )
    return bios


def _code(college: str) -> str:
    return re.sub(r"[^a-z]", "", college.lower())


def _cell(tag: str, stat: str, text: str, css: str = "left", extra: str = "") -> str:
    head = ' scope="row"' if tag == "th" else ""
    return f'<{tag}{head} class="{css} " data-stat="{stat}"{extra}>{text}</{tag}>'


def roster_page(team: Team, roster: list[Player], bios: dict[int, Bio], injured: list[Player]) -> str:
    """A team roster page as scraped: the `roster` table, and (as on the site) other tables in comments."""
    rows = []
    for p in sorted(roster, key=lambda p: (int(p.jersey), p.last_name)):
        bio = bios[p.id]
        name = escape(f"{p.first_name} {p.last_name}")
        feet, inches = (int(x) for x in p.height.split("-"))
        born = bio.birth_date
        college = escape(bio.college)
        sort_key = f"{escape(ascii_fold(p.last_name))},{escape(ascii_fold(p.first_name))}"
        college_link = f'<a href="/friv/colleges.fcgi?college={_code(bio.college)}">{college}</a>' if college else ""
        cells = [
            _cell("th", "number", p.jersey, "center"),
            _cell(
                "td",
                "player",
                f'<a href="/players/{bio.slug[0]}/{bio.slug}.html">{name}</a>',
                extra=f' data-append-csv="{bio.slug}" csk="{sort_key}"',
            ),
            _cell("td", "pos", bio.position, "center"),
            _cell("td", "height", p.height, "right", f' csk="{feet * 12 + inches}.0"'),
            _cell("td", "weight", p.weight, "right"),
            _cell(
                "td",
                "birth_date",
                f"{MONTH_NAMES[born.month - 1]} {born.day}, {born.year}",
                extra=f' csk="{born.strftime("%Y%m%d")}"',
            ),
            _cell("td", "flag", f'<span class="f-i f-{bio.country}">{bio.country}</span>', "center"),
            _cell("td", "years_experience", "R" if bio.experience == 0 else str(bio.experience), "right"),
            _cell("td", "college", college_link),
        ]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    header = "".join(
        f'<th aria-label="{label or "Country"}" data-stat="{stat}" scope="col" class=" poptip center">{label}</th>'
        for stat, label in (
            ("number", "No."),
            ("player", "Player"),
            ("pos", "Pos"),
            ("height", "Ht"),
            ("weight", "Wt"),
            ("birth_date", "Birth Date"),
            ("flag", ""),
            ("years_experience", "Exp"),
            ("college", "College"),
        )
    )
    injuries = "".join(
        f'<tr><th scope="row" class="left " data-stat="player">{escape(f"{p.first_name} {p.last_name}")}</th>'
        f'<td class="left " data-stat="note">Out ({escape(p.injury_reason.split(" - ")[-1])})</td></tr>'
        for p in injured
    )
    title = f"{SEASON} {escape(team.full_name)} Roster and Stats"
    return (
        '<!DOCTYPE html>\n<html data-version="klecko-" lang="en"><head><meta charset="utf-8">'
        f"<title>{title} | Basketball-Reference.com</title></head>\n"
        f'<body><div id="wrap"><div id="info"><h1><span>{SEASON}</span> <span>{escape(team.full_name)}</span> '
        "<span>Roster and Stats</span></h1></div>\n"
        '<div id="content"><div class="table_wrapper" id="all_roster"><div class="section_heading"><h2>Roster</h2>'
        '</div><div class="table_container" id="div_roster">\n'
        '<table class="sortable stats_table" id="roster" data-cols-to-freeze=",2"><caption>Roster Table</caption>\n'
        f"<thead><tr>{header}</tr></thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody></table></div></div>\n"
        '<div class="table_wrapper setup_commented commented" id="all_injuries"><div class="placeholder"></div>\n'
        '<!--\n<table class="suppress_all stats_table" id="injuries"><caption>Injury Report</caption>'
        f"<tbody>{injuries}</tbody></table>\n-->\n</div></div></div></body></html>\n"
    )


# -- BigDataBall play-by-play -------------------------------------------------------------------------------
def _read_box_scores(writer: LandingWriter, day: date) -> dict[int, list[dict[str, Any]]]:
    folder = writer.root / "balldontlie" / day.isoformat()
    by_game: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for page in sorted(folder.glob("stats_page_*.json")):
        for row in json.loads(page.read_text(encoding="utf-8"))["data"]:
            by_game[row["game"]["id"]].append(row)
    overtime = {g["id"]: g["period"] > 4 for g in json.loads((folder / "games.json").read_text("utf-8"))["data"]}
    for game_id, rows in by_game.items():
        for row in rows:
            row["_overtime"] = overtime[game_id]
    return by_game


@dataclass
class _Shot:
    shooter: int  # index into the game's box rows
    value: int
    distance: int
    x: int
    y: int
    shot_type: str
    made: bool = False
    and_one: bool = False
    assist: int | None = None


@dataclass
class _Item:
    """A possession's events for one team (a shot, a free-throw trip, a turnover), or a loose event (a
    technical free throw, a personal foul, a rebound that follows no miss)."""

    kind: str  # shot, trip, turnover, technical, foul, rebound
    player: int | None
    side: str
    shot: _Shot | None = None
    free_throws: list[bool] = field(default_factory=list)
    rebound: tuple[str, int | None] | None = None  # (offensive | defensive, rebounder index; None: team)
    fouler: int | None = None
    detail: str = ""

    @property
    def missed_live(self) -> bool:
        """Ends in a missed shot that someone has to rebound."""
        if self.kind == "shot" and self.shot is not None:
            return not self.shot.made or (self.shot.and_one and not self.free_throws[-1])
        return self.kind == "trip" and not self.free_throws[-1]

    @property
    def keeps_ball(self) -> bool:
        return self.missed_live and self.rebound is not None and self.rebound[0] == "offensive"


TWO_ZONES = ("restricted_area", "paint", "mid_range")
# feet from the hoop and the widest angle off the hoop's axis (radians) of each 2-point zone
ZONE_GEOMETRY = {"restricted_area": (0.0, 3.8, math.pi / 2), "paint": (4.1, 13.9, 1.2), "mid_range": (14.1, 21.8, 1.5)}


def _shots(rng: np.random.Generator, i: int, row: dict[str, Any]) -> list[_Shot]:
    """A player's field-goal attempts of the box score: where from (court coordinates in tenths of feet from
    the hoop, NBA stats convention), what kind, and which went in."""
    position = row["player"]["position"] or "F"
    kind = "big" if position in ("C", "F-C") else "guard" if position.startswith("G") else "wing"
    twos, threes = row["fga"] - row["fg3a"], row["fg3a"]
    zones = [TWO_ZONES[z] for z in rng.choice(3, size=twos, p=ZONE_MIX[kind]).tolist()] + ["three"] * threes
    draws = rng.random((len(zones), 4)).tolist()
    stretch = rng.gamma(2.0, 0.8, len(zones)).tolist()
    shots = []
    for zone, (a, b, c, d), extra in zip(zones, draws, stretch, strict=True):
        if zone == "three" and a < 0.27:  # corner three: 22 ft and a bit
            x, y = (1 if b < 0.5 else -1) * (221 + int(c * 15)), -40 + int(d * 130)
        else:
            if zone == "three":
                feet = min(23.8 + extra, 28.9)
                limit = math.asin(min(1.0, 220 / (10 * feet)))
            else:
                low, high, limit = ZONE_GEOMETRY[zone]
                feet = low + b * (high - low)
            angle = limit * (2 * c - 1)
            x, y = int(round(10 * feet * math.sin(angle))), int(round(10 * feet * math.cos(angle)))
        types = SHOT_TYPES[zone]
        shot_type = types[int(d * len(types)) if zone != "three" or a >= 0.27 else int(a / 0.27 * len(types))]
        shots.append(_Shot(i, 3 if zone == "three" else 2, int(math.hypot(x, y) / 10), x, y, shot_type))
    made_twos = row["fgm"] - row["fg3m"]
    if made_twos:  # close shots go in more often
        weights = np.array([ZONE_MAKE_WEIGHT[TWO_ZONES.index(z)] for z in zones[:twos]])
        for k in rng.choice(twos, size=made_twos, replace=False, p=weights / weights.sum()).tolist():
            shots[k].made = True
    if row["fg3m"]:
        for k in rng.choice(threes, size=row["fg3m"], replace=False).tolist():
            shots[twos + k].made = True
    return shots


def _player_items(rng: np.random.Generator, i: int, row: dict[str, Any], side: str) -> list[_Item]:
    items = [_Item("shot", i, side, shot=s) for s in _shots(rng, i, row)]
    # free throws: the made ones spread at random over the attempts, taken in trips of two; an odd one is an
    # and-one after a made basket (a technical when he made none)
    throws = [True] * row["ftm"] + [False] * (row["fta"] - row["ftm"])
    rng.shuffle(throws)
    if len(throws) % 2:
        made = [it for it in items if it.shot is not None and it.shot.made]
        if made:
            it = made[int(rng.integers(len(made)))]
            it.shot.and_one = True  # type: ignore[union-attr]
            it.free_throws = [throws.pop()]
        else:
            items.append(_Item("technical", i, side, free_throws=[throws.pop()]))
    items += [_Item("trip", i, side, free_throws=throws[k : k + 2]) for k in range(0, len(throws), 2)]
    turnover_types = rng.integers(len(TURNOVER_TYPES), size=row["turnover"]).tolist()
    items += [_Item("turnover", i, side, detail=TURNOVER_TYPES[k]) for k in turnover_types]
    return items


def _pool(rows: list[tuple[int, dict[str, Any]]], key: str, rng: np.random.Generator) -> list[int]:
    pool = [i for i, r in rows for _ in range(r[key])]
    rng.shuffle(pool)
    return pool


def play_by_play(game: Game, box: list[dict[str, Any]], seed: int) -> list[list[Any]]:
    """The game's play-by-play rows (values in PBP_COLUMNS order), consistent with its box score `box`."""
    rng = np.random.default_rng([seed, PBP_SALT, game.seq])
    other = {"home": "away", "away": "home"}
    side_of = ["home" if r["team"]["abbreviation"] == game.home.abbr else "away" for r in box]
    members = {s: [(i, r) for i, r in enumerate(box) if side_of[i] == s] for s in other}
    items: dict[str, list[_Item]] = {s: [] for s in other}
    loose: list[_Item] = []
    for s in other:
        for i, row in members[s]:
            for it in _player_items(rng, i, row, s):
                (loose if it.kind == "technical" else items[s]).append(it)
        items[s] = [items[s][k] for k in rng.permutation(len(items[s])).tolist()]

    # rebounds: a team's misses go to its offensive rebounders and to the opponent's defensive ones (the
    # rest are team rebounds); rebounders left over once the misses run out get loose rebounds
    for s in other:
        misses = [it for it in items[s] if it.missed_live]
        offensive, defensive = _pool(members[s], "oreb", rng), _pool(members[other[s]], "dreb", rng)
        n_off, n_def = len(offensive), len(defensive)
        if n_off + n_def > len(misses):
            n_off = min(n_off, round(len(misses) * n_off / (n_off + n_def)))
            n_def = min(n_def, len(misses) - n_off)
        for rank, k in enumerate(rng.permutation(len(misses)).tolist()):
            if rank < n_off:
                misses[k].rebound = ("offensive", offensive[rank])
            elif rank < n_off + n_def:
                misses[k].rebound = ("defensive", defensive[rank - n_off])
            else:
                misses[k].rebound = ("defensive" if rng.random() < 0.7 else "offensive", None)
        loose += [_Item("rebound", r, s, rebound=("offensive", r)) for r in offensive[n_off:]]
        loose += [_Item("rebound", r, other[s], rebound=("defensive", r)) for r in defensive[n_def:]]

    # fouls: shooting fouls on free-throw trips and and-ones, the rest personal fouls between possessions
    for s in other:
        fouls = _pool(members[other[s]], "pf", rng)
        for it in items[s]:
            if fouls and (it.kind == "trip" or (it.shot is not None and it.shot.and_one)):
                it.fouler = fouls.pop()
        loose += [_Item("foul", f, other[s], detail="personal") for f in fouls]

    # assists on made baskets by a teammate, as many as his box score gives him (while any are left)
    for s in other:
        made = [it.shot for it in items[s] if it.shot is not None and it.shot.made]
        for i, row in sorted(members[s], key=lambda m: -m[1]["ast"]):
            open_shots = [sh for sh in made if sh.assist is None and sh.shooter != i]
            for k in rng.permutation(len(open_shots))[: row["ast"]].tolist():
                open_shots[k].assist = i

    # possessions alternate and an offensive rebound keeps the ball; the team with more possessions left now
    # and then keeps it anyway, so that neither team is left with a run of possessions at the end
    order: list[_Item] = []
    queues = {s: deque(items[s]) for s in other}
    turns = {s: sum(not it.keeps_ball for it in items[s]) for s in other}
    current = "home" if rng.random() < 0.5 else "away"
    while queues["home"] or queues["away"]:
        if not queues[current]:
            current = other[current]
        it = queues[current].popleft()
        order.append(it)
        if it.keeps_ball:
            continue
        turns[current] -= 1
        surplus = turns[current] - turns[other[current]]
        if surplus <= 0 or rng.random() > surplus / (turns[current] + turns[other[current]] + 1):
            current = other[current]
    for it in loose:
        order.insert(int(rng.integers(len(order) + 1)), it)
    return _Timeline(game, box, bool(box and box[0]["_overtime"])).rows(order, rng)


def _clock(seconds: int) -> str:
    return f"0:{seconds // 60:02d}:{seconds % 60:02d}"


def _ordinal(period: int) -> str:
    if period > 4:
        return f"{period - 4}{('st', 'nd', 'rd', 'th')[min(period - 5, 3)]} OT"
    return f"{period}{('st', 'nd', 'rd', 'th')[period - 1]} Period"


class _Timeline:
    """Turns the ordered items into play-by-play rows: clock, running score, running player tallies."""

    def __init__(self, game: Game, box: list[dict[str, Any]], overtime: bool) -> None:
        self.game = game
        self.sides = {"home": game.home.abbr, "away": game.away.abbr}
        self.nickname = {"home": game.home.nickname, "away": game.away.nickname}
        self.names = [f"{r['player']['first_name']} {r['player']['last_name']}" for r in box]
        self.last = [r["player"]["last_name"] for r in box]
        self.periods = [(k * PERIOD_SECONDS, PERIOD_SECONDS) for k in range(4)]
        if overtime:
            self.periods.append((4 * PERIOD_SECONDS, OVERTIME_SECONDS))
        self.score = {"home": 0, "away": 0}
        self.tally: dict[str, Counter[int]] = defaultdict(Counter)
        self.team_tally: Counter[tuple[str, str, int]] = Counter()
        self.out: list[list[Any]] = []
        self.period = 0

    @property
    def total(self) -> int:
        return sum(length for _, length in self.periods)

    def emit(self, t: int, side: str | None, event_type: str, description: str, player: str = "", **extra: Any) -> None:
        start, length = self.periods[self.period - 1]
        t = min(max(t, start), start + length)
        self.out.append(
            [
                self.game.nba_id,
                self.game.day.isoformat(),
                self.period,
                self.score["away"],
                self.score["home"],
                _clock(start + length - t),
                _clock(t - start),
                len(self.out) + 1,
                self.sides[side] if side else "",
                event_type,
                extra.get("assist", ""),
                player,
                extra.get("result", ""),
                extra.get("points", ""),
                extra.get("kind", ""),
                extra.get("distance", ""),
                extra.get("x", ""),
                extra.get("y", ""),
                description,
            ]
        )

    def advance(self, t: int) -> None:
        """Close and open periods up to the one holding second `t`."""
        while self.period < len(self.periods):
            if self.period:
                start, length = self.periods[self.period - 1]
                if t < start + length:
                    return
                self.emit(start + length, None, "end of period", f"End of {_ordinal(self.period)}")
            self.period += 1
            self.emit(self.periods[self.period - 1][0], None, "start of period", f"Start of {_ordinal(self.period)}")

    def free_throws(self, t: int, it: _Item) -> None:
        p = it.player
        assert p is not None
        for k, made in enumerate(it.free_throws, start=1):
            label = "technical" if it.kind == "technical" else f"{k} of {len(it.free_throws)}"
            if made:
                self.score[it.side] += 1
                self.tally["pts"][p] += 1
            text = f"{self.last[p]} Free Throw {label.title() if label == 'technical' else label}"
            self.emit(
                t,
                it.side,
                "free throw",
                f"{text} ({self.tally['pts'][p]} PTS)" if made else f"MISS {text}",
                self.names[p],
                result="made" if made else "missed",
                points=1 if made else 0,
                kind=f"free throw {label}",
            )

    def foul(self, t: int, side: str, p: int, kind: str) -> None:
        self.tally["pf"][p] += 1
        self.team_tally[(side, "pf", self.period)] += 1
        n, team_n = self.tally["pf"][p], self.team_tally[(side, "pf", self.period)]
        label = "S.FOUL" if kind == "shooting" else "P.FOUL"
        self.emit(t, side, "foul", f"{self.last[p]} {label} (P{n}.T{team_n})", self.names[p], kind=kind)

    def rebound(self, t: int, side: str, kind: str, p: int | None) -> None:
        if p is None:
            self.emit(t, side, "rebound", f"{self.nickname[side]} Rebound", kind=f"team rebound {kind}")
            return
        self.tally[kind][p] += 1
        off, deff = self.tally["offensive"][p], self.tally["defensive"][p]
        self.emit(
            t, side, "rebound", f"{self.last[p]} REBOUND (Off:{off} Def:{deff})", self.names[p], kind=f"rebound {kind}"
        )

    def shot(self, t: int, it: _Item, sh: _Shot) -> None:
        p, opponent = sh.shooter, "home" if it.side == "away" else "away"
        label = f"3PT {sh.shot_type[4:].title()}" if sh.value == 3 else sh.shot_type.title()
        where = dict(kind=sh.shot_type, distance=sh.distance, x=sh.x, y=sh.y)
        if not sh.made:
            text = f"MISS {self.last[p]} {sh.distance}' {label}"
            self.emit(t, it.side, "miss", text, self.names[p], result="missed", points=0, **where)
            return
        self.score[it.side] += sh.value
        self.tally["pts"][p] += sh.value
        text = f"{self.last[p]} {sh.distance}' {label} ({self.tally['pts'][p]} PTS)"
        assist = ""
        if sh.assist is not None:
            self.tally["ast"][sh.assist] += 1
            text += f" ({self.last[sh.assist]} {self.tally['ast'][sh.assist]} AST)"
            assist = self.names[sh.assist]
        self.emit(t, it.side, "shot", text, self.names[p], assist=assist, result="made", points=sh.value, **where)
        if sh.and_one:
            if it.fouler is not None:
                self.foul(t, opponent, it.fouler, "shooting")
            self.free_throws(t, it)

    def rows(self, order: list[_Item], rng: np.random.Generator) -> list[list[Any]]:
        starts = sorted(rng.integers(3, self.total - 3, size=len(order)).tolist())
        for j, (it, t) in enumerate(zip(order, starts, strict=True)):
            self.advance(t)
            until = starts[j + 1] if j + 1 < len(starts) else self.total
            opponent = "home" if it.side == "away" else "away"
            if it.shot is not None:
                self.shot(t, it, it.shot)
            elif it.kind == "trip":
                if it.fouler is not None:
                    self.foul(t, opponent, it.fouler, "shooting")
                self.free_throws(t, it)
            elif it.kind == "technical":
                self.free_throws(t, it)
            elif it.kind == "turnover" and it.player is not None:
                p = it.player
                self.tally["tov"][p] += 1
                self.team_tally[(it.side, "tov", 0)] += 1
                n, team_n = self.tally["tov"][p], self.team_tally[(it.side, "tov", 0)]
                text = f"{self.last[p]} {it.detail.title()} Turnover (P{n}.T{team_n})"
                self.emit(t, it.side, "turnover", text, self.names[p], kind=it.detail)
            elif it.kind == "foul" and it.player is not None:
                self.foul(t, it.side, it.player, it.detail)
            elif it.kind == "rebound" and it.rebound is not None:
                self.rebound(t, it.side, *it.rebound)
            if it.kind != "rebound" and it.missed_live and it.rebound is not None:
                kind, who = it.rebound
                later = min(t + int(rng.integers(1, 4)), until)
                self.rebound(later, it.side if kind == "offensive" else opponent, kind, who)
        self.advance(self.total)
        end = self.periods[-1][0] + self.periods[-1][1]
        self.emit(end, None, "end of period", f"End of {_ordinal(self.period)}")
        return self.out


def _csv(rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(PBP_COLUMNS)
    writer.writerows(rows)
    return out.getvalue()
