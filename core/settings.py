"""Where things live and which warehouse target is used. Environment variables override the defaults."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import UsageError

PROJECT_DIR = Path(os.environ.get("NBA_PROPS_PROJECT_DIR", Path(__file__).resolve().parents[1]))
DUCKDB_TARGETS = {"dev": "nba_props.duckdb", "test": "nba_props_test.duckdb", "eval": "nba_props_eval.duckdb"}
# BigQuery: prod (a GCP project) and bq_emulator (the offline emulator, README "BigQuery"; dbt and phase 1 only)
BIGQUERY_TARGETS = ("prod", "bq_emulator")
TARGETS = (*DUCKDB_TARGETS, *BIGQUERY_TARGETS)
BQEMU_PROJECT = "test-project"
SCHEMAS = (
    "nba_raw",
    "nba_staging",
    "nba_analytics",
    "nba_precompute",
    "nba_predictions",
    "nba_publish",
    "nba_monitoring",
)


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).resolve() if value else default


PHASE_TIMEOUT_ENV = "NBA_PROPS_PHASE_TIMEOUT_SECONDS"  # every phase; NBA_PROPS_PHASE_TIMEOUT_SECONDS_<N>: phase N
PHASE_TIMEOUT_GRACE_ENV = "NBA_PROPS_PHASE_TIMEOUT_GRACE_SECONDS"
DEFAULT_PHASE_TIMEOUT_SECONDS = 1800.0
DEFAULT_PHASE_TIMEOUT_GRACE_SECONDS = 60.0


def _env_seconds(name: str, default: float) -> float:
    """A duration in seconds from the environment; 0 (or less) means no limit."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"{name}={value!r} is not a number") from None


def _phase_timeout_overrides() -> tuple[tuple[int, float], ...]:
    return tuple(
        (phase, _env_seconds(f"{PHASE_TIMEOUT_ENV}_{phase}", 0.0))
        for phase in range(1, 7)
        if os.environ.get(f"{PHASE_TIMEOUT_ENV}_{phase}", "").strip()
    )


def target_folder(base: Path, target: str) -> Path:
    """The output folder of ``target`` derived from dev's: dev's own, or ``<base>_<target>`` beside it."""
    return base if target == "dev" else base.with_name(f"{base.name}_{target}")


