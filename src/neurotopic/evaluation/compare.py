"""Fit several topic models on one corpus and evaluate them identically.

Every model starts from the same raw texts, and every model's fit time counts everything
from raw text on (tokenising, phrases, vocabulary, word vectors for the NTM, training).
The LDA baselines see exactly the NTM's terms: :func:`prepare_terms` runs the same
:class:`~neurotopic.text.Analyzer`, :func:`~neurotopic.text.learn_phrases` and
:func:`~neurotopic.vocabulary.build_vocabulary` steps with the same defaults, and a
multi-word term stays one token (``"new york"``, space included).  Topics (top 25) and
document-topic vectors of the *training* documents are then scored by
:func:`neurotopic.evaluation.evaluate_topics` against the training corpus.

Models
------
``"ntm"``
    :class:`~neurotopic.NeuralTopicModel`.
``"tomotopy"``
    Collapsed Gibbs sampling LDA (``tomotopy.LDAModel``), symmetric priors
    ``alpha=0.1``, ``eta=0.01`` (tomotopy's defaults), ``lda_iterations`` sweeps.
``"gensim"``
    Online variational Bayes LDA (``gensim.models.LdaMulticore``), gensim's default
    symmetric priors ``alpha = eta = 1/K``, ``lda_passes`` passes.
``"lda"``
    ``"tomotopy"`` when it is installed, else ``"gensim"``.
``"bertopic"``, ``"fastopic"``
    Models built on sentence embeddings of the raw documents (all-MiniLM-L6-v2 by
    default), reading the same terms; see :mod:`neurotopic.peers`.  Their fit time
    includes the embedding time.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import NeurotopicError
from ..text.documents import check_texts as _check_texts
from ..text.text import Analyzer, Document, PhraseModel
from ..text.vocabulary import Vocabulary, analyse_corpus, resolve_language
from .baselines import BASELINES, Baseline, fit_ntm
from .evaluate import evaluate_topics, reference_tokens
from .peers import INSTALL as _PEER_INSTALL
from .peers import Embeddings, embed_documents, installed

__all__ = [
    "ComparisonRow",
    "available_models",
    "compare_models",
    "format_table",
    "prepare_terms",
]

#: Terms per topic kept in each row (diversity is measured on the top 25).
TOP_N = 25

#: Every model name :func:`compare_models` understands.
MODEL_NAMES: tuple[str, ...] = ("ntm", "lda", "tomotopy", "gensim", "bertopic", "fastopic")
#: The models that read sentence embeddings of the documents.
EMBEDDING_MODELS: tuple[str, ...] = ("bertopic", "fastopic")

# NeuralTopicModel parameters that also shape the LDA baselines' terms.
_PREPROCESSING_PARAMS = (
    "min_df",
    "max_df",
    "max_terms",
    "max_ngram",
    "stop_words",
    "language",
    "tokenizer",
)

_INSTALL = {
    "tomotopy": 'install it with: pip install tomotopy (or pip install "neurotopic[compare]")',
    "gensim": 'install it with: pip install gensim (or pip install "neurotopic[compare]")',
    **_PEER_INSTALL,
}


@dataclass(frozen=True)
class ComparisonRow:
    """One fitted model's figures.

    Attributes
    ----------
    model : str
        ``"ntm"``, ``"tomotopy"``, ``"gensim"``, ``"bertopic"`` or ``"fastopic"``.
    n_topics : int
        Number of topics K.
    fit_seconds : float
        Wall time from raw text: tokenising, phrases, vocabulary, word vectors (NTM) or
        sentence embeddings (BERTopic, FASTopic) and training.
    metrics : dict of str to float
        From :func:`~neurotopic.evaluation.evaluate_topics`: ``npmi``, ``c_v``,
        ``diversity``, ``topic_quality`` and, with labels, ``accuracy`` and ``macro_f1``.
    topics : list of list of str
        Each topic's top 25 terms, best first.
    extras : dict of str to Any
        Model-specific figures: ``n_terms`` and ``preprocess_seconds`` for every model;
        ``triples_per_second`` (mean over epochs) and ``heldout_ranking_accuracy`` (last
        epoch) for the NTM; ``empty_documents`` for LDA (documents without a vocabulary
        term, given a uniform topic vector); ``ll_per_word`` for tomotopy.
    """

    model: str
    n_topics: int
    fit_seconds: float
    metrics: dict[str, float]
    topics: list[list[str]]
    extras: dict[str, Any] = field(default_factory=dict)


def available_models() -> tuple[str, ...]:
    """The model names usable here: ``"ntm"``, ``"lda"`` and the installed backends."""
    backends = tuple(name for name in ("tomotopy", "gensim") if installed(name))
    peers = tuple(
        name for name in EMBEDDING_MODELS if installed(name) and installed("sentence_transformers")
    )
    return ("ntm", "lda", *backends, *peers) if backends else ("ntm", *peers)


def _resolve_models(models: Sequence[str]) -> list[str]:
    """Map names to backends (``"lda"`` -> tomotopy or gensim), check them, drop repeats."""
    if isinstance(models, str):
        models = [models]
    resolved: list[str] = []
    for name in models:
        key = str(name).strip().lower()
        if key not in MODEL_NAMES:
            raise NeurotopicError(f"unknown model '{name}'; use one of: {', '.join(MODEL_NAMES)}")
        if key == "lda":
            key = "tomotopy" if installed("tomotopy") else "gensim"
        missing = key != "ntm" and not installed(key)
        if key in EMBEDDING_MODELS and not installed("sentence_transformers"):
            missing = True
        if missing:
            raise NeurotopicError(f"model '{name}' needs the {key} package; {_INSTALL[key]}")
        if key not in resolved:
            resolved.append(key)
    if not resolved:
        raise NeurotopicError(f"no model to compare; pass models from: {', '.join(MODEL_NAMES)}")
    return resolved


def prepare_terms(
    texts: Sequence[Document],
    *,
    min_df: int = 5,
    max_df: float = 0.5,
    max_terms: int | None = 30_000,
    max_ngram: int = 3,
    stop_words: str | Sequence[str] | None = "auto",
    language: str = "auto",
    tokenizer: Callable[[str], Sequence[str]] | None = None,
) -> tuple[list[list[str]], Vocabulary]:
    """The NTM's terms of each document, for a baseline model.

    Runs the text stage of :meth:`neurotopic.NeuralTopicModel.fit` with the same
    defaults: tokenise, drop stop words (they break runs), learn phrases of up to
    ``max_ngram`` words, build the vocabulary.  The NTM may drop a few more terms later
    (those without a word vector), so its vocabulary is a subset of this one.

    Parameters
    ----------
    texts : sequence of str, or of lists of str
        Raw documents, or their tokens.
    min_df, max_df, max_terms, max_ngram, stop_words, language, tokenizer
        As in :class:`~neurotopic.NeuralTopicModel`.

    Returns
    -------
    doc_terms : list of list of str
        Each document's term tokens in reading order, restricted to the vocabulary
        (possibly empty); a multi-word term is one token with spaces (``"new york"``).
    vocabulary : Vocabulary
        The kept terms with their document frequencies.
    """
    corpus = analyse_corpus(
        texts,
        stop_words=stop_words,
        language=language,
        tokenizer=tokenizer,
        max_ngram=max_ngram,
        min_df=min_df,
        max_df=max_df,
        max_terms=max_terms,
    )
    index = corpus.vocabulary.index
    return [[t for t in doc if t in index] for doc in corpus.doc_terms], corpus.vocabulary


def _reference_tokenizer(
    texts: Sequence[Document], prep: dict[str, Any]
) -> Callable[[Document], list[str]]:
    """The models' tokenizer (language resolved as they resolve it), for the reference."""
    language, _, pretokenized = resolve_language(prep.get("language", "auto"), texts)
    tokenizer = prep.get("tokenizer")
    analyzer = Analyzer(
        frozenset(),
        PhraseModel(),
        language,
        custom_tokenizer=tokenizer is not None or pretokenized,
        tokenizer=tokenizer,
    )
    return analyzer.tokens


