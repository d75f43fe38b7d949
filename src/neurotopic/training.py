"""The fine-tuning loop: batches of triples, the ranking hinge, per-row W1 updates."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import torch
from tqdm.auto import tqdm

from .model import NTMNetwork, ranking_hinge
from .optim import RowAdam
from .sampling import Batch, TripleSampler
from .supervised import LabelLayer, label_loss


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


@torch.no_grad()
def evaluate_triples(network: NTMNetwork, batch: Batch, margin: float) -> dict[str, float]:
    """Hinge and ranking accuracy (share with ``ls+ > ls-``, ties count 1/2) of triples."""
    if len(batch.terms) == 0:
        return {"hinge": float("nan"), "ranking_accuracy": float("nan")}
    device = network.topic_weight.device
    terms, pos, neg = _tensors(batch, device)
    ls_pos, ls_neg = network(terms, pos, neg)
    diff = ls_pos.unsqueeze(-1) - ls_neg
    acc = ((diff > 0).float() + 0.5 * (diff == 0).float()).mean()
    return {
        "hinge": float(ranking_hinge(ls_pos, ls_neg, margin).mean()),
        "ranking_accuracy": float(acc),
    }


def train(
    network: NTMNetwork,
    sampler: TripleSampler,
    config: TrainConfig,
    *,
    progress: bool = True,
    supervision: Supervision | None = None,
) -> list[dict[str, Any]]:
    """Fine-tune W1 and W2 on the ranking hinge.

    Parameters
    ----------
    network : NTMNetwork
        Pre-trained network; updated in place.
    sampler : TripleSampler
        Source of training batches and of the held-out triples.
    config : TrainConfig
    progress : bool
        Show a progress bar (stderr) with the running hinge and ranking accuracy.
    supervision : Supervision, optional
        sNTM: adds ``weight * label loss`` over the distinct documents of each batch;
        the label layer is trained with W2.

    Returns
    -------
    list of dict
        One record per epoch (epoch 0 is the pre-trained start): ``epoch``,
        ``hinge`` and ``ranking_accuracy`` on training batches, ``heldout_hinge``,
        ``heldout_ranking_accuracy``, ``seconds``, ``triples_per_second`` (and
        ``label_loss`` with supervision).
    """
    device = network.topic_weight.device
    dense_params = [network.topic_weight, network.topic_bias]
    if supervision is not None:
        dense_params += list(supervision.layer.parameters())
    dense_opt = torch.optim.Adam(dense_params, lr=config.topic_learning_rate)
    # Adam per W1 row (SparseAdam's step): each row in the batch gets a normalised
    # step; rows not in the batch are untouched (no decay on the whole matrix).
    row_opt = RowAdam(network.doc_logits.weight.data, lr=config.doc_learning_rate)
    held = evaluate_triples(network, sampler.holdout_batch, config.margin)
    history: list[dict[str, Any]] = [
        {
            "epoch": 0,
            "hinge": float("nan"),
            "ranking_accuracy": float("nan"),
            "heldout_hinge": held["hinge"],
            "heldout_ranking_accuracy": held["ranking_accuracy"],
            "seconds": 0.0,
            "triples_per_second": float("nan"),
        }
    ]
    n_batches = -(-sampler.n_train // config.batch_size)
    bar = tqdm(
        total=config.epochs * n_batches,
        disable=not progress,
        desc="training",
        unit="batch",
        dynamic_ncols=True,
        leave=False,
    )
    try:
        for epoch in range(1, config.epochs + 1):
            start = time.perf_counter()
            loss_sum, correct, count, n_triples = 0.0, 0.0, 0, 0
            label_sum, n_steps = 0.0, 0
            for batch in sampler.epoch(config.batch_size):
                terms, pos, neg = _tensors(batch, device)
                scores = batch_scores(network, terms, pos, neg)
                ls_pos, ls_neg = scores.ls_pos, scores.ls_neg
                hinge = ranking_hinge(ls_pos, ls_neg, config.margin)  # (B, n_neg)
                loss = hinge.mean()
                if config.term_negatives:
                    loss = loss + _term_side_hinge(
                        network, sampler, batch, scores.ld_pos, ls_pos, config
                    )
                if config.entropy_weight:
                    ld = scores.ld_pos  # (B, K)
                    entropy = -(ld * torch.log(ld.clamp_min(1e-12))).sum(-1).mean()
                    loss = loss + config.entropy_weight * entropy
                if supervision is not None:
                    outputs = supervision.layer(scores.ld)  # (U, C)
                    sup = label_loss(supervision.task, outputs, supervision.targets[scores.rows])
                    loss = loss + supervision.weight * sup
                    label_sum += float(sup.detach())
                n_steps += 1
                dense_opt.zero_grad(set_to_none=True)
                loss.backward()
                dense_opt.step()
                assert scores.logits.grad is not None
                row_opt.step(scores.rows, scores.logits.grad)
                with torch.no_grad():
                    loss_sum += float(hinge.sum())
                    diff = ls_pos.unsqueeze(-1) - ls_neg
                    correct += float((diff > 0).sum() + 0.5 * (diff == 0).sum())
                    count += hinge.numel()
                n_triples += hinge.numel()
                bar.update(1)
                bar.set_postfix(
                    epoch=epoch, hinge=f"{loss_sum / count:.4f}", acc=f"{correct / count:.3f}"
                )
            seconds = time.perf_counter() - start
            held = evaluate_triples(network, sampler.holdout_batch, config.margin)
            record: dict[str, Any] = {
                "epoch": epoch,
                "hinge": loss_sum / max(count, 1),
                "ranking_accuracy": correct / max(count, 1),
                "heldout_hinge": held["hinge"],
                "heldout_ranking_accuracy": held["ranking_accuracy"],
                "seconds": seconds,
                "triples_per_second": n_triples / seconds if seconds > 0 else float("nan"),
            }
            if supervision is not None:
                record["label_loss"] = label_sum / max(n_steps, 1)
            history.append(record)
            if progress:
                bar.write(
                    f"epoch {epoch}/{config.epochs}: hinge {history[-1]['hinge']:.4f}, "
                    f"held-out ranking accuracy {held['ranking_accuracy']:.3f}"
                )
    finally:
        bar.close()
    return history
