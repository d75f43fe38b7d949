"""Tests for the host arrays that W1 and its moments live in."""

from __future__ import annotations

import numpy as np
import torch

from neurotopic.model.network import NTMNetwork
from neurotopic.train.memory import HUGE_PAGE_BYTES, host_zeros, host_zeros_like
from neurotopic.train.optim import RowAdam


def test_host_zeros_are_writable_contiguous_float32_zeros() -> None:
    for shape in [(3, 4), (HUGE_PAGE_BYTES // 4 // 64 + 1, 64)]:  # plain tensor, mapping
        t = host_zeros(shape)
        assert t.shape == shape and t.dtype == torch.float32 and t.is_contiguous()
        assert not t.any()
        t[-1, -1] = 2.5
        t.add_(1.0)
        assert float(t.sum()) == t.numel() + 2.5


def test_a_mapping_outlives_every_name_but_the_tensor() -> None:
    t = host_zeros((1024, 1024))
    view = t[10:20]
    del t
    view.fill_(3.0)
    assert float(view.sum()) == 3.0 * view.numel()


def test_host_zeros_like_keeps_other_devices_and_dtypes_as_torch_does() -> None:
    ints = torch.ones(4, 2, dtype=torch.int64)
    assert host_zeros_like(ints).dtype == torch.int64
    assert host_zeros_like(torch.ones(2048, 512)).shape == (2048, 512)


def test_w1_draws_what_nn_embedding_draws_and_adam_starts_at_zero() -> None:
    torch.manual_seed(0)
    network = NTMNetwork(torch.ones(3, 2), n_docs=5000, n_topics=128)
    torch.manual_seed(0)
    reference = torch.nn.Embedding(5000, 128).weight.detach()
    assert torch.equal(network.doc_logits.weight.detach(), reference)
    optimiser = RowAdam(network.doc_logits.weight.data, lr=0.1)
    assert not optimiser.exp_avg.any() and not optimiser.exp_avg_sq.any()
    rows = torch.tensor([3, 4000])
    optimiser.step(rows, torch.ones(2, 128))
    moved = network.doc_logits.weight.detach() != reference
    assert moved[rows].all() and moved.sum() == 2 * 128
    assert np.isfinite(network.doc_logits.weight.detach().numpy()).all()


def test_w1_left_to_the_caller_is_zeros_and_draws_nothing() -> None:
    torch.manual_seed(0)
    network = NTMNetwork(torch.ones(3, 2), n_docs=5000, n_topics=128, random_doc_logits=False)
    assert not network.doc_logits.weight.detach().any()
    after = torch.rand(1)
    torch.manual_seed(0)
    assert torch.equal(after, torch.rand(1))  # the global generator was not advanced
