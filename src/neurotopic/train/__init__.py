"""Training: fitting the network's weights.

The training loop (:mod:`~neurotopic.train.training`), the triples it samples
(:mod:`~neurotopic.train.sampling`), the optimisers (:mod:`~neurotopic.train.optim`) and
numba kernels (:mod:`~neurotopic.train.kernels`) behind each step, early stopping
(:mod:`~neurotopic.train.stopping`), checkpoints and what identifies a fit for resuming
(:mod:`~neurotopic.train.checkpoint`, :mod:`~neurotopic.train.fingerprint`), training over
several processes (:mod:`~neurotopic.train.distributed`), host memory
(:mod:`~neurotopic.train.memory`) and the thread budget (:mod:`~neurotopic.train.threads`).
"""