def compare_models(
    texts: Sequence[Document],
    n_topics: Sequence[int],
    *,
    labels: Sequence[Hashable] | None = None,
    models: Sequence[str] = ("ntm", "lda"),
    random_state: int = 0,
    ntm_params: dict[str, Any] | None = None,
    lda_iterations: int = 1000,
    lda_passes: int = 10,
    workers: int = 2,
    progress: Callable[[str], None] | None = None,
    embeddings: Embeddings | None = None,
) -> list[ComparisonRow]:
    """Fit each model for each K on ``texts`` and evaluate all of them the same way.

    Each model does its own work from raw text and is timed from there.  Topics (top 25)
    and the training documents' topic vectors are scored with
    :func:`~neurotopic.evaluation.evaluate_topics`; the reference corpus for coherence is
    the training corpus itself (``reference_tokens(texts)``), and accuracy comes from an
    80/20 split of the training documents seeded by ``random_state``.

    Parameters
    ----------
    texts : sequence of str, or of lists of str
        Raw training documents, or their tokens.
    n_topics : sequence of int
        Values of K to fit (each at least 2).
    labels : sequence, optional
        One label per text; adds ``accuracy`` and ``macro_f1``.
    models : sequence of str
        From ``"ntm"``, ``"lda"`` (tomotopy when installed, else gensim), ``"tomotopy"``
        and ``"gensim"``; a model named twice is fitted once.
    random_state : int
        Seed of every model and of the accuracy split.
    ntm_params : dict, optional
        Extra :class:`~neurotopic.NeuralTopicModel` parameters (not ``n_topics`` or
        ``random_state``).  Its text parameters (``min_df``, ``max_df``, ``max_terms``,
        ``max_ngram``, ``stop_words``, ``language``, ``tokenizer``) apply to the LDA
        models too, so every model sees the same terms.
    lda_iterations : int
        Gibbs sweeps of tomotopy.
    lda_passes : int
        Passes of gensim over the corpus.
    workers : int
        Worker threads (tomotopy) or processes (gensim).  With more than one, tomotopy's
        and gensim's results can vary slightly from run to run even with a fixed seed.
    progress : callable, optional
        Called with short messages such as ``"fitting tomotopy K=20"``.
    embeddings : Embeddings, optional
        Sentence embeddings of ``texts`` for BERTopic and FASTopic
        (:func:`neurotopic.peers.embed_documents`); computed once when not given.  Their
        ``seconds`` count in each of those fits.

    Returns
    -------
    list of ComparisonRow
        For each K in order, one row per model in order.

    Raises
    ------
    NeurotopicError
        For an unknown model, a missing backend or bad arguments.
    """
    texts = _check_texts(texts)
    if labels is not None and len(labels) != len(texts):
        raise NeurotopicError(
            f"got {len(labels)} labels for {len(texts)} texts; pass one label per text"
        )
    if embeddings is not None and len(embeddings.vectors) != len(texts):
        raise NeurotopicError(
            f"got embeddings of {len(embeddings.vectors)} documents for {len(texts)} texts; "
            "embed the same texts"
        )
    ks = [n_topics] if isinstance(n_topics, int) else list(n_topics)
    for k in ks:
        if not isinstance(k, int | np.integer) or k < 2:
            raise NeurotopicError(f"every number of topics must be an integer >= 2, got {k!r}")
    names = _resolve_models(models)
    params = dict(ntm_params or {})
    clash = {"n_topics", "random_state"} & params.keys()
    if clash:
        raise NeurotopicError(
            f"ntm_params must not set {', '.join(sorted(clash))}; "
            "pass n_topics and random_state to compare_models"
        )
    prep = {key: params[key] for key in _PREPROCESSING_PARAMS if key in params}
    reference = reference_tokens(texts, _reference_tokenizer(texts, prep))
    report = progress or (lambda message: None)

    rows: list[ComparisonRow] = []
    for k in ks:
        for name in names:
            report(f"fitting {name} K={k}")
            start = time.perf_counter()
            if name == "ntm":
                topics, theta, extras = fit_ntm(
                    texts, int(k), params, seed=random_state, top_n=TOP_N
                )
            else:
                if name in EMBEDDING_MODELS and embeddings is None:
                    report("embedding the documents")
                    embeddings = embed_documents(texts)
                    start += embeddings.seconds  # counted below, as for precomputed ones
                doc_terms, vocab = prepare_terms(texts, **prep)
                prep_seconds = time.perf_counter() - start
                job = Baseline(
                    texts,
                    doc_terms,
                    vocab,
                    int(k),
                    random_state,
                    lda_iterations,
                    lda_passes,
                    workers,
                    embeddings,
                    TOP_N,
                )
                topics, theta, extras = BASELINES[name](job)
                extras.update(n_terms=len(vocab), preprocess_seconds=prep_seconds)
            seconds = time.perf_counter() - start
            if name in EMBEDDING_MODELS and embeddings is not None:
                seconds += embeddings.seconds
                extras["embedding_seconds"] = embeddings.seconds
            report(f"evaluating {name} K={k} (fit {seconds:.1f}s)")
            metrics = evaluate_topics(
                topics,
                reference,
                doc_topic=theta if labels is not None else None,
                labels=labels,
                random_state=random_state,
            )
            rows.append(ComparisonRow(name, int(k), seconds, metrics, topics, extras))
    return rows


