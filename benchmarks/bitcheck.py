"""Bit-for-bit check of a refactor: the fitted arrays of a fixed BBC News fit.

Fits ``NeuralTopicModel(20, random_state=0)`` on all of BBC News and saves (or compares
with a saved run) ``term_topic_``, ``doc_topic_``, ``components_`` and ``transform`` of
the first 200 documents; then the same for a supervised fit (``task="classification"``
on the BBC labels) and its ``predict_proba`` of the first 200 documents; then the paths
a CPU fit of the defaults does not take: a fit of the first 400 documents through
autograd (``entropy_weight`` and ``term_negatives``), and a few steps of the torch
(GPU) path of the hand-written gradients and of ``RowAdam``, run on the CPU.  A
comparison uses ``np.array_equal``: a change of one bit in any weight fails it.

Run: ``.venv/bin/python benchmarks/bitcheck.py --save runs/bitcheck-base.npz`` on the
reference code, then ``.venv/bin/python benchmarks/bitcheck.py --compare
runs/bitcheck-base.npz`` after a change (``--no-supervised`` skips the second fit).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import torch

from neurotopic import NeuralTopicModel
from neurotopic.datasets import load_dataset
from neurotopic.model.network import NTMNetwork
from neurotopic.train.optim import DenseAdam, RowAdam
from neurotopic.train.sampling import TripleSampler
from neurotopic.train.step import hinge_gradients

N_TRANSFORM = 200


def arrays(supervised: bool) -> dict[str, np.ndarray]:
    """The fitted arrays of the reference fits, by name."""
    data = load_dataset("bbc")
    texts = list(data.texts)
    out: dict[str, np.ndarray] = {}
    start = time.perf_counter()
    model = NeuralTopicModel(20, random_state=0).fit(texts)
    out["term_topic"] = np.asarray(model.term_topic_)
    out["doc_topic"] = np.asarray(model.doc_topic_)
    out["components"] = np.asarray(model.components_)
    out["transform"] = np.asarray(model.transform(texts[:N_TRANSFORM]))
    print(f"unsupervised fit + transform: {time.perf_counter() - start:.1f} s", flush=True)
    if supervised:
        start = time.perf_counter()
        labels = list(data.labels)
        clf = NeuralTopicModel(20, task="classification", random_state=0).fit(texts, labels)
        out["sup_doc_topic"] = np.asarray(clf.doc_topic_)
        out["sup_term_topic"] = np.asarray(clf.term_topic_)
        out["sup_predict_proba"] = np.asarray(clf.predict_proba(texts[:N_TRANSFORM]))
        print(f"supervised fit + predict_proba: {time.perf_counter() - start:.1f} s", flush=True)
    start = time.perf_counter()
    extension = NeuralTopicModel(10, entropy_weight=0.01, term_negatives=2, random_state=0)
    extension.fit(texts[:400])
    out["autograd_doc_topic"] = np.asarray(extension.doc_topic_)
    out["autograd_term_topic"] = np.asarray(extension.term_topic_)
    print(f"autograd fit: {time.perf_counter() - start:.1f} s", flush=True)
    out.update(torch_path_steps())
    return out


def torch_path_steps(steps: int = 5) -> dict[str, np.ndarray]:
    """W1 and W2 after a few steps of the torch path (``kernel=False``, torch's RowAdam)."""
    rng = np.random.default_rng(0)
    n_docs, n_terms, dim, k = 300, 200, 16, 8
    X = sp.random(n_docs, n_terms, density=0.05, format="csr", random_state=0, dtype=np.float32)
    X.data[:] = 1.0
    torch.manual_seed(0)
    network = NTMNetwork(
        torch.from_numpy(rng.standard_normal((n_terms, dim), np.float32)), n_docs, k
    )
    with torch.no_grad():
        network.topic_weight.normal_(0.0, 0.3)
    dense = DenseAdam([network.topic_weight, network.topic_bias], lr=0.05)
    rows_opt = RowAdam(network.doc_logits.weight.data, lr=0.05, use_kernel=False)
    sampler = TripleSampler(X, n_negatives=4, seed=0)
    order = sampler.epoch_order()
    for step in range(steps):
        batch = sampler.batch(order[step * 64 : (step + 1) * 64])
        tensors = [torch.from_numpy(a) for a in (batch.terms, batch.pos_docs, batch.neg_docs)]
        dense.zero_grad()
        result = hinge_gradients(network, *tensors, 0.5, kernel=False)
        dense.step()
        result.apply(rows_opt)
    return {
        "torch_path_w1": network.doc_logits.weight.detach().numpy().copy(),
        "torch_path_w2": network.topic_weight.detach().numpy().copy(),
    }


def main() -> int:
    """Fit, then save or compare; exit status 1 when a comparison differs."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--save", type=Path, help="write the arrays to this .npz")
    parser.add_argument("--compare", type=Path, help="compare with the arrays of this .npz")
    parser.add_argument("--no-supervised", action="store_true", help="skip the supervised fit")
    args = parser.parse_args()
    got = arrays(not args.no_supervised)
    if args.save is not None:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        np.savez(args.save, **got)
        print(f"saved {', '.join(got)} to {args.save}")
    if args.compare is None:
        return 0
    with np.load(args.compare) as saved:
        reference = {name: saved[name] for name in saved.files}
    same = True
    for name, value in got.items():
        if name not in reference:
            print(f"{name:18s} not in {args.compare}")
            continue
        equal = value.dtype == reference[name].dtype and np.array_equal(value, reference[name])
        diff = float(np.max(np.abs(value.astype(np.float64) - reference[name]), initial=0.0))
        print(f"{name:18s} {value.shape!s:12s} bit-identical: {equal}  max |diff| {diff:.3g}")
        same &= equal
    print("ALL BIT-IDENTICAL" if same else "DIFFERENT")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
