"""The fine-tuning loop: batches of triples, the ranking hinge, per-row W1 updates."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import torch
from tqdm.auto import tqdm

from .model import NTMNetwork, ranking_hinge
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


def _tensors(batch: Batch, device: torch.device) -> tuple[torch.Tensor, ...]:
    return tuple(
        torch.from_numpy(a).to(device) for a in (batch.terms, batch.pos_docs, batch.neg_docs)
    )


def _term_side_hinge(
    network: NTMNetwork,
    sampler: TripleSampler,
    batch: Batch,
    pos: torch.Tensor,
    ls_pos: torch.Tensor,
    config: TrainConfig,
) -> torch.Tensor:
    """Mean of ``max(0, margin - ls(g, d+) + ls(g-, d+))`` over sampled negative terms.

    Not in Cao et al.: it compares *terms* for a fixed document, the axis a topic's
    term ranking reads (like word2vec's negative words, drawn by ``df ** 0.75``).
    """
    neg_terms = sampler.sample_negative_terms(batch.pos_docs, config.term_negatives)
    g_neg = torch.from_numpy(neg_terms).to(pos.device)  # (B, n_terms_neg)
    unique, inverse = torch.unique(g_neg, return_inverse=True)
    lt_neg = network.term_topic(unique)[inverse]  # (B, n, K)
    ld_pos = network.doc_topic(pos).unsqueeze(1)  # (B, 1, K)
    ls_neg = (lt_neg * ld_pos).sum(-1)  # (B, n)
    return ranking_hinge(ls_pos, ls_neg, config.margin).mean()


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

    Returns
    -------
    list of dict
        One record per epoch (epoch 0 is the pre-trained start): ``epoch``,
        ``hinge`` and ``ranking_accuracy`` on training batches, ``heldout_hinge``,
        ``heldout_ranking_accuracy``, ``seconds``, ``triples_per_second``.
    """
    device = network.topic_weight.device
    dense_opt = torch.optim.Adam(
        [network.topic_weight, network.topic_bias], lr=config.topic_learning_rate
    )
    # SparseAdam: each W1 row in the batch gets a normalised step; rows not in the
    # batch are untouched (no decay on the whole matrix).
    sparse_opt = torch.optim.SparseAdam(
        list(network.doc_logits.parameters()), lr=config.doc_learning_rate
    )
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
            for batch in sampler.epoch(config.batch_size):
                terms, pos, neg = _tensors(batch, device)
                ls_pos, ls_neg = network(terms, pos, neg)
                hinge = ranking_hinge(ls_pos, ls_neg, config.margin)  # (B, n_neg)
                loss = hinge.mean()
                if config.term_negatives:
                    loss = loss + _term_side_hinge(network, sampler, batch, pos, ls_pos, config)
                if config.entropy_weight:
                    ld = network.doc_topic(pos)  # (B, K)
                    entropy = -(ld * torch.log(ld.clamp_min(1e-12))).sum(-1).mean()
                    loss = loss + config.entropy_weight * entropy
                dense_opt.zero_grad(set_to_none=True)
                sparse_opt.zero_grad(set_to_none=True)
                loss.backward()
                dense_opt.step()
                sparse_opt.step()
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
            history.append(
                {
                    "epoch": epoch,
                    "hinge": loss_sum / max(count, 1),
                    "ranking_accuracy": correct / max(count, 1),
                    "heldout_hinge": held["hinge"],
                    "heldout_ranking_accuracy": held["ranking_accuracy"],
                    "seconds": seconds,
                    "triples_per_second": n_triples / seconds if seconds > 0 else float("nan"),
                }
            )
            if progress:
                bar.write(
                    f"epoch {epoch}/{config.epochs}: hinge {history[-1]['hinge']:.4f}, "
                    f"held-out ranking accuracy {held['ranking_accuracy']:.3f}"
                )
    finally:
        bar.close()
    return history
