"""Benchmarks and evaluations: each script prints what it measured (docs/benchmarks.md)."""
