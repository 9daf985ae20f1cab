"""The embedded demo: a deterministic generator of realistic, API-shaped landing files.

`make demo` and the test suite use it so that a fresh clone runs end to end with no keys and no network.
"""

from ingestion.demo.generator import DEMO_DAYS, DEMO_SEED, DEMO_START, generate_demo

__all__ = ["DEMO_DAYS", "DEMO_SEED", "DEMO_START", "generate_demo"]
