"""Tests for the fine-tuning loop and the held-out triple evaluation."""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from pathlib import Path

import numba
import numpy as np
import pytest
import scipy.sparse as sp
import torch

from neurotopic import NeuralTopicModel
from neurotopic.errors import NeurotopicError
from neurotopic.model.network import NTMNetwork, ranking_hinge, ranking_hinge_grad
from neurotopic.model.pretrain import initial_doc_logits, pretrain_topic_weights
from neurotopic.model.supervised import LabelLayer
from neurotopic.train import training
from neurotopic.train.kernels import gather_rows
from neurotopic.train.optim import RowAdam
from neurotopic.train.sampling import Batch, TripleSampler
from neurotopic.train.step import (
    StepScratch,
    Supervision,
    TrainConfig,
    _autograd_step,
    compute_step,
    hinge_gradients,
)
from neurotopic.train.threads import numba_pool_size
from neurotopic.train.training import evaluate_triples, resolve_holdout, stopped_early, train

from ..conftest import FAST

HISTORY_KEYS = {
    "epoch",
    "hinge",
    "ranking_accuracy",
    "heldout_hinge",
    "heldout_ranking_accuracy",
    "seconds",
    "triples_per_second",
}


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread() -> Iterator[None]:
    """Tiny batches run faster on one thread than on two contended ones."""
    n_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n_threads)


def planted_corpus(seed: int = 0) -> tuple[sp.csr_matrix, np.ndarray]:
    """80 documents over 20 terms: docs 0-39 use 8 of terms 0-9, docs 40-79 8 of 10-19.

    Term vectors point along +e0 (first block) or -e0 (second block) plus noise.
    """
    rng = np.random.default_rng(seed)
    counts = np.zeros((80, 20), dtype=np.float32)
    for d in range(80):
        block = 0 if d < 40 else 10
        counts[d, block + rng.choice(10, size=8, replace=False)] = 1.0
    sign = np.where(np.arange(20) < 10, 1.0, -1.0)
    le = 0.5 * rng.normal(size=(20, 8))
    le[:, 0] += sign
    le /= np.linalg.norm(le, axis=1, keepdims=True)
    return sp.csr_matrix(counts), le.astype(np.float32)


def pretrained_network(X: sp.csr_matrix, le: np.ndarray, n_topics: int = 2) -> NTMNetwork:
    """The network as the estimator builds it: pre-trained W2, initial W1."""
    weight, bias = pretrain_topic_weights(le, n_topics, steps=20, seed=0)
    lt0 = 1.0 / (1.0 + np.exp(-(le @ weight + bias)))
    network = NTMNetwork(torch.from_numpy(le), X.shape[0], n_topics)
    with torch.no_grad():
        network.topic_weight.copy_(torch.from_numpy(weight))
        network.topic_bias.copy_(torch.from_numpy(bias))
        network.doc_logits.weight.copy_(torch.from_numpy(initial_doc_logits(X, lt0)))
    return network


def test_training_improves_heldout_ranking_on_planted_topics() -> None:
    X, le = planted_corpus()
    network = pretrained_network(X, le)
    le_before = network.term_vectors.clone()
    sampler = TripleSampler(X, n_negatives=3, holdout=0.15, seed=0)
    config = TrainConfig(epochs=15, batch_size=32, margin=0.5)
    history = train(network, sampler, config, progress=False)

    assert [h["epoch"] for h in history] == list(range(16))
    assert all(set(h) == HISTORY_KEYS for h in history)
    assert math.isnan(history[0]["hinge"]) and history[0]["seconds"] == 0.0
    assert all(h["seconds"] > 0 and h["triples_per_second"] > 0 for h in history[1:])
    start, end = history[0], history[-1]
    # Same-block documents without g are legitimate negatives too, so ~1/6 of held-out
    # triples are coin flips even for a perfect model.
    assert end["heldout_ranking_accuracy"] > start["heldout_ranking_accuracy"] + 0.15
    assert end["heldout_ranking_accuracy"] > 0.75
    assert end["heldout_hinge"] < start["heldout_hinge"]
    assert history[-1]["hinge"] < 0.5 * history[1]["hinge"]
    assert torch.equal(network.term_vectors, le_before)  # le is never trained

    # The planted structure is recovered: each block's documents share a dominant topic,
    # and the two blocks' topics differ.
    with torch.no_grad():
        ld = network.doc_topic(torch.arange(80)).numpy()
        lt = network.term_topic().numpy()
    first, second = ld[:40].mean(0).argmax(), ld[40:].mean(0).argmax()
    assert first != second
    assert np.mean(ld[:40].argmax(1) == first) > 0.9
    assert np.mean(ld[40:].argmax(1) == second) > 0.9
    assert lt[:10, first].mean() > lt[10:, first].mean()


