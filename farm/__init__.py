"""A local farm of synthetic government portals and a mirror, for tests, `make demo` and benchmarks."""
