"""The 30 NBA teams from the dbt seed `seeds/nba_teams.csv`: one reference for the sources' validation, the
demo generator and the converters (dbt reads the same file as a seed)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

TEAMS_CSV = Path(__file__).resolve().parents[1] / "seeds" / "nba_teams.csv"


@dataclass(frozen=True)
class TeamRef:
    abbr: str
    full_name: str
    city: str
    nickname: str
    conference: str
    division: str
    bdl_id: int
    nba_id: int


def bdl_team_object(team: Any) -> dict[str, Any]:
    """A team as BallDontLie's API writes it, from anything with TeamRef's attributes."""
    return {
        "id": team.bdl_id,
        "conference": team.conference,
        "division": team.division,
        "city": team.city,
        "name": team.nickname,
        "full_name": team.full_name,
        "abbreviation": team.abbr,
    }


@cache
def load_teams() -> tuple[TeamRef, ...]:
    with open(TEAMS_CSV, newline="", encoding="utf-8") as fh:
        teams = tuple(
            TeamRef(
                abbr=r["team_abbr"],
                full_name=r["full_name"],
                city=r["city"],
                nickname=r["nickname"],
                conference=r["conference"],
                division=r["division"],
                bdl_id=int(r["bdl_team_id"]),
                nba_id=int(r["nba_team_id"]),
            )
            for r in csv.DictReader(fh)
        )
    if len(teams) != 30:
        raise ValueError(f"{TEAMS_CSV}: expected 30 teams, found {len(teams)}")
    return teams


@cache
def team_codes() -> frozenset[str]:
    return frozenset(t.abbr for t in load_teams())


@cache
def team_names() -> frozenset[str]:
    return frozenset(t.full_name for t in load_teams())