def test_progress_false_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    X, le = planted_corpus()
    sampler = TripleSampler(X, holdout=0.1, seed=0)
    train(pretrained_network(X, le), sampler, TrainConfig(epochs=1, batch_size=64), progress=False)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_evaluate_triples_counts_ties_as_half() -> None:
    # One topic: ld is 1 for every document, so ls(g, d+) = ls(g, d-) = lt(g): all ties.
    network = NTMNetwork(torch.randn(4, 3, generator=torch.Generator().manual_seed(0)), 5, 1)
    batch = Batch(
        terms=np.array([0, 1, 2, 3]),
        pos_docs=np.array([0, 1, 2, 3]),
        neg_docs=np.array([[4], [3], [2], [1]]),
    )
    result = evaluate_triples(network, batch, margin=0.5)
    assert result["ranking_accuracy"] == 0.5
    assert result["hinge"] == pytest.approx(0.5)


def test_evaluate_triples_hand_scores() -> None:
    # Two topics, lt = (1, 0)-ish for term 0; doc 0 is topic 0, doc 1 topic 1.
    network = NTMNetwork(torch.tensor([[1.0], [-1.0]]), 2, 2)
    with torch.no_grad():
        network.topic_weight.copy_(torch.tensor([[20.0, -20.0]]))
        network.doc_logits.weight.copy_(torch.tensor([[20.0, -20.0], [-20.0, 20.0]]))
    batch = Batch(
        terms=np.array([0, 0, 1]),
        pos_docs=np.array([0, 1, 1]),
        neg_docs=np.array([[1], [0], [0]]),
    )
    result = evaluate_triples(network, batch, margin=0.5)
    # Triples 0 and 2 are ranked right with ls+ - ls- ~ 1 (hinge 0); triple 1 is wrong
    # with ls+ - ls- ~ -1 (hinge 1.5).
    assert result["ranking_accuracy"] == pytest.approx(2 / 3)
    assert result["hinge"] == pytest.approx(0.5, abs=1e-6)


def test_evaluate_empty_batch_is_nan() -> None:
    network = NTMNetwork(torch.ones(2, 2), 3, 2)
    empty = Batch(
        terms=np.zeros(0, dtype=np.int64),
        pos_docs=np.zeros(0, dtype=np.int64),
        neg_docs=np.zeros((0, 1), dtype=np.int64),
    )
    result = evaluate_triples(network, empty, margin=0.5)
    assert math.isnan(result["hinge"]) and math.isnan(result["ranking_accuracy"])


def test_training_accuracy_uses_the_heldout_definition() -> None:
    X, _ = planted_corpus()
    # One topic: every triple is a tie whatever the weights, so both accuracies are 1/2.
    network = NTMNetwork(torch.from_numpy(planted_corpus()[1]), X.shape[0], 1)
    sampler = TripleSampler(X, holdout=0.1, seed=0)
    history = train(network, sampler, TrainConfig(epochs=1, batch_size=64), progress=False)
    assert history[1]["heldout_ranking_accuracy"] == 0.5
    assert history[1]["ranking_accuracy"] == 0.5


