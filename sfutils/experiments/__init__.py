"""Experiment logic behind the section notebooks (one module per notebook section)."""
