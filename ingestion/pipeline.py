"""Phase 1 entry point: run the dlt sources for a set of dates into nba_raw.

Replay mode reads the landing area (docs/landing-format.md). Every resource merges on its primary key, so
loading the same dates again leaves nba_raw unchanged; an incomplete delivery (a file or row quarantined) never
replaces rows already loaded (ingestion/quarantine.py: Quarantine.hold_back) and the load says what it withheld.
"""

from __future__ import annotations

import os
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import dlt
from dlt.destinations.exceptions import DatabaseUndefinedRelation

from core.settings import BQEMU_PROJECT, Settings
from ingestion.balldontlie import balldontlie_source
from ingestion.bigdataball import bigdataball_source
from ingestion.bref import bref_source
from ingestion.landing import LandingArea, LandingError, read_json
from ingestion.nbacom import nbacom_source
from ingestion.odds_api import odds_api_source
from ingestion.quarantine import REJECTED_TABLE, LoadedKeys, Quarantine, rejected_rows_resource, resolutions
from ingestion.remote import sync_landing

# dlt pipelines, one of each per target (``<name>_<target>``), in Settings.dlt_pipelines_dir: the load of the
# landing files, and the quarantine's own load after it (nba_raw.rejected_rows), so that `dlt pipeline
# nba_props_replay_dev trace` shows the landing files' load (ingestion/dlt_context.py: dlt's CLI finds them)
PIPELINE_NAME = "nba_props_replay"
QUARANTINE_PIPELINE_NAME = "nba_props_quarantine"
PIPELINE_NAMES = (PIPELINE_NAME, QUARANTINE_PIPELINE_NAME)


def pipeline_name(settings: Settings, name: str = PIPELINE_NAME) -> str:
    return f"{name}_{settings.target}"


@dataclass
class LoadResult:
    rows: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    rejected_examples: list[str] = field(default_factory=list)
    load_ids: list[str] = field(default_factory=list)
    step_seconds: dict[str, float] = field(default_factory=dict)  # dlt's extract / normalize / load
    seconds: float = 0.0
    missing_injury_reports: list[str] = field(default_factory=list)  # dates with games but no report
    dropped_packages: list[str] = field(default_factory=list)  # left by an interrupted load, extracted again
    # sentences for the phase-1 message, each one making the phase degraded (e.g. a partial delivery withheld)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        return {
            "rows": self.rows,
            "rejected": self.rejected,
            "rejected_examples": self.rejected_examples,
            "load_ids": self.load_ids,
            "step_seconds": self.step_seconds,
            "seconds": round(self.seconds, 3),
            "missing_injury_reports": self.missing_injury_reports,
            "dropped_packages": self.dropped_packages,
            "notes": self.notes,
        }


def has_games(landing: LandingArea, day: date) -> bool:
    """The landing area schedules games on ``day`` (NBA.com scoreboard or BallDontLie games)."""
    for source, name, key in (("nbacom", "scoreboard.json", "scoreboard"), ("balldontlie", "games.json", "data")):
        path = landing.day_dir(source, day) / name
        if not path.is_file():
            continue
        try:
            payload = read_json(path)
        except LandingError:  # quarantined by the load itself
            continue
        games = payload.get(key) if isinstance(payload, dict) else None
        games = games.get("games") if isinstance(games, dict) else games
        if isinstance(games, list) and games:
            return True
    return False


def has_box_scores(landing: LandingArea, day: date) -> bool:
    """The day's BallDontLie stats pages hold player lines, or one cannot be read (then it may: the load
    quarantines it and says so)."""
    for path in sorted(landing.day_dir("balldontlie", day).glob("stats_page_*.json")):
        try:
            payload = read_json(path)
        except LandingError:
            return True
        if isinstance(payload, dict) and payload.get("data"):
            return True
    return False


def missing_injury_reports(landing: LandingArea, dates: Sequence[date]) -> list[date]:
    """Dates with games but no NBA.com injury report, in a landing area that carries the report on other dates
    (replayed seasons without any report, ingestion/convert, never count). The report is a soft dependency:
    that day's injury statuses are unknown, the run goes on and phase 1 is recorded degraded."""
    if not any(landing.root.glob("nbacom/*/injury_report.json")):
        return []
    return [
        day
        for day in dates
        if not (landing.day_dir("nbacom", day) / "injury_report.json").is_file() and has_games(landing, day)
    ]


