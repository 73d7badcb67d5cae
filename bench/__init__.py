"""Benchmarks and evaluations: each script prints what it measured (README: Benchmarks)."""
