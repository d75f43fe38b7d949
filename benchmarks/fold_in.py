"""Fold-in settings against the training rows: does ``transform`` read like ``fit``?

For each corpus (default: the tuning half of ``benchmarks/quality.py``) and each seed,
splits the documents 80/20 (stratified), fits the default NTM (K=20) on the 80%, trains
a logistic regression on its ``fit_transform`` rows (topic shares) and prints its
accuracy (mean over the seeds) on

* the training rows themselves (a stratified 20% of them, the tables' protocol);
* the other 20% folded in under each fold-in setting (steps x Adam step size, the step
  the same for every document, as ``transform``'s, or growing with its terms):
  :func:`neurotopic.model.inference.fold_in` on the fitted model's arrays, from the
  start ``transform`` takes, read into topic shares as ``transform`` reads them
  (``transform`` exposes the number of steps, not the step size).

Run: ``.venv/bin/python benchmarks/fold_in.py [--suite tuning|held-out|all]
[--corpora bbc,healthtweets] [--seeds 0,1,2]``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).parent))
from _markdown import machine
from quality import SUITES

from neurotopic import NeuralTopicModel
from neurotopic.datasets import load_dataset
from neurotopic.evaluation.metrics import doc_topic_accuracy
from neurotopic.model.inference import fold_in, softmax_rows
from neurotopic.model.pretrain import initial_doc_logits
from neurotopic.model.shares import doc_topic_shares
from neurotopic.train.sampling import IncidenceIndex
from neurotopic.train.threads import resolve_n_jobs, thread_budget


def folded_in(
    model: NeuralTopicModel, texts: list[str], steps: int, rate: float, grows: bool = False
) -> np.ndarray:
    """``model.transform(texts)`` with ``steps`` Adam steps of ``rate`` (with ``grows``,
    a base step that grows with each document's terms): topic shares, (n, K)."""
    X = model.doc_term_matrix(texts)
    with thread_budget(resolve_n_jobs(model.n_jobs)):  # as transform runs
        start = initial_doc_logits(
            X, model.term_topic_, temperature=model.init_temperature, reference=model.X_train_
        )
        logits = fold_in(
            X,
            model.term_topic_,
            model.doc_mixture_,
            IncidenceIndex(model.X_train_),
            n_negatives=model.n_negatives,
            steps=steps,
            learning_rate=rate,
            margin=model.margin,
            seed=model.random_seed_,
            init_logits=start,
            grow_with_terms=grows,
        )
        return doc_topic_shares(X, softmax_rows(logits), model.topic_term_)


#: (steps, Adam step size, whether the step grows with the terms) compared.
SETTINGS: tuple[tuple[int, float, bool], ...] = (
    (50, 0.01, False),
    (20, 0.1, False),
    (150, 0.01, False),
    (50, 0.01, True),
    (50, 0.02, True),
    (100, 0.01, True),
)


def main() -> None:
    """Run the comparison; see the module docstring."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--suite", choices=sorted(SUITES), default="tuning")
    parser.add_argument("--corpora", default=None, help="comma-separated (default: the suite's)")
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated integers")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    print(f"{machine()}; K=20, means over seeds {', '.join(map(str, seeds))}\n")
    header = " | ".join(
        f"{steps} steps of {rate}" + (", growing with the terms" if grows else "")
        for steps, rate, grows in SETTINGS
    )
    print(f"| corpus | training rows | {header} |")
    print("|---|---|" + "---|" * len(SETTINGS))
    corpora = (
        [c.strip() for c in args.corpora.split(",") if c.strip()]
        if args.corpora
        else list(SUITES[args.suite])
    )
    for name in corpora:
        data = load_dataset(name)
        y = np.asarray(data.labels)
        scores = np.zeros((len(seeds), 1 + len(SETTINGS)))
        for i, seed in enumerate(seeds):
            fit_idx, new_idx = train_test_split(
                np.arange(len(y)), test_size=0.2, random_state=seed, stratify=y
            )
            model = NeuralTopicModel(20, random_state=seed)
            rows = model.fit_transform([data.texts[j] for j in fit_idx])
            scores[i, 0] = doc_topic_accuracy(rows, y[fit_idx], random_state=seed)["accuracy"]
            reader = LogisticRegression(max_iter=1000).fit(rows, y[fit_idx])
            new_texts = [data.texts[j] for j in new_idx]
            for s_, (steps, rate, grows) in enumerate(SETTINGS, start=1):
                theta = folded_in(model, new_texts, steps, rate, grows)
                scores[i, s_] = np.mean(reader.predict(theta) == y[new_idx])
        means = scores.mean(axis=0)
        cells = [f"{means[0]:.3f}"] + [f"{m:.3f} ({m - means[0]:+.3f})" for m in means[1:]]
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
