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

This module computes only: ``ml.store`` reads the rows and registry entries and writes the registry rows this
module returns; ``ml.predict`` orchestrates the two and owns the run's in-memory models (``Session``).
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from core.errors import UsageError
from core.settings import Settings
from ml.features import feature_spec

# the model inputs: the feature store's columns its yml flags (``ml.features``, read from dbt's manifest), then
# the market's own pre-game consensus line, how many books quote it and how far apart their lines are
# (nba_analytics.player_prop_consensus: line_consensus, books, line_spread, as ``ml.store`` reads them), all
# known before tip-off
LINE_FEATURES = ["market_line", "market_line_books", "market_line_spread"]
_EPOCH = date(2000, 1, 1)


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
        raise ValueError(
            f"ml_feature_store columns {', '.join(clash)} are flagged as model inputs but are the "
            "names of ml/xgb.py's line features: rename them"
        )
    return store + LINE_FEATURES


# -- artifacts ------------------------------------------------------------------------------------------------
def artifact_dir(settings: Settings, system, through: date) -> Path:
    return (
        settings.warehouse_dir
        / "models"
        / settings.target
        / system.name
        / system.model_version
        / system.market.key
        / f"trained_through={through.isoformat()}"
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _params(system) -> dict:
    return {
        "n_estimators": system.n_estimators,
        "max_depth": system.max_depth,
        "learning_rate": system.learning_rate,
        "subsample": system.subsample,
        "colsample_bytree": system.colsample_bytree,
        "min_child_weight": system.min_child_weight,
        "random_state": system.random_state,
        "objective": "reg:absoluteerror",
        "tree_method": "hist",
    }


THREADS_ENV = "NBA_PROPS_XGB_THREADS"


def threads(system) -> int:
    """The threads one fit uses: ``NBA_PROPS_XGB_THREADS`` when set, else the system's ``n_jobs``. A machine
    setting, not a model parameter: the trees are the same for any number of threads (hist), so it is not in
    the registry's params and a saved model stays valid when it changes."""
    value = os.environ.get(THREADS_ENV, "").strip()
    if not value:
        return system.n_jobs
    if not value.isdigit() or int(value) < 1:
        raise UsageError(f"{THREADS_ENV}={value!r}: expected a whole number of threads >= 1")
    return int(value)


def fit(system, train: pd.DataFrame, columns: list[str]):
    from xgboost import XGBRegressor

    model = XGBRegressor(**_params(system), n_jobs=threads(system))
    model.fit(train[columns].to_numpy(float), train["target"].to_numpy(float))
    return model


def save(settings: Settings, system, through: date, model, n_rows: int, fingerprint: str) -> dict:
    """Write the artifact (and its meta.json) and return its registry row (``ml.store.write_registry``)."""
    version, columns = feature_spec(settings).version, features(settings)
    folder = artifact_dir(settings, system, through)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "model.json"
    tmp = folder / f".model.{os.getpid()}.json"
    model.save_model(str(tmp))
    os.replace(tmp, path)  # atomic: a crash leaves the old artifact or none, never half of one
    sha = _sha256(path)
    meta = {
        "system": system.name,
        "model_version": system.model_version,
        "market": system.market.key,
        "feature_version": version,
        "trained_through": through.isoformat(),
        "n_train_rows": n_rows,
        "features": columns,
        "params": _params(system),
        "train_fingerprint": fingerprint,
        "sha256": sha,
    }
    (folder / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True))
    return {
        "system": system.name,
        "model_version": system.model_version,
        "market": system.market.key,
        "feature_version": version,
        "trained_through": through,
        "n_train_rows": n_rows,
        "features": json.dumps(columns),
        "params": json.dumps(_params(system), sort_keys=True),
        "train_fingerprint": fingerprint,
        "artifact_path": str(path),
        "artifact_sha256": sha,
        "trained_at": datetime.now(UTC).replace(tzinfo=None),
    }


def load(settings: Settings, system, entry: dict | None, fingerprint: str):
    """The artifact of the registry ``entry`` (``ml.store.registry_entry``) if it is this exact model, inputs
    and training data, or None."""
    if (
        entry is None
        or entry["train_fingerprint"] != fingerprint
        or entry["params"] != json.dumps(_params(system), sort_keys=True)
    ):
        return None
    if (
        entry["features"] != json.dumps(features(settings))
        or entry["feature_version"] != feature_spec(settings).version
    ):
        return None  # trained on other inputs
    path = Path(entry["artifact_path"])
    if not path.is_file() or _sha256(path) != entry["artifact_sha256"]:
        return None
    from xgboost import XGBRegressor

    model = XGBRegressor()
    model.load_model(str(path))
    return model


# decimals the training data's floats are rounded to before fingerprinting: the incremental rebuild of the last
# days (incremental_lookback_days) recomputes factor columns of dates already built, and they can come back
# different in the last bits (pace/defense/composite factors, <= 4.4e-16 on the 2024-25 season); unrounded, every
# nightly run then missed the week's saved models and retrained them
FINGERPRINT_DECIMALS = 9


def fingerprint(train: pd.DataFrame) -> str:
    floats = train.select_dtypes("floating").columns
    rounded = train.assign(**{c: train[c].round(FINGERPRINT_DECIMALS) + 0.0 for c in floats})  # -0.0 -> 0.0
    return hashlib.sha1(pd.util.hash_pandas_object(rounded, index=False).to_numpy().tobytes()).hexdigest()


def predict(model, rows: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Predicted stat per player_id of the date's feature rows (``ml.store.feature_rows``)."""
    predicted = model.predict(rows[columns].to_numpy(float)).astype(float)
    return pd.Series(np.asarray(predicted, dtype=float), index=rows["player_id"].to_numpy())
