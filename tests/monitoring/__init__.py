"""Tests of dbt_project.monitoring: alerts, the dashboard, the monitoring models."""
