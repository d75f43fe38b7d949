"""Which document-topic rows a linear reader reads: ``ld`` against topic shares.

For each corpus, K and seed, fits the default NTM once and scores three readings of the
same fit, as ``fit_transform`` would return them:

* ``ld = softmax(W1)``, the mixture the ranking loss trains (``doc_mixture_``);
* topic shares (the default, ``doc_topic_``): one pLSA step from ``ld`` with the
  topic readout's term distributions over the term counts
  (:func:`neurotopic.model.shares.doc_topic_shares`);
* the same step with ``lt`` over incidences (the network's own scores) in place of the
  readout's distributions.

Each is scored by the suite's accuracy (a logistic regression on the rows exactly as
given, :func:`neurotopic.metrics.doc_topic_accuracy`, split seeded by the seed as in
``benchmarks/quality.py``), on the rows standardised and on their logarithms, with the
rows' mean largest probability and mean entropy (nats).  The topics are the same for all
three, so NPMI and diversity do not change.

Prints, per corpus and K, the means over the seeds and tomotopy LDA's accuracy from the
same split when ``--lda`` is given.

Run: ``.venv/bin/python benchmarks/doc_rows.py [--suite tuning|held-out|all]
[--corpora a,b] [--seeds 0,1,2] [--lda]``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).parent))
from _markdown import machine
from margin import row_shape
from quality import KS, LARGE_DOCS, LARGE_K, LDA_ITERATIONS, SUITES, WORKERS

from neurotopic import NeuralTopicModel
from neurotopic.datasets import load_dataset
from neurotopic.evaluation.baselines import Baseline, fit_tomotopy
from neurotopic.evaluation.compare import prepare_terms
from neurotopic.evaluation.metrics import doc_topic_accuracy
from neurotopic.model.shares import doc_topic_shares

READINGS = ("ld (softmax of W1)", "shares, readout's beta (default)", "shares, lt on incidences")


def readings(model: NeuralTopicModel) -> dict[str, np.ndarray]:
    """The three readings of a fitted model's training documents, each (D, K)."""
    incidences = sp.csr_matrix(model.X_train_, copy=True)
    incidences.data[:] = 1.0
    lt = np.asarray(model.term_topic_, dtype=np.float64).T  # (K, V), not normalised
    return {
        READINGS[0]: model.doc_mixture_,
        READINGS[1]: model.doc_topic_,
        READINGS[2]: doc_topic_shares(incidences, model.doc_mixture_, lt),
    }


def main() -> None:
    """Run the comparison; see the module docstring."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--suite", default="tuning", choices=sorted(SUITES))
    parser.add_argument("--corpora", default="")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--lda", action="store_true", help="also fit tomotopy LDA")
    args = parser.parse_args()
    corpora = [c for c in args.corpora.split(",") if c] or list(SUITES[args.suite])
    seeds = [int(s) for s in args.seeds.split(",")]
    print(f"{machine()}; NTM defaults, seeds {args.seeds}; means over seeds\n")
    print(
        "| corpus | K | rows | largest probability | entropy | accuracy, as given "
        "| accuracy, standardised | accuracy, log |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name in corpora:
        data = load_dataset(name)
        ks = [*KS, LARGE_K] if len(data.texts) >= LARGE_DOCS else list(KS)
        doc_terms, vocabulary = prepare_terms(data.texts) if args.lda else ([], None)
        for k in ks:
            scores: dict[str, list[tuple[float, ...]]] = {r: [] for r in READINGS}
            lda: list[float] = []
            for seed in seeds:
                model = NeuralTopicModel(k, random_state=seed).fit(data.texts)
                for reading, theta in readings(model).items():
                    scores[reading].append(
                        (
                            *row_shape(theta),
                            *(
                                doc_topic_accuracy(
                                    theta, data.labels, random_state=seed, features=f
                                )["accuracy"]
                                for f in ("probabilities", "raw", "log")
                            ),
                        )
                    )
                if vocabulary is not None:
                    job = Baseline(
                        data.texts,
                        doc_terms,
                        vocabulary,
                        k,
                        seed,
                        LDA_ITERATIONS,
                        0,
                        WORKERS,
                        None,
                        10,
                    )
                    theta_lda = fit_tomotopy(job)[1]
                    lda.append(
                        doc_topic_accuracy(theta_lda, data.labels, random_state=seed)["accuracy"]
                    )
            for reading in READINGS:
                top, entropy, given, scaled, logged = np.mean(scores[reading], axis=0)
                print(
                    f"| {name} | {k} | {reading} | {top:.3f} | {entropy:.2f} | {given:.3f} "
                    f"| {scaled:.3f} | {logged:.3f} |",
                    flush=True,
                )
            if lda:
                print(f"| {name} | {k} | tomotopy LDA | | | {np.mean(lda):.3f} | | |", flush=True)


if __name__ == "__main__":
    main()
