"""Prediction systems. Each turns feature rows (one per player, game, book line) into a predicted mean and
P(over line)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm


@dataclass(frozen=True)
class RollingL10:
    """Baseline: the player's last-10 scoring average, with a normal predictive distribution whose spread
    is his own last-10 standard deviation (floored), or a league default for short histories."""

    default_sd: float = 6.0
    min_games_for_own_spread: int = 5
    sd_floor: float = 3.0
    name: str = "rolling_l10"
    model_version: str = "rolling_l10-v1"

    def predict(self, features: pd.DataFrame) -> pd.DataFrame:
        mean = features["points_avg_l10"].astype(float)
        own_sd = features["points_std_l10"].astype(float)
        enough = features["games_played_total"].astype(float) >= self.min_games_for_own_spread
        sd = np.where(enough & own_sd.notna(), np.maximum(own_sd.fillna(0.0), self.sd_floor), self.default_sd)
        prob_over = norm.sf(features["line"].astype(float), loc=mean, scale=sd)
        return pd.DataFrame({"predicted_value": mean, "prob_over": np.clip(prob_over, 0.001, 0.999)},
                            index=features.index)
