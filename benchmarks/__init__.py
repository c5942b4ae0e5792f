"""Benchmarks and evaluations: each script prints one JSON object."""
