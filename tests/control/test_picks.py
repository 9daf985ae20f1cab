"""`nba-props picks --date D`: the date's best bets in the terminal. Checked on the demo season against the feeds
phase 6 exported for the same date (best_bets.json for the bets, live_scores.json for the games and tip-offs),
and the one-line NoDataError of a date without best bets."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from rich.console import Console
from typer.testing import CliRunner

from core.errors import NoDataError
from dbt_project.cli import app
from dbt_project.control.picks import best_bets, market_label, picks_table

pytestmark = pytest.mark.e2e

NEW_YORK = ZoneInfo("America/New_York")


def _feed(env, day: date, feed: str) -> dict:
    return json.loads((env.settings.exports_dir / day.isoformat() / f"{feed}.json").read_text(encoding="utf-8"))


def _day_with_bets(env) -> date:
    day = env.game_dates[-1]
    assert _feed(env, day, "best_bets")["count"] > 0, "the demo's last date should have best bets"
    return day


def _picks(env, day: date, *extra: str):
    return CliRunner().invoke(
        app,
        [
            "picks",
            "--date",
            day.isoformat(),
            "--target",
            "test",
            "--warehouse-dir",
            str(env.settings.warehouse_dir),
            *extra,
        ],
        env={"COLUMNS": "220"},
        catch_exceptions=False,
    )


def _table(output: str) -> tuple[list[str], list[list[str]]]:
    """Header and body rows of the printed table (unwrapped: the terminal is wide): cells are at least two
    spaces apart, the header sits above the rule."""
    lines = output.splitlines()
    rule = next(i for i, line in enumerate(lines) if line.strip() and set(line.strip()) == {"─"})
    cells = [re.split(r"\s{2,}", line.strip()) for line in lines[rule - 1 :] if line.strip()]
    return cells[0], cells[2:]


def test_picks_prints_the_bets_of_best_bets_json(demo_env):
    day = _day_with_bets(demo_env)
    bets = _feed(demo_env, day, "best_bets")["bets"]
    result = _picks(demo_env, day)
    assert result.exit_code == 0, result.output
    assert f"Best bets {day.isoformat()}" in result.output
    columns, rows = _table(result.output)
    assert columns == ["#", "player", "game", "tip-off", "market", "side", "line", "book", "price", "P(side)", "edge"]
    shown = [(r[0], r[1], r[4], r[5], r[6], r[7]) for r in rows]
    expected = [
        (
            str(b["rank"]),
            b["player_name"],
            market_label(b["market"]),
            b["recommendation"],
            f"{b['line']:g}",
            b["bookmaker"],
        )
        for b in bets
    ]
    assert shown == expected
    for row, bet in zip(rows, bets, strict=True):
        assert row[8] == f"{bet['price']:+d}"
        assert row[9] == f"{100 * bet['confidence']:.1f}%"
        assert row[10] == f"{100 * bet['edge']:+.1f}%"
        assert re.fullmatch(r"[A-Z]{2,3} @ [A-Z]{2,3}", row[2]), row
        assert re.fullmatch(r"\d{1,2}:\d{2} (AM|PM) ET", row[3]), row


def test_picks_json_rows_are_the_feed_bets_with_their_game_and_eastern_tipoff(demo_env):
    day = _day_with_bets(demo_env)
    bets = _feed(demo_env, day, "best_bets")["bets"]
    games = {g["nba_game_id"]: g for g in _feed(demo_env, day, "live_scores")["games"]}
    result = _picks(demo_env, day, "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [
        (r["rank"], r["player_id"], r["player"], r["market"], r["side"], r["line"], r["book"], r["price"]) for r in rows
    ] == [
        (
            b["rank"],
            b["player_id"],
            b["player_name"],
            b["market"],
            b["recommendation"].lower(),
            b["line"],
            b["bookmaker"],
            b["price"],
        )
        for b in bets
    ]
    for r, b in zip(rows, bets, strict=True):
        assert r["p_side"] == pytest.approx(b["confidence"]) and r["edge"] == pytest.approx(b["edge"])
        assert (r["team"], r["opponent"]) == (b["team_abbr"], b["opponent_abbr"])
        game = games[r["nba_game_id"]]  # the bet's game is on the date's schedule
        assert r["game"] == f"{game['away_team']} @ {game['home_team']}"
        assert r["team"] in (game["home_team"], game["away_team"])
        assert r["tipoff_at"] == game["tipoff_at"]
        eastern = datetime.fromisoformat(game["tipoff_at"].replace("Z", "+00:00")).astimezone(NEW_YORK)
        clock = f"{eastern.hour % 12 or 12}:{eastern.minute:02d} {'PM' if eastern.hour >= 12 else 'AM'}"
        assert r["tipoff"] == f"{clock} ET"


def test_a_date_without_best_bets_raises_no_data_naming_the_date_and_the_cause(demo_env, tmp_path):
    settings = demo_env.settings
    # a demo date that ran but has no bets (the ensemble needs history first): why, and the feed agrees
    empty = next(d for d in demo_env.all_dates if _feed(demo_env, d, "best_bets")["count"] == 0)
    with pytest.raises(NoDataError, match=f"^no best bets for {empty.isoformat()} on target test: ") as caught:
        best_bets(settings, empty)
    assert "\n" not in str(caught.value)
    assert "phase 6 has not run" not in str(caught.value)

    never = demo_env.all_dates[-1] + timedelta(days=30)
    with pytest.raises(
        NoDataError,
        match=rf"^no best bets for {never.isoformat()} on target test: phase 6 has not "
        rf"run for it; run `nba-props run --date {never.isoformat()}`$",
    ):
        best_bets(settings, never)

    nowhere = replace(settings, warehouse_dir=tmp_path / "no-warehouse")
    with pytest.raises(NoDataError, match=f"no best bets for {never.isoformat()} on target test: no warehouse at "):
        best_bets(nowhere, never)
    assert not nowhere.warehouse_dir.exists()  # reading never creates a warehouse


def test_picks_table_shows_names_with_brackets_literally(demo_env):
    day = _day_with_bets(demo_env)
    rows = best_bets(demo_env.settings, day)
    rows[0] = {**rows[0], "player": "[bold red]Jr.[/] [x]"}
    console = Console(record=True, width=220)
    console.print(picks_table(rows, day))
    assert "[bold red]Jr.[/] [x]" in console.export_text()
