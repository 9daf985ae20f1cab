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
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd

from core.settings import Settings
from core.warehouse import connect

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


def training_rows(settings: Settings, market_key: str, actual_column: str, versions: dict[str, str],
                  since: date, before: date) -> pd.DataFrame:
    """One row per player and date in [since, before): consensus line (player_prop_consensus of the player's
    game, his name key from the feature row the prediction was made from), each component's mean, the actual."""
    predictions = f"{settings.schema('nba_predictions')}.player_prop_predictions"
    analytics, precompute = settings.schema("nba_analytics"), settings.schema("nba_precompute")
    pairs = " or ".join("(system = ? and model_version = ?)" for _ in versions)
    params: list = [market_key, since, before]
    for name, version in versions.items():
        params += [name, version]
    with connect(settings) as con:
        long = con.execute(
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
    if long.empty:
        return pd.DataFrame(columns=["game_date", "player_id", "line", "actual", *versions])
    wide = long.pivot_table(index=["game_date", "player_id"], columns="system", values="predicted_value")
    base = long.groupby(["game_date", "player_id"])[["line", "actual"]].first()
    frame = base.join(wide).reset_index()
    for name in versions:
        if name not in frame:
            frame[name] = np.nan
    return frame


def fit(settings: Settings, system, versions: dict[str, str], game_date: date) -> StackFit | None:
    """The stack for ``game_date`` (None: fewer than ``system.min_stack_rows`` complete past rows)."""
    from sklearn.linear_model import RidgeCV

    components = tuple(versions)
    since = game_date - timedelta(days=system.stack_window_days)
    rows = training_rows(settings, system.market.key, system.market.actual_column, versions, since, game_date)
    rows = rows.dropna(subset=["line", "actual", *components])
    if len(rows) < system.min_stack_rows:
        return None
    x = rows[list(components)].to_numpy(float) - rows[["line"]].to_numpy(float)
    y = rows["actual"].to_numpy(float) - rows["line"].to_numpy(float)
    model = RidgeCV(alphas=ALPHAS).fit(x, y)
    result = StackFit(components, float(model.intercept_), tuple(float(c) for c in model.coef_),
                      float(model.alpha_), len(rows))
    _register(settings, system, game_date - timedelta(days=1), result)
    return result


def _register(settings: Settings, system, through: date, stack: StackFit) -> None:
    from ml.features import feature_spec
    from ml.xgb import REGISTRY_TABLE, ensure_registry

    ensure_registry(settings)
    table = f"{settings.schema('nba_predictions')}.{REGISTRY_TABLE}"
    params = {"intercept": stack.intercept, "coefficients": dict(zip(stack.components, stack.coefficients,
                                                                      strict=True)), "alpha": stack.alpha}
    with connect(settings) as con:
        con.execute(
            f"insert or replace into {table} (system, model_version, market, feature_version, trained_through, "
            "n_train_rows, features, params, trained_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [system.name, system.model_version, system.market.key, feature_spec(settings).version, through,
             stack.n_rows,
             json.dumps(list(stack.components)), json.dumps(params, sort_keys=True),
             datetime.now(UTC).replace(tzinfo=None)],
        )
