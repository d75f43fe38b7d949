"""How far a fit moves when only the rounding of one product changes.

Another CPU model rounds some sums differently, and a fit amplifies the last bits.
This script fits BBC News (K=20, seed 0, the defaults) twice: as it is, and with W2's
forward product in the training step (``torch.addmm``) computed in float64 and rounded
to float32, which changes only that product's rounding.  It prints how far the two
fits' document-topic vectors are apart, the share of documents whose dominant topic
agrees, and how many of each topic's top 10 terms the two fits share.

Run: ``.venv/bin/python benchmarks/rounding.py [--topics 20] [--seed 0]``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np
import torch

from neurotopic import NeuralTopicModel
from neurotopic.datasets import load_bbc
from neurotopic.train import training


def fit(texts: list[str], n_topics: int, seed: int, float64: bool) -> NeuralTopicModel:
    """A default fit; with ``float64``, the step's ``torch.addmm`` rounds from float64."""
    original = torch.addmm

    def addmm64(bias: torch.Tensor, a: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return original(bias.double(), a.double(), w.double()).float()

    if float64:
        training.torch.addmm = addmm64
    try:
        return NeuralTopicModel(n_topics=n_topics, random_state=seed).fit(texts)
    finally:
        training.torch.addmm = original


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--topics", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    texts = load_bbc().texts
    a = fit(texts, args.topics, args.seed, float64=False)
    b = fit(texts, args.topics, args.seed, float64=True)
    diff = np.abs(a.doc_topic_ - b.doc_topic_)
    same_dominant = float(np.mean(a.doc_topic_.argmax(1) == b.doc_topic_.argmax(1)))
    shared = [len(set(x) & set(y)) for x, y in zip(a.topics(10), b.topics(10), strict=True)]
    print(f"BBC News, K={args.topics}, seed {args.seed}: epochs {a.n_epochs_} and {b.n_epochs_}")
    print(f"doc-topic difference: max {diff.max():.4f}, mean {diff.mean():.5f}")
    print(f"same dominant topic: {same_dominant:.1%} of documents")
    print(f"top-10 terms shared per topic: {shared} (identical topics: {shared.count(10)})")


if __name__ == "__main__":
    main()