def make_pipeline(settings: Settings, name: str = PIPELINE_NAME) -> dlt.Pipeline:
    settings.export_env()
    os.environ.setdefault("RUNTIME__DLT_TELEMETRY", "false")
    # Arrow tables (player props) get a _dlt_load_id column like every other table: staging dedups on it
    os.environ.setdefault("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID", "true")
    os.environ.setdefault("LOAD__TRUNCATE_STAGING_DATASET", "true")
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    return dlt.pipeline(
        pipeline_name=pipeline_name(settings, name),
        pipelines_dir=str(settings.dlt_pipelines_dir),
        destination=make_destination(settings),
        dataset_name=settings.schema("nba_raw"),
    )


# merge loads go through a staging dataset; name it as dlt's own and empty it after each load
STAGING_LAYOUT = "%s_dlt_staging"


def loader_file_format(settings: Settings) -> str | None:
    """The load files dlt writes. DuckDB: parquet, which DuckDB reads in bulk (a season's ~300 k quotes and
    ~26 k box score lines load in seconds, in a few hundred MB) instead of dlt's default INSERT statements
    (tens of seconds and GBs). BigQuery: dlt's default for it (JSONL), which the emulator loads as well."""
    return "parquet" if settings.is_duckdb else None


def make_destination(settings: Settings):
    """The dlt destination of the target: the DuckDB file, or BigQuery (prod, or the emulator)."""
    if settings.is_duckdb:
        return dlt.destinations.duckdb(
            credentials=str(settings.duckdb_path), staging_dataset_name_layout=STAGING_LAYOUT
        )
    location = os.environ.get("NBA_PROPS_BQ_LOCATION", "US")
    if settings.target == "bq_emulator":
        from google.oauth2.credentials import Credentials

        # The emulator (README "BigQuery"): google-cloud-bigquery reaches it through BIGQUERY_EMULATOR_HOST; it
        # does not gunzip load files, so dlt writes them uncompressed.
        os.environ["BIGQUERY_EMULATOR_HOST"] = settings.bqemu_endpoint
        os.environ["NORMALIZE__DATA_WRITER__DISABLE_COMPRESSION"] = "true"
        return dlt.destinations.bigquery(
            credentials=Credentials(token="fake-token"),  # noqa: S106 - the emulator accepts any token
            project_id=BQEMU_PROJECT,
            location="US",
            staging_dataset_name_layout=STAGING_LAYOUT,
        )
    # prod: the project of profiles.yml; credentials as dlt resolves them (GOOGLE_APPLICATION_CREDENTIALS,
    # [destination.bigquery.credentials] in .dlt/secrets.toml, or application-default credentials)
    return dlt.destinations.bigquery(
        project_id=os.environ.get("NBA_PROPS_GCP_PROJECT"),
        location=location,
        staging_dataset_name_layout=STAGING_LAYOUT,
    )


def drop_interrupted_packages(pipeline: dlt.Pipeline) -> list[str]:
    """Drop the load packages a killed or timed-out load left in the pipeline's working folder; returns their
    load ids. Left there, they break the next load: dlt's ``run`` then loads only them and ignores the data it
    is given (the requested dates would be reported loaded and silently left out), and a package killed half
    way through normalization cannot be normalized at all (every later load fails). The landing area is the
    source of truth and every resource merges on its primary key, so the dates are simply extracted again.
    """
    if not pipeline.has_pending_data:
        return []
    pending = sorted({*pipeline.list_extracted_load_packages(), *pipeline.list_normalized_load_packages()})
    pipeline.abort_packages()
    return pending


def loaded_keys(pipeline: dlt.Pipeline) -> LoadedKeys:
    """(table, column, values) -> the values that ``column`` of nba_raw's ``table`` already holds (none while
    the table does not exist): what an incomplete delivery must not replace (Quarantine.hold_back)."""

    def loaded(table: str, column: str, values: Collection[object]) -> set[object]:
        if not values:
            return set()
        with pipeline.sql_client() as client:
            # names escaped by dlt's client, every value a bound parameter
            name, col = client.make_qualified_table_name(table), client.escape_column_name(column)
            marks = ", ".join(["%s"] * len(values))
            try:
                rows = client.execute_sql(
                    f"select distinct {col} from {name} where {col} in ({marks})",  # noqa: S608
                    *sorted(values),
                )
            except DatabaseUndefinedRelation:
                return set()
        return {row[0] for row in rows or []}

    return loaded


