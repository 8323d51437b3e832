"""Models of the paper (Sec. 4.1) and offline stand-ins, from one registry (see ``registry.py``).

``get_model(name)`` returns an eval-mode module taking [0, 1] images (normalisation inside);
``list_models()`` lists the names; ``model_info(name)`` gives the registry row.
"""

from sfutils.models.loading import Normalized, checkpoint_dir, get_model, model_card, model_data, weights_available, weights_file, weights_id
from sfutils.models.registry import REGISTRY, ModelSpec, Weights, list_models, model_info

__all__ = [
    "REGISTRY", "ModelSpec", "Normalized", "Weights", "checkpoint_dir", "get_model", "list_models",
    "model_card", "model_data", "model_info", "weights_available", "weights_file", "weights_id",
]
