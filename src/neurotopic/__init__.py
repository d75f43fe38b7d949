"""neurotopic: the Neural Topic Model of Cao et al. (AAAI 2015).

The code is packaged by role: ``neurotopic.text`` (from raw text to term ids),
``neurotopic.model`` (the network and its readouts), ``neurotopic.train`` (fitting),
``neurotopic.evaluation`` (metrics and comparisons) and ``neurotopic.viz`` (plots, the
report, export).  The former flat module paths (``neurotopic.plot``,
``neurotopic.export``, ``neurotopic.corpus``, ...) remain aliases of the modules in those
subpackages: ``import neurotopic.plot`` gives the very module object
``neurotopic.viz.plot``.  Every submodule resolves after a plain ``import neurotopic``;
each is imported on first use, so that ``import neurotopic`` stays quick and does not load
altair or the optional extras.
"""

import importlib as _importlib
import importlib.abc as _importlib_abc
import importlib.machinery as _machinery
import sys as _sys
from collections.abc import Sequence as _Sequence
from types import ModuleType as _ModuleType

from ._version import __version__
from .errors import NeurotopicError
from .estimator import NeuralTopicModel

__all__ = ["NeuralTopicModel", "NeurotopicError", "__version__"]

#: Former flat module paths, ``neurotopic.<old>``, and where each module lives now.
_ALIASES = {
    "corpus": "text.corpus",
    "embeddings": "text.embeddings",
    "language": "text.language",
    "segment": "text.segment",
    "stage": "text.stage",
    "tokens": "text.tokens",
    "vocabulary": "text.vocabulary",
    "inference": "model.inference",
    "pretrain": "model.pretrain",
    "readout": "model.readout",
    "supervised": "model.supervised",
    "checkpoint": "train.checkpoint",
    "distributed": "train.distributed",
    "fingerprint": "train.fingerprint",
    "kernels": "train.kernels",
    "memory": "train.memory",
    "optim": "train.optim",
    "sampling": "train.sampling",
    "stopping": "train.stopping",
    "threads": "train.threads",
    "training": "train.training",
    "compare": "evaluation.compare",
    "metrics": "evaluation.metrics",
    "peers": "evaluation.peers",
    "export": "viz.export",
    "plot": "viz.plot",
    "report": "viz.report",
    "_topic_data": "viz._topic_data",
}

#: Submodules reachable as ``neurotopic.<name>``, imported on first access.
_SUBMODULES = frozenset(
    {
        "cli",
        "datasets",
        "errors",
        "estimator",
        "evaluation",
        "io",
        "model",
        "text",
        "train",
        "viz",
        *(name for name in _ALIASES if not name.startswith("_")),
    }
)


class _AliasLoader(_importlib_abc.Loader):
    """Loads ``neurotopic.<old>`` as the module object already at its new path."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.spec: _machinery.ModuleSpec | None = None

    def create_module(self, spec: _machinery.ModuleSpec) -> _ModuleType:
        module = _importlib.import_module(self.target)
        self.spec = module.__spec__
        return module

    def exec_module(self, module: _ModuleType) -> None:
        # The import system set ``__spec__`` to the alias's; the module keeps its own.
        module.__spec__ = self.spec


class _AliasFinder(_importlib_abc.MetaPathFinder):
    """Finds the former flat module paths of :data:`_ALIASES` (one finder for them all)."""

    def find_spec(
        self,
        fullname: str,
        path: _Sequence[str] | None = None,
        target: _ModuleType | None = None,
    ) -> _machinery.ModuleSpec | None:
        package, _, name = fullname.partition(".")
        if package != __name__ or name not in _ALIASES:
            return None
        return _machinery.ModuleSpec(fullname, _AliasLoader(f"{__name__}.{_ALIASES[name]}"))


_sys.meta_path.insert(0, _AliasFinder())


def __getattr__(name: str) -> _ModuleType:
    """``neurotopic.<submodule>``: import it on first access (PEP 562)."""
    if name in _SUBMODULES or name in _ALIASES:
        return _importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _SUBMODULES)
