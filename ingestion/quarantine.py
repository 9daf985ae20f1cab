"""Quarantine: rows that fail validation are kept, with where they came from and why, instead of being loaded
into their table or stopping the load.

Every source validates each row before yielding it. A rejected row goes to `nba_raw.rejected_rows` (one table
for all resources) with its resource, landing file, position in the file, the offending field, the reason
and the whole original payload as JSON. The good rows of the same file load as usual. Loading the same file
again merges on (resource, source_file, locator, field), so quarantined rows are never duplicated.

An incomplete delivery never replaces rows already loaded (``Quarantine.hold_back``): a resource that merges on
a merge key (reloading a key value replaces all of its rows: box scores per game, the injury report per date)
withholds the key values already in nba_raw that a rejection may concern, and says so in a note.

An entry is open until its file loads cleanly (read, nothing rejected, nothing withheld): it is then resolved,
kept as history with ``resolved_at`` set; rejected again, it is open again (``resolved_at`` null).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import dlt

from ingestion.teams import team_codes, team_names

REJECTED_TABLE = "rejected_rows"
KEY = ("resource", "source_file", "locator", "field")  # one entry per key: rejected_rows merges on it
FILE_LOCATOR = "file"  # the locator of a whole file held back
# (table, column, values) -> the values the column already holds in nba_raw (ingestion/pipeline.py: loaded_keys)
LoadedKeys = Callable[[str, str, Collection[Any]], set[Any]]
MMSS = re.compile(r"^\d{1,3}(:\d{2})?$")


class Invalid(ValueError):
    """One failed check: the field it concerns and why."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


@dataclass
class Quarantine:
    """Collects the rows rejected during one load; loaded afterwards as the `rejected_rows` resource. Also keeps
    which files were read and which had rows withheld (``clean_files``) and the notes on what was withheld."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    loaded_keys: LoadedKeys | None = None  # None: nothing is known of nba_raw, nothing is withheld
    notes: list[str] = field(default_factory=list)
    read_files: set[str] = field(default_factory=set)
    withheld_files: set[str] = field(default_factory=set)

    def reject(self, resource: str, source_file: str, locator: str, error: Invalid, payload: Any) -> None:
        self.rows.append(
            {
                "resource": resource,
                "source_file": source_file,
                "locator": locator,
                "field": error.field,
                "reason": error.reason,
                # raw text (an unreadable file) as it was; anything else as JSON
                "payload": payload
                if isinstance(payload, str)
                else json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False),
                "rejected_at": datetime.now(UTC),
                "resolved_at": None,  # open (again, if the entry was resolved before)
            }
        )

    def reject_file(self, resource: str, source_file: str, reason: str, path: Path | None = None) -> None:
        """A whole landing file that cannot be read as its feed's shape; its raw text (up to 64 KiB) is kept."""
        raw = ""
        if path is not None:
            try:
                raw = path.read_text(encoding="utf-8", errors="replace")[:65536]
            except OSError:
                raw = ""
        self.reject(resource, source_file, FILE_LOCATOR, Invalid("(file)", reason), raw)

    def read(self, source_file: str) -> None:
        """A landing file was read (parsed); it loads cleanly unless something of it is rejected or withheld."""
        self.read_files.add(source_file)

    def since(self, mark: int, resource: str) -> list[dict[str, Any]]:
        """The entries of ``resource`` rejected after ``mark`` (``len(quarantine.rows)`` taken earlier)."""
        return [r for r in self.rows[mark:] if r["resource"] == resource]

    def clean_files(self) -> set[str]:
        """Files read in this load with nothing rejected and nothing withheld: their open entries resolve."""
        return self.read_files - {r["source_file"] for r in self.rows} - self.withheld_files

    def hold_back(
        self,
        source: str,
        resource: str,
        day: date,
        rows: Sequence[dict[str, Any]],
        key: str,
        rejected: Sequence[dict[str, Any]],
        affected: Iterable[Any] | None,
        unit: str,
    ) -> list[dict[str, Any]]:
        """The rows of one day's delivery of a resource that merges on the merge key ``key`` (loading a key
        value replaces all of its rows), minus those that would replace rows already in nba_raw with an
        incomplete delivery: ``rejected`` are the day's entries of the resource; ``affected`` the key values
        they concern (None: any key value of the day, e.g. a page held back whole, whose rows are unknown).
        Key values not yet in nba_raw load (there is nothing to lose; the next clean load replaces them
        whole). The withheld rows' files stay unresolved and a note names the files and what was kept."""
        if not rejected or not rows:
            return list(rows)
        delivered = {r[key] for r in rows}
        candidates = delivered if affected is None else delivered & set(affected)
        loaded = self.loaded_keys(resource, key, candidates) if candidates and self.loaded_keys else set()
        if not loaded:
            return list(rows)
        kept = [r for r in rows if r[key] not in loaded]
        self.withheld_files.update(r["_source_file"] for r in rows if r[key] in loaded)
        names = {r["source_file"].rsplit("/", 1)[-1]: r["locator"] == FILE_LOCATOR for r in rejected}
        whole = sorted(name for name, is_file in names.items() if is_file)
        why = f"{', '.join(whole)} quarantined" if whole else f"rows of {', '.join(sorted(names))} quarantined"
        self.notes.append(
            f"{source} {resource} of {day.isoformat()} withheld for {len(loaded)} {unit}(s) already loaded "
            f"({', '.join(str(v) for v in sorted(loaded))}): {why}; nba_raw keeps their previous rows "
            f"(fix the file and rerun)"
        )
        return kept

    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(r["resource"] for r in self.rows).items()))

    def examples(self, limit: int = 3) -> list[str]:
        return [f"{r['source_file']} {r['locator']}: {r['field']}: {r['reason']}" for r in self.rows[:limit]]

    def screen(
        self, resource: str, source_file: str, locator: str, row: Any, check: Callable[[Any], Any]
    ) -> Any | None:
        """`check(row)` returns the row to load (possibly typed) or raises Invalid; None means quarantined."""
        try:
            return check(row)
        except Invalid as error:
            self.reject(resource, source_file, locator, error, row)
            return None


