"""RowAdam must take exactly SparseAdam's step on the rows it is given."""

from __future__ import annotations

import torch
from torch import nn

from neurotopic.optim import RowAdam


def test_row_adam_matches_sparse_adam_over_several_steps() -> None:
    torch.manual_seed(0)
    init = torch.randn(30, 4)
    emb = nn.Embedding(30, 4, sparse=True)
    with torch.no_grad():
        emb.weight.copy_(init)
    reference = torch.optim.SparseAdam(list(emb.parameters()), lr=0.05)
    weight = init.clone()
    row_adam = RowAdam(weight, lr=0.05)
    target = torch.randn(30, 4)
    for step in range(6):
        ids = torch.tensor([step, 3, 7, 7, 11 + step, 3])  # repeats are summed
        reference.zero_grad()
        loss = ((emb(ids) - target[ids]) ** 2).sum()
        loss.backward()
        reference.step()

        rows, inverse = torch.unique(ids, return_inverse=True)
        leaf = weight[rows].clone().requires_grad_()
        ((leaf[inverse] - target[ids]) ** 2).sum().backward()
        assert leaf.grad is not None
        row_adam.step(rows, leaf.grad)
    torch.testing.assert_close(weight, emb.weight.detach(), rtol=1e-5, atol=1e-6)
    untouched = [r for r in range(30) if r not in {0, 1, 2, 3, 4, 5, 7} and not 11 <= r <= 16]
    torch.testing.assert_close(weight[untouched], init[untouched])


def test_row_adam_state_round_trips() -> None:
    weight = torch.zeros(5, 2)
    opt = RowAdam(weight, lr=0.1)
    opt.step(torch.tensor([1, 3]), torch.ones(2, 2))
    other = RowAdam(torch.zeros(5, 2), lr=0.1)
    other.load_state_dict(opt.state_dict())
    assert other.steps == 1
    torch.testing.assert_close(other.exp_avg, opt.exp_avg)
    torch.testing.assert_close(other.exp_avg_sq, opt.exp_avg_sq)
