"""The demo's simulated league: teams, rosters, schedule and injuries (see generator.py for how it behaves).

Shared by the generator (box scores, injury reports, odds) and extras.py (rosters, play-by-play), so that
neither imports the other's internals.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np

from ingestion.landing import EASTERN
from ingestion.teams import bdl_team_object, load_teams

ROSTER_SIZE = 15
# a roster's minute profile (starters first); actual minutes are rescaled to 240 (265 with overtime)
MINUTE_PROFILE = (34.5, 33.0, 31.5, 30.0, 28.0, 25.0, 22.0, 19.5, 17.0, 13.0, 9.0, 6.0, 4.5, 3.0, 2.0)
TIPOFFS_ET = ((19, 0), (19, 30), (20, 0), (20, 30), (21, 0), (22, 0), (22, 30))
TIPOFF_WEIGHTS = (0.22, 0.30, 0.16, 0.08, 0.08, 0.10, 0.06)
GAMES_PER_NIGHT = tuple(range(3, 13))
GAMES_PER_NIGHT_WEIGHTS = (1, 2, 3, 4, 5, 5, 4, 3, 2, 1)

FIRST_NAMES = (
    "Jalen",
    "Marcus",
    "Tyrese",
    "Darius",
    "Jaylen",
    "Devin",
    "Keegan",
    "Malik",
    "Isaiah",
    "Cam",
    "Trey",
    "Jordan",
    "Andre",
    "Cole",
    "Miles",
    "Derrick",
    "Evan",
    "Caleb",
    "Quentin",
    "Xavier",
    "Brandon",
    "Terrence",
    "Aaron",
    "Nate",
    "Jamal",
    "Dante",
    "Kobe",
    "Reggie",
    "Julian",
    "Mason",
    "Luka",
    "Nikola",
    "Bogdan",
    "José",
    "Andrés",
    "Théo",
    "Søren",
    "Dāvis",
    "Killian",
    "Ousmane",
    "Moussa",
    "Kai",
    "Ayo",
    "Tari",
    "Jonas",
    "Franz",
    "Dillon",
    "Grant",
    "Zach",
    "Corey",
    "Shai",
    "Immanuel",
    "Walker",
    "Bennedict",
    "Scoot",
    "Amen",
    "Ausar",
    "Jabari",
    "Onyeka",
    "Dyson",
)
LAST_NAMES = (
    "Carter",
    "Whitfield",
    "Haliburton",
    "Greene",
    "Brooks",
    "Mitchell",
    "Ellison",
    "Hayes",
    "Porter",
    "Holloway",
    "Bridges",
    "Sutton",
    "Reaves",
    "Barnett",
    "Coleman",
    "Dawson",
    "Fletcher",
    "Garrison",
    "Hinton",
    "Ingram",
    "Jennings",
    "Kessler",
    "Lowry",
    "Maxwell",
    "Nance",
    "Okafor",
    "Pritchard",
    "Quarles",
    "Randle",
    "Simmons",
    "Thornton",
    "Underwood",
    "Vance",
    "Wallace",
    "Yates",
    "Zeller",
    "Marković",
    "Petrović",
    "Jiménez",
    "Núñez",
    "Müller",
    "Šimić",
    "Bertāns",
    "Dončević",
    "Ibáñez",
    "Gobért",
    "Sørensen",
    "Almeida",
    "Diallo",
    "Traoré",
    "Okoro",
    "Adebayo",
    "Nwankwo",
    "Achiuwa",
    "Murray",
    "Daniels",
    "Edwards",
    "Franklin",
    "Gordon",
    "Harper",
    "Jackson",
    "Kennard",
    "Lively",
    "Mathurin",
    "Nesmith",
    "Oubrey",
    "Payton",
    "Rollins",
    "Strus",
    "Tate",
)
SUFFIXES = ("Jr.", "Jr.", "Jr.", "III", "II")
INJURY_REASONS = (
    "Injury/Illness - Left Ankle; Sprain",
    "Injury/Illness - Right Ankle; Sprain",
    "Injury/Illness - Left Hamstring; Strain",
    "Injury/Illness - Right Knee; Soreness",
    "Injury/Illness - Lower Back; Spasms",
    "Injury/Illness - Left Calf; Strain",
    "Injury/Illness - Right Foot; Contusion",
    "Injury/Illness - Illness",
    "Injury/Illness - Right Hand; Fracture",
    "Injury/Illness - Left Shoulder; Soreness",
)
# statuses on the report for a player who may play, with the chance that he does
GAME_TIME_DECISIONS = {"Doubtful": 0.15, "Questionable": 0.65, "Probable": 0.93}


@dataclass
class Team:
    abbr: str
    full_name: str
    city: str
    nickname: str
    conference: str
    division: str
    bdl_id: int
    nba_id: int
    offense: float = 1.0
    defense: float = 1.0  # multiplies the opponent's scoring
    wins: int = 0
    losses: int = 0
    game_dates: list[date] = field(default_factory=list)
    home_games: int = 0

    def bdl_object(self) -> dict[str, Any]:
        return bdl_team_object(self)

    def played_on(self, day: date) -> bool:
        return bool(self.game_dates) and day in self.game_dates[-2:]


@dataclass
class Player:
    id: int
    first_name: str
    last_name: str
    team: Team
    position: str
    height: str
    weight: str
    jersey: str
    mean_minutes: float
    points_per_minute: float
    three_share: float  # 3PA / FGA
    two_pct: float
    three_pct: float
    free_throw_rate: float  # FTA / FGA
    free_throw_pct: float
    rebounds_per_minute: float
    offensive_rebound_share: float
    assists_per_minute: float
    blocks_per_minute: float
    out_until: date | None = None  # out through the day before this date
    injury_reason: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def report_name(self) -> str:
        """The official injury report's "Last, First"."""
        return f"{self.last_name}, {self.first_name}"

    @property
    def book_name(self) -> str:
        """Sportsbooks (and The Odds API) mostly drop diacritics: "Luka Dončević" -> "Luka Doncevic"."""
        return ascii_fold(self.full_name)

    @property
    def points_per_shot(self) -> float:
        """Expected points per field-goal attempt, free throws included."""
        return (
            (1 - self.three_share) * 2 * self.two_pct
            + self.three_share * 3 * self.three_pct
            + self.free_throw_rate * self.free_throw_pct
        )

    @property
    def points_dispersion(self) -> float:
        """Variance over mean of the points his shots produce (compound Poisson: per field-goal attempt,
        0/2/3 points and a Poisson number of made free throws)."""
        s, made_ft = self.three_share, self.free_throw_rate * self.free_throw_pct
        shot = (1 - s) * 2 * self.two_pct + s * 3 * self.three_pct
        shot_sq = (1 - s) * 4 * self.two_pct + s * 9 * self.three_pct
        return (shot_sq + 2 * shot * made_ft + made_ft + made_ft**2) / self.points_per_shot

    def is_out(self, day: date) -> bool:
        return self.out_until is not None and day < self.out_until


