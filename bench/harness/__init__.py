"""The benchmark harness behind ``make bench`` (entry point: bench/run.py)."""
