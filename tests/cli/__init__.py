"""Tests of dbt_project.cli: the commands, their options and exit codes."""
