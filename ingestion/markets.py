"""The Odds API player-prop markets nba-props loads and predicts (API market keys)."""

MARKETS = (
    "player_points",
    "player_rebounds",
    "player_assists",
    "player_threes",
    "player_points_rebounds_assists",
)
