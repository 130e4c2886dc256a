"""Synthetic data for demos and benchmarks (never loaded in production unless asked)."""
