"""Tests for the NTM network's scores, the ranking hinge and the sparse W1 gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from neurotopic.model.network import NTMNetwork, ranking_hinge

N_TERMS, DIM, N_DOCS, K = 7, 4, 5, 3


@pytest.fixture
def network() -> NTMNetwork:
    gen = torch.Generator().manual_seed(0)
    net = NTMNetwork(torch.randn(N_TERMS, DIM, generator=gen), N_DOCS, K)
    with torch.no_grad():
        net.topic_weight.copy_(torch.randn(DIM, K, generator=gen))
        net.topic_bias.copy_(torch.tensor([0.5, -0.5, 0.0]))
        net.doc_logits.weight.copy_(2.0 * torch.randn(N_DOCS, K, generator=gen))
    return net


def manual_scores(net: NTMNetwork) -> tuple[np.ndarray, np.ndarray]:
    """``lt`` (V, K) and ``ld`` (D, K) computed with numpy from the raw weights."""
    le = net.term_vectors.numpy().astype(np.float64)
    W2 = net.topic_weight.detach().numpy().astype(np.float64)
    b = net.topic_bias.detach().numpy().astype(np.float64)
    W1 = net.doc_logits.weight.detach().numpy().astype(np.float64)
    lt = 1.0 / (1.0 + np.exp(-(le @ W2 + b)))
    e = np.exp(W1 - W1.max(axis=1, keepdims=True))
    return lt, e / e.sum(axis=1, keepdims=True)


def test_term_topic_and_doc_topic_match_the_formulas(network: NTMNetwork) -> None:
    lt, ld = manual_scores(network)
    np.testing.assert_allclose(network.term_topic().detach().numpy(), lt, rtol=1e-5)
    ids = torch.tensor([6, 0, 6])
    np.testing.assert_allclose(network.term_topic(ids).detach().numpy(), lt[[6, 0, 6]], rtol=1e-5)
    doc_ids = torch.tensor([[4, 1], [0, 0]])
    got = network.doc_topic(doc_ids).detach().numpy()
    assert got.shape == (2, 2, K)
    np.testing.assert_allclose(got, ld[[[4, 1], [0, 0]]], rtol=1e-5)
    np.testing.assert_allclose(got.sum(-1), 1.0, rtol=1e-6)
    assert network.n_topics == K


def test_forward_scores_are_lt_dot_ld(network: NTMNetwork) -> None:
    lt, ld = manual_scores(network)
    # Unsorted terms with repeats exercise the unique/inverse path.
    terms = torch.tensor([5, 2, 5, 0, 2, 6])
    pos = torch.tensor([0, 1, 2, 3, 4, 0])
    neg = torch.tensor([[1, 2], [0, 3], [4, 4], [1, 0], [2, 2], [3, 1]])
    ls_pos, ls_neg = network(terms, pos, neg)
    t, p, n = terms.numpy(), pos.numpy(), neg.numpy()
    expected_pos = (lt[t] * ld[p]).sum(-1)
    expected_neg = np.einsum("bk,bnk->bn", lt[t], ld[n])
    np.testing.assert_allclose(ls_pos.detach().numpy(), expected_pos, rtol=1e-5)
    np.testing.assert_allclose(ls_neg.detach().numpy(), expected_neg, rtol=1e-5)
    # A score is a convex mixture of lt values, so it lies between their min and max.
    assert np.all(ls_pos.detach().numpy() <= lt[t].max(-1) + 1e-6)
    assert np.all(ls_pos.detach().numpy() >= lt[t].min(-1) - 1e-6)


def test_ranking_hinge_formula() -> None:
    ls_pos = torch.tensor([0.9, 0.2])
    ls_neg = torch.tensor([[0.1, 0.5], [0.9, 0.0]])
    loss = ranking_hinge(ls_pos, ls_neg, margin=0.5)
    np.testing.assert_allclose(loss.numpy(), [[0.0, 0.1], [1.2, 0.3]], atol=1e-6)
    # margin 0: only wrongly ranked pairs cost anything.
    np.testing.assert_allclose(
        ranking_hinge(ls_pos, ls_neg, margin=0.0).numpy(), [[0.0, 0.0], [0.7, 0.0]], atol=1e-6
    )


def test_doc_logits_gradient_is_sparse_and_touches_batch_rows_only(network: NTMNetwork) -> None:
    terms = torch.tensor([1, 3])
    pos = torch.tensor([0, 2])
    neg = torch.tensor([[2], [0]])
    ls_pos, ls_neg = network(terms, pos, neg)
    ranking_hinge(ls_pos, ls_neg, margin=2.0).sum().backward()  # margin 2: every pair active
    grad = network.doc_logits.weight.grad
    assert grad is not None and grad.is_sparse
    dense = grad.to_dense()
    assert set(torch.nonzero(dense.abs().sum(1)).ravel().tolist()) == {0, 2}
    # Softmax gradients: each row's gradient sums to zero over topics.
    np.testing.assert_allclose(dense.sum(1).numpy(), 0.0, atol=1e-6)
    assert network.topic_weight.grad is not None and not network.topic_weight.grad.is_sparse


def test_term_vectors_are_a_fixed_buffer(network: NTMNetwork) -> None:
    params = list(network.parameters())
    assert not any(p is network.term_vectors for p in params)
    assert len(params) == 3  # W2, its bias, W1
    assert "term_vectors" in network.state_dict()
    assert not network.term_vectors.requires_grad
    before = network.term_vectors.clone()
    opt = torch.optim.SGD([network.topic_weight, network.topic_bias], lr=1.0)
    ls_pos, ls_neg = network(torch.tensor([0, 1]), torch.tensor([0, 1]), torch.tensor([[1], [0]]))
    ranking_hinge(ls_pos, ls_neg, margin=2.0).sum().backward()
    opt.step()
    assert torch.equal(network.term_vectors, before)


def test_zero_weights_give_the_saddle_point() -> None:
    # Fresh W2 is zero: every lt is 0.5, so every score equals 0.5 whatever ld is.
    net = NTMNetwork(torch.ones(3, 2), n_docs=4, n_topics=2)
    ls_pos, ls_neg = net(torch.tensor([0, 2]), torch.tensor([1, 3]), torch.tensor([[0], [2]]))
    np.testing.assert_allclose(ls_pos.detach().numpy(), 0.5, rtol=1e-6)
    np.testing.assert_allclose(ls_neg.detach().numpy(), 0.5, rtol=1e-6)
