"""The prop markets the systems predict: the Odds API market key, the stat's column in
``player_game_summary`` and the prefix of its form columns in ``ml_feature_store``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Market:
    key: str  # Odds API market key, as in player_prop_lines.market
    actual_column: str  # nba_analytics.player_game_summary column holding the outcome
    feature_prefix: str  # ml_feature_store: <prefix>_avg_l10, <prefix>_std_l10, <prefix>_avg_season
    default_sd: float  # spread of the normal fallback for players with a short history

    @property
    def l10_column(self) -> str:
        return f"{self.feature_prefix}_avg_l10"

    @property
    def season_column(self) -> str:
        return f"{self.feature_prefix}_avg_season"

    @property
    def sd_column(self) -> str:
        return f"{self.feature_prefix}_std_l10"


MARKETS: dict[str, Market] = {
    m.key: m
    for m in (
        Market("player_points", "points", "points", 6.0),
        Market("player_rebounds", "rebounds", "rebounds", 2.6),
        Market("player_assists", "assists", "assists", 2.0),
        Market("player_threes", "threes", "threes", 1.2),
        Market("player_points_rebounds_assists", "points_rebounds_assists", "pra", 7.5),
    )
}
POINTS = MARKETS["player_points"]
