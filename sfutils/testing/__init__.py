"""Helpers for checking the package: :mod:`sfutils.testing.reference`, the plain per-sample
reference of DeepFool and Algorithms 1-2 that the batched attacks must reproduce (the tests and
``benchmarks/bench_sparsefool.py`` import it)."""
