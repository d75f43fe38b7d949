"""RowAdam must take exactly SparseAdam's step on the rows it is given."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from neurotopic.train.optim import DenseAdam, RowAdam


@pytest.mark.parametrize("use_kernel", [True, False], ids=["compiled", "torch"])
def test_row_adam_matches_sparse_adam_over_several_steps(use_kernel: bool) -> None:
    torch.manual_seed(0)
    init = torch.randn(30, 4)
    emb = nn.Embedding(30, 4, sparse=True)
    with torch.no_grad():
        emb.weight.copy_(init)
    reference = torch.optim.SparseAdam(list(emb.parameters()), lr=0.05)
    weight = init.clone()
    row_adam = RowAdam(weight, lr=0.05, use_kernel=use_kernel)
    assert row_adam._compiled(torch.arange(2), torch.zeros(2, 4)) is use_kernel
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


def test_compiled_and_torch_row_adam_agree_on_a_large_block() -> None:
    gen = torch.Generator().manual_seed(1)
    init = torch.randn(5000, 128, generator=gen)
    fast, slow = RowAdam(init.clone(), lr=0.05), RowAdam(init.clone(), lr=0.05, use_kernel=False)
    for _ in range(4):
        rows = torch.randperm(5000, generator=gen)[:1500]
        grad = torch.randn(1500, 128, generator=gen) * 1e-3
        fast.step(rows, grad)
        slow.step(rows, grad)
    torch.testing.assert_close(fast.weight, slow.weight, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(fast.exp_avg_sq, slow.exp_avg_sq, rtol=1e-5, atol=1e-12)
    # float64 is not compiled: it takes torch's path
    assert not RowAdam(init.double(), lr=0.05)._compiled(rows, grad.double())


def test_row_adam_state_round_trips() -> None:
    weight = torch.zeros(5, 2)
    opt = RowAdam(weight, lr=0.1)
    opt.step(torch.tensor([1, 3]), torch.ones(2, 2))
    other = RowAdam(torch.zeros(5, 2), lr=0.1)
    other.load_state_dict(opt.state_dict())
    assert other.steps == 1
    torch.testing.assert_close(other.exp_avg, opt.exp_avg)
    torch.testing.assert_close(other.exp_avg_sq, opt.exp_avg_sq)


def test_dense_adam_is_torch_adam_bit_for_bit() -> None:
    gen = torch.Generator().manual_seed(0)
    shapes = [(7, 3), (3,)]
    mine = [torch.randn(s, generator=gen).requires_grad_() for s in shapes]
    theirs = [p.detach().clone().requires_grad_() for p in mine]
    opt_mine = DenseAdam(mine, lr=0.05)
    opt_theirs = torch.optim.Adam(theirs, lr=0.05)
    x = torch.randn(5, 7, generator=gen)
    for step in range(6):
        for params, opt in ((mine, opt_mine), (theirs, opt_theirs)):
            opt.zero_grad()
            loss = torch.sin(x @ params[0] + params[1]).pow(2).sum()
            if step == 2:  # a step where only W has a gradient
                loss = torch.sin(x @ params[0]).pow(2).sum()
            loss.backward()
            opt.step()
        for a, b in zip(mine, theirs, strict=True):
            assert torch.equal(a, b)
    # Same state layout, and a restored optimiser continues identically.
    ref_state = opt_theirs.state_dict()["state"]
    assert set(opt_mine.state_dict()["state"]) == set(ref_state)
    for i, moments in opt_mine.state_dict()["state"].items():
        for key in ("step", "exp_avg", "exp_avg_sq"):
            assert torch.equal(moments[key], ref_state[i][key])
    restored = DenseAdam(mine, lr=0.05)
    restored.load_state_dict({"state": ref_state})
    assert torch.equal(restored.state[0]["exp_avg"], opt_mine.state[0]["exp_avg"])


@pytest.mark.parametrize("use_kernel", [True, False])
def test_step_softmax_is_the_softmax_backward_then_a_step(use_kernel: bool) -> None:
    """``step_softmax`` (compiled: the backward formed inside the update) takes the step
    that the gradient through the softmax, then ``step``, takes."""
    gen = torch.Generator().manual_seed(4)
    start = torch.randn(50, 16, generator=gen)
    rows = torch.tensor([3, 7, 8, 20, 49])
    fused, plain = start.clone(), start.clone()
    a = RowAdam(fused, lr=0.05, use_kernel=use_kernel)
    b = RowAdam(plain, lr=0.05, use_kernel=use_kernel)
    for _ in range(3):
        ld_a = torch.softmax(fused.index_select(0, rows), dim=-1)
        ld_b = torch.softmax(plain.index_select(0, rows), dim=-1)
        grad = torch.randn(5, 16, generator=gen)
        a.step_softmax(rows, ld_a, grad)
        b.step(rows, ld_b * (grad - (grad * ld_b).sum(-1, keepdim=True)))
    torch.testing.assert_close(fused, plain, rtol=1e-5, atol=1e-6)
    assert not torch.equal(fused, start)
    untouched = torch.ones(50, dtype=torch.bool)
    untouched[rows] = False
    assert torch.equal(fused[untouched], start[untouched])


def test_eps_after_correction_is_torch_adams_update_on_the_rows() -> None:
    """Fold-in's form: ``eps`` added to the bias-corrected root, as ``torch.optim.Adam``
    does; always torch's path (the kernels implement SparseAdam's form)."""
    gen = torch.Generator().manual_seed(2)
    init = torch.randn(6, 5, generator=gen)
    mine = RowAdam(init.clone(), lr=0.05, eps=1e-3, eps_after_correction=True)
    assert not mine._compiled(torch.arange(6), torch.zeros(6, 5))
    theirs = init.clone().requires_grad_()
    reference = torch.optim.Adam([theirs], lr=0.05, eps=1e-3)  # a large eps: its place shows
    for _ in range(5):
        grad = torch.randn(6, 5, generator=gen) * 1e-3
        mine.step(torch.arange(6), grad)
        theirs.grad = grad.clone()
        reference.step()
    torch.testing.assert_close(mine.weight, theirs.detach(), rtol=1e-6, atol=1e-7)
    sparse_form = RowAdam(init.clone(), lr=0.05, eps=1e-3, use_kernel=False)
    sparse_form.step(torch.arange(6), grad)
    first = RowAdam(init.clone(), lr=0.05, eps=1e-3, eps_after_correction=True)
    first.step(torch.arange(6), grad)
    assert not torch.allclose(sparse_form.weight, first.weight, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("eps_after_correction", [False, True])
def test_all_rows_step_in_place_is_the_step_of_every_row(eps_after_correction: bool) -> None:
    """``rows=None`` (every row, in place: fold-in's steps) changes no number."""
    gen = torch.Generator().manual_seed(3)
    init = torch.randn(7, 4, generator=gen)
    kw = {"use_kernel": False, "eps_after_correction": eps_after_correction}
    whole, listed = RowAdam(init.clone(), lr=0.05, **kw), RowAdam(init.clone(), lr=0.05, **kw)
    for _ in range(4):
        grad = torch.randn(7, 4, generator=gen)
        ld = torch.softmax(torch.randn(7, 4, generator=gen), dim=-1)
        whole.step(None, grad)
        listed.step(torch.arange(7), grad)
        whole.step_softmax(None, ld, grad)
        listed.step_softmax(torch.arange(7), ld, grad)
    for a, b in zip(whole.state_dict().values(), listed.state_dict().values(), strict=True):
        assert torch.equal(torch.as_tensor(a), torch.as_tensor(b))
    assert torch.equal(whole.weight, listed.weight)


def test_row_lr_gives_each_row_its_own_step() -> None:
    """Adam's first step moves a weight by its rate: rows with 1x and 3x the rate."""
    weight = torch.zeros(2, 4)
    opt = RowAdam(weight, lr=0.01, eps_after_correction=True, row_lr=torch.tensor([0.01, 0.03]))
    grad = torch.tensor([[1.0, -2.0, 0.5, 3.0], [2.0, 1.0, -1.0, 0.25]])
    opt.step(None, grad)
    expected = -torch.sign(grad) * torch.tensor([[0.01], [0.03]])
    torch.testing.assert_close(weight, expected, rtol=1e-5, atol=1e-7)
    row0 = weight[0].clone()
    opt.step(torch.tensor([1]), grad[1:])  # a subset of rows keeps each row's rate
    torch.testing.assert_close(weight[1], 2 * expected[1], rtol=1e-5, atol=1e-7)
    assert torch.equal(weight[0], row0)