def test_early_stopping_ends_training_when_heldout_stops_improving(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    X, le = planted_corpus()
    config = TrainConfig(epochs=3, batch_size=64, n_iter_no_change=1, tol=1.0)
    sampler = TripleSampler(X, n_negatives=3, holdout=0.2, seed=0)
    history = train(pretrained_network(X, le), sampler, config, progress=False)
    assert len(sampler.holdout_batch.terms) < training.MIN_STOPPING_TRIPLES
    assert [h["epoch"] for h in history] == [0, 1, 2, 3]  # too few held-out triples
    monkeypatch.setattr(training, "MIN_STOPPING_TRIPLES", 0)
    sampler = TripleSampler(X, n_negatives=3, holdout=0.2, seed=0)
    config = TrainConfig(epochs=6, batch_size=64, n_iter_no_change=1, tol=1.0)
    history = train(pretrained_network(X, le), sampler, config, progress=False)
    assert [h["epoch"] for h in history] == [0, 1]  # no epoch can beat the best by 1
    config = TrainConfig(epochs=6, batch_size=64, n_iter_no_change=0, tol=1.0)
    history = train(pretrained_network(X, le), sampler, config, progress=False)
    assert len(history) == 7  # off: every epoch runs


def test_stopped_early_reads_the_heldout_scores() -> None:
    def h(*scores: float) -> list[dict[str, float]]:
        return [{"heldout_ranking_accuracy": a} for a in scores]

    assert stopped_early(h(0.8, 0.79, 0.78), 2, 0.0)  # worse than the start twice
    assert not stopped_early(h(0.8, 0.79, 0.81), 2, 0.0)
    assert stopped_early(h(0.8, 0.805, 0.802), 2, 0.01)  # gains below tol do not count
    assert not stopped_early(h(0.8, 0.79), 2, 0.0)  # too few epochs to tell
    assert not stopped_early(h(0.8, 0.7, 0.6), 0, 0.0)  # off
    assert not stopped_early(h(float("nan"), float("nan"), float("nan")), 1, 0.0)  # no holdout


@pytest.mark.parametrize("task", [None, "classification", "multilabel", "regression"])
def test_hand_written_gradients_match_autograd(task: str | None) -> None:
    """``hinge_gradients`` (the default step) gives autograd's gradients of the same loss."""
    X, le = planted_corpus()
    sampler = TripleSampler(X, n_negatives=3, seed=1)
    batch = sampler.batch(sampler.epoch_order()[:64])
    config = TrainConfig(margin=0.5)
    supervision = None
    if task is not None:
        gen = torch.Generator().manual_seed(0)
        n_out = 1 if task == "regression" else 3
        if task == "classification":
            targets = torch.randint(0, 3, (80,), generator=gen)
        elif task == "multilabel":
            targets = torch.randint(0, 2, (80, 3), generator=gen).float()
        else:
            targets = torch.randn(80, generator=gen)
        layer = LabelLayer(2, n_out)
        with torch.no_grad():  # not the zero start, so the label loss reaches ld
            layer.weight.normal_(generator=gen)
        supervision = Supervision(layer, task, targets, weight=0.7)
    results, grads = [], []
    for step in (compute_step, _autograd_step):
        network = pretrained_network(X, le)
        if supervision is not None:
            supervision.layer.zero_grad(set_to_none=True)
        result = step(network, sampler, batch, config, supervision)
        extra = [] if supervision is None else [p.grad for p in supervision.layer.parameters()]
        results.append(result)
        grads.append([network.topic_weight.grad, network.topic_bias.grad, *extra])
    fused, reference = results
    assert torch.equal(fused.rows, reference.rows)
    torch.testing.assert_close(fused.row_grad, reference.row_grad)
    torch.testing.assert_close(fused.hinge, reference.hinge)
    assert float(fused.row_grad.abs().sum()) > 0
    for a, b in zip(*grads, strict=True):
        assert a is not None and b is not None
        torch.testing.assert_close(a, b)
    if supervision is not None:
        assert fused.label_loss == pytest.approx(reference.label_loss)


@pytest.mark.parametrize("mean", [True, False], ids=["mean", "sum"])
def test_ranking_hinge_grad_is_autograds_gradient_on_the_scores(mean: bool) -> None:
    """The scores' gradient that the hand-written steps (training, fold-in) carry on."""
    gen = torch.Generator().manual_seed(0)
    ls_pos = torch.rand(6, generator=gen).requires_grad_()
    ls_neg = torch.rand(6, 3, generator=gen).requires_grad_()
    hinge = ranking_hinge(ls_pos, ls_neg, margin=0.3)
    (hinge.mean() if mean else hinge.sum()).backward()
    grad_pos, grad_neg = ranking_hinge_grad(hinge.detach(), mean=mean)
    assert 0 < int((hinge > 0).sum()) < hinge.numel()  # both sides of the kink
    assert ls_pos.grad is not None and ls_neg.grad is not None
    torch.testing.assert_close(grad_pos, ls_pos.grad)
    torch.testing.assert_close(grad_neg, ls_neg.grad)


def test_numba_kernel_matches_the_torch_operations() -> None:
    """``hinge_gradients(kernel=True)`` (the CPU default) equals its torch version."""
    X, le = planted_corpus()
    sampler = TripleSampler(X, n_negatives=4, seed=2)
    batch = sampler.batch(sampler.epoch_order()[:100])
    terms, pos, neg = (torch.from_numpy(a) for a in (batch.terms, batch.pos_docs, batch.neg_docs))
    out = []
    for kernel in (True, False):
        network = pretrained_network(X, le)
        result = hinge_gradients(network, terms, pos, neg, 0.02, kernel=kernel)
        out.append((result, network.topic_weight.grad, network.topic_bias.grad))
    (a, wa, ba), (b, wb, bb) = out
    for x, y in [(a.hinge, b.hinge), (a.ls_pos, b.ls_pos), (a.ls_neg, b.ls_neg)]:
        torch.testing.assert_close(x, y)
    torch.testing.assert_close(a.row_grad, b.row_grad)
    torch.testing.assert_close(wa, wb)
    torch.testing.assert_close(ba, bb)
    assert 0 < float((a.hinge > 0).float().mean()) < 1  # both branches of the hinge ran


def test_step_scratch_gives_the_same_step_as_the_torch_bookkeeping() -> None:
    """The compiled distinct ids and W1 gather (``StepScratch``) change no number, and
    leave the scratch ready for the next batch."""
    X, le = planted_corpus()
    sampler = TripleSampler(X, n_negatives=4, seed=5)
    order = sampler.epoch_order()
    scratch = StepScratch(X.shape[0], X.shape[1])
    for first in (0, 300):  # two batches through the same scratch
        batch = sampler.batch(order[first : first + 300])
        tensors = [torch.from_numpy(a) for a in (batch.terms, batch.pos_docs, batch.neg_docs)]
        out = []
        for use in (None, scratch):
            network = pretrained_network(X, le)
            result = hinge_gradients(network, *tensors, 0.02, kernel=True, scratch=use)
            out.append((result.rows, result.gradient(), result.hinge, network.topic_weight.grad))
        for x, y in zip(*out, strict=True):
            assert x is not None and y is not None
            assert torch.equal(x, y)
        assert (scratch.doc_slot == -1).all() and (scratch.term_slot == -1).all()


@pytest.mark.parametrize(
    ("n_ids", "size"),  # a sort, then radix sorts of 1, 2 and 3 passes (11 bits each)
    [(50, 400), (2_000, 5_000), (1_000_000, 24_576), (5_000_000, 30_000)],
)
def test_distinct_sorted_is_torch_unique(n_ids: int, size: int) -> None:
    ids = torch.from_numpy(np.random.default_rng(0).integers(0, n_ids, size=size))
    scratch = StepScratch(n_ids, 1)
    values, inverse = scratch.distinct_docs(ids)
    expected_values, expected_inverse = torch.unique(ids, sorted=True, return_inverse=True)
    assert torch.equal(values, expected_values) and torch.equal(inverse, expected_inverse)
    assert torch.equal(values[inverse], ids)


def test_gather_rows_is_index_select() -> None:
    weight = torch.randn(40, 7)
    rows = torch.tensor([39, 0, 5, 5, 17])
    out = torch.empty(5, 7)
    gather_rows(weight.numpy(), rows.numpy(), out.numpy())
    assert torch.equal(out, weight.index_select(0, rows))


def test_compiled_passes_give_the_same_numbers_on_any_thread_count() -> None:
    """The kernels run on all cores; each writes its own rows, so 1 and 2 threads agree."""
    import numba

    X, le = planted_corpus()
    sampler = TripleSampler(X, n_negatives=4, seed=3)
    batch = sampler.batch(sampler.epoch_order()[:500])
    terms, pos, neg = (torch.from_numpy(a) for a in (batch.terms, batch.pos_docs, batch.neg_docs))
    previous = numba.get_num_threads()
    out = []
    try:
        for threads in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
            numba.set_num_threads(threads)
            network = pretrained_network(X, le)
            result = hinge_gradients(network, terms, pos, neg, 0.02, kernel=True)
            weight = network.doc_logits.weight.detach().clone()
            opt = RowAdam(weight, lr=0.05)
            opt.step(result.rows, result.row_grad)
            out.append((result.row_grad, network.topic_weight.grad, weight))
    finally:
        numba.set_num_threads(previous)
    for x, y in zip(*out, strict=True):
        assert x is not None and y is not None
        assert torch.equal(x, y)


@pytest.mark.parametrize("threads", [(1, 1), (2, 1), (1, 2), (2, 2)])
def test_a_step_gives_the_same_numbers_on_any_thread_count(threads: tuple[int, int]) -> None:
    """At a training step's shapes (about 2,600 distinct terms, 100-d vectors, K=128) the
    gradients are the same bit for bit whatever the compiled passes' and torch's thread
    counts: the passes write their own rows only, and the dense products run on one
    torch thread (MKL splits ``le.T @ grad_z``'s sum across threads on some CPUs)."""
    compiled, torch_count = threads
    rng = np.random.default_rng(0)
    n_docs, n_terms, dim, k = 20_000, 4_000, 100, 128
    docs = np.repeat(np.arange(n_docs), 10)
    X = sp.csr_matrix(
        (np.ones(len(docs), np.float32), (docs, rng.integers(0, n_terms, size=len(docs)))),
        shape=(n_docs, n_terms),
    )
    le = rng.standard_normal((n_terms, dim)).astype(np.float32)
    sampler = TripleSampler(X, n_negatives=5, seed=0, negative_pool=1024)
    batch = sampler.batch(sampler.epoch_order()[:4096])
    terms, pos, neg = (torch.from_numpy(a) for a in (batch.terms, batch.pos_docs, batch.neg_docs))
    out = []
    previous = numba.get_num_threads(), torch.get_num_threads()
    for n_compiled, n_torch in [(1, 1), (min(compiled, numba_pool_size()), torch_count)]:
        numba.set_num_threads(n_compiled)
        torch.set_num_threads(n_torch)
        torch.manual_seed(0)
        network = NTMNetwork(torch.from_numpy(le), n_docs, k)
        with torch.no_grad():
            network.topic_weight.normal_(0.0, 0.1)
        scratch = StepScratch(n_docs, n_terms)
        result = hinge_gradients(network, terms, pos, neg, 0.5, scratch=scratch)
        assert result.softmax is not None
        out.append((*result.softmax, network.topic_weight.grad, result.hinge))
    numba.set_num_threads(previous[0])
    torch.set_num_threads(previous[1])
    for x, y in zip(*out, strict=True):
        assert x is not None and y is not None
        assert torch.equal(x, y)


def test_training_follows_the_governors_thread_count(monkeypatch: pytest.MonkeyPatch) -> None:
    """The loop sets the compiled passes' threads the governor asks for, step by step,
    reports each step's triples, and leaves the caller's count as it was."""
    asked: list[int] = []
    reported: list[int] = []

    class Alternating(training.ThreadGovernor):
        def threads(self) -> int:
            n = 1 + len(asked) % min(2, self.most)
            asked.append(n)
            return n

        def record(self, seconds: float, items: int) -> None:
            assert numba.get_num_threads() == asked[-1] and seconds > 0
            reported.append(items)

    monkeypatch.setattr(training, "ThreadGovernor", Alternating)
    X, le = planted_corpus()
    sampler = TripleSampler(X, n_negatives=3, holdout=0.1, seed=0)
    before = numba.get_num_threads()
    train(pretrained_network(X, le), sampler, TrainConfig(epochs=2, batch_size=16), progress=False)
    assert numba.get_num_threads() == before
    assert len(asked) == len(reported) > 4
    assert sum(reported) == 2 * sampler.n_train * 3
    if min(2, before) == 2:
        assert set(asked) == {1, 2}


def test_a_progress_bar_in_a_log_file_is_redrawn_every_few_seconds(tmp_path: Path) -> None:
    """Off a terminal, tqdm redraws at most every 5 s instead of once per batch."""
    assert training.progress_interval(io.StringIO()) == 5.0
    with open(tmp_path / "log", "w") as log:
        assert training.progress_interval(log) == 5.0

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert training.progress_interval(Terminal()) == 0.1


def test_a_fit_logged_to_a_file_writes_a_few_lines(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    X, le = planted_corpus()
    sampler = TripleSampler(X, n_negatives=3, holdout=0.1, seed=0)
    config = TrainConfig(epochs=3, batch_size=8)  # about 90 batches
    train(pretrained_network(X, le), sampler, config, progress=True)
    out, err = capfd.readouterr()
    assert "epoch 3/3" in out + err
    redraws = err.count("\r") + err.count("\n")
    assert redraws < 30, redraws  # first and last draws, epoch lines, not one per batch


def test_training_that_turns_weights_to_nan_stops_with_a_message() -> None:
    X, le = planted_corpus()
    network = pretrained_network(X, le)
    with torch.no_grad():
        network.topic_weight[0, 0] = float("inf")  # inf - inf: NaN within a step
    sampler = TripleSampler(X, n_negatives=3, holdout=0.1, seed=0)
    with pytest.raises(NeurotopicError, match="training diverged: the weights hold NaN"):
        train(network, sampler, TrainConfig(epochs=2, batch_size=16), progress=False)


def test_auto_holdout_raises_a_small_corpus_share_to_what_stopping_needs() -> None:
    need = training.MIN_STOPPING_TRIPLES
    assert resolve_holdout("auto", 100 * need, True) == 0.01  # large: 1% is enough
    assert resolve_holdout("auto", 25 * need, True) == pytest.approx(0.04)
    assert round(resolve_holdout("auto", 25 * need, True) * 25 * need) == need
    assert resolve_holdout("auto", 5 * need, True) == 0.1  # capped: stopping stays off
    assert resolve_holdout("auto", 25 * need, False) == 0.01  # nothing to stop
    assert resolve_holdout(0.2, 25 * need, True) == 0.2  # a number is kept


def test_a_small_real_corpus_stops_early_with_the_default_holdout(
    bbc_small: tuple[list[str], list[str]],
) -> None:
    # 600 BBC articles: about 60,000 incidences, 600 held-out triples at 1%.
    params = {**FAST, "early_stopping": True, "tol": 1.0, "n_iter_no_change": 1, "epochs": 4}
    fixed = NeuralTopicModel(5, random_state=0, holdout=0.01, **params).fit(bbc_small[0])
    assert fixed.n_epochs_ == 4  # too few held-out triples: every epoch runs
    auto = NeuralTopicModel(5, random_state=0, **params).fit(bbc_small[0])
    assert auto.n_epochs_ == 1  # no epoch beats the start by tol=1
