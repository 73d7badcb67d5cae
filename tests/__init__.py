"""The test suite: one file per feature, against the local portal farm (no test touches the internet)."""