@dataclass(frozen=True)
class Settings:
    target: str = "dev"
    project_dir: Path = PROJECT_DIR
    warehouse_dir: Path = field(default_factory=lambda: _env_path("NBA_PROPS_WAREHOUSE_DIR", PROJECT_DIR / "warehouse"))
    landing_dir: Path = field(default_factory=lambda: _env_path("NBA_PROPS_LANDING_DIR", PROJECT_DIR / "landing"))
    # each target owns its output folders: dev writes exports/ and reports/, any other target exports_<target>/
    # and reports_<target>/ beside them (None: that default; a folder given explicitly is used as it is, and
    # dbt_project/publish/export.py refuses one that another target's marker claims)
    exports_dir: Path = None  # type: ignore[assignment]
    reports_dir: Path = None  # type: ignore[assignment]
    # replay from object storage: mirrored into landing_dir before each load (ingestion/remote.py)
    landing_url: str | None = field(default_factory=lambda: os.environ.get("NBA_PROPS_LANDING_URL") or None)
    # publish the feeds to object storage (gs://bucket/prefix, any fsspec URL) instead of exports_dir
    exports_url: str | None = field(default_factory=lambda: os.environ.get("NBA_PROPS_EXPORTS_URL") or None)
    # wall-clock limit of every phase (runner, dbt_project/control/timeouts.py); overrides as (phase, seconds)
    phase_timeout_seconds: float = field(
        default_factory=lambda: _env_seconds(PHASE_TIMEOUT_ENV, DEFAULT_PHASE_TIMEOUT_SECONDS)
    )
    phase_timeout_overrides: tuple[tuple[int, float], ...] = field(default_factory=_phase_timeout_overrides)
    # how long a phase past its limit may take to stop before the process exits (the hard backstop)
    phase_timeout_grace_seconds: float = field(
        default_factory=lambda: _env_seconds(PHASE_TIMEOUT_GRACE_ENV, DEFAULT_PHASE_TIMEOUT_GRACE_SECONDS)
    )

    def __post_init__(self) -> None:
        if self.target not in TARGETS:
            raise ValueError(f"unknown target {self.target!r}: choose one of {', '.join(TARGETS)}")
        if self.exports_dir is None:
            base = _env_path("NBA_PROPS_EXPORTS_DIR", PROJECT_DIR / "exports")
            object.__setattr__(self, "exports_dir", target_folder(base, self.target))
        if self.reports_dir is None:
            base = _env_path("NBA_PROPS_REPORTS_DIR", PROJECT_DIR / "reports")
            object.__setattr__(self, "reports_dir", target_folder(base, self.target))

    @classmethod
    def from_env(cls, target: str | None = None, **overrides: Path | None) -> Settings:
        given = {k: Path(v).resolve() for k, v in overrides.items() if v is not None}
        return cls(target=target or os.environ.get("NBA_PROPS_TARGET", "dev"), **given)

    def phase_timeout(self, phase: int) -> float | None:
        """Wall-clock limit of ``phase`` in seconds (its override, else the default); None: no limit."""
        limit = dict(self.phase_timeout_overrides).get(phase, self.phase_timeout_seconds)
        return limit if limit > 0 else None

    @property
    def schema_prefix(self) -> str:
        return "test_" if self.target == "test" else ""

    def schema(self, name: str) -> str:
        """Physical schema (dataset) of a logical one, e.g. nba_raw -> test_nba_raw on the test target."""
        if name not in SCHEMAS:
            raise ValueError(f"unknown schema {name!r}")
        return self.schema_prefix + name

    @property
    def is_duckdb(self) -> bool:
        return self.target in DUCKDB_TARGETS

    @property
    def bqemu_endpoint(self) -> str:
        """REST endpoint of the BigQuery emulator (the bq_emulator target of profiles.yml)."""
        return f"http://127.0.0.1:{os.environ.get('NBA_PROPS_BQEMU_PORT', '9050')}"

    @property
    def duckdb_path(self) -> Path:
        if not self.is_duckdb:
            raise UsageError(
                f"target {self.target} is BigQuery: this command runs on the DuckDB targets "
                f"({', '.join(DUCKDB_TARGETS)}) for now; on BigQuery use dbt (dbt build --selector phaseN "
                f"--target {self.target})"
            )
        return self.warehouse_dir / DUCKDB_TARGETS[self.target]

    @property
    def dlt_pipelines_dir(self) -> Path:
        """dlt's working folder of phase 1's pipelines (one per target, ``nba_props_replay_<target>``): state,
        schemas, load packages and the last trace. `dlt pipeline ...` run from the project root finds it
        (ingestion/dlt_context.py)."""
        return self.warehouse_dir / ".dlt_pipelines"

    @property
    def dbt_target_path(self) -> Path:
        return Path(os.environ.get("DBT_TARGET_PATH", self.project_dir / "target"))

    def export_env(self) -> None:
        """Make dbt (profiles.yml) and dlt see the same locations and target as this process."""
        os.environ["NBA_PROPS_WAREHOUSE_DIR"] = str(self.warehouse_dir)
        os.environ["NBA_PROPS_TARGET"] = self.target
        os.environ.setdefault("RUNTIME__DLT_TELEMETRY", "false")
        os.environ.setdefault("DO_NOT_TRACK", "1")


def project_vars(project_dir: Path = PROJECT_DIR) -> dict:
    """The `vars:` of dbt_project.yml: one place for thresholds used by both SQL and Python. The file is parsed
    again only when it changes (a run reads the vars for every date it predicts and exports)."""
    path = project_dir / "dbt_project.yml"
    stat = path.stat()
    return dict(_parsed_vars(str(path), stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=16)
def _parsed_vars(path: str, mtime_ns: int, size: int) -> dict:
    import yaml

    with open(path, encoding="utf-8") as fh:
        return dict(yaml.safe_load(fh).get("vars") or {})
