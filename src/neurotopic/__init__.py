"""neurotopic: the Neural Topic Model of Cao et al. (AAAI 2015)."""

from ._version import __version__
from .errors import NeurotopicError
from .estimator import NeuralTopicModel

__all__ = ["NeuralTopicModel", "NeurotopicError", "__version__"]
