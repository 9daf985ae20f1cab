-- Point-in-time guard: every ml_feature_store row must be built from games strictly before its game date,
-- and its last counted game must be one the player really played before that date.
select
    features.player_id,
    features.game_date,
    features.last_game_date
from {{ ref('ml_feature_store') }} as features
left join {{ ref('player_game_summary') }} as games
    on
        features.player_id = games.player_id
        and features.last_game_date = games.game_date
        and games.played
where
    features.last_game_date >= features.game_date
    or games.player_id is null
