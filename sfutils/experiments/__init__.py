"""Experiment logic behind the section notebooks: one module per notebook section (``overall``,
``perceptibility``, ``transfer``, ``semantics``, ``robustness``, ``beyond``) on one shared core,
:mod:`sfutils.experiments.common` (settings, lazy loading, timed rows, the sparse-delta format,
rebuilding adversarials, summaries and the pass counter)."""
