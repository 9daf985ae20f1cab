{#
  The player_game_summary column a prop market settles on (ml/markets.py holds the same mapping for Python):
  market_stat('predictions.market', 'actuals') -> case ... then actuals.points ... end
#}
{% macro market_stat(market_column, summary_alias) -%}
    case {{ market_column }}
        when 'player_points' then {{ summary_alias }}.points
        when 'player_rebounds' then {{ summary_alias }}.rebounds
        when 'player_assists' then {{ summary_alias }}.assists
        when 'player_threes' then {{ summary_alias }}.threes
        when 'player_points_rebounds_assists' then {{ summary_alias }}.points_rebounds_assists
    end
{%- endmacro %}
