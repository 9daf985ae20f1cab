"""Tests of ml (phase 5): the prediction systems, xgboost, the slate, point-in-time correctness."""
