"""Tests of core: the shared definitions (markets, targets), the HTTP retry shim, security checks."""