@dataclass
class Game:
    seq: int
    day: date
    home: Team
    away: Team
    tipoff_utc: datetime
    tipoff_et: datetime

    @property
    def bdl_id(self) -> int:
        return 18_400_000 + self.seq

    @property
    def nba_id(self) -> str:
        return f"00225{self.seq:05d}"

    @property
    def event_id(self) -> str:
        return hashlib.md5(f"nba-props-demo-event-{self.seq}".encode()).hexdigest()  # noqa: S324 (an id)


def ascii_fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def thanksgiving(year: int) -> date:
    first = date(year, 11, 1)
    first_thursday = first + timedelta(days=(3 - first.weekday()) % 7)
    return first_thursday + timedelta(weeks=3)


class League:
    """The simulated league: its teams and rosters, each night's schedule and the players' injuries. Every draw
    comes from `rng`, the generator's main stream, in the order the generator has always made them."""

    def __init__(self, rng: np.random.Generator, opening_day: date) -> None:
        self.rng = rng
        self.opening_day = opening_day  # the long-term injuries of the rosters run from this date
        self.teams = self._teams()
        self.players = self._rosters()

    # -- league ---------------------------------------------------------------------------------------------
    def _teams(self) -> list[Team]:
        return [
            Team(
                **asdict(ref),
                offense=float(self.rng.normal(1.0, 0.035)),
                defense=float(self.rng.normal(1.0, 0.03)),
            )
            for ref in load_teams()
        ]

    def _unique_name(self, taken: set[str]) -> tuple[str, str]:
        while True:
            first = FIRST_NAMES[self.rng.integers(len(FIRST_NAMES))]
            last = LAST_NAMES[self.rng.integers(len(LAST_NAMES))]
            # unique even once accents and suffixes are dropped, as name matching across feeds does
            key = ascii_fold(f"{first} {last}").lower()
            if self.rng.random() < 0.06:
                last = f"{last} {SUFFIXES[self.rng.integers(len(SUFFIXES))]}"
            if key not in taken:
                taken.add(key)
                return first, last

    def _rosters(self) -> list[Player]:
        rng = self.rng
        players: list[Player] = []
        taken: set[str] = set()
        next_id = 1001
        for team in self.teams:
            minutes = [max(1.0, m + rng.normal(0, 1.5)) for m in MINUTE_PROFILE]
            starters = ["G", "G", "F", "F", "C"]
            rng.shuffle(starters)
            positions = [*starters, "G", "F", "C", "G", "F", "G-F", "F-C", "G", "F", "C"]
            # usage: one star among the top three, two secondary scorers, role players behind them
            usage = [float(rng.uniform(0.36, 0.55)) for _ in range(ROSTER_SIZE)]
            star = int(rng.integers(3))
            usage[star] = float(rng.uniform(0.78, 0.98))
            for i in (i for i in range(5) if i != star):
                if rng.random() < 0.5:
                    usage[i] = float(rng.uniform(0.55, 0.72))
            # scale usage so that a typical night (the 13 most-used players over 240 minutes) scores ~113
            regular = sorted(range(ROSTER_SIZE), key=lambda i: -minutes[i])[:13]
            total_minutes = sum(minutes[i] for i in regular)
            expected = sum(usage[i] * minutes[i] * 240 / total_minutes for i in regular)
            scale = 113.0 / expected
            for i in range(ROSTER_SIZE):
                first, last = self._unique_name(taken)
                position = positions[i]
                big = position.startswith("C") or position == "F-C"
                guard = position.startswith("G")
                # height in inches: guards 6-0..6-6, wings 6-6..6-11, bigs 6-10..7-2
                low, high = (72, 79) if guard else (82, 87) if big else (78, 84)
                feet, inches = divmod(int(rng.integers(low, high)), 12)
                players.append(
                    Player(
                        id=next_id,
                        first_name=first,
                        last_name=last,
                        team=team,
                        position=position,
                        height=f"{feet}-{inches}",
                        weight=str(int(rng.integers(240, 270) if big else rng.integers(180, 235))),
                        jersey=str(int(rng.integers(0, 100))),
                        mean_minutes=round(minutes[i], 1),
                        points_per_minute=usage[i] * scale,
                        three_share=float(rng.uniform(0.0, 0.22) if big else rng.uniform(0.3, 0.5)),
                        two_pct=float(rng.uniform(0.56, 0.65) if big else rng.uniform(0.48, 0.57)),
                        three_pct=float(rng.uniform(0.3, 0.36) if big else rng.uniform(0.33, 0.4)),
                        free_throw_rate=float(rng.uniform(0.22, 0.38)),
                        free_throw_pct=float(rng.uniform(0.6, 0.76) if big else rng.uniform(0.74, 0.9)),
                        rebounds_per_minute=float(
                            rng.uniform(0.27, 0.36)
                            if big
                            else rng.uniform(0.11, 0.16)
                            if guard
                            else rng.uniform(0.16, 0.23)
                        ),
                        offensive_rebound_share=0.28 if big else 0.12 if guard else 0.18,
                        assists_per_minute=float(
                            rng.uniform(0.15, 0.27)
                            if guard
                            else rng.uniform(0.05, 0.1)
                            if big
                            else rng.uniform(0.07, 0.13)
                        ),
                        blocks_per_minute=float(rng.uniform(0.03, 0.06) if big else rng.uniform(0.003, 0.015)),
                    )
                )
                next_id += 1
        # a dozen players start the window on long-term injury
        for idx in rng.choice(len(players), size=12, replace=False):
            p = players[int(idx)]
            p.out_until = self.opening_day + timedelta(days=int(rng.integers(10, 60)))
            p.injury_reason = INJURY_REASONS[int(rng.integers(len(INJURY_REASONS)))]
        return players

    def roster(self, team: Team) -> list[Player]:
        return [p for p in self.players if p.team is team]

    # -- schedule -------------------------------------------------------------------------------------------
    def schedule_day(self, day: date, seq: int, opening: bool) -> list[Game]:
        rng = self.rng
        if day == thanksgiving(day.year):
            return []
        n = (
            2
            if opening
            else int(rng.choice(GAMES_PER_NIGHT, p=np.array(GAMES_PER_NIGHT_WEIGHTS) / sum(GAMES_PER_NIGHT_WEIGHTS)))
        )
        yesterday, before = day - timedelta(days=1), day - timedelta(days=2)
        eligible = [t for t in self.teams if not (t.played_on(yesterday) and t.played_on(before))]
        ranked = sorted(eligible, key=lambda t: len(t.game_dates) + 1.5 * rng.random())
        chosen = ranked[: 2 * min(n, len(ranked) // 2)]
        order = [int(i) for i in rng.permutation(len(chosen))]
        games = []
        for k in range(0, len(order), 2):
            a, b = chosen[order[k]], chosen[order[k + 1]]
            if a.home_games > b.home_games or (a.home_games == b.home_games and rng.random() < 0.5):
                a, b = b, a
            home, away = a, b
            hour, minute = TIPOFFS_ET[int(rng.choice(len(TIPOFFS_ET), p=TIPOFF_WEIGHTS))]
            local = datetime.combine(day, time(hour, minute), tzinfo=EASTERN)
            seq += 1
            games.append(Game(seq, day, home, away, local.astimezone(UTC), local))
        for g in games:
            g.home.home_games += 1
        return sorted(games, key=lambda g: (g.tipoff_utc, g.seq))

    # -- injuries -------------------------------------------------------------------------------------------
    def advance_injuries(self, day: date) -> None:
        rng = self.rng
        for p in self.players:
            if p.out_until is not None and day >= p.out_until:
                p.out_until = None
            if p.out_until is None and rng.random() < 0.006:
                p.out_until = day + timedelta(days=int(rng.geometric(0.18)) + 1)
                p.injury_reason = INJURY_REASONS[int(rng.integers(len(INJURY_REASONS)))]

    def injury_report(self, game: Game) -> dict[int, tuple[str, str, bool]]:
        """Player id -> (status, reason, plays) for the day's report of this game."""
        rng = self.rng
        report: dict[int, tuple[str, str, bool]] = {}
        for team in (game.away, game.home):
            for p in self.roster(team):
                if p.is_out(game.day):
                    days_left = (p.out_until - game.day).days if p.out_until else 0
                    if days_left == 1 and rng.random() < 0.5:
                        status = "Doubtful"
                        report[p.id] = (status, p.injury_reason, rng.random() < GAME_TIME_DECISIONS[status])
                    else:
                        report[p.id] = ("Out", p.injury_reason, False)
                elif p.team.game_dates and p.injury_reason and p.out_until is None and rng.random() < 0.5:
                    # back from an injury: on the report once more as a game-time decision
                    status = "Questionable" if rng.random() < 0.5 else "Probable"
                    report[p.id] = (status, p.injury_reason, rng.random() < GAME_TIME_DECISIONS[status])
                    p.injury_reason = ""
                elif rng.random() < 0.015:
                    status = "Questionable" if rng.random() < 0.6 else "Probable"
                    reason = INJURY_REASONS[int(rng.integers(len(INJURY_REASONS)))]
                    report[p.id] = (status, reason, rng.random() < GAME_TIME_DECISIONS[status])
                else:
                    p.injury_reason = "" if p.out_until is None else p.injury_reason
        return report
