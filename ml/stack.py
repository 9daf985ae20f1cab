"""The ``ensemble`` system's stack, anchored on the market.

For a prediction date D and market m the stack is fitted on the components' stored predictions of played
games in [D - window, D) (each made out of sample, by a model trained before its own date): one row per
player and date with the consensus line L (nba_analytics.player_prop_consensus: the median across books), the
components' means p_i and the actual y.
A ridge regression (RidgeCV, leave-one-out choice of the penalty on those rows only) fits
    y - L  ~  b0 + sum_i b_i * (p_i - L),
so a heavy penalty shrinks the prediction to the market's line and the data decide how far each component
may pull it away. The fitted weights are recorded in ``nba_predictions.model_registry`` with
trained_through = D - 1.

This module computes only: ``ml.store`` reads the stored predictions and writes the registry row returned by
``registry_entry``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd

ALPHAS = np.logspace(-2, 5, 15)


@dataclass(frozen=True)
class StackFit:
    components: tuple[str, ...]
    intercept: float
    coefficients: tuple[float, ...]
    alpha: float
    n_rows: int

    def apply(self, line: np.ndarray, means: pd.DataFrame) -> np.ndarray:
        """Predicted mean for rows with consensus ``line`` and the components' means (columns in
        ``components`` order); a missing component counts as agreeing with the line."""
        diffs = means.to_numpy(float) - np.asarray(line, dtype=float)[:, None]
        diffs = np.nan_to_num(diffs, nan=0.0)
        return np.asarray(line, dtype=float) + self.intercept + diffs @ np.asarray(self.coefficients)


def training_rows(long: pd.DataFrame, versions: dict[str, str]) -> pd.DataFrame:
    """One row per player and date of the components' stored predictions (``ml.store.stack_predictions``, one
    row per player, date and system): consensus line, each component's mean, the actual."""
    if long.empty:
        return pd.DataFrame(columns=["game_date", "player_id", "line", "actual", *versions])
    wide = long.pivot_table(index=["game_date", "player_id"], columns="system", values="predicted_value")
    base = long.groupby(["game_date", "player_id"])[["line", "actual"]].first()
    frame = base.join(wide).reset_index()
    for name in versions:
        if name not in frame:
            frame[name] = np.nan
    return frame


def window(system, game_date: date) -> tuple[date, date]:
    """[since, before): the dates of the stored predictions the stack for ``game_date`` is fitted on."""
    return game_date - timedelta(days=system.stack_window_days), game_date


def fit(system, versions: dict[str, str], rows: pd.DataFrame) -> StackFit | None:
    """The stack fitted on ``training_rows`` of its ``window`` (None: fewer than ``system.min_stack_rows``
    complete past rows)."""
    from sklearn.linear_model import RidgeCV

    components = tuple(versions)
    rows = rows.dropna(subset=["line", "actual", *components])
    if len(rows) < system.min_stack_rows:
        return None
    x = rows[list(components)].to_numpy(float) - rows[["line"]].to_numpy(float)
    y = rows["actual"].to_numpy(float) - rows["line"].to_numpy(float)
    model = RidgeCV(alphas=ALPHAS).fit(x, y)
    return StackFit(
        components, float(model.intercept_), tuple(float(c) for c in model.coef_), float(model.alpha_), len(rows)
    )


def registry_entry(system, game_date: date, stack: StackFit, feature_version: str) -> dict:
    """The registry row of the stack used on ``game_date`` (trained_through the day before)."""
    params = {
        "intercept": stack.intercept,
        "coefficients": dict(zip(stack.components, stack.coefficients, strict=True)),
        "alpha": stack.alpha,
    }
    return {
        "system": system.name,
        "model_version": system.model_version,
        "market": system.market.key,
        "feature_version": feature_version,
        "trained_through": game_date - timedelta(days=1),
        "n_train_rows": stack.n_rows,
        "features": json.dumps(list(stack.components)),
        "params": json.dumps(params, sort_keys=True),
        "trained_at": datetime.now(UTC).replace(tzinfo=None),
    }
