"""Tests of dbt_project.publish (phase 6): the feeds and their schemas."""
