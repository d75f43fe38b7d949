"""Ablation of neurotopic's topic-quality levers on one corpus, over seeds.

For each seed, the word vectors (PPMI-SVD by default, skip-gram word2vec for the
variants that name it) are trained once exactly as ``NeuralTopicModel`` trains them and
shared by every variant, so the rows differ only in the lever named.  Each trained model is read out
at several relevance weights (the readout needs no retraining).  Metrics use the same
code as ``benchmarks/quality.py`` (:func:`neurotopic.evaluation.evaluate_topics`).

Run: ``.venv/bin/python benchmarks/ablation.py [--corpus bbc] [--seeds 0,1,2]
[--lambdas 0.6,0.5,0.4] [--variants NAME;NAME]``  (K: bbc 20, news-articles 50, wordnet 50)
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import numpy as np
from gensim.models import KeyedVectors
from sklearn.utils import check_random_state

from neurotopic import NeuralTopicModel
from neurotopic._params import auto_word2vec_epochs
from neurotopic.datasets import load_dataset
from neurotopic.evaluation.evaluate import evaluate_topics, reference_tokens
from neurotopic.text.embeddings import train_ppmi, train_word2vec
from neurotopic.text.text import Analyzer, PhraseModel, default_stop_words

CORPORA = {"bbc": 20, "news-articles": 50, "wordnet": 50}
VARIANTS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "word2vec vectors": {"vectors": "word2vec"},
    "word2vec vectors, 10 epochs": {"vectors": "word2vec", "epochs": 10},
    "epochs=10": {"epochs": 10},
    "epochs=10, batch_size=8192": {"epochs": 10, "batch_size": 8192},
    "epochs=10, pretrain_steps=100": {"epochs": 10, "pretrain_steps": 100},
    "epochs=5": {"epochs": 5},
    "pretrain_steps=100": {"pretrain_steps": 100},
    "pretrain_steps=300": {"pretrain_steps": 300},
    "n_iter_no_change=3, tol=0": {"n_iter_no_change": 3, "tol": 0.0},
    "n_negatives=3": {"n_negatives": 3},
    "no early stopping": {"early_stopping": False},
    "data readout": {"topic_readout": "data"},
    "autoencoder start": {"topic_init": "autoencoder"},
    "autoencoder start, data readout": {"topic_init": "autoencoder", "topic_readout": "data"},
    "no negative pool": {"negative_pool": 0},
    "negative_pool=1024": {"negative_pool": 1024},
    "negative_pool=4096": {"negative_pool": 4096},
    "no shuffle window": {"shuffle_window": 0},
    "shuffle_window=4096": {"shuffle_window": 4096},
    "paper readout (lt) and raw summed vectors": {
        "topic_readout": "embedding",
        "normalize_vectors": False,
    },
    "raw summed vectors": {"normalize_vectors": False},
    "lt readout, unit-length vectors": {"topic_readout": "embedding"},
    "term_power=0.75": {"term_power": 0.75},
    "entropy_weight=0.05": {"entropy_weight": 0.05},
    "term_negatives=5": {"term_negatives": 5},
    "entropy_weight=0.05 + term_negatives=5": {"entropy_weight": 0.05, "term_negatives": 5},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--lambdas", default="0.6,0.5,0.4")
    parser.add_argument("--variants", default=";".join(VARIANTS), help="names separated by ;")
    parser.add_argument("--corpus", default="bbc", choices=sorted(CORPORA))
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    # "default": the readout's own relevance weight (relevance_lambda=None)
    lambdas = [None if x == "default" else float(x) for x in args.lambdas.split(",")]
    names = [n for n in args.variants.split(";") if n]
    n_topics = CORPORA[args.corpus]
    data = load_dataset(args.corpus)
    reference = reference_tokens(data.texts)
    analyzer = Analyzer(default_stop_words(), PhraseModel())
    sentences = [[w for r in analyzer.runs(t) for w in r] for t in data.texts]
    epochs = auto_word2vec_epochs(sum(map(len, sentences)))
    results: dict[tuple[str, float | None], list[dict[str, float]]] = {}
    for seed in seeds:
        vec_seed = int(check_random_state(seed).randint(0, 2**31 - 1))  # as the estimator
        cache: dict[str, tuple[KeyedVectors, float]] = {}
        for name in names:
            params = dict(VARIANTS[name])
            method = params.pop("vectors", "ppmi")
            if method not in cache:
                start = time.perf_counter()
                if method == "word2vec":
                    kv = train_word2vec(sentences, epochs=epochs, seed=vec_seed, workers=1)
                else:
                    kv = train_ppmi(sentences, seed=vec_seed)
                cache[method] = (kv, time.perf_counter() - start)
            kv, w2v_seconds = cache[method]
            model = NeuralTopicModel(n_topics, random_state=seed, vectors=kv, **params)
            start = time.perf_counter()
            model.fit(data.texts)
            seconds = time.perf_counter() - start + w2v_seconds
            lt_readout = params.get("topic_readout") == "embedding"
            readout_lambdas = [1.0] if lt_readout else lambdas
            for lam in readout_lambdas:
                model.relevance_lambda = lam
                r = evaluate_topics(
                    model.topics(25), reference, doc_topic=model.doc_topic_, labels=data.labels
                )
                r["seconds"] = seconds
                r["heldout"] = model.history_[-1]["heldout_ranking_accuracy"]
                r["epochs"] = model.n_epochs_
                results.setdefault((name, lam), []).append(r)
                print(json.dumps({"seed": seed, "variant": name, "lambda": lam, **r}), flush=True)
    print()
    print(f"{args.corpus}, K={n_topics}, seeds {args.seeds}: mean ± std")
    print(
        "| variant | relevance lambda | NPMI | diversity | accuracy | held-out ranking "
        "| epochs run | fit s |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for (name, lam), rows in results.items():

        def cell(key: str, rows: list[dict[str, float]] = rows) -> str:
            values = np.array([r[key] for r in rows])
            return f"{values.mean():.3f} ± {values.std(ddof=1) if len(values) > 1 else 0:.3f}"

        lt_readout = VARIANTS[name].get("topic_readout") == "embedding"
        lam_text = "lt ranking" if lt_readout else ("default" if lam is None else f"{lam:g}")
        seconds = np.mean([r["seconds"] for r in rows])
        print(
            f"| {name} | {lam_text} | {cell('npmi')} | {cell('diversity')} | "
            f"{cell('accuracy')} | {cell('heldout')} | {cell('epochs')} | {seconds:.0f} |"
        )


if __name__ == "__main__":
    main()
