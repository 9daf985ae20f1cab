"""The ``xgboost`` system: one XGBRegressor per market on the point-in-time feature store, trained walk-forward.

The model used for a prediction date D is trained through T = ``trained_through(D)``, on feature rows with
game_date <= T (< D) joined to the actual stat of played games. T steps once every ``retrain_days`` days on a
fixed calendar, so D in (T, T + retrain_days] share one model: retraining happens at most once per window, and
a re-run of D gets the same model (same rows, fixed seed) instead of depending on what ran before.

Inputs (``features``): the ml_feature_store columns its yml flags ``meta: {feature: true}``, in the yml's order,
at the model's feature_version (``ml.features`` reads both from dbt's manifest), then the market's consensus line,
books and line spread from ``nba_analytics.player_prop_consensus`` (``LINE_FEATURES``).

Artifacts. Every trained model is saved as XGBoost JSON under
``<warehouse_dir>/models/<target>/<system>/<model_version>/<market>/trained_through=<T>/model.json`` (written
atomically) and recorded in ``nba_predictions.model_registry`` (system, model_version, market, feature_version,
trained_through, training rows, feature list, fingerprint of the training data, artifact path and sha256). A
later process needing the same model loads the artifact instead of retraining when the registry's
fingerprint matches the training data it sees now, its inputs and feature_version are today's and the file's
sha256 is intact.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from core.settings import Settings
from core.warehouse import connect
from ml.features import feature_spec
from ml.markets import Market

# the model inputs: the feature store's columns its yml flags (``ml.features``, read from dbt's manifest), then
# the market's own pre-game consensus line, how many books quote it and how far apart their lines are
# (nba_analytics.player_prop_consensus: line_consensus, books, line_spread), all known before tip-off
LINE_FEATURES = ["market_line", "market_line_books", "market_line_spread"]
REGISTRY_TABLE = "model_registry"
_EPOCH = date(2000, 1, 1)
_CACHE: dict[tuple, object] = {}
# (warehouse, target, market, trained_through) -> (training rows, fingerprint) while frozen_training_data() is open
_FROZEN: dict[tuple, tuple[int, str]] | None = None


def trained_through(game_date: date, retrain_days: int = 7) -> date:
    """The last game date a model used on ``game_date`` is trained on: fixed calendar windows, always < D and
    at most ``retrain_days`` before it."""
    offset = (game_date - timedelta(days=1) - _EPOCH).days % retrain_days
    return game_date - timedelta(days=1 + offset)


def features(settings: Settings) -> list[str]:
    """The model's input columns, in order: the feature store's declared inputs, then LINE_FEATURES."""
    store = list(feature_spec(settings).columns)
    clash = sorted(set(store) & set(LINE_FEATURES))
    if clash:
        raise ValueError(f"ml_feature_store columns {', '.join(clash)} are flagged as model inputs but are the "
                         "names of ml/xgb.py's line features: rename them")
    return store + LINE_FEATURES


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
        else f" from {precompute}.ml_feature_store as f {lines} where f.game_date = ?"
    )
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


def feature_rows(settings: Settings, market: Market, game_date: date) -> pd.DataFrame:
    """The model inputs of one date, one row per player."""
    with connect(settings) as con:
        return con.execute(_frame_sql(settings, market, target=False), [market.key, game_date, game_date]).df()


# -- registry and artifacts -----------------------------------------------------------------------------------
_REGISTRY_COLUMNS = {
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
        if existing and set(_REGISTRY_COLUMNS) - existing:
            con.execute(f"drop table {table}")
        columns = ", ".join(f"{name} {kind}" for name, kind in _REGISTRY_COLUMNS.items())
        con.execute(
            f"create table if not exists {table} ({columns}, "
            "primary key (system, model_version, market, trained_through))"
        )


def artifact_dir(settings: Settings, system, through: date) -> Path:
    return (settings.warehouse_dir / "models" / settings.target / system.name / system.model_version
            / system.market.key / f"trained_through={through.isoformat()}")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _params(system) -> dict:
    return {
        "n_estimators": system.n_estimators, "max_depth": system.max_depth, "learning_rate": system.learning_rate,
        "subsample": system.subsample, "colsample_bytree": system.colsample_bytree,
        "min_child_weight": system.min_child_weight, "random_state": system.random_state,
        "objective": "reg:absoluteerror", "tree_method": "hist",
    }


def _fit(system, train: pd.DataFrame, columns: list[str]):
    from xgboost import XGBRegressor

    model = XGBRegressor(**_params(system), n_jobs=system.n_jobs)
    model.fit(train[columns].to_numpy(float), train["target"].to_numpy(float))
    return model


def _save(settings: Settings, system, through: date, model, n_rows: int, fingerprint: str) -> None:
    version, columns = feature_spec(settings).version, features(settings)
    folder = artifact_dir(settings, system, through)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "model.json"
    tmp = folder / f".model.{os.getpid()}.json"
    model.save_model(str(tmp))
    os.replace(tmp, path)  # atomic: a crash leaves the old artifact or none, never half of one
    sha = _sha256(path)
    meta = {
        "system": system.name, "model_version": system.model_version, "market": system.market.key,
        "feature_version": version, "trained_through": through.isoformat(), "n_train_rows": n_rows,
        "features": columns, "params": _params(system), "train_fingerprint": fingerprint, "sha256": sha,
    }
    (folder / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True))
    ensure_registry(settings)
    table = f"{settings.schema('nba_predictions')}.{REGISTRY_TABLE}"
    with connect(settings) as con:
        con.execute(
            f"insert or replace into {table} ({', '.join(_REGISTRY_COLUMNS)}) values ({', '.join('?' * 12)})",
            [system.name, system.model_version, system.market.key, version, through, n_rows,
             json.dumps(columns), json.dumps(_params(system), sort_keys=True), fingerprint, str(path), sha,
             datetime.now(UTC).replace(tzinfo=None)],
        )


def _load(settings: Settings, system, through: date, fingerprint: str):
    """The registered artifact of this exact model, inputs and training data, or None."""
    ensure_registry(settings)
    table = f"{settings.schema('nba_predictions')}.{REGISTRY_TABLE}"
    with connect(settings) as con:
        row = con.execute(
            f"select artifact_path, artifact_sha256, train_fingerprint, params, features, feature_version from {table} "
            "where system = ? and model_version = ? and market = ? and trained_through = ?",
            [system.name, system.model_version, system.market.key, through],
        ).fetchone()
    if row is None or row[2] != fingerprint or row[3] != json.dumps(_params(system), sort_keys=True):
        return None
    if row[4] != json.dumps(features(settings)) or row[5] != feature_spec(settings).version:
        return None  # trained on other inputs
    path = Path(row[0])
    if not path.is_file() or _sha256(path) != row[1]:
        return None
    from xgboost import XGBRegressor

    model = XGBRegressor()
    model.load_model(str(path))
    return model


@contextmanager
def frozen_training_data() -> Iterator[None]:
    """Within the block the training data does not change (phase 5 over several dates writes predictions and
    the registry only; phases 1-4, which build the training data, run before it): the training frame of a
    market and week is then read and fingerprinted once, not once per prediction date. Nested blocks share
    the outer one."""
    global _FROZEN
    if _FROZEN is not None:
        yield
        return
    _FROZEN = {}
    try:
        yield
    finally:
        _FROZEN = None


# decimals the training data's floats are rounded to before fingerprinting: the incremental rebuild of the last
# days (incremental_lookback_days) recomputes factor columns of dates already built, and they can come back
# different in the last bits (pace/defense/composite factors, <= 4.4e-16 on the 2024-25 season); unrounded, every
# nightly run then missed the week's saved models and retrained them
FINGERPRINT_DECIMALS = 9


def _fingerprint(train: pd.DataFrame) -> str:
    floats = train.select_dtypes("floating").columns
    rounded = train.assign(**{c: train[c].round(FINGERPRINT_DECIMALS) + 0.0 for c in floats})  # -0.0 -> 0.0
    return hashlib.sha1(pd.util.hash_pandas_object(rounded, index=False).to_numpy().tobytes()).hexdigest()


def model_for(settings: Settings, system, game_date: date):
    """The model for ``game_date`` (trained through ``trained_through``), or None under ``min_train_rows``.

    The training frame is read to fingerprint the training data (a saved model is used only for the same
    data); inside ``frozen_training_data`` once per market and week, and only again when the model must be
    trained."""
    through = trained_through(game_date, system.retrain_days)
    before = through + timedelta(days=1)
    frozen_key = (str(settings.warehouse_dir), settings.target, system.market.key, through)
    train = None
    if _FROZEN is not None and frozen_key in _FROZEN:
        n_rows, fingerprint = _FROZEN[frozen_key]
    else:
        train = training_frame(settings, system.market, before)
        n_rows, fingerprint = len(train), _fingerprint(train)
        if _FROZEN is not None:
            _FROZEN[frozen_key] = (n_rows, fingerprint)
    if n_rows < system.min_train_rows:
        return None
    key = (str(settings.warehouse_dir), settings.target, system.model_version, system.market.key, through,
           fingerprint)
    if key not in _CACHE:
        model = _load(settings, system, through, fingerprint)
        if model is None:
            if train is None:
                train = training_frame(settings, system.market, before)
            model = _fit(system, train, features(settings))
            _save(settings, system, through, model, n_rows, fingerprint)
        _CACHE[key] = model
    return _CACHE[key]


def predict(settings: Settings, system, game_date: date) -> pd.Series:
    """Predicted stat per player_id for ``game_date`` (empty when no model can be trained yet)."""
    rows = feature_rows(settings, system.market, game_date)
    if rows.empty:
        return pd.Series(dtype=float)
    model = model_for(settings, system, game_date)
    if model is None:
        return pd.Series(dtype=float)
    predicted = model.predict(rows[features(settings)].to_numpy(float)).astype(float)
    return pd.Series(np.asarray(predicted, dtype=float), index=rows["player_id"].to_numpy())
