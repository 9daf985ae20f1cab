"""Phase 1: dlt sources that load provider data (live APIs or the recorded landing area) into nba_raw."""