_COLUMNS: tuple[tuple[str, str, int], ...] = (
    # header, metric key ("" for fit seconds), decimals
    ("NPMI", "npmi", 3),
    ("C_V", "c_v", 3),
    ("diversity", "diversity", 3),
    ("accuracy", "accuracy", 3),
    ("macro-F1", "macro_f1", 3),
    ("fit seconds", "", 1),
)


def _cell(values: list[float], decimals: int) -> str:
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return "-"
    mean = float(np.mean(finite))
    if len(finite) == 1:
        return f"{mean:.{decimals}f}"
    std = float(np.std(finite, ddof=1))
    return f"{mean:.{decimals}f} ± {std:.{decimals}f}"


def format_table(rows: Sequence[ComparisonRow]) -> str:
    """A plain-text table that is also valid Markdown.

    Columns: model, K, NPMI, C_V, diversity, accuracy, macro-F1, fit seconds.  Rows with
    the same model and K (e.g. several seeds) are merged into one line showing
    ``mean ± std`` (sample standard deviation); a missing figure shows as ``-``.

    Parameters
    ----------
    rows : sequence of ComparisonRow

    Returns
    -------
    str
        The table, one line per (model, K) in first-seen order, without a final newline.
    """
    groups: dict[tuple[str, int], list[ComparisonRow]] = {}
    for row in rows:
        groups.setdefault((row.model, row.n_topics), []).append(row)
    header = ["model", "K", *(h for h, _, _ in _COLUMNS)]
    body: list[list[str]] = []
    for (model, k), group in groups.items():
        cells = [model, str(k)]
        for _, key, decimals in _COLUMNS:
            values = [
                r.fit_seconds if not key else float(r.metrics.get(key, float("nan"))) for r in group
            ]
            cells.append(_cell(values, decimals))
        body.append(cells)
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def fmt(cells: list[str]) -> str:
        padded = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = (
        "|"
        + "|".join("-" * (w + 1) + ":" if i else ":" + "-" * (w + 1) for i, w in enumerate(widths))
        + "|"
    )
    return "\n".join([fmt(header), rule, *(fmt(cells) for cells in body)])
