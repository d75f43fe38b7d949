"""Acceptance figures: does the NTM learn on BBC News at K=20?

Prints, for one fit with the default settings:

* held-out ranking accuracy (share of held-out (g, d+, d-) triples with ls+ > ls-),
  per epoch and at the end;
* the same measure for tomotopy LDA's p(g|d) = sum_k theta_dk phi_kg, trained on the
  same documents with the held-out incidences removed (when tomotopy is installed);
* collapse checks: mean largest topic probability per document, distinct dominant
  topics;
* the share of unique terms among all topics' top-10;
* fit time from raw text, by stage.

Run: ``.venv/bin/python benchmarks/core.py [--topics 20] [--seed 0] [--epochs N]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from neurotopic import NeuralTopicModel
from neurotopic.datasets import load_bbc
from neurotopic.train.sampling import TripleSampler


def lda_ranking_accuracy(model: NeuralTopicModel, k: int, seed: int) -> tuple[float, float]:
    """Held-out ranking accuracy of tomotopy LDA on the NTM's held-out triples."""
    import tomotopy as tp

    X = model.X_train_.tocsr()
    sampler = TripleSampler(
        X, n_negatives=model.n_negatives, holdout=model.holdout, seed=model.random_seed_
    )
    held = sampler.holdout_batch
    keep = np.ones(X.nnz, dtype=bool)
    keep[sampler.holdout_ids] = False  # incidence ids are positions in CSR order
    lda = tp.LDAModel(k=k, seed=seed)
    doc_of: dict[int, int] = {}
    for d in range(X.shape[0]):
        sel = keep[X.indptr[d] : X.indptr[d + 1]]
        ids = X.indices[X.indptr[d] : X.indptr[d + 1]][sel]
        counts = X.data[X.indptr[d] : X.indptr[d + 1]][sel].astype(int)
        words = [
            model.terms_[g].replace(" ", "_")
            for g, c in zip(ids, counts, strict=True)
            for _ in range(c)
        ]
        if words:
            doc_of[d] = len(doc_of)
            lda.add_doc(words)
    start = time.perf_counter()
    lda.train(1000, workers=2)
    seconds = time.perf_counter() - start
    vocab = {w: i for i, w in enumerate(lda.used_vocabs)}
    phi = np.stack([lda.get_topic_word_dist(t) for t in range(k)])  # (K, V_lda)
    theta = np.full((X.shape[0], k), 1.0 / k)
    lda_docs = list(lda.docs)  # tomotopy's corpus view iterates but does not index
    for d, j in doc_of.items():
        theta[d] = lda_docs[j].get_topic_dist()

    def score(docs: np.ndarray, terms: np.ndarray) -> np.ndarray:
        cols = np.array([vocab.get(model.terms_[g].replace(" ", "_"), -1) for g in terms])
        p = np.einsum("nk,kn->n", theta[docs], phi[:, np.maximum(cols, 0)])
        return np.where(cols >= 0, p, 0.0)

    pos = score(held.pos_docs, held.terms)
    neg = score(held.neg_docs[:, 0], held.terms)
    acc = float(((pos > neg) + 0.5 * (pos == neg)).mean())
    return acc, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topics", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--word2vec-epochs", type=int, default=None)
    parser.add_argument("--no-lda", action="store_true")
    args = parser.parse_args()

    data = load_bbc()
    kwargs = {} if args.epochs is None else {"epochs": args.epochs}
    if args.word2vec_epochs is not None:
        kwargs["word2vec_epochs"] = args.word2vec_epochs
    model = NeuralTopicModel(args.topics, random_state=args.seed, **kwargs)
    start = time.perf_counter()
    theta = model.fit_transform(data.texts)
    seconds = time.perf_counter() - start

    k = args.topics
    print(
        f"BBC News: {len(data.texts)} documents, {len(model.terms_)} terms, K={k}, seed={args.seed}"
    )
    print("epoch  hinge   held-out hinge  held-out ranking accuracy  triples/s")
    for h in model.history_:
        print(
            f"{h['epoch']:>5}  {h['hinge']:.4f}  {h['heldout_hinge']:.4f}          "
            f"{h['heldout_ranking_accuracy']:.4f}"
            f"                     {h['triples_per_second']:,.0f}"
        )
    acc = model.history_[-1]["heldout_ranking_accuracy"]
    maxp = float(theta.max(axis=1).mean())
    dominant = len(set(theta.argmax(axis=1).tolist()))
    topics = model.topics(top_n=10)
    unique = len({t for topic in topics for t in topic}) / (10 * k)
    print()
    print(f"held-out ranking accuracy       {acc:.3f}")
    print(f"mean largest topic probability  {maxp:.3f}   (1/K = {1 / k:.3f})")
    print(f"distinct dominant topics        {dominant} of {k}")
    print(f"unique share of top-10 terms    {unique:.2f}")
    stages = ", ".join(f"{s} {v:.1f}s" for s, v in model.fit_seconds_.items() if s != "total")
    print(f"fit time from raw text          {seconds:.1f}s  ({stages})")
    if not args.no_lda:
        try:
            lda_acc, lda_seconds = lda_ranking_accuracy(model, k, args.seed)
        except ImportError:
            print("tomotopy is not installed: pip install tomotopy (or neurotopic[compare])")
        else:
            print(
                f"tomotopy LDA (1000 iterations)  held-out ranking accuracy {lda_acc:.3f}, "
                f"training {lda_seconds:.1f}s"
            )
    print()
    for i, topic in enumerate(topics):
        print(f"topic {i:>2}: {', '.join(topic)}")


if __name__ == "__main__":
    main()
