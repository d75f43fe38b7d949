"""Model: the network and what is computed from its weights.

The NTM network and its ranking loss (:mod:`~neurotopic.model.network`), the initial
weights (:mod:`~neurotopic.model.pretrain`), folding new documents in
(:mod:`~neurotopic.model.inference`), the topic-term readouts
(:mod:`~neurotopic.model.readout`) and the supervised label layer
(:mod:`~neurotopic.model.supervised`).  ``neurotopic.model`` was once the module now at
``neurotopic.model.network``; its names are re-exported here, so ``from neurotopic.model
import NTMNetwork`` keeps working.
"""

from typing import Any as _Any

from . import network as _network
from .network import NTMNetwork as NTMNetwork
from .network import ranking_hinge as ranking_hinge
from .network import ranking_hinge_grad as ranking_hinge_grad


def __getattr__(name: str) -> _Any:
    """Any other name of the former module ``neurotopic.model`` (now ``.model.network``)."""
    try:
        return getattr(_network, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
