"""Basketball-Reference: team roster pages (replay from the landing area).

A page is the HTML of https://www.basketball-reference.com/teams/<TEAM>/<season>.html as scraped; only its
`<table id="roster">` is read (the site ships its other tables inside HTML comments, which are skipped). Parsed
with the standard library's html.parser: no lxml or BeautifulSoup needed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import dlt

from ingestion.landing import LandingArea, LandingError
from ingestion.quarantine import Quarantine

SOURCE = "bref"
FILE_NAME = re.compile(r"^roster_([A-Z]{2,4})\.html$")
PLAYER_LINK = re.compile(r"^/players/[a-z]/([a-z0-9.'-]+)\.html$")
# visible column headers of the roster table -> our column names (blank and unknown headers are skipped)
HEADERS = {
    "No.": "jersey_number",
    "Player": "player_name",
    "Pos": "position",
    "Ht": "height",
    "Wt": "weight",
    "Birth Date": "birth_date",
    "Exp": "experience",
    "College": "college",
}
# the pages' English month names ("March 4, 1999"); the demo's roster pages write them too
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
MONTHS = {m: i for i, m in enumerate(MONTH_NAMES, start=1)}
COLUMNS: dict[str, Any] = {
    "team_abbr": {"data_type": "text", "nullable": False},
    "as_of_date": {"data_type": "date", "nullable": False},
    "player_slug": {"data_type": "text", "nullable": False},
    "player_name": {"data_type": "text"},
    "jersey_number": {"data_type": "text"},
    "position": {"data_type": "text"},
    "height": {"data_type": "text"},
    "weight": {"data_type": "bigint"},
    "birth_date": {"data_type": "date"},
    "experience": {"data_type": "text"},
    "college": {"data_type": "text"},
    "_source_file": {"data_type": "text"},
}


@dataclass
class _Cell:
    text: str = ""
    href: str | None = None


@dataclass
class _Row:
    css: str
    cells: list[_Cell] = field(default_factory=list)


class _RosterTable(HTMLParser):
    """Collects the header labels and body rows of the first `<table id="roster">`."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found = False
        self.depth = 0  # table nesting inside the roster table (1 = the roster table itself)
        self.in_head = False
        self.headers: list[str] = []
        self.rows: list[_Row] = []
        self.row: _Row | None = None
        self.cell: _Cell | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "table":
            if self.depth:
                self.depth += 1
            elif not self.found and attributes.get("id") == "roster":
                self.found, self.depth = True, 1
            return
        if self.depth != 1:
            return
        if tag == "thead":
            self.in_head = True
        elif tag == "tbody":
            self.in_head = False
        elif tag == "tr":
            self.row = _Row(attributes.get("class") or "")
        elif tag in ("th", "td") and self.row is not None:
            self.cell = _Cell()
            self.row.cells.append(self.cell)
        elif tag == "a" and self.cell is not None and self.cell.href is None:
            self.cell.href = attributes.get("href")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.depth:
            self.depth -= 1
        elif self.depth != 1:
            return
        elif tag in ("th", "td"):
            self.cell = None
        elif tag == "tr" and self.row is not None:
            if self.in_head:
                self.headers = [c.text.strip() for c in self.row.cells]
            else:
                self.rows.append(self.row)
            self.row = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.text += data


def parse_birth_date(text: str) -> date:
    """ "March 3, 1998" (the site's format, independent of the machine's locale) -> date(1998, 3, 3)."""
    match = re.fullmatch(r"([A-Z][a-z]+) (\d{1,2}), (\d{4})", text)
    if not match or match.group(1) not in MONTHS:
        raise ValueError(f"not a birth date like 'March 3, 1998': {text!r}")
    return date(int(match.group(3)), MONTHS[match.group(1)], int(match.group(2)))


def parse_roster(html: str, path: Path | str) -> list[dict[str, Any]]:
    """The rows of a roster page's `roster` table; LandingError names the file (and row) it cannot read."""
    parser = _RosterTable()
    parser.feed(html)
    parser.close()
    if not parser.found:
        raise LandingError(f'{path}: no <table id="roster"> (not a Basketball-Reference roster page?)')
    if "Player" not in parser.headers:
        raise LandingError(f"{path}: roster table has no 'Player' column (headers: {parser.headers})")
    columns = [HEADERS.get(h) for h in parser.headers]
    out = []
    for n, row in enumerate(parser.rows, start=1):
        if "thead" in row.css.split():  # header rows the site repeats inside long tables
            continue
        where = f"{path}: roster row {n}"
        if len(row.cells) != len(columns):
            raise LandingError(f"{where}: {len(row.cells)} cells for {len(columns)} columns")
        record: dict[str, Any] = {}
        for name, cell in zip(columns, row.cells, strict=True):
            if name is not None:
                record[name] = cell.text.strip() or None
            if name == "player_name":
                link = PLAYER_LINK.match(cell.href or "")
                if not link:
                    raise LandingError(f"{where} ({cell.text.strip()!r}): no /players/<x>/<id>.html link")
                record["player_slug"] = link.group(1)
        where = f"{where} ({record.get('player_name')!r})"
        if not record.get("player_name"):
            raise LandingError(f"{where}: empty player name")
        try:
            weight = record.get("weight")
            record["weight"] = int(weight) if weight is not None else None
        except ValueError as exc:
            raise LandingError(f"{where}: weight is not a whole number of pounds: {weight!r}") from exc
        try:
            born = record.get("birth_date")
            record["birth_date"] = parse_birth_date(born) if born is not None else None
        except ValueError as exc:
            raise LandingError(f"{where}: {exc}") from exc
        out.append(record)
    return out


def read_roster_file(path: Path) -> tuple[str, str]:
    """(team tricode, page text) of one roster page; LandingError names the file."""
    match = FILE_NAME.match(path.name)
    if not match:
        raise LandingError(f"{path}: expected roster_<TEAM>.html with a team tricode")
    try:
        return match.group(1), path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LandingError(f"cannot read landing file {path}: {exc}") from exc


def parsed_rosters(
    landing: LandingArea, day: date, quarantine: Quarantine
) -> Iterator[tuple[str, str, list[dict[str, Any]]]]:
    """(relative path, team, players) per roster page of a day. A page that cannot be read or parsed is
    quarantined whole (a partial roster would look like players leaving) and the other teams load."""
    folder = landing.day_dir(SOURCE, day)
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("roster_*.html")):
        relative = path.relative_to(landing.root).as_posix()
        try:
            team, html = read_roster_file(path)
            players = parse_roster(html, path)
        except LandingError as exc:
            quarantine.reject_file("rosters", relative, str(exc), path)
            continue
        quarantine.read(relative)
        yield relative, team, players


@dlt.source(name="bref", max_table_nesting=0)
def bref_source(landing: LandingArea, dates: Sequence[date], quarantine: Quarantine | None = None) -> Any:
    q = quarantine if quarantine is not None else Quarantine()

    # one row per team, player and scrape date: roster moves show up as changes between scrapes
    @dlt.resource(
        name="rosters",
        primary_key=("team_abbr", "player_slug", "as_of_date"),
        write_disposition="merge",
        columns=COLUMNS,
    )
    def rosters() -> Iterator[Any]:
        loaded = 0
        for day in dates:
            for relative, team, players in parsed_rosters(landing, day, q):
                for record in players:
                    loaded += 1
                    yield {"team_abbr": team, "as_of_date": day, **record, "_source_file": relative}
        if not loaded:  # no scrape in these dates: still create the (empty) table staging reads
            yield dlt.mark.materialize_table_schema()

    return rosters
