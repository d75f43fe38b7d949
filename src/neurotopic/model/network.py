"""The NTM network: ``lt = sigmoid(le @ W2 + b)``, ``ld = softmax(W1[d])``, ``ls = lt . ld``."""

from __future__ import annotations

import torch
from torch import nn

from ..train.memory import host_zeros


class NTMNetwork(nn.Module):
    """The layers of Cao et al.'s Neural Topic Model.

    Parameters
    ----------
    term_vectors : Tensor of shape (n_terms, dim)
        Fixed term embeddings ``le`` (a buffer: never optimised).
    n_docs : int
        Number of training documents (rows of W1).
    n_topics : int
        Number of topics K.
    random_doc_logits : bool
        Draw W1 from N(0, 1) as ``nn.Embedding`` does (global torch RNG).  False: zeros,
        for a caller that writes W1 itself (the estimator: drawing a 1M x 128 W1 takes
        1.6 s, then the pre-trained start replaces it).

    Notes
    -----
    ``doc_logits`` (W1) is a sparse embedding: a step touches only the rows of the
    documents in the batch, and a per-row adaptive optimiser (SparseAdam) gives every
    row full-size steps however often it is sampled.  This, and the absence of any
    decay on the whole matrix, is what keeps W1 from shrinking to zero as it did in
    the earlier implementation (see ``docs/model.md``).
    """

    term_vectors: torch.Tensor

    def __init__(
        self,
        term_vectors: torch.Tensor,
        n_docs: int,
        n_topics: int,
        *,
        random_doc_logits: bool = True,
    ) -> None:
        super().__init__()
        dim = term_vectors.shape[1]
        self.register_buffer("term_vectors", term_vectors)  # le, (V, E)
        self.topic_weight = nn.Parameter(torch.zeros(dim, n_topics))  # W2, (E, K)
        self.topic_bias = nn.Parameter(torch.zeros(n_topics))  # (K,)
        # W1, (D, K): on huge pages (random rows every step), N(0, 1) as nn.Embedding draws
        self.doc_logits = nn.Embedding(
            n_docs, n_topics, sparse=True, _weight=host_zeros((n_docs, n_topics))
        )
        if random_doc_logits:
            nn.init.normal_(self.doc_logits.weight)

    @property
    def n_topics(self) -> int:
        return int(self.topic_bias.shape[0])

    def term_topic(self, term_ids: torch.Tensor | None = None) -> torch.Tensor:
        """``lt``: p(term | topic) scores, shape (n, K) (all terms when ids is None)."""
        le = self.term_vectors if term_ids is None else self.term_vectors[term_ids]
        return torch.sigmoid(le @ self.topic_weight + self.topic_bias)

    def doc_topic(self, doc_ids: torch.Tensor) -> torch.Tensor:
        """``ld``: p(topic | document), shape ``doc_ids.shape + (K,)``."""
        return torch.softmax(self.doc_logits(doc_ids), dim=-1)

    def forward(
        self, terms: torch.Tensor, pos_docs: torch.Tensor, neg_docs: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Scores ``ls(g, d+)`` and ``ls(g, d-)`` of a batch of triples.

        Parameters
        ----------
        terms : LongTensor of shape (B,)
        pos_docs : LongTensor of shape (B,)
        neg_docs : LongTensor of shape (B, n_neg)

        Returns
        -------
        ls_pos : Tensor of shape (B,)
        ls_neg : Tensor of shape (B, n_neg)
        """
        # A batch repeats frequent terms: compute lt once per distinct term.
        unique, inverse = torch.unique(terms, return_inverse=True)
        lt = self.term_topic(unique)[inverse]  # (B, K)
        ls_pos = (lt * self.doc_topic(pos_docs)).sum(-1)  # (B,)
        ls_neg = (lt.unsqueeze(1) * self.doc_topic(neg_docs)).sum(-1)  # (B, n_neg)
        return ls_pos, ls_neg


def ranking_hinge(ls_pos: torch.Tensor, ls_neg: torch.Tensor, margin: float) -> torch.Tensor:
    """Cao et al.'s pairwise loss ``max(0, margin - ls+ + ls-)``, per triple.

    Training minimises its mean over a batch's triples; fold-in its sum over a new
    document's.  :func:`ranking_hinge_grad` is its gradient on the scores.

    Parameters
    ----------
    ls_pos : Tensor of shape (B,)
    ls_neg : Tensor of shape (B, n_neg)

    Returns
    -------
    Tensor of shape (B, n_neg)
    """
    return (margin - ls_pos.unsqueeze(-1) + ls_neg).relu_()


def ranking_hinge_grad(hinge: torch.Tensor, *, mean: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """The gradient of the hinges' mean (or sum) with respect to the scores.

    With ``a = [hinge > 0]``, divided by the number of triples for the mean, it is
    ``-sum_j a[b, j]`` on ``ls_pos[b]`` and ``a[b, j]`` on ``ls_neg[b, j]``: what
    autograd gives through :func:`ranking_hinge`, and what the hand-written steps
    (:func:`neurotopic.train.step.hinge_gradients`, :func:`neurotopic.inference.fold_in`)
    carry on to ``lt`` and ``ld`` through the dot products.

    Parameters
    ----------
    hinge : Tensor of shape (B, n_neg)
        :func:`ranking_hinge` of the triples (any leading dimensions).
    mean : bool
        The gradient of the mean (training's loss) rather than of the sum (fold-in's).

    Returns
    -------
    grad_pos : Tensor of shape (B,)
    grad_neg : Tensor of shape (B, n_neg)
    """
    grad_neg = (hinge > 0).to(hinge.dtype)
    if mean:
        grad_neg.div_(hinge.numel())
    return -grad_neg.sum(-1), grad_neg
