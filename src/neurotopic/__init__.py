"""neurotopic: the Neural Topic Model of Cao et al. (AAAI 2015).

The submodules (``neurotopic.plot``, ``neurotopic.export``, ``neurotopic.corpus``, ...)
resolve after a plain ``import neurotopic``; each is imported on first use, so that
``import neurotopic`` stays quick and does not load altair or the optional extras.
"""

import importlib as _importlib
from types import ModuleType as _ModuleType

from ._version import __version__
from .errors import NeurotopicError
from .estimator import NeuralTopicModel

__all__ = ["NeuralTopicModel", "NeurotopicError", "__version__"]

#: Submodules reachable as ``neurotopic.<name>``, imported on first access.
_SUBMODULES = frozenset(
    {
        "checkpoint",
        "cli",
        "compare",
        "corpus",
        "datasets",
        "distributed",
        "embeddings",
        "errors",
        "estimator",
        "evaluation",
        "export",
        "fingerprint",
        "inference",
        "io",
        "kernels",
        "language",
        "memory",
        "metrics",
        "model",
        "optim",
        "plot",
        "pretrain",
        "readout",
        "report",
        "sampling",
        "segment",
        "stage",
        "stopping",
        "supervised",
        "text",
        "threads",
        "tokens",
        "training",
        "vocabulary",
    }
)


def __getattr__(name: str) -> _ModuleType:
    """``neurotopic.<submodule>``: import it on first access (PEP 562)."""
    if name in _SUBMODULES:
        return _importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _SUBMODULES)
