"""How many epochs a small corpus should train: subsamples of the tuning half.

Early stopping needs ``MIN_STOPPING_TRIPLES`` held-out triples; with a fixed ``holdout``
of 1% (``holdout=0.01``) a corpus of fewer than 200,000 document-term incidences has
fewer, so early stopping is off there and every epoch runs; ``holdout="auto"`` (the
default) holds out what early stopping needs instead, at most 10%. No corpus of the
tuning half is that small, so this script makes small corpora from it: random subsets of
each tuning corpus (``DOCS``, documents per corpus, chosen so that the subsets have
roughly 50,000 and 150,000 incidences) and, per subset and seed, fits tomotopy LDA and
the NTM under each variant, scored with the quality suite's metric code
(``compare_models``: NPMI and diversity of the top terms on the subset itself, accuracy
of a logistic regression on the rows of ``fit_transform`` as returned, 80/20 split, fit
seconds from raw text).

Variants (``--variants``, separated by ``;``): ``defaults``, and any
``NeuralTopicModel`` parameter as ``key=value[, key=value]`` (JSON values).

``python benchmarks/small_corpora.py [--corpora bbc,...] [--seeds 0,1,2] [--k 20]
[--variants "defaults;holdout=0.01;epochs=5"]``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _markdown import machine
from holdout_size import doc_term_shape
from quality import LDA_ITERATIONS, TUNING, WORKERS, parse_ntm_params

from neurotopic.datasets import load_dataset
from neurotopic.evaluation.compare import compare_models

#: Documents per subset: about 50,000 and 150,000 incidences on each tuning corpus.
DOCS: dict[str, tuple[int, ...]] = {
    "bbc": (550, 1400),
    "news-articles": (400, 1100),
    "wordnet": (8500, 25000),
    "healthtweets": (6500, 20000),
}
METRICS = ("npmi", "diversity", "accuracy")


def parse_variant(text: str) -> dict[str, Any]:
    """``"epochs=5, margin=0.2"`` as parameters; ``"defaults"`` as none."""
    return {} if text == "defaults" else parse_ntm_params(text.split(","))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--corpora", default=",".join(TUNING))
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--variants", default="defaults;holdout=0.01;epochs=5;epochs=10")
    args = parser.parse_args(argv)
    corpora = [c.strip() for c in args.corpora.split(",") if c.strip()]
    unknown = [c for c in corpora if c not in TUNING]
    if unknown:
        parser.error(f"unknown corpus {', '.join(unknown)}; use the tuning half: {TUNING}")
    seeds = [int(s) for s in args.seeds.split(",")]
    variants = [v.strip() for v in args.variants.split(";") if v.strip()]
    print(f"{machine()}; K={args.k}; seeds {args.seeds}; mean ± sd over seeds\n")
    print(
        "| corpus | documents | incidences | model | NPMI | diversity | accuracy "
        "| epochs run | fit s |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name in corpora:
        data = load_dataset(name)
        texts, labels = list(data.texts), list(data.labels)
        for n_docs in DOCS[name]:
            results: dict[str, list[dict[str, float]]] = {}
            nnzs = []
            for seed in seeds:
                pick = np.sort(np.random.default_rng(seed).permutation(len(texts))[:n_docs])
                sub_texts = [texts[i] for i in pick]
                sub_labels = [labels[i] for i in pick]
                nnzs.append(doc_term_shape(sub_texts)[1])
                runs: list[tuple[str, str, dict[str, Any]]] = [("tomotopy", "lda", {})]
                for variant in variants:
                    runs.append((variant, "ntm", parse_variant(variant)))
                for label, model, params in runs:
                    (row,) = compare_models(
                        sub_texts,
                        [args.k],
                        labels=sub_labels,
                        models=(model,),
                        random_state=seed,
                        ntm_params=params,
                        lda_iterations=LDA_ITERATIONS,
                        workers=WORKERS,
                    )
                    figures = {m: float(row.metrics[m]) for m in METRICS}
                    figures["fit_s"] = row.fit_seconds
                    figures["epochs"] = float(row.extras.get("epochs_run") or float("nan"))
                    results.setdefault(label, []).append(figures)
            for label, rows in results.items():
                cells = []
                for key in (*METRICS, "epochs", "fit_s"):
                    values = np.array([r[key] for r in rows])
                    if key == "epochs" and label == "tomotopy":
                        cells.append("-")
                    elif key in ("epochs", "fit_s"):
                        cells.append(f"{values.mean():.1f}")
                    else:
                        cells.append(f"{values.mean():.3f} ± {values.std():.3f}")
                print(
                    f"| {name} | {n_docs:,} | {int(np.mean(nnzs)):,} | {label} | "
                    + " | ".join(cells)
                    + " |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
