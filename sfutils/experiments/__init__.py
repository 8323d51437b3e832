"""Experiment logic behind the section notebooks: one module per notebook section (``overall``,
``perceptibility``, ``transfer``, ``semantics``, ``robustness``, ``beyond``) on one shared core,
:mod:`sfutils.experiments.common` (attacks into the store, rebuilding adversarials, summaries), over
:mod:`sfutils.setting` (what is attacked, loaded lazily) and :mod:`sfutils.harness` (the one store loop)."""
