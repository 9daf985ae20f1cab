"""Converters that turn other data into API-shaped landing files (docs/landing-format.md), so that any
season can be replayed through the same dlt sources and dbt models as live or demo data."""

from ingestion.convert.parquet import GENERATOR, ConvertError, convert_parquet, name_key

__all__ = ["GENERATOR", "ConvertError", "convert_parquet", "name_key"]
