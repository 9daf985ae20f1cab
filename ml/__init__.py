"""Phase 5: prediction systems. Features in (ml_feature_store + pre-game lines), predictions out."""
