"""The prop markets the systems predict, built from the seed `seeds/prop_markets.csv` (read by
``core.markets``, the project's one reader of it): the Odds API market key, the stat's column in
``player_game_summary``, the prefix of its form columns in ``ml_feature_store`` and the spread of the normal
fallback."""

from __future__ import annotations

from dataclasses import dataclass

from core.markets import MARKETS_CSV, load_markets


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
    m.market: Market(m.market, m.stat_column, m.feature_prefix, m.default_sd) for m in load_markets()
}
POINTS_KEY = "player_points"  # the headline market (evaluation, the default_points_sd var)
if POINTS_KEY not in MARKETS:
    raise ValueError(f"{MARKETS_CSV}: the headline market {POINTS_KEY} is not listed")
POINTS = MARKETS[POINTS_KEY]
