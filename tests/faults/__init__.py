"""The fault-injection suites: crashes, partial deliveries, disk and lock faults (harness: tests/support/faults.py)."""
