"""Benchmarks: geotrack beside floors and peers (see bench/README.md). Never run in CI."""
