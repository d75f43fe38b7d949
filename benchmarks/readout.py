"""Readout ablation: the same trained weights read out in every way, on several corpora.

For each corpus and seed, one model is fitted with the defaults (optionally other
``--epochs``), then its topics are read out without retraining by:

* ``background``: ``beta_k(g) ∝ p_g exp(a z_gk)`` with the scale ``a`` fitted by
  likelihood (:func:`neurotopic.readout.fit_background_scale`), ranked by relevance;
* ``data``: one E-step with ``lt`` (:func:`neurotopic.readout.data_topic_term`), ranked
  by relevance;
* ``embedding``: the paper's ranking by ``lt``;

at several relevance weights, and scored with the quality benchmark's code
(:func:`neurotopic.evaluation.evaluate_topics`: NPMI of the top 10, diversity of the
top 25 on the training corpus) or, for a synthetic corpus of ``benchmarks/synthetic.py``,
by planted-topic recovery (top 20).  The table says which readout ``topic_readout="auto"``
picks for each corpus.

Run: ``.venv/bin/python benchmarks/readout.py [--corpora bbc,news-articles,wordnet]
[--seeds 0,1,2] [--epochs 20] [--k K] [--synthetic runs/synth-100k.jsonl]``
(K: bbc 20, news-articles 50, wordnet 50, any other corpus of
:func:`neurotopic.datasets.load_dataset` 50, synthetic 128; ``--k`` sets it for every
named corpus.)
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from neurotopic import NeuralTopicModel
from neurotopic.datasets import load_dataset
from neurotopic.evaluation.evaluate import evaluate_topics, reference_tokens
from neurotopic.evaluation.metrics import topic_recovery

CORPORA = {"bbc": 20, "news-articles": 50, "wordnet": 50}
SYNTHETIC_TOPICS = 128
#: (readout, relevance weights) read out from every fitted model.
READOUTS: tuple[tuple[str, tuple[float | None, ...]], ...] = (
    ("background", (1.0, 0.85, 0.7, 0.5, 0.3)),
    ("data", (1.0, 0.7, 0.5)),
    ("embedding", (None,)),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", default="bbc,news-articles,wordnet")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--synthetic", default=None, help="JSONL of benchmarks/synthetic.py")
    parser.add_argument("--k", type=int, default=None, help="K of every named corpus")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    names = [c for c in args.corpora.split(",") if c]
    jobs: list[tuple[str, int]] = [(c, args.k or CORPORA.get(c, 50)) for c in names]
    if args.synthetic:
        jobs.append((args.synthetic, SYNTHETIC_TOPICS))
    results: dict[tuple[str, str, float | None], list[dict[str, float]]] = {}
    chosen: dict[str, str] = {}
    ks = dict(jobs)
    for corpus, k in jobs:
        truth: list[list[str]] | None = None
        if corpus in names:
            texts = load_dataset(corpus).texts
            reference = reference_tokens(texts)
        else:
            path = Path(corpus)
            texts = [json.loads(line)["text"] for line in path.open(encoding="utf-8")]
            truth = json.loads(path.with_suffix(".topics.json").read_text())["topics"]
        for seed in seeds:
            start = time.perf_counter()
            model = NeuralTopicModel(k, random_state=seed, epochs=args.epochs).fit(texts)
            seconds = time.perf_counter() - start
            chosen[corpus] = model.topic_readout_
            auto = {"readout": model.topic_readout_, "lambda": model.relevance_lambda_}
            print(json.dumps({"corpus": corpus, "seed": seed, "auto": auto}), flush=True)
            for readout, lams in READOUTS:
                for lam in lams:
                    model.set_readout(topic_readout=readout, relevance_lambda=lam)
                    if truth is not None:
                        learned = model.topics(20)
                        r = {"recovery": topic_recovery(truth, learned, top_n=20)}
                    else:
                        r = evaluate_topics(model.topics(25), reference)
                    r.update(seconds=seconds, scale=model.background_scale_ or float("nan"))
                    results.setdefault((corpus, readout, lam), []).append(r)
                    shown = {key: round(v, 4) for key, v in r.items()}
                    print(json.dumps({"corpus": corpus, "seed": seed, "readout": readout,
                                      "lambda": lam, **shown}), flush=True)  # fmt: skip
    print()
    print(f"seeds {args.seeds}, epochs {args.epochs}: mean ± std over seeds")
    print("| corpus (K) | readout | relevance lambda | NPMI | diversity | recovery | scale a |")
    print("|---|---|---|---|---|---|---|")
    for (corpus, readout, lam), rows in results.items():

        def cell(key: str, rows: list[dict[str, float]] = rows) -> str:
            if key not in rows[0]:
                return "-"
            values = np.array([r[key] for r in rows])
            spread = values.std(ddof=1) if len(values) > 1 else 0.0
            return f"{values.mean():.3f} ± {spread:.3f}" if len(values) > 1 else f"{values[0]:.3f}"

        name = Path(corpus).stem if corpus not in names else corpus
        k = ks.get(corpus, SYNTHETIC_TOPICS)
        auto = " (auto)" if chosen[corpus] == readout else ""
        scale = cell("scale") if readout == "background" else "-"
        print(
            f"| {name} ({k}) | {readout}{auto} | {'lt' if lam is None else f'{lam:g}'} | "
            f"{cell('npmi')} | {cell('diversity')} | {cell('recovery')} | {scale} |"
        )


if __name__ == "__main__":
    main()
