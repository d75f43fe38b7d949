"""The models :func:`~neurotopic.evaluation.compare.compare_models` fits beside the NTM.

Each baseline reads one :class:`Baseline` job: the raw texts, their shared terms
(:func:`~neurotopic.evaluation.compare.prepare_terms`) and the run's settings; it returns
its topics (best term first), the training documents' topic vectors theta of shape
(D, K) and model-specific extras.  :data:`BASELINES` maps each model name to its fit;
the NTM does its own text work from the raw texts (:func:`fit_ntm`).  The models and
their settings are described in :mod:`neurotopic.evaluation.compare`; BERTopic and
FASTopic live in :mod:`neurotopic.evaluation.peers`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._runtime import resolve_device
from ..estimator import NeuralTopicModel
from ..text.text import Document
from ..text.vocabulary import Vocabulary
from .peers import Embeddings, fit_bertopic, fit_fastopic

#: A fit's result: topics (K lists of terms), theta of shape (D, K), and extras.
Fitted = tuple[list[list[str]], np.ndarray, dict[str, Any]]


@dataclass(frozen=True)
class Baseline:
    """What every baseline's fit reads: the shared terms and the run's settings.

    Attributes
    ----------
    texts : sequence of str, or of lists of str, length D
        The raw training documents.
    doc_terms : list of list of str, length D
        Each document's terms (:func:`~neurotopic.evaluation.compare.prepare_terms`).
    vocabulary : Vocabulary
        The shared terms.
    k : int
        Number of topics K.
    seed : int
        Seed of the model.
    iterations : int
        Gibbs sweeps of tomotopy.
    passes : int
        Passes of gensim over the corpus.
    workers : int
        Worker threads (tomotopy) or processes (gensim).
    embeddings : Embeddings or None
        Sentence embeddings of ``texts``, shape (D, dim), for BERTopic and FASTopic.
    top_n : int
        Terms kept per topic.
    """

    texts: Sequence[Document]
    doc_terms: list[list[str]]
    vocabulary: Vocabulary
    k: int
    seed: int
    iterations: int
    passes: int
    workers: int
    embeddings: Embeddings | None
    top_n: int


def _uniform_rows(theta: np.ndarray, empty: list[int]) -> None:
    """Give the rows ``empty`` of ``theta`` (D, K), documents without a term, 1/K each."""
    theta[empty] = 1.0 / theta.shape[1]


def fit_tomotopy(job: Baseline) -> Fitted:
    """Gibbs-sampling LDA with tomotopy; returns topics, theta (D, K) and extras."""
    import tomotopy as tp

    doc_terms, k = job.doc_terms, job.k
    # Symmetric priors, tomotopy's defaults.  tomotopy would also re-estimate alpha every
    # 10 iterations by default (an asymmetric prior); optim_interval=0 keeps it fixed.
    model = tp.LDAModel(k=k, alpha=0.1, eta=0.01, seed=job.seed)
    model.optim_interval = 0
    added: list[int] = []  # training document of each tomotopy document
    for d, terms in enumerate(doc_terms):
        if terms:  # tomotopy cannot hold an empty document
            model.add_doc(terms)
            added.append(d)
    with warnings.catch_warnings():
        # tomotopy warns on every call that workers != 1 is not reproducible; so documented.
        warnings.filterwarnings("ignore", message="The training result may differ")
        model.train(job.iterations, workers=job.workers)
    theta = np.zeros((len(doc_terms), k))  # (D, K)
    # The corpus view iterates but cannot be indexed.
    for d, doc in zip(added, list(model.docs), strict=True):
        theta[d] = doc.get_topic_dist()
    empty = sorted(set(range(len(doc_terms))) - set(added))
    _uniform_rows(theta, empty)
    topics = [[w for w, _ in model.get_topic_words(t, top_n=job.top_n)] for t in range(k)]
    extras = {"empty_documents": len(empty), "ll_per_word": float(model.ll_per_word)}
    return topics, theta, extras


def fit_gensim(job: Baseline) -> Fitted:
    """Online variational LDA with gensim's LdaMulticore; returns topics, theta, extras."""
    from gensim.corpora import Dictionary
    from gensim.models import LdaMulticore

    doc_terms, k = job.doc_terms, job.k
    dictionary = Dictionary(doc_terms)
    corpus = [dictionary.doc2bow(terms) for terms in doc_terms]
    # gensim's default priors (symmetric alpha = eta = 1/K); eval_every=None skips the
    # perplexity estimates that only feed the log.
    model = LdaMulticore(
        corpus,
        num_topics=k,
        id2word=dictionary,
        passes=job.passes,
        workers=job.workers,
        random_state=job.seed,
        chunksize=2000,
        eval_every=None,
    )
    theta = np.zeros((len(corpus), k))  # (D, K)
    for d, bow in enumerate(corpus):
        # gensim still leaves out topics below 1e-8; they stay 0 here.
        for t, p in model.get_document_topics(bow, minimum_probability=0.0):
            theta[d, t] = p
    empty = [d for d, bow in enumerate(corpus) if not bow]
    _uniform_rows(theta, empty)
    topics = [[w for w, _ in model.show_topic(t, topn=job.top_n)] for t in range(k)]
    return topics, theta, {"empty_documents": len(empty)}


def fit_ntm(
    texts: Sequence[Document], k: int, params: dict[str, Any], *, seed: int, top_n: int
) -> Fitted:
    """The Neural Topic Model from raw text; returns topics, theta (D, K) and extras."""
    model = NeuralTopicModel(k, random_state=seed, **params).fit(texts)
    rates = [h["triples_per_second"] for h in model.history_]
    rates = [r for r in rates if isinstance(r, int | float) and math.isfinite(r)]
    extras = {
        "n_terms": len(model.terms_),
        "preprocess_seconds": float(model.fit_seconds_.get("text", float("nan"))),
        "stage_seconds": dict(model.fit_seconds_),
        "triples_per_second": float(np.mean(rates)) if rates else float("nan"),
        "heldout_ranking_accuracy": float(model.history_[-1]["heldout_ranking_accuracy"]),
        "epochs_run": model.n_epochs_,
        "topic_readout": model.topic_readout_,
        "device": str(resolve_device(model.device)),
    }
    return model.topics(top_n), np.asarray(model.doc_topic_), extras


#: The baselines by model name: each reads the shared terms of the texts
#: (:func:`~neurotopic.evaluation.compare.prepare_terms`).
BASELINES: dict[str, Callable[[Baseline], Fitted]] = {
    "tomotopy": fit_tomotopy,
    "gensim": fit_gensim,
    "bertopic": fit_bertopic,
    "fastopic": fit_fastopic,
}
