"""The inference benchmark: fold-in speed and fidelity, by number of fold-in steps.

Fits ``NeuralTopicModel`` (defaults, K=20, seed 0) on 80% of BBC News, then for each
``transform_steps`` value folds in

* the 445 test articles, repeated to 2,225 documents, timing documents per second
  (news-length documents: about 220 terms each), and
* 1,000 training articles, comparing each folded-in vector with the one training
  fitted for it (mean cosine similarity, and agreement of the dominant topic),

and reports the test accuracy of logistic regression trained on the training articles'
folded-in vectors (does fold-in give useful vectors?).  Prints the table; with
``--out FILE`` also writes it to FILE's section between ``<!-- inference -->`` markers
(the docs' table: ``--out docs/benchmarks.md``).

Run: ``.venv/bin/python benchmarks/inference.py [--steps 5,10,20] [--threads 1]
[--out docs/benchmarks.md]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from neurotopic import NeuralTopicModel
from neurotopic.datasets import load_bbc

sys.path.insert(0, str(Path(__file__).parent))
from _markdown import machine, replace_section


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray(
        (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1) + 1e-12)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", default="5,10,20")
    parser.add_argument("--threads", default="1")
    parser.add_argument(
        "--out", type=Path, default=None, help="Markdown file to update (default: print only)"
    )
    args = parser.parse_args()
    data = load_bbc()
    train, test, y_train, y_test = train_test_split(
        data.texts, data.labels, test_size=0.2, random_state=0, stratify=data.labels
    )
    model = NeuralTopicModel(20, random_state=0).fit(train)
    print(f"fitted in {model.fit_seconds_['total']:.1f}s", flush=True)
    stream = (test * 5)[:2225]
    n_terms = np.mean(np.diff(model.doc_term_matrix(test).indptr))
    sample = np.linspace(0, len(train) - 1, 1000).astype(int)
    sample_texts = [train[i] for i in sample]
    fitted = model.doc_topic_[sample]
    rows = []
    for steps in [int(s) for s in args.steps.split(",")]:
        for threads in [int(t) for t in args.threads.split(",")]:
            m = model.set_params(transform_steps=steps, n_jobs=threads)  # keeps the fit
            start = time.perf_counter()
            m.doc_term_matrix(stream)
            text_seconds = time.perf_counter() - start
            start = time.perf_counter()
            m.transform(stream)
            seconds = time.perf_counter() - start
            rate = len(stream) / seconds
            fold_rate = len(stream) / max(seconds - text_seconds, 1e-9)
            again = m.transform(sample_texts)
            cos = cosine(again, fitted)
            same_topic = float(np.mean(again.argmax(1) == fitted.argmax(1)))
            lr = LogisticRegression(max_iter=3000, C=10.0)
            lr.fit(np.log(m.transform(train) + 1e-6), y_train)
            acc = lr.score(np.log(m.transform(test) + 1e-6), y_test)
            line = (
                f"| {steps} | {threads} | {rate:,.0f} | {fold_rate:,.0f} | {cos.mean():.3f} "
                f"| {same_topic:.3f} "
                f"| {acc:.3f} |"
            )
            print(line, flush=True)
            rows.append(line)
    command = "python benchmarks/inference.py " + " ".join(sys.argv[1:])
    text = "\n".join(
        [
            "## Inference on unseen documents (fold-in)",
            "",
            f"- command: `{command.strip()}`; machine: {machine()}",
            f"- BBC News, K=20, model fitted on 1,780 articles (seed 0); unseen documents: "
            f"the 445 test articles repeated to 2,225 ({n_terms:.0f} terms per document on "
            "average); fidelity: 1,000 training articles folded in again, against the "
            "vectors training gave them; accuracy: logistic regression on folded-in "
            "training vectors, scored on the folded-in test vectors.",
            "",
            "| fold-in steps | torch threads | documents/s from raw text | documents/s "
            "excluding tokenising | mean cosine to the fitted vector | same dominant topic "
            "| test accuracy |",
            "|---|---|---|---|---|---|---|",
            *rows,
            "",
        ]
    )
    print(text)
    if args.out is not None:
        replace_section(args.out, "inference", text)
        print(f"wrote the inference section of {args.out}")


if __name__ == "__main__":
    main()
