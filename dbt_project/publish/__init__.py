"""Phase 6: the feed exporter (publish models to JSON feeds, validated against their schemas)."""