def open_rejections(pipeline: dlt.Pipeline) -> list[dict[str, object]]:
    """The entries of nba_raw.rejected_rows not resolved yet (all of them in a table written before
    ``resolved_at`` existed); none before the table exists."""
    columns = ("resource", "source_file", "locator", "field", "reason", "payload", "rejected_at")
    with pipeline.destination_client() as job_client:
        exists, stored = job_client.get_storage_table(REJECTED_TABLE)
        if not exists:
            return []
        client = job_client.sql_client
        names = ", ".join(client.escape_column_name(c) for c in columns)  # escaped by dlt's client
        query = f"select {names} from {client.make_qualified_table_name(REJECTED_TABLE)}"  # noqa: S608
        if "resolved_at" in stored:
            query += f" where {client.escape_column_name('resolved_at')} is null"
        rows = client.execute_sql(query)
    return [dict(zip(columns, row, strict=True)) for row in rows or []]


def load_landing(settings: Settings, dates: Sequence[date], landing_dir: os.PathLike | None = None) -> LoadResult:
    """Load the landing files of `dates` into nba_raw; rows failing validation go to nba_raw.rejected_rows.

    Every resource merges on its primary key, so loading the same dates again changes nothing. A run killed
    part way leaves its load packages in the pipeline's working folder; the next run drops them and extracts
    its dates again (``drop_interrupted_packages``), ending with the same rows as an uninterrupted run.
    """
    landing = LandingArea(Path(settings.landing_dir if landing_dir is None else landing_dir))
    days = list(dates)
    if settings.landing_url and landing_dir is None:
        sync_landing(settings.landing_url, landing.root, days)
    landing.check()
    started = time.perf_counter()
    pipeline = make_pipeline(settings)
    quarantine_pipeline = make_pipeline(settings, QUARANTINE_PIPELINE_NAME)
    dropped = drop_interrupted_packages(pipeline) + drop_interrupted_packages(quarantine_pipeline)
    quarantine = Quarantine(loaded_keys=loaded_keys(pipeline))
    sources = [
        balldontlie_source(landing, days, quarantine),
        odds_api_source(landing, days, quarantine),
        nbacom_source(landing, days, quarantine),
        bref_source(landing, days, quarantine),
        bigdataball_source(landing, days, quarantine),
    ]
    info = pipeline.run(sources, loader_file_format=loader_file_format(settings))
    info.raise_on_failed_jobs()
    result = LoadResult(load_ids=list(info.loads_ids), dropped_packages=dropped)
    result.step_seconds = {
        step.step: round((step.finished_at - step.started_at).total_seconds(), 3)
        for step in pipeline.last_trace.steps
        if step.step in ("extract", "normalize", "load") and step.finished_at
    }
    normalize = pipeline.last_trace.last_normalize_info
    result.rows = {
        table: count
        for table, count in (normalize.row_counts if normalize else {}).items()
        if not table.startswith("_dlt")
    }
    # after the good rows: a quarantine entry is written only once its file's good rows are in; the open
    # entries of files that loaded cleanly this time are resolved (kept as history)
    resolved = resolutions(quarantine, open_rejections(pipeline), datetime.now(UTC))
    rejected_rows = rejected_rows_resource(quarantine, resolved)
    if settings.target == "bq_emulator" and not quarantine.rows and not resolved:
        # the empty table is materialized from an empty load file: the emulator never completes a zero-byte
        # upload (BigQuery does), a parquet file with no rows has a schema and a footer
        rejected_rows.apply_hints(file_format="parquet")
    rejected = quarantine_pipeline.run(rejected_rows, loader_file_format=loader_file_format(settings))
    rejected.raise_on_failed_jobs()
    result.load_ids += list(rejected.loads_ids)
    result.rejected = quarantine.counts()
    result.rejected_examples = quarantine.examples()
    result.notes += quarantine.notes
    result.missing_injury_reports = [d.isoformat() for d in missing_injury_reports(landing, days)]
    result.seconds = time.perf_counter() - started
    return result