def resolutions(quarantine: Quarantine, open_entries: Iterable[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """The open entries (``resolved_at`` null in nba_raw) whose file loaded cleanly in this load, resolved at
    ``now``: merged back over themselves, kept as history."""
    clean = quarantine.clean_files()
    return [{**entry, "resolved_at": now} for entry in open_entries if entry["source_file"] in clean]


def rejected_rows_resource(quarantine: Quarantine, resolved: Sequence[dict[str, Any]] = ()) -> Any:
    """This load's rejections (open) and the earlier entries it resolved (``resolutions``)."""

    @dlt.resource(
        name=REJECTED_TABLE,
        primary_key=KEY,
        write_disposition="merge",
        columns={
            "resource": {"data_type": "text", "nullable": False},
            "source_file": {"data_type": "text", "nullable": False},
            "locator": {"data_type": "text", "nullable": False},
            "field": {"data_type": "text", "nullable": False},
            "reason": {"data_type": "text"},
            "payload": {"data_type": "text"},
            "rejected_at": {"data_type": "timestamp"},
            "resolved_at": {"data_type": "timestamp"},  # null: open
        },
    )
    def rejected_rows() -> Iterator[Any]:
        if not quarantine.rows and not resolved:
            # the table exists from the first load on, empty, so monitoring models can always read it
            yield dlt.mark.materialize_table_schema()
            return
        # one row per key: a row failing twice in one load (same field) is one quarantine entry
        yield from {tuple(r[k] for k in KEY): r for r in [*resolved, *quarantine.rows]}.values()

    return rejected_rows


# -- checks shared by the sources ---------------------------------------------------------------------------
def get(row: Any, path: str) -> Any:
    """`a.b.c` lookup in nested dicts; a missing level is None."""
    value = row
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def require_int(row: Any, path: str, minimum: int | None = None) -> int:
    value = get(row, path)
    if value is None:
        raise Invalid(path, "missing")
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(path, f"expected an integer, got {type(value).__name__} {value!r}")
    if minimum is not None and value < minimum:
        raise Invalid(path, f"impossible value {value} (< {minimum})")
    return value


def optional_count(row: Any, path: str) -> None:
    """A counting stat: absent/null is allowed, otherwise a non-negative integer."""
    if get(row, path) is not None:
        require_int(row, path, minimum=0)


def require_str(row: Any, path: str) -> str:
    value = get(row, path)
    if value is None or value == "":
        raise Invalid(path, "missing")
    if not isinstance(value, str):
        raise Invalid(path, f"expected a string, got {type(value).__name__} {value!r}")
    return value


def require_date(row: Any, path: str) -> date:
    value = require_str(row, path)
    try:
        return date.fromisoformat(value[:10]) if len(value) >= 10 else date.fromisoformat(value)
    except ValueError as exc:
        raise Invalid(path, f"not a date: {value!r}") from exc


def require_timestamp(row: Any, path: str) -> datetime:
    value = require_str(row, path)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise Invalid(path, f"not an ISO timestamp: {value!r}") from exc
    if moment.tzinfo is None:
        raise Invalid(path, f"timestamp without a time zone: {value!r}")
    return moment


def require_team(row: Any, path: str) -> str:
    code = require_str(row, path)
    if code not in team_codes():
        raise Invalid(path, f"unknown team code {code!r}")
    return code


def require_team_name(row: Any, path: str) -> str:
    name = require_str(row, path)
    if name not in team_names():
        raise Invalid(path, f"unknown team name {name!r}")
    return name


def require_minutes(row: Any, path: str) -> None:
    value = get(row, path)
    if value is None or value == "":
        return  # not recorded: staging reads it as 0 minutes
    if not isinstance(value, str) or not MMSS.match(value.strip().lstrip("-")):
        raise Invalid(path, f"not MM:SS minutes: {value!r}")
    if value.strip().startswith("-"):
        raise Invalid(path, f"impossible value {value!r} (negative minutes)")
