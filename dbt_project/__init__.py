"""The Python side of the nba-props dbt project: settings, the phase runner and gates, run history, CLI."""
