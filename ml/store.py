"""Phase 5's reads and writes: the one module of ``ml`` that connects to the warehouse or holds SQL.

Reads: the date's slate with the players' form columns (``load_inputs``), xgboost's feature and training rows
of a market (``feature_rows``, ``training_frame``), a model's registry entry, the stack's stored component
predictions (``stack_predictions``) and the residual history of the baselines (feature store) and of the model
systems (their own stored predictions). Writes: the model registry (``write_registry``, xgboost's models and
the ensemble's stacks alike) and a date's predictions (``replace_predictions``, one transaction). The model
code (``ml.xgb``, ``ml.stack``, ``ml.calibration``, ``ml.systems``) computes over the frames these return.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

import pandas as pd

from core.errors import UserError
from core.settings import Settings
from core.warehouse import connect, shared_connection, table_exists
from ml.features import feature_spec
from ml.markets import MARKETS, Market

PREDICTIONS_TABLE = "player_prop_predictions"
COLUMNS = [
    "game_date",
    "player_id",
    "player_name",
    "team_abbr",
    "market",
    "bookmaker",
    "line",
    "over_price",
    "under_price",
    "system",
    "model_version",
    "feature_version",
    "predicted_value",
    "prob_over",
    "edge",
    "recommendation",
    "confidence",
    "run_id",
    "created_at",
]
REGISTRY_TABLE = "model_registry"
REGISTRY_COLUMNS = {
    "system": "varchar not null",
    "model_version": "varchar not null",
    "market": "varchar not null",
    "feature_version": "varchar",
    "trained_through": "date not null",
    "n_train_rows": "bigint not null",
    "features": "varchar",
    "params": "varchar",
    "train_fingerprint": "varchar",
    "artifact_path": "varchar",
    "artifact_sha256": "varchar",
    "trained_at": "timestamp",
}
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


@contextmanager
def one_connection(settings: Settings) -> Iterator[None]:
    """Every read and write of the block on one warehouse connection (``core.warehouse.shared_connection``)."""
    with shared_connection(settings):
        yield


# -- tables ---------------------------------------------------------------------------------------------------
def ensure_predictions_table(settings: Settings) -> None:
    schema = settings.schema("nba_predictions")
    with connect(settings) as con:
        con.execute(f"create schema if not exists {schema}")
        con.execute(
            f"""create table if not exists {schema}.{PREDICTIONS_TABLE} (
                game_date date not null,
                player_id bigint not null,
                player_name varchar,
                team_abbr varchar,
                market varchar not null,
                bookmaker varchar not null,
                line double not null,
                over_price integer,
                under_price integer,
                system varchar not null,
                model_version varchar not null,
                feature_version varchar,
                predicted_value double not null,
                prob_over double not null,
                edge double,
                recommendation varchar not null,
                confidence double,
                run_id varchar,
                created_at timestamp,
                primary key (game_date, player_id, market, bookmaker, system, model_version)
            )"""
        )


def ensure_registry(settings: Settings) -> None:
    """Create the registry; a registry from before per-market models (no ``market`` column) is recreated:
    it only describes artifacts, which are retrained or reloaded on demand."""
    schema = settings.schema("nba_predictions")
    table = f"{schema}.{REGISTRY_TABLE}"
    with connect(settings) as con:
        con.execute(f"create schema if not exists {schema}")
        existing = {
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
                [schema, REGISTRY_TABLE],
            ).fetchall()
        }
        if existing and set(REGISTRY_COLUMNS) - existing:
            con.execute(f"drop table {table}")
        columns = ", ".join(f"{name} {kind}" for name, kind in REGISTRY_COLUMNS.items())
        con.execute(
            f"create table if not exists {table} ({columns}, "
            "primary key (system, model_version, market, trained_through))"
        )


# -- the slate ------------------------------------------------------------------------------------------------
def _form_columns() -> list[str]:
    columns: list[str] = []
    for market in MARKETS.values():
        columns += [c for c in (market.l10_column, market.season_column, market.sd_column) if c not in columns]
    return columns


def load_inputs(settings: Settings, game_date: date, last: date | None = None) -> pd.DataFrame:
    """The date's predicted rows of the slate (nba_precompute.prediction_slate, ``is_predicted``: every book's
    pre-game line of every market of the seed for the players with a feature row who are not ruled out), with
    the market's consensus line (``line_consensus``) and the player's form columns from the feature store.
    With ``last``: the rows of every date from ``game_date`` to ``last`` in one read (by date, then as for one
    date: a run's phase 5 reads its slate once)."""
    precompute = settings.schema("nba_precompute")
    form = ", ".join(f"f.{c}" for c in _form_columns())
    with connect(settings, read_only=False) as con:
        if not table_exists(con, precompute, "prediction_slate"):
            raise UserError(
                f"{precompute}.prediction_slate does not exist: phase 4 has not built the slate (run phase 4 first)"
            )
        return con.execute(
            f"""
            select
                f.game_date, f.player_id, f.player_name, f.team_abbr, f.feature_version, {form},
                f.games_played_season as games_played_total,
                s.market, s.bookmaker, s.line, s.over_price, s.under_price, s.no_vig_over_probability,
                s.line_consensus
            from {precompute}.prediction_slate as s
            inner join {precompute}.ml_feature_store as f
                on f.player_id = s.player_id and f.game_date = s.game_date
            where s.game_date between ? and ? and s.is_predicted
            order by s.game_date, s.market, f.player_id, s.bookmaker
            """,
            [game_date, last or game_date],
        ).df()


# -- xgboost's rows and registry ------------------------------------------------------------------------------
def _frame_sql(settings: Settings, market: Market, target: bool) -> str:
    precompute, analytics = settings.schema("nba_precompute"), settings.schema("nba_analytics")
    store = ", ".join(f"cast(f.{col} as double) as {col}" for col in feature_spec(settings).columns)
    # the market's consensus (one row per date, player name and market) of the player's game: where the
    # feature row knows his team, the line's event is his team's
    lines = (
        "left join lines as l on l.game_date = f.game_date and l.player_name_key = f.player_name_key "
        "and (f.team_abbr is null or f.team_abbr in (l.home_team_abbr, l.away_team_abbr))"
    )
    outcome = (
        f", cast(s.{market.actual_column} as double) as target from {precompute}.ml_feature_store as f "
        f"inner join {analytics}.player_game_summary as s on s.player_id = f.player_id and s.game_date = f.game_date "
        f"{lines} where f.game_date < ? and s.played and s.{market.actual_column} is not null"
        if target
        else f" from {precompute}.ml_feature_store as f {lines} where f.game_date between ? and ?"
    )
    # the column names are ml.xgb.LINE_FEATURES
    return f"""
        with lines as (
            select game_date, player_name_key, home_team_abbr, away_team_abbr, line_consensus, books, line_spread
            from {analytics}.player_prop_consensus
            where market = ? and game_date <= ?
        )
        select f.game_date, f.player_id, {store},
            cast(l.line_consensus as double) as market_line,
            cast(coalesce(l.books, 0) as double) as market_line_books,
            cast(l.line_spread as double) as market_line_spread
        {outcome}
        order by f.game_date, f.player_id
    """


def training_frame(settings: Settings, market: Market, before: date) -> pd.DataFrame:
    """Feature rows of played games strictly before ``before`` with the market's actual stat (``target``)."""
    with connect(settings) as con:
        return con.execute(_frame_sql(settings, market, target=True), [market.key, before, before]).df()


def feature_rows(settings: Settings, market: Market, game_date: date, last: date | None = None) -> pd.DataFrame:
    """The model inputs of one date, one row per player (with ``last``: of every date to ``last``, by date)."""
    last = last or game_date
    with connect(settings) as con:
        return con.execute(_frame_sql(settings, market, target=False), [market.key, last, game_date, last]).df()


def registry_entry(settings: Settings, system, through: date) -> dict | None:
    """The registry row of one model (system, version, market, trained_through), or None."""
    ensure_registry(settings)
    table = f"{settings.schema('nba_predictions')}.{REGISTRY_TABLE}"
    names = ["artifact_path", "artifact_sha256", "train_fingerprint", "params", "features", "feature_version"]
    with connect(settings) as con:
        row = con.execute(
            f"select {', '.join(names)} from {table} "
            "where system = ? and model_version = ? and market = ? and trained_through = ?",
            [system.name, system.model_version, system.market.key, through],
        ).fetchone()
    return None if row is None else dict(zip(names, row, strict=True))


def write_registry(settings: Settings, entries: list[dict]) -> None:
    """Insert or replace registry rows (xgboost's models, the ensemble's stacks): each with the columns it
    names, in ``REGISTRY_COLUMNS`` order."""
    if not entries:
        return
    ensure_registry(settings)
    table = f"{settings.schema('nba_predictions')}.{REGISTRY_TABLE}"
    with connect(settings) as con:
        for entry in entries:
            names = [c for c in REGISTRY_COLUMNS if c in entry]
            con.execute(
                f"insert or replace into {table} ({', '.join(names)}) values ({', '.join('?' * len(names))})",
                [entry[c] for c in names],
            )


# -- the stack's rows -----------------------------------------------------------------------------------------
def stack_predictions(
    settings: Settings, market_key: str, actual_column: str, versions: dict[str, str], since: date, before: date
) -> pd.DataFrame:
    """The components' stored predictions of played games in [since, before), one row per player, date and
    system: predicted mean, consensus line (player_prop_consensus of the player's game, his name key from the
    feature row the prediction was made from) and the actual (``ml.stack.training_rows`` widens them)."""
    predictions = f"{settings.schema('nba_predictions')}.{PREDICTIONS_TABLE}"
    analytics, precompute = settings.schema("nba_analytics"), settings.schema("nba_precompute")
    pairs = " or ".join("(system = ? and model_version = ?)" for _ in versions)
    params: list = [market_key, since, before]
    for name, version in versions.items():
        params += [name, version]
    with connect(settings) as con:
        return con.execute(
            f"""
            select p.game_date, p.player_id, p.system, any_value(p.predicted_value) as predicted_value,
                any_value(c.line_consensus) as line, any_value(cast(s.{actual_column} as double)) as actual
            from {predictions} as p
            inner join {analytics}.player_game_summary as s
                on s.player_id = p.player_id and s.game_date = p.game_date
            left join {precompute}.ml_feature_store as f
                on f.player_id = p.player_id and f.game_date = p.game_date
            left join {analytics}.player_prop_consensus as c
                on c.game_date = p.game_date and c.player_name_key = f.player_name_key and c.market = p.market
                and (p.team_abbr is null or p.team_abbr in (c.home_team_abbr, c.away_team_abbr))
            where p.market = ? and p.game_date >= ? and p.game_date < ? and ({pairs})
                and s.played and s.{actual_column} is not null
            group by p.game_date, p.player_id, p.system
            """,
            params,
        ).df()


# -- residual history -----------------------------------------------------------------------------------------
def load_residuals(settings: Settings, market: Market, mean_column: str, before: date) -> pd.DataFrame:
    """(game_date, residual) of every played game strictly before ``before``: the market's stat -
    ``mean_column`` of the feature store."""
    for column in (mean_column, market.actual_column):
        if not _IDENTIFIER.match(column):
            raise ValueError(f"not a column name: {column!r}")
    precompute, analytics = settings.schema("nba_precompute"), settings.schema("nba_analytics")
    with connect(settings) as con:
        return con.execute(
            f"""
            select f.game_date, cast(s.{market.actual_column} as double) - f.{mean_column} as residual
            from {precompute}.ml_feature_store as f
            inner join {analytics}.player_game_summary as s
                on s.player_id = f.player_id and s.game_date = f.game_date
            where f.game_date < ? and s.played and s.{market.actual_column} is not null
                and f.{mean_column} is not null
            order by f.game_date
            """,
            [before],
        ).df()


def load_prediction_residuals(
    settings: Settings, system: str, model_version: str, market: Market, before: date
) -> pd.DataFrame:
    """(game_date, residual) of a model system's own stored predictions (out of sample: each was made with a
    model trained before its date) of played games strictly before ``before``, one per player and date."""
    predictions = f"{settings.schema('nba_predictions')}.{PREDICTIONS_TABLE}"
    analytics = settings.schema("nba_analytics")
    with connect(settings) as con:
        return con.execute(
            f"""
            select p.game_date, cast(s.{market.actual_column} as double) - p.predicted_value as residual
            from (
                select game_date, player_id, any_value(predicted_value) as predicted_value
                from {predictions}
                where system = ? and model_version = ? and market = ? and game_date < ?
                group by game_date, player_id
            ) as p
            inner join {analytics}.player_game_summary as s
                on s.player_id = p.player_id and s.game_date = p.game_date
            where s.played and s.{market.actual_column} is not null
            order by p.game_date, p.player_id
            """,
            [system, model_version, market.key, before],
        ).df()


# -- predictions ----------------------------------------------------------------------------------------------
def replace_predictions(
    settings: Settings, game_date: date, versions: list[tuple[str, str]], frames: list[pd.DataFrame], run_id: str
) -> int:
    """Replace one date's rows of the given system/model versions with ``frames`` in one transaction: a
    crash or retry leaves the old rows or the new ones, never both or half."""
    table = f"{settings.schema('nba_predictions')}.{PREDICTIONS_TABLE}"
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    rows["run_id"], rows["created_at"] = run_id, datetime.now(UTC).replace(tzinfo=None)
    for col in COLUMNS:
        if col not in rows:
            rows[col] = None
    rows = rows[COLUMNS]
    pairs = " or ".join("(system = ? and model_version = ?)" for _ in versions)
    with connect(settings) as con:
        con.execute("begin transaction")
        try:
            con.execute(
                f"delete from {table} where game_date = ? and ({pairs})",
                [game_date, *[v for pair in versions for v in pair]],
            )
            if not rows.empty:
                con.register("new_predictions", rows)
                con.execute(f"insert into {table} ({', '.join(COLUMNS)}) select * from new_predictions")
                con.unregister("new_predictions")
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
    return len(rows)
