"""Monitoring: run history and observability tables, alerts, the dashboard."""
