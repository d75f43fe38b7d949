"""One training step: the batch's scores, the ranking hinge, and its gradients.

:func:`compute_step` takes one batch of triples ``(g, d+, d-)`` and leaves the gradients
of the dense parameters (W2, its bias, the label layer) in their ``.grad`` and that of
the batch's W1 rows in its :class:`StepResult`.  The hinge's gradient is written out by
hand (:func:`hinge_gradients`, with compiled passes on the CPU); the extensions that
change the loss's form (term-side negatives, the entropy penalty) go through autograd
(:func:`_autograd_step`), which is also the reference the hand-written step is tested
against.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

import numpy as np
import torch

from ..model.network import NTMNetwork, ranking_hinge, ranking_hinge_grad
from ..model.supervised import LabelLayer, label_loss
from .kernels import (
    distinct_sorted,
    gather_rows,
    hinge_pass,
    sigmoid_backward,
)
from .optim import RowAdam, softmax_gradient
from .sampling import Batch, TripleSampler


@dataclass(frozen=True)
class TrainConfig:
    """Settings of the fine-tuning loop (see :class:`neurotopic.NeuralTopicModel`)."""

    epochs: int = 20
    batch_size: int = 4096
    margin: float = 0.5
    topic_learning_rate: float = 0.05  # Adam on W2 and its bias
    doc_learning_rate: float = 0.05  # SparseAdam on the rows of W1 in the batch
    entropy_weight: float = 0.0  # extension: penalise the entropy of ld(d+)
    term_negatives: int = 0  # extension: negative terms g- per (g, d+)
    n_iter_no_change: int = 0  # early stopping: epochs without a better held-out score
    tol: float = 0.0  # early stopping: the improvement that counts


def _tensors(batch: Batch, device: torch.device) -> tuple[torch.Tensor, ...]:
    return tuple(
        torch.from_numpy(a).to(device) for a in (batch.terms, batch.pos_docs, batch.neg_docs)
    )


def _term_side_hinge(
    network: NTMNetwork,
    sampler: TripleSampler,
    batch: Batch,
    ld_pos: torch.Tensor,
    ls_pos: torch.Tensor,
    config: TrainConfig,
) -> torch.Tensor:
    """Mean of ``max(0, margin - ls(g, d+) + ls(g-, d+))`` over sampled negative terms.

    Not in Cao et al.: it compares *terms* for a fixed document, the axis a topic's
    term ranking reads (like word2vec's negative words, drawn by ``df ** 0.75``).
    """
    neg_terms = sampler.sample_negative_terms(batch.pos_docs, config.term_negatives)
    g_neg = torch.from_numpy(neg_terms).to(ld_pos.device)  # (B, n_terms_neg)
    unique, inverse = torch.unique(g_neg, return_inverse=True)
    lt_neg = network.term_topic(unique)[inverse]  # (B, n, K)
    ls_neg = (lt_neg * ld_pos.unsqueeze(1)).sum(-1)  # (B, n)
    return ranking_hinge(ls_pos, ls_neg, config.margin).mean()


@dataclass
class Supervision:
    """The sNTM label layer, the training documents' targets and the loss weight."""

    layer: LabelLayer
    task: str
    targets: torch.Tensor  # (D,) or (D, C), indexed by document id
    weight: float = 1.0


@dataclass
class StepScores:
    """Scores of one batch, computed on the batch's distinct W1 rows."""

    rows: torch.Tensor  # (U,) distinct document ids of the batch
    logits: torch.Tensor  # (U, K) leaf copy of W1[rows]; its .grad feeds RowAdam
    ld: torch.Tensor  # (U, K) ld of the distinct documents
    ld_pos: torch.Tensor  # (B, K)
    ls_pos: torch.Tensor  # (B,)
    ls_neg: torch.Tensor  # (B, n_neg)


@dataclass
class StepResult:
    """What one training step computed: the batch's scores and the W1 rows' gradient.

    The gradients of the dense parameters (W2, its bias, the label layer) are left in
    their ``.grad``.
    """

    rows: torch.Tensor  # (U,) distinct document ids of the batch
    row_grad: torch.Tensor | None  # (U, K) gradient of the loss on W1[rows]; None: softmax
    hinge: torch.Tensor  # (B, n_neg)
    ls_pos: torch.Tensor  # (B,)
    ls_neg: torch.Tensor  # (B, n_neg)
    label_loss: float | None = None
    #: (ld, gradient on ld), each (U, K), when the backward through the softmax is left to
    #: the optimiser (:meth:`neurotopic.optim.RowAdam.step_softmax`): ``row_grad`` is None.
    softmax: tuple[torch.Tensor, torch.Tensor] | None = None

    def gradient(self) -> torch.Tensor:
        """The gradient on ``W1[rows]``, formed from :attr:`softmax` when left there."""
        if self.row_grad is not None:
            return self.row_grad
        assert self.softmax is not None  # left there by the compiled CPU step
        return softmax_gradient(*self.softmax, kernel=True)

    def apply(self, optimiser: RowAdam) -> None:
        """``optimiser``'s step on ``W1[rows]`` with this gradient."""
        if self.softmax is not None:
            optimiser.step_softmax(self.rows, *self.softmax)
        else:
            assert self.row_grad is not None
            optimiser.step(self.rows, self.row_grad)


def distinct(ids: torch.Tensor, size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Sorted distinct values of ``ids`` (all in ``[0, size)``) and each id's position.

    Equivalent to ``torch.unique(ids, return_inverse=True)`` but O(size + len(ids))
    with no sort, which is faster for a batch of thousands of ids.
    """
    mark = torch.zeros(size, dtype=torch.bool, device=ids.device)
    mark[ids] = True
    values = mark.nonzero().squeeze(1)
    position = torch.empty(size, dtype=torch.long, device=ids.device)
    position[values] = torch.arange(len(values), device=ids.device)
    return values, position[ids]


class StepScratch:
    """Reusable arrays of the compiled CPU step, one set per training run.

    :func:`distinct` marks ids in an array as long as the id range, which costs
    O(documents) per step (a 1M-document corpus: a millisecond a step, 7% of training);
    these slots are allocated once and the compiled :func:`neurotopic.kernels.distinct_sorted`
    touches only the batch's ids.

    Parameters
    ----------
    n_docs, n_terms : int
        Rows of W1 and of the term vectors.
    """

    def __init__(self, n_docs: int, n_terms: int) -> None:
        self.doc_slot = np.full(n_docs, -1, dtype=np.int32)
        self.term_slot = np.full(n_terms, -1, dtype=np.int32)

    @contextmanager
    def dense(self) -> Iterator[None]:
        """torch's CPU operations on one thread, then as before.

        MKL may split a product's sum across threads (it does on some Intel CPUs for
        ``le.T @ grad_z``, whose sum runs over the batch's terms), which changes its
        rounding with the thread count; on one thread the step's numbers are the same
        on any number of cores, and the compiled passes carry the parallel work.
        """
        previous = torch.get_num_threads()
        if previous == 1:
            yield
            return
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(previous)

    @staticmethod
    def _distinct(ids: torch.Tensor, slot: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        flat = np.ascontiguousarray(ids.numpy(), dtype=np.int64)
        values = np.empty(len(flat), dtype=np.int64)
        inverse = np.empty(len(flat), dtype=np.int64)
        n = distinct_sorted(flat, slot, values, inverse)
        return torch.from_numpy(values[:n]), torch.from_numpy(inverse)

    def distinct_docs(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """:func:`distinct` of document ids (CPU tensors)."""
        return self._distinct(ids, self.doc_slot)

    def distinct_terms(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """:func:`distinct` of term ids (CPU tensors)."""
        return self._distinct(ids, self.term_slot)


def batch_scores(
    network: NTMNetwork, terms: torch.Tensor, pos: torch.Tensor, neg: torch.Tensor
) -> StepScores:
    """``ls(g, d+)`` and ``ls(g, d-)`` with one softmax per distinct document.

    The W1 rows of the batch's distinct documents are copied into a leaf tensor, so
    the backward pass yields their dense ``(U, K)`` gradient directly.
    """
    n_pos = len(pos)
    docs = torch.cat([pos, neg.reshape(-1)])
    rows, inverse = distinct(docs, network.doc_logits.num_embeddings)
    logits = network.doc_logits.weight.detach()[rows].requires_grad_()  # (U, K)
    ld = torch.softmax(logits, dim=-1)  # (U, K)
    ld_pos = ld[inverse[:n_pos]]  # (B, K)
    ld_neg = ld[inverse[n_pos:]].view(*neg.shape, -1)  # (B, n_neg, K)
    unique_terms, term_inverse = distinct(terms, network.term_vectors.shape[0])
    lt = network.term_topic(unique_terms)[term_inverse]  # (B, K)
    ls_pos = (lt * ld_pos).sum(-1)
    ls_neg = (lt.unsqueeze(1) * ld_neg).sum(-1)
    return StepScores(rows, logits, ld, ld_pos, ls_pos, ls_neg)


def _kernel_hinge_pass(
    lt_terms: torch.Tensor,
    ld: torch.Tensor,
    term_of: torch.Tensor,
    pos_of: torch.Tensor,
    neg_of: torch.Tensor,
    margin: float,
) -> tuple[torch.Tensor, ...]:
    """:func:`neurotopic.kernels.hinge_pass` on CPU tensors, its outputs allocated here.

    Returns ``hinge`` (B, n_neg), ``ls_pos`` (B,), ``ls_neg`` (B, n_neg) and the mean
    hinge's gradients on ``lt_terms`` (T, K) and ``ld`` (U, K).
    """
    n_pos, n_neg = neg_of.shape
    hinge, ls_pos, ls_neg = torch.empty(n_pos, n_neg), torch.empty(n_pos), torch.empty(n_pos, n_neg)
    grad_terms, grad_ld = torch.empty_like(lt_terms), torch.empty_like(ld)  # written whole
    hinge_pass(
        lt_terms.numpy(),
        ld.numpy(),
        term_of.numpy(),
        pos_of.numpy(),
        neg_of.numpy(),
        float(margin),
        hinge.numpy(),
        ls_pos.numpy(),
        ls_neg.numpy(),
        grad_terms.numpy(),
        grad_ld.numpy(),
    )
    return hinge, ls_pos, ls_neg, grad_terms, grad_ld


def _torch_hinge_pass(
    lt_terms: torch.Tensor,
    ld: torch.Tensor,
    term_of: torch.Tensor,
    pos_of: torch.Tensor,
    neg_of: torch.Tensor,
    margin: float,
) -> tuple[torch.Tensor, ...]:
    """:func:`_kernel_hinge_pass` in torch operations (any device)."""
    n_pos, n_neg = neg_of.shape
    k = ld.shape[1]
    lt = lt_terms.index_select(0, term_of)  # (B, K)
    ld_pos = ld.index_select(0, pos_of)  # (B, K)
    ld_neg = ld.index_select(0, neg_of.reshape(-1)).view(n_pos, n_neg, k)  # (B, n_neg, K)
    ls_pos = (lt * ld_pos).sum(-1)  # (B,)
    ls_neg = torch.bmm(ld_neg, lt.unsqueeze(-1)).squeeze(-1)  # (B, n_neg)
    hinge = ranking_hinge(ls_pos, ls_neg, margin)  # (B, n_neg)
    grad_pos, grad_neg = ranking_hinge_grad(hinge, mean=True)  # d loss / d ls+, d ls-
    # d loss / d lt, per triple, then per distinct term
    grad_lt = grad_pos.unsqueeze(-1) * ld_pos + (grad_neg.unsqueeze(-1) * ld_neg).sum(1)
    grad_terms = torch.zeros_like(lt_terms).index_add_(0, term_of, grad_lt)  # (T, K)
    # d loss / d ld, per distinct document
    grad_ld = torch.zeros_like(ld)
    grad_ld.index_add_(0, pos_of, grad_pos.unsqueeze(-1) * lt)
    outer = (grad_neg.unsqueeze(-1) * lt.unsqueeze(1)).reshape(-1, k)  # (B n_neg, K)
    grad_ld.index_add_(0, neg_of.reshape(-1), outer)
    return hinge, ls_pos, ls_neg, grad_terms, grad_ld


@torch.no_grad()
def hinge_gradients(
    network: NTMNetwork,
    terms: torch.Tensor,
    pos: torch.Tensor,
    neg: torch.Tensor,
    margin: float,
    label_loss_grad: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    *,
    kernel: bool | None = None,
    scratch: StepScratch | None = None,
) -> StepResult:
    """The mean ranking hinge of a batch and its gradients, written out by hand.

    The same numbers as ``ranking_hinge(...).mean().backward()`` through
    :func:`batch_scores` (:func:`_autograd_step`; ``tests/test_training.py`` checks it),
    without building an autograd graph: the scores' gradient is
    :func:`neurotopic.model.ranking_hinge_grad`'s (``-sum_j a_bj`` on ``ls(g_b, d+_b)``
    and ``a_bj`` on ``ls(g_b, d-_bj)``, ``a = [hinge > 0] / (B n_neg)``; the compiled
    :func:`neurotopic.kernels.hinge_pass` forms it per triple); it reaches ``lt`` and
    ``ld`` through the dot products, W2 through the sigmoid of the batch's distinct terms
    and W1 through the softmax of its distinct documents.  W2's and the bias's gradients
    are written to their ``.grad``.

    Parameters
    ----------
    network : NTMNetwork
    terms : LongTensor of shape (B,)
    pos : LongTensor of shape (B,)
    neg : LongTensor of shape (B, n_neg)
    margin : float
    label_loss_grad : callable, optional
        ``label_loss_grad(rows, ld)`` for the distinct documents ``rows`` and their
        ``ld`` (U, K): the gradient of an extra loss on ``ld`` (sNTM's weighted label
        loss; it may also fill the label layer's ``.grad``).
    kernel : bool, optional
        Score the triples with :func:`neurotopic.kernels.hinge_pass` (one pass per
        triple, about 2x faster) rather than torch operations.  Default: on the CPU.
    scratch : StepScratch, optional
        With ``kernel``, find the batch's distinct ids and gather their W1 rows with
        the compiled passes (same numbers, less time on large corpora), run the dense
        operations (softmax, W2's products, sigmoid) on one torch thread
        (:meth:`StepScratch.dense`), and leave the backward through the softmax to the
        optimiser (``StepResult.softmax``).

    Returns
    -------
    StepResult
    """
    n_pos, n_neg = neg.shape
    if kernel is None:
        kernel = network.topic_weight.device.type == "cpu"
    if not kernel:
        scratch = None  # its passes are the compiled CPU ones
    docs = torch.cat([pos, neg.reshape(-1)])
    weight = network.doc_logits.weight
    if scratch is not None:
        rows, inverse = scratch.distinct_docs(docs)
        unique_terms, term_inverse = scratch.distinct_terms(terms)
        gathered = torch.empty(len(rows), weight.shape[1])
        gather_rows(weight.detach().numpy(), rows.numpy(), gathered.numpy())
        le = torch.empty(len(unique_terms), network.term_vectors.shape[1])  # (T, E)
        gather_rows(network.term_vectors.numpy(), unique_terms.numpy(), le.numpy())
    else:
        rows, inverse = distinct(docs, network.doc_logits.num_embeddings)
        unique_terms, term_inverse = distinct(terms, network.term_vectors.shape[0])
        # index_select, not ld[index]: the same gather, about 4x faster on the CPU
        gathered = weight.index_select(0, rows)
        le = network.term_vectors.index_select(0, unique_terms)  # (T, E)
    dense = scratch.dense if scratch is not None else nullcontext
    with dense():
        ld = torch.softmax(gathered, dim=-1)  # (U, K)
        z = torch.addmm(network.topic_bias, le, network.topic_weight)  # (T, K)
        lt_terms = z.sigmoid_()
    hinge_pass_ = _kernel_hinge_pass if kernel else _torch_hinge_pass
    hinge, ls_pos, ls_neg, grad_terms, grad_ld = hinge_pass_(
        lt_terms, ld, term_inverse, inverse[:n_pos], inverse[n_pos:].view(n_pos, n_neg), margin
    )
    # through the sigmoid: grad_z = grad_lt * lt * (1 - lt); the bias's gradient sums it
    if kernel:
        grad_z, bias_grad = grad_terms, torch.empty(lt_terms.shape[1])
        sigmoid_backward(lt_terms.numpy(), grad_z.numpy(), bias_grad.numpy())
    else:
        grad_z = grad_terms.mul_(lt_terms * (1 - lt_terms))
        bias_grad = grad_z.sum(0)
    with dense():
        network.topic_weight.grad = le.T @ grad_z  # (E, K)
    network.topic_bias.grad = bias_grad  # (K,)
    if label_loss_grad is not None:
        grad_ld += label_loss_grad(rows, ld)
    # through the softmax: J^T g = ld * (g - <g, ld>)
    if scratch is not None:  # left to RowAdam.step_softmax, in its pass
        return StepResult(rows, None, hinge, ls_pos, ls_neg, softmax=(ld, grad_ld))
    row_grad = softmax_gradient(ld, grad_ld, kernel=kernel)
    return StepResult(rows, row_grad, hinge, ls_pos, ls_neg)


def _autograd_step(
    network: NTMNetwork,
    sampler: TripleSampler,
    batch: Batch,
    config: TrainConfig,
    supervision: Supervision | None,
) -> StepResult:
    """A step through autograd, for the extensions :func:`hinge_gradients` does not write
    out (term-side negatives, the entropy penalty).

    Without them its loss is the one whose gradient :func:`hinge_gradients` writes out,
    ``ranking_hinge(...).mean()`` (plus sNTM's weighted label loss): the reference the
    tests compare the hand-written step with.
    """
    terms, pos, neg = _tensors(batch, network.topic_weight.device)
    scores = batch_scores(network, terms, pos, neg)
    hinge = ranking_hinge(scores.ls_pos, scores.ls_neg, config.margin)  # (B, n_neg)
    loss = hinge.mean()
    if config.term_negatives:
        loss = loss + _term_side_hinge(
            network, sampler, batch, scores.ld_pos, scores.ls_pos, config
        )
    if config.entropy_weight:
        ld = scores.ld_pos  # (B, K)
        entropy = -(ld * torch.log(ld.clamp_min(1e-12))).sum(-1).mean()
        loss = loss + config.entropy_weight * entropy
    sup_value = None
    if supervision is not None:
        outputs = supervision.layer(scores.ld)  # (U, C)
        sup = label_loss(supervision.task, outputs, supervision.targets[scores.rows])
        loss = loss + supervision.weight * sup
        sup_value = float(sup.detach())
    loss.backward()
    assert scores.logits.grad is not None
    return StepResult(
        scores.rows,
        scores.logits.grad,
        hinge.detach(),
        scores.ls_pos.detach(),
        scores.ls_neg.detach(),
        sup_value,
    )


def compute_step(
    network: NTMNetwork,
    sampler: TripleSampler,
    batch: Batch,
    config: TrainConfig,
    supervision: Supervision | None = None,
    scratch: StepScratch | None = None,
) -> StepResult:
    """The loss of one batch and its gradients (dense ones in ``.grad``).

    The hinge (and sNTM's label loss) go through :func:`hinge_gradients` (with
    ``scratch``'s compiled bookkeeping on the CPU); the extensions that change the
    loss's form go through autograd.
    """
    if config.term_negatives or config.entropy_weight:
        return _autograd_step(network, sampler, batch, config, supervision)
    terms, pos, neg = _tensors(batch, network.topic_weight.device)
    label_values: list[float] = []
    label_grad = None
    if supervision is not None:
        sup = supervision

        def label_grad(rows: torch.Tensor, ld: torch.Tensor) -> torch.Tensor:
            with torch.enable_grad():
                leaf = ld.detach().requires_grad_()
                value = label_loss(sup.task, sup.layer(leaf), sup.targets[rows])
                (sup.weight * value).backward()
            label_values.append(float(value.detach()))
            assert leaf.grad is not None
            return leaf.grad

    result = hinge_gradients(network, terms, pos, neg, config.margin, label_grad, scratch=scratch)
    result.label_loss = label_values[0] if label_values else None
    return result
