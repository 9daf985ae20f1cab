"""A partial delivery never removes good rows (issue #13 item 3), on real dlt, DuckDB and dbt (phase 1 and the
monitoring views only).

BallDontLie box scores merge with merge_key game_id: loading a game replaces all of its rows. A stats page
quarantined whole (cut off half way) used to let the date's other pages merge, truncating a game whose rows
were split over two pages. Now a date with a quarantined page keeps the rows nba_raw has for its games (phase 1
degraded, its message saying what was withheld), and the quarantine entry is resolved (kept as history,
``resolved_at`` set, no longer counted by nba_monitoring.ingest_rejections) once the file loads cleanly.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from tests.support.env import Env, make_env
from tests.support.faults import Snapshot, assert_no_loss_no_duplicates, clone, run, snapshot, sql

pytestmark = pytest.mark.fault

DAYS = 3  # demo days loaded (phase 1); the second one has several stats pages
GROWS = ("nba_raw.rejected_rows",)  # the only table a rerun of a loaded date may add rows to


@dataclass
class Loaded:
    env: Env
    day: date  # a loaded date with a game whose rows are split over two stats pages
    page: str  # the first of those pages
    game: int
    snap: Snapshot  # with per-date checksums of ``day``


def _pages(landing: Path, day: date) -> dict[str, Counter]:
    """stats page -> rows per game id."""
    folder = landing / "balldontlie" / day.isoformat()
    return {
        p.name: Counter(r["game"]["id"] for r in json.loads(p.read_text())["data"])
        for p in sorted(folder.glob("stats_page_*.json"))
    }


def _split_game(landing: Path, days: list[date]) -> tuple[date, str, int]:
    for day in days:
        pages = _pages(landing, day)
        names = list(pages)
        for first, second in zip(names, names[1:], strict=False):
            if shared := sorted(set(pages[first]) & set(pages[second])):
                return day, first, shared[0]
    raise AssertionError(f"no demo date of {days} has a game split over two stats pages")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory, demo_landing) -> Loaded:
    landing, game_dates = demo_landing
    days = game_dates[:DAYS]
    root = tmp_path_factory.mktemp("partial_delivery")
    for source in (p for p in landing.iterdir() if p.is_dir()):
        for day in days:
            if (source / day.isoformat()).is_dir():
                shutil.copytree(source / day.isoformat(), root / "landing" / source.name / day.isoformat())
    env = make_env(root, root / "landing", days)
    result = run(env, days, phases=(1,))
    assert result.ok and result.phases[0].status == "success", result.phases
    day, page, game = _split_game(env.settings.landing_dir, days)
    return Loaded(env, day, page, game, snapshot(env.settings, days=[day]))


@pytest.fixture
def ws(loaded: Loaded, tmp_path: Path) -> Env:
    """A copy of the loaded warehouse and landing area to break."""
    return clone(loaded.env, tmp_path / "ws")


def _box_scores(env: Env, day: date, game: int | None = None) -> tuple[int, int]:
    """Rows of ``day`` (of one game) in nba_raw.box_scores and how many games they cover."""
    where = "" if game is None else f" and game_id = {int(game)}"
    return sql(
        env,
        f"select count(*), count(distinct game_id) from test_nba_raw.box_scores where game__date like ?{where}",
        [f"{day.isoformat()}%"],
    )[0]


def _entries(env: Env, source_file: str) -> list[tuple]:
    return sql(
        env,
        "select locator, field, resolved_at is not null from test_nba_raw.rejected_rows "
        "where source_file = ? order by all",
        [source_file],
    )


def _open_in_report(env: Env, day: date, resource: str) -> int:
    """Open entries nba_monitoring.ingest_rejections counts for a landing date and resource."""
    return sql(
        env,
        "select coalesce(sum(rejected_rows), 0) from test_nba_monitoring.ingest_rejections "
        "where landing_date = ? and resource = ?",
        [day, resource],
    )[0][0]


def _assert_day_unchanged(before: Snapshot, env: Env, day: date, tables: tuple[str, ...]) -> None:
    """``day``'s rows of ``tables`` (count and checksum of the row hashes) as ``before`` had them, and nothing
    lost or duplicated anywhere."""
    now = assert_no_loss_no_duplicates(before, env.settings, grows=GROWS)
    for table in tables:
        assert now.days[day][table] == before.days[day][table], table
        assert now.rows[table] == before.rows[table], table


def test_a_quarantined_stats_page_withholds_the_date_then_its_entry_resolves(loaded, ws):
    day, page = loaded.day, loaded.page
    source_file = f"balldontlie/{day.isoformat()}/{page}"
    path = ws.settings.landing_dir / source_file
    original = path.read_bytes()
    rows, games = _box_scores(ws, day)
    split = _box_scores(ws, day, loaded.game)[0]
    pages = _pages(ws.settings.landing_dir, day)
    assert split == sum(c[loaded.game] for c in pages.values())
    # withheld: the games of the date's readable pages (those of the cut page alone are not delivered at all)
    others = sorted(set().union(*(c for name, c in pages.items() if name != page)))
    path.write_bytes(original[: len(original) // 2])  # cut off half way: not valid JSON

    load = run(ws, [day], phases=(1,))

    phase1 = load.phases[0]
    assert load.ok and phase1.status == "degraded", load.phases
    note = (
        f"balldontlie box_scores of {day.isoformat()} withheld for {len(others)} game(s) already loaded "
        f"({', '.join(map(str, others))}): {page} quarantined"
    )
    assert note in phase1.message and str(loaded.game) in note, phase1.message
    assert "nba_raw keeps their previous rows (fix the file and rerun)" in phase1.message
    assert phase1.details["notes"] and phase1.details["notes"][0].startswith(note)
    # nba_raw kept every row of the date: the split game keeps the rows of both pages
    assert _box_scores(ws, day) == (rows, games) and _box_scores(ws, day, loaded.game)[0] == split
    _assert_day_unchanged(loaded.snap, ws, day, ("nba_raw.box_scores",))
    assert _entries(ws, source_file) == [("file", "(file)", False)]
    assert _open_in_report(ws, day, "box_scores") == 1

    path.write_bytes(original)  # fixed: the same file delivered again, whole
    load = run(ws, [day], phases=(1,))

    assert load.ok and load.phases[0].status == "success", load.phases
    assert "withheld" not in load.phases[0].message
    assert _entries(ws, source_file) == [("file", "(file)", True)]  # kept as history, resolved
    assert _open_in_report(ws, day, "box_scores") == 0
    _assert_day_unchanged(loaded.snap, ws, day, ("nba_raw.box_scores",))

    path.write_bytes(b"{")  # broken again: the entry is open again
    load = run(ws, [day], phases=(1,))
    assert load.phases[0].status == "degraded" and _entries(ws, source_file) == [("file", "(file)", False)]
    assert _open_in_report(ws, day, "box_scores") == 1


def test_a_rejected_row_keeps_its_game_and_report_date_as_loaded(loaded, ws):
    """Row-level rejections of a loaded date: the good rows of the file load as before, except where merging
    them would replace what nba_raw has: box scores of the game the bad row belongs to (merge_key game_id), the
    injury report of the date (merge_key game_date). The other games of the date reload as usual."""
    day = loaded.day
    folder = ws.settings.landing_dir / "balldontlie" / day.isoformat()
    stats = folder / loaded.page
    body = json.loads(stats.read_text())
    body["data"][0]["pts"] = -5
    bad_game = body["data"][0]["game"]["id"]
    stats.write_text(json.dumps(body))
    report = ws.settings.landing_dir / "nbacom" / day.isoformat() / "injury_report.json"
    injuries = json.loads(report.read_text())
    injuries["injuries"][0]["currentStatus"] = "Maybe"
    report.write_text(json.dumps(injuries))
    before = _box_scores(ws, day, bad_game)

    load = run(ws, [day], phases=(1,))

    message = load.phases[0].message
    assert load.ok and load.phases[0].status == "degraded", load.phases
    assert (
        f"balldontlie box_scores of {day.isoformat()} withheld for 1 game(s) already loaded ({bad_game}): "
        f"rows of {loaded.page} quarantined"
    ) in message, message
    assert (
        f"nbacom injury_report of {day.isoformat()} withheld for 1 report date(s) already loaded "
        f"({day.isoformat()}): rows of injury_report.json quarantined"
    ) in message, message
    assert _box_scores(ws, day, bad_game) == before
    _assert_day_unchanged(loaded.snap, ws, day, ("nba_raw.box_scores", "nba_raw.injury_report"))
    assert _open_in_report(ws, day, "box_scores") == 1 and _open_in_report(ws, day, "injury_report") == 1
