"""Fold-in settings against the training rows: does ``transform`` read like ``fit``?

For each corpus of the tuning half (see ``benchmarks/quality.py``), splits the
documents 80/20 (stratified, seed 0), fits the default NTM (K=20) on the 80%, trains a
logistic regression on its rows and prints its accuracy on

* the training rows themselves (a stratified 20% of them, the tables' protocol);
* the other 20% folded in with ``transform`` under each fold-in setting
  (steps x Adam step size).

Run: ``.venv/bin/python benchmarks/fold_in.py [--corpora bbc,healthtweets]``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).parent))
from _markdown import machine
from quality import TUNING

import neurotopic.estimator as estimator_module
from neurotopic import NeuralTopicModel
from neurotopic.datasets import load_dataset
from neurotopic.evaluation.metrics import doc_topic_accuracy
from neurotopic.model.inference import fold_in

#: (steps, Adam step size) pairs compared.
SETTINGS: tuple[tuple[int, float], ...] = ((20, 0.1), (20, 0.02), (50, 0.01))


def main() -> None:
    """Run the comparison; see the module docstring."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--corpora", default=",".join(TUNING))
    args = parser.parse_args()
    print(f"{machine()}; K=20, seed 0\n")
    header = " | ".join(f"{steps} steps of {rate}" for steps, rate in SETTINGS)
    print(f"| corpus | training rows | {header} |")
    print("|---|---|" + "---|" * len(SETTINGS))
    for name in [c.strip() for c in args.corpora.split(",") if c.strip()]:
        data = load_dataset(name)
        y = np.asarray(data.labels)
        fit_idx, new_idx = train_test_split(
            np.arange(len(y)), test_size=0.2, random_state=0, stratify=y
        )
        model = NeuralTopicModel(20, random_state=0).fit([data.texts[i] for i in fit_idx])
        training = doc_topic_accuracy(model.doc_topic_, y[fit_idx])["accuracy"]
        reader = LogisticRegression(max_iter=1000).fit(model.doc_topic_, y[fit_idx])
        cells = []
        for steps, rate in SETTINGS:

            def patched(*a: Any, _rate: float = rate, **kw: Any) -> np.ndarray:
                return fold_in(*a, **{**kw, "learning_rate": _rate})

            # The estimator exposes the number of steps, not the step size.
            estimator_module.fold_in = patched  # type: ignore[assignment]
            model.set_params(transform_steps=steps)
            theta = model.transform([data.texts[i] for i in new_idx])
            cells.append(f"{np.mean(reader.predict(theta) == y[new_idx]):.3f}")
        estimator_module.fold_in = fold_in  # type: ignore[assignment]
        print(f"| {name} | {training:.3f} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
