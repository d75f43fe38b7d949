"""Why the hinge margin shapes the document vectors: peakedness and linear readability.

For each corpus of the tuning half (see ``benchmarks/quality.py``) and each margin, fits
the default NTM (K=50, seed 0) with only ``margin`` changed and prints, for the training
documents' rows of ``fit_transform``:

* the mean largest topic probability and the mean entropy (nats) of a row;
* the accuracy of a logistic regression on the rows exactly as returned, on the rows
  standardised, and on their logarithms (standardised), all with
  :func:`neurotopic.metrics.doc_topic_accuracy`;
* the fit's NPMI and diversity of the top terms (the training corpus as reference).

If the rows keep their class information but hide it in ratios of tiny probabilities,
the log reader does much better than the reader of the rows as returned; the gap closes
when the information is in the probabilities themselves.  If the standardised rows read
as well as the log rows, the information is linear in the probabilities and only their
small spread across documents (which the regression's default penalty shrinks) hides it.

Run: ``.venv/bin/python benchmarks/margin.py [--corpora bbc,news-articles]
[--margins 0.5,0.25,0.1,0.05] [--sweep KEY=V1,V2] [--k 50] [--param KEY=VALUE ...]``
(``--sweep``: vary another ``NeuralTopicModel`` parameter instead of the margin;
``--param``: another parameter, JSON value, for every fit).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _markdown import machine
from quality import TUNING, parse_ntm_params

from neurotopic import NeuralTopicModel
from neurotopic.datasets import load_dataset
from neurotopic.evaluation.evaluate import evaluate_topics, reference_tokens
from neurotopic.evaluation.metrics import doc_topic_accuracy


def row_shape(theta: np.ndarray) -> tuple[float, float]:
    """Mean largest probability and mean entropy (nats) of the rows of ``theta``."""
    p = np.clip(theta, 1e-12, 1.0)
    return float(theta.max(axis=1).mean()), float(-(p * np.log(p)).sum(axis=1).mean())


def sweep_values(spec: str) -> tuple[str, list[object]]:
    """``"KEY=V1,V2"`` as the parameter's name and its values (each JSON, else a string)."""
    key, _, values = spec.partition("=")
    if not key or not values:
        raise SystemExit(f"--sweep must be KEY=V1,V2,..., got {spec!r}")
    return key, [parse_ntm_params([f"{key}={v}"])[key] for v in values.split(",")]


def main() -> None:
    """Run the ablation; see the module docstring."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--corpora", default=",".join(TUNING))
    parser.add_argument("--margins", default="0.5,0.25,0.1,0.05")
    parser.add_argument(
        "--sweep",
        default=None,
        metavar="KEY=V1,V2",
        help="vary this NeuralTopicModel parameter (JSON values) instead of the margin",
    )
    parser.add_argument("--k", type=int, default=50)
    parser.add_argument("--param", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    key, values = sweep_values(args.sweep or f"margin={args.margins}")
    extra = parse_ntm_params(args.param)
    shown = ", ".join(f"{k}={v!r}" for k, v in extra.items())
    print(f"{machine()}; K={args.k}, seed 0, NTM defaults except {key} {shown}\n")
    print(
        f"| corpus | {key} | largest probability | entropy | accuracy, rows as returned "
        "| accuracy, rows standardised | accuracy, log rows | NPMI | diversity | fit s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in [c.strip() for c in args.corpora.split(",") if c.strip()]:
        data = load_dataset(name)
        reference = reference_tokens(data.texts)
        for value in values:
            start = time.perf_counter()
            model = NeuralTopicModel(args.k, random_state=0, **{key: value}, **extra)
            theta = model.fit_transform(data.texts)
            seconds = time.perf_counter() - start
            top, entropy = row_shape(theta)
            as_returned = doc_topic_accuracy(theta, data.labels)["accuracy"]
            scaled = doc_topic_accuracy(theta, data.labels, features="raw")["accuracy"]
            logged = doc_topic_accuracy(theta, data.labels, features="log")["accuracy"]
            topics = evaluate_topics(model.topics(25), reference)
            print(
                f"| {name} | {value} | {top:.3f} | {entropy:.2f} | {as_returned:.3f} "
                f"| {scaled:.3f} | {logged:.3f} | {topics['npmi']:.3f} | {topics['diversity']:.3f} "
                f"| {seconds:.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
