"""``NeuralTopicModel``: the scikit-learn estimator users fit, transform and save."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from gensim.models import KeyedVectors
from scipy.special import expit
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ._params import (
    check_labels,
    check_top_n,
    default_negative_pool,
    default_shuffle_window,
    validate_params,
)
from .errors import NeurotopicError
from .model.inference import fold_in, softmax_rows
from .model.pretrain import initial_doc_logits
from .model.readout import (
    TrainedWeights,
    read_topics,
    relevance,
    top_term_ids,
    topic_term_distributions,
)
from .model.shares import doc_topic_shares
from .model.supervised import Labels, decode, labels_meta, output_scores
from .model.tasks import get_task
from .persist import load_model, save_model
from .text.documents import Document, check_texts
from .text.text import Analyzer
from .text.vocabulary import Vocabulary
from .train.pipeline import FitPipeline
from .train.sampling import IncidenceIndex
from .train.threads import resolve_n_jobs, thread_budget

logger = logging.getLogger("neurotopic")


class NeuralTopicModel(TransformerMixin, BaseEstimator):
    """The Neural Topic Model of Cao et al. (AAAI 2015).

    ``p(g | d) = lt(g) . ld(d)`` with ``lt(g) = sigmoid(le(g) @ W2 + b)`` from fixed word
    vectors ``le`` and ``ld(d) = softmax(W1[d])``, trained with the pairwise ranking hinge
    ``max(0, margin - ls(g, d+) + ls(g, d-))`` after pre-training.

    Parameters
    ----------
    n_topics : int, default=10
        Number of topics K (at least 2, at most the vocabulary size).
    max_ngram : int, default=3
        Longest n-gram term detected from the corpus (1: unigrams only).
    min_df : int, default=5
        Keep terms that occur in at least this many documents.
    max_df : float, default=0.5
        Drop terms that occur in more than this share of documents.
    max_terms : int or None, default=30000
        Vocabulary cap (most frequent terms by document frequency).
    stop_words : "auto", "english", sequence of str or None, default="auto"
        Words removed before phrase detection.  "auto": the list of the corpus's
        language (English: scikit-learn's list plus contraction stubs; other languages:
        stopwordsiso's, a warning where it has none); "english": the English list
        whatever the language; a list: its words (compared casefolded); None: none.
    language : str, default="auto"
        The corpus's language: "auto" detects it from 200 documents with py3langid
        (see :mod:`neurotopic.language`), or an ISO 639-1 code ("de", "fr", "zh", ...).
        It chooses the stop words and, for "zh" and "ja", the word segmenter (jieba;
        SudachiPy), which needs ``pip install "neurotopic[cjk]"``.  Other languages are
        split into tokens of letters and digits of any script (NFC, casefolded).  The
        language used is in :attr:`language_`.
    tokenizer : callable or None, default=None
        Your own ``str -> list of str``, as in scikit-learn's ``CountVectorizer``; its
        tokens are casefolded, then stop words and phrases apply as to the built-in
        tokens.  Documents may also be given already tokenized (lists of str) to
        :meth:`fit`, :meth:`transform` and the other methods.  A tokenizer is never
        saved: a loaded model needs it again (``set_params(tokenizer=...)``) or
        tokenized documents.
    vectors : "ppmi", "word2vec", path or KeyedVectors, default="ppmi"
        Word vectors. "ppmi": trained on the corpus as the truncated SVD of its
        window co-occurrence PPMI matrix (fast and deterministic; see
        :func:`neurotopic.embeddings.train_ppmi`); "word2vec": skip-gram trained on the
        corpus with gensim; otherwise a pre-trained file (word2vec binary/text, GloVe
        text, gensim KeyedVectors) or a :class:`gensim.models.KeyedVectors`.
    vector_size : int, default=100
        Dimension of the vectors trained on the corpus ("ppmi" or "word2vec").
    word2vec_epochs : int or None, default=None
        Epochs of the "word2vec" training; None scales them to the corpus so that
        about 8 million tokens are seen (between 5 and 40 epochs).
    normalize_vectors : bool, default=True
        Scale each term vector ``le`` to unit length (False: the paper's raw sum).
    topic_init : {"kmeans", "autoencoder"}, default="kmeans"
        How W2 starts.  "kmeans" (extension): each topic at a centroid of a
        spherical k-means of the term vectors, ``lt`` above 1/2 for the tenth of the
        vocabulary nearest it (:func:`neurotopic.pretrain.cluster_topic_weights`).
        "autoencoder": Cao et al.'s pre-training, the encoder of an auto-encoder of
        the term vectors.  k-means starts each topic on a region of the term space,
        so topics begin distinct instead of near the auto-encoder's shared saddle
        (``docs/model.md``, "Topics start at clusters").
    pretrain_steps : int, default=100
        Full-batch Adam steps of the W2 auto-encoder (0: random W2), with
        ``topic_init="autoencoder"``.
    init_temperature : float, default=1.0
        Standard deviation of the initial W1 logits per topic.
    epochs : int, default=20
        Most fine-tuning epochs (one epoch visits every training incidence once).
    early_stopping : bool, default=True
        Stop fine-tuning once the held-out ranking accuracy (``holdout``) has not
        improved by more than ``tol`` for ``n_iter_no_change`` epochs (the weights of
        the last epoch are kept).  On short documents the hinge starts to overfit the
        free W1 rows after an epoch or two; on long documents the gains fall below
        ``tol`` after a few more epochs.  With
        fewer than 2,000 held-out triples the accuracy is too noisy to weigh such
        gains, so ``holdout="auto"`` holds out more than 1% of a small corpus's
        incidences (up to 10%: early stopping works down to 20,000 incidences, a
        few hundred long documents or a few thousand short ones); below 2,000
        held-out triples every epoch runs.  The epochs run are in :attr:`n_epochs_`.
    n_iter_no_change : int, default=2
        Epochs without improvement before stopping.
    tol : float, default=0.005
        Improvement of the held-out ranking accuracy that counts (0.005: half a point
        of accuracy); smaller gains are not worth another epoch's time
        (``docs/model.md``).
    batch_size : int, default=4096
        Positive pairs per step.
    n_negatives : int, default=5
        Negative documents per positive pair.
    negative_pool : int or None, default=None
        Extension (not in the paper): 0 draws each negative from all documents (the
        paper's sampling); N > 0 has each batch draw N documents and its negatives
        from them (each negative is still a uniform draw), so a step updates about
        ``batch_size + N`` W1 rows instead of ``batch_size * (1 + n_negatives)``.
        None: 0 up to ``8 * batch_size`` training documents, ``batch_size // 4``
        above: on a large corpus the pool keeps a step's rows in cache, while below a
        few thousand documents every row is in cache anyway and the pool only narrows
        the negatives (``docs/model.md``).
    shuffle_window : int or None, default=None
        Extension (not in the paper): 0 visits an epoch's positive pairs in uniformly
        random order (the paper's); W > 0 visits the documents in random order and
        shuffles each run of W pairs, drawing a batch's negative pool from its window's
        documents.  Every pair is still visited once an epoch, but a step's rows come
        from about W / (pairs per document) documents, whose W1 rows and Adam moments
        stay in cache for the window's steps.  None: 0 up to ``8 * batch_size``
        training documents, five batches above (five of a process's batches in a
        data-parallel fit).  See ``docs/model.md`` for its speed and quality.
    margin : float, default=0.1
        Hinge margin.  Scores ``ls`` lie in [0, 1], so the margin sets how far apart a
        document's score and a negative document's must be: a large one (the paper's
        0.5) can only be reached by putting nearly all of ``ld(d)`` on a single topic,
        and the rows come out nearly one-hot, their class information left in ratios
        of tiny probabilities that a linear reader of the rows cannot use.  At 0.1 a
        document spreads its mass over the topics its terms come from, as LDA's theta
        does; see ``docs/model.md``, "The hinge margin and the document vectors".
    term_power : float, default=1.0
        Terms are drawn in proportion to ``df ** term_power``.
    topic_learning_rate : float, default=0.05
        Adam learning rate of W2.
    doc_learning_rate : float, default=0.05
        SparseAdam learning rate of the W1 rows.
    holdout : float or "auto", default="auto"
        Share of incidences held out to report ranking accuracy each epoch (and to
        stop early); they are not trained on.  ``"auto"``: 1%, raised on a corpus
        of fewer than 200,000 incidences to the 2,000 held-out triples early stopping
        needs, at most 10% (1% without early stopping).
    entropy_weight : float, default=0.0
        Extension (not in the paper): weight of the mean entropy of ``ld(d+)`` added
        to the loss; positive values make document-topic vectors sharper.
    term_negatives : int, default=0
        Extension (not in the paper): negative terms per positive pair, drawn by
        ``df ** 0.75`` among terms absent from d+, with the same hinge
        ``max(0, margin - ls(g, d+) + ls(g-, d+))``; trains the term axis topics are
        read along.
    topic_readout : {"auto", "background", "data", "embedding"}, default="auto"
        How topics are read from the trained weights (see ``docs/model.md``):
        "background" (each topic is the corpus's term distribution tilted by W2,
        ``beta_k(g) ∝ p_g exp(a z_gk)`` with ``z = le @ W2 + b`` and ``a`` fitted by
        likelihood, ranked by relevance), "data" (one E-step over the counts with
        ``lt``, ranked by relevance) or "embedding" (the paper's ranking by ``lt``).
        "auto" is "background".  The readout used is in :attr:`topic_readout_`.
    relevance_lambda : float or None, default=None
        Relevance weight of the "background" and "data" readouts, in [0, 2]: 1 ranks
        by probability only, 0 by lift ``beta / p`` only (Sievert & Shirley 2014), and
        above 1 (extension) by probability weighted further by frequency.  None: 0.3
        for "background" and 0.5 for "data" (chosen by ``benchmarks/readout.py``); for
        "background" on documents of fewer than 30 distinct terms on average, 1 raised
        in steps of 0.1 while the diversity of the top 25 terms stays within 0.02 of
        its diversity at 1 (:func:`neurotopic.readout.choose_relevance`).  The weight
        chosen is in :attr:`relevance_lambda_`.  The weight rises only where frequent
        terms each belong to one topic, since a frequent term shared by all topics
        would enter every topic at once and cost diversity (``docs/benchmarks.md``,
        "Readout variants").
    transform_steps : int, default=50
        Adam steps that fold a new document in (:meth:`transform`, :meth:`predict`):
        of 0.01 for a document of up to 10 distinct terms, growing in proportion to
        its terms up to 0.04 from 40 terms in :meth:`transform` (0.01 for every
        document in the sNTM's label readout).  Chosen so that a classifier trained on
        the training documents' rows reads new documents' rows as well, on long and
        short documents alike (the tuning half of ``benchmarks/fold_in.py``; see
        ``docs/model.md``, "Folding in new documents").
    task : {None, "classification", "multilabel", "regression"}, default=None
        None: the unsupervised NTM. Otherwise the supervised NTM (sNTM): a label layer
        on ``ld(d)`` (softmax, sigmoids or a linear unit) trained jointly with the
        hinge on the labels ``y`` given to :meth:`fit`; enables :meth:`predict`,
        :meth:`predict_proba` and :meth:`score`.
    label_loss_weight : float, default=0.1
        Weight of the label loss against the ranking hinge (sNTM only): large enough
        to shape the topics towards the labels, small enough to keep them as coherent
        as the unsupervised model's (``benchmarks/supervised.py --parts weights``).
    label_readout : {"refit", "joint"}, default="refit"
        How an sNTM predicts (:func:`neurotopic.supervised.refit_label_layer`).
        "joint" (the paper's): the label layer trained jointly with the hinge, on
        ``ld``.  "refit" (extension): after training, the layer is refitted on the
        training documents folded in like new ones (on ``log ld`` for classification
        and multi-label), so it sees at prediction the kind of vector it was fitted on
        (``docs/benchmarks.md``, "Supervised NTM").
    device : str, default="auto"
        "auto" (CUDA when present), "cpu" or "cuda".
    n_jobs : int or None, default=None
        Threads of the compiled training passes, the word vectors' sparse products
        and word2vec.  None or -1: every core this process may use (its CPU
        affinity, capped by a cgroup CPU quota, ``OMP_NUM_THREADS`` and
        ``NUMBA_NUM_THREADS``); -2: all but one.  The result does not depend on it: the
        parallel passes write their own rows only, and torch's other CPU operations run
        on one thread.  The one exception is ``vectors="word2vec"`` with ``n_jobs`` above
        1 (gensim's worker threads update the vectors in the order they run); with
        None, word2vec trains on one thread.  While training, the compiled passes drop
        to fewer threads whenever that is measured to be faster (another process
        sharing a core), which does not change the model either.
    checkpoint_dir : str, path or None, default=None
        Directory for checkpoints of the fit (see :mod:`neurotopic.checkpoint`): the
        text stage, then the weights, optimiser moments and sampler state after every
        epoch, and after the current step on SIGINT or SIGTERM (which then raise
        ``KeyboardInterrupt``).  A fit with the same parameters (``epochs``, ``verbose``,
        ``n_jobs``, ``device`` and the readout may differ) and corpus resumes from it and
        gives the result of an uninterrupted fit; another fit's checkpoint is refused.
        It stays after the fit: delete it to start over.
    random_state : int, RandomState or None, default=None
        Seed of every random draw; an int gives the same topics on every CPU run.
    verbose : bool, default=False
        Log stages and show a progress bar.

    Attributes
    ----------
    vocabulary_ : dict of str to int
        Term -> column index.
    language_ : str or None
        The corpus's language code ("auto" resolved; None when a saved model's
        vocabulary names none).
    components_ : ndarray of shape (n_topics, n_terms)
        Topic-term weights of the readout used (rows of ``beta`` for "background" and
        "data", summing to 1; ``lt`` columns for "embedding").
    n_epochs_ : int
        Fine-tuning epochs run (fewer than ``epochs`` when early stopping ended them).
    topic_readout_ : str
        The readout used: "background", "data" or "embedding" ("auto" resolved).
    relevance_lambda_ : float or None
        The relevance weight ``relevance_lambda=None`` stands for on these weights (None
        for the "embedding" readout); :meth:`relevance_weight` gives the one in use.
    background_scale_ : float or None
        The scale ``a`` of the "background" readout, fitted by likelihood (None for
        the other readouts).
    term_topic_ : ndarray of shape (n_terms, n_topics)
        ``lt`` of every term.
    topic_term_ : ndarray of shape (n_topics, n_terms)
        ``beta``: each topic's distribution over the terms (:attr:`components_` for the
        "background" and "data" readouts, the data readout's for "embedding"); rows sum
        to 1.  :attr:`doc_topic_` and :meth:`transform` read documents with it.
    doc_topic_ : ndarray of shape (n_documents, n_topics)
        What :meth:`fit_transform` returns: each training document's share of its term
        occurrences per topic, one pLSA step from ``ld`` with the topics' term
        distributions (:func:`neurotopic.model.shares.doc_topic_shares`).  Rows sum to 1.
    doc_mixture_ : ndarray of shape (n_documents, n_topics)
        ``ld = softmax(W1)`` of every training document, the mixture the ranking loss
        trains; the topic readouts, fold-in and the label layer read it.
    topic_prevalence_ : ndarray of shape (n_topics,)
        Each topic's mean share of the training documents (the column means of
        :attr:`doc_topic_`, summing to 1); the CLI, report and plots order and label
        topics by it, and ``topics.json`` saves it as ``prevalence``.
    X_train_ : scipy.sparse.csr_matrix of shape (n_documents, n_terms), float32
        Term counts of the training documents over :attr:`terms_` (the document-term
        matrix, not the texts given to :meth:`fit`); the readouts, fold-in and exports
        read it, and a saved model keeps it.
    term_prob_ : ndarray of shape (n_terms,)
        The corpus's term distribution ``p_g``: each term's share of all term
        occurrences in :attr:`X_train_`.  The "background" readout tilts it, and
        relevance ranking divides by it.
    fit_seconds_ : dict of str to float
        Seconds each stage of the fit took: "text", "vectors", "pretrain", "train",
        "label_refit" (sNTM with ``label_readout="refit"``) and "total".  A loaded model
        has the saved fit's figures.
    history_ : list of dict
        Per-epoch hinge and held-out ranking accuracy (and label loss for sNTM).
    task_ : str or None
        The task the model was fitted for.
    classes_ : ndarray of shape (n_classes,)
        Class labels in output order (classification and multi-label only).
    label_weight_ : ndarray of shape (n_topics, n_outputs)
        The sNTM label layer W3 (supervised models only); ``label_bias_`` is its bias.

    Notes
    -----
    Under an initialised ``torch.distributed`` process group (``torchrun``), :meth:`fit`
    is data-parallel: call it on every process with the same texts; each trains the W1
    rows of its share of the documents, and every process ends with the whole model
    (see :mod:`neurotopic.distributed` and ``docs/scaling.md``).
    """

    task_: str | None

    def __init__(
        self,
        n_topics: int = 10,
        *,
        max_ngram: int = 3,
        min_df: int = 5,
        max_df: float = 0.5,
        max_terms: int | None = 30_000,
        stop_words: str | Sequence[str] | None = "auto",
        language: str = "auto",
        tokenizer: Callable[[str], Sequence[str]] | None = None,
        vectors: str | os.PathLike[str] | KeyedVectors = "ppmi",
        vector_size: int = 100,
        word2vec_epochs: int | None = None,
        normalize_vectors: bool = True,
        topic_init: str = "kmeans",
        pretrain_steps: int = 100,
        init_temperature: float = 1.0,
        epochs: int = 20,
        early_stopping: bool = True,
        n_iter_no_change: int = 2,
        tol: float = 0.005,
        batch_size: int = 4096,
        n_negatives: int = 5,
        negative_pool: int | None = None,
        shuffle_window: int | None = None,
        margin: float = 0.1,
        term_power: float = 1.0,
        topic_learning_rate: float = 0.05,
        doc_learning_rate: float = 0.05,
        holdout: float | str = "auto",
        entropy_weight: float = 0.0,
        term_negatives: int = 0,
        topic_readout: str = "auto",
        relevance_lambda: float | None = None,
        transform_steps: int = 50,
        task: str | None = None,
        label_loss_weight: float = 0.1,
        label_readout: str = "refit",
        device: str = "auto",
        n_jobs: int | None = None,
        checkpoint_dir: str | os.PathLike[str] | None = None,
        random_state: int | np.random.RandomState | None = None,
        verbose: bool = False,
    ) -> None:
        self.n_topics = n_topics
        self.max_ngram = max_ngram
        self.min_df = min_df
        self.max_df = max_df
        self.max_terms = max_terms
        self.stop_words = stop_words
        self.language = language
        self.tokenizer = tokenizer
        self.vectors = vectors
        self.vector_size = vector_size
        self.word2vec_epochs = word2vec_epochs
        self.normalize_vectors = normalize_vectors
        self.topic_init = topic_init
        self.pretrain_steps = pretrain_steps
        self.init_temperature = init_temperature
        self.epochs = epochs
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.batch_size = batch_size
        self.n_negatives = n_negatives
        self.negative_pool = negative_pool
        self.shuffle_window = shuffle_window
        self.margin = margin
        self.term_power = term_power
        self.topic_learning_rate = topic_learning_rate
        self.doc_learning_rate = doc_learning_rate
        self.holdout = holdout
        self.entropy_weight = entropy_weight
        self.term_negatives = term_negatives
        self.topic_readout = topic_readout
        self.relevance_lambda = relevance_lambda
        self.transform_steps = transform_steps
        self.task = task
        self.label_loss_weight = label_loss_weight
        self.label_readout = label_readout
        self.device = device
        self.n_jobs = n_jobs
        self.checkpoint_dir = checkpoint_dir
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ checks
    def _validate_params(self) -> None:
        """Check every parameter against :data:`neurotopic._params.PARAMETER_CONSTRAINTS`."""
        validate_params(self.get_params(deep=False))

    def negative_pool_for(self, n_docs: int) -> int:
        """The negative pool a fit of ``n_docs`` documents uses (``negative_pool=None``:
        chosen from the corpus's size)."""
        if self.negative_pool is not None:
            return int(self.negative_pool)
        return default_negative_pool(n_docs, self.batch_size)

    def shuffle_window_for(self, n_docs: int, world_size: int = 1) -> int:
        """The shuffle window a fit of ``n_docs`` documents uses (``None``: chosen from
        the corpus's size), in each process's pairs (a process's batch is
        ``batch_size / world_size``)."""
        if self.shuffle_window is not None:
            return int(self.shuffle_window)
        return default_shuffle_window(n_docs, self.batch_size, world_size)

    def _log(self, message: str) -> None:
        if self.verbose:
            logger.info(message)

    # --------------------------------------------------------------------- fit
    def fit(self, texts: Iterable[Document], y: Any = None) -> NeuralTopicModel:
        """Learn the vocabulary, word vectors and topics of a corpus.

        Parameters
        ----------
        texts : iterable of str, or of lists of str
            Training documents: raw text, or each document's tokens.
        y : array-like, optional
            Labels for a supervised ``task`` (ignored when ``task`` is None): strings
            or ints of shape (n_documents,) for classification; lists of label sets,
            or a binary indicator matrix of shape (n_documents, n_classes), for
            multi-label; numbers of shape (n_documents,) for regression.

        Returns
        -------
        self
        """
        self._fit(texts, y)
        return self

    def fit_transform(
        self, texts: Iterable[Document], y: Any = None, **fit_params: Any
    ) -> np.ndarray:
        """Fit, then return the training documents' topic distributions.

        Returns
        -------
        ndarray of shape (n_documents, n_topics)
            Rows are probability distributions: each document's share of its term
            occurrences per topic (:attr:`doc_topic_`).
        """
        self._fit(texts, y)
        return self.doc_topic_.copy()

    def _fit(self, texts: Iterable[Document], y: Any = None) -> None:
        FitPipeline(self, texts, y).run()

    def _set_supervised(
        self, labels: Labels, weight: np.ndarray, bias: np.ndarray, features: str = "linear"
    ) -> None:
        self.task_ = labels.task
        self.labels_meta_ = labels_meta(labels, features)
        self.classes_ = np.asarray(labels.classes)
        self.label_weight_ = np.asarray(weight, dtype=np.float32)  # W3, (K, C)
        self.label_bias_ = np.asarray(bias, dtype=np.float32)  # (C,)

    def _set_fitted(
        self,
        *,
        vocab: Vocabulary,
        analyzer: Analyzer,
        term_vectors: np.ndarray,
        topic_weight: np.ndarray,
        topic_bias: np.ndarray,
        doc_logits: np.ndarray,
        X: sp.csr_matrix,
        seed: int,
        history: list[dict[str, Any]],
        background_scale: float | None = None,
    ) -> None:
        self.analyzer_ = analyzer
        self.language_ = analyzer.language
        self.__dict__.pop("_train_index", None)
        self.task_ = None  # set by _set_supervised for sNTM
        for stale in ("classes_", "labels_meta_", "label_weight_", "label_bias_"):
            self.__dict__.pop(stale, None)
        self.terms_ = list(vocab.terms)
        self.vocabulary_ = vocab.index
        self.term_doc_freq_ = np.asarray(vocab.doc_freq)
        self.term_vectors_ = np.asarray(term_vectors, dtype=np.float32)  # le, (V, E)
        self.topic_weight_ = np.asarray(topic_weight, dtype=np.float32)  # W2, (E, K)
        self.topic_bias_ = np.asarray(topic_bias, dtype=np.float32)  # (K,)
        self.doc_logits_ = np.asarray(doc_logits, dtype=np.float32)  # W1, (D, K)
        self.X_train_ = sp.csr_matrix(X)
        self.random_seed_ = seed
        self.history_ = history
        self.n_epochs_ = len(history) - 1
        self.n_features_in_ = len(self.terms_)
        z = self.term_vectors_ @ self.topic_weight_ + self.topic_bias_
        self.term_topic_ = expit(z)  # lt, (V, K)
        self.doc_mixture_ = softmax_rows(self.doc_logits_)  # ld, (D, K)
        counts = np.asarray(self.X_train_.sum(axis=0)).ravel()
        self.term_prob_ = counts / max(counts.sum(), 1.0)  # (V,)
        self._read_topics(background_scale, z)

    def _read_topics(
        self, background_scale: float | None = None, z: np.ndarray | None = None
    ) -> None:
        """``components_``, ``topic_readout_``, ``background_scale_`` and
        ``relevance_lambda_`` of the readout (:func:`neurotopic.model.readout.read_topics`).

        ``z`` is ``le @ W2 + b`` (V, K) when the caller has it already.
        """
        if z is None:
            z = self.term_vectors_ @ self.topic_weight_ + self.topic_bias_
        weights = TrainedWeights(
            X=self.X_train_,
            term_logits=z,
            term_topic=self.term_topic_,
            doc_topic=self.doc_mixture_,
            term_prob=self.term_prob_,
        )
        readout = read_topics(str(self.topic_readout), weights, background_scale)
        self.topic_readout_ = readout.name
        self.background_scale_ = readout.background_scale
        self.components_ = readout.components
        self.relevance_lambda_ = readout.relevance_lambda
        # The documents' rows are read with these topics' term distributions.
        self.topic_term_ = topic_term_distributions(
            readout.name, readout.components, self.X_train_, self.term_topic_, self.doc_mixture_
        )
        self.doc_topic_ = doc_topic_shares(self.X_train_, self.doc_mixture_, self.topic_term_)
        self.topic_prevalence_ = self.doc_topic_.mean(axis=0)  # (K,)

    def set_readout(self, **params: Any) -> NeuralTopicModel:
        """Read the fitted weights out again with other readout settings (no retraining).

        Parameters
        ----------
        **params
            ``topic_readout`` and/or ``relevance_lambda`` (see the class parameters).

        Returns
        -------
        self

        Examples
        --------
        >>> model.set_readout(topic_readout="data").topics(10)  # doctest: +SKIP
        """
        check_is_fitted(self, "components_")
        unknown = sorted(set(params) - {"topic_readout", "relevance_lambda"})
        if unknown:
            raise NeurotopicError(
                f"set_readout takes topic_readout and relevance_lambda, not {', '.join(unknown)}"
            )
        old = {name: getattr(self, name) for name in params}
        self.set_params(**params)
        try:
            self._validate_params()
        except NeurotopicError:
            self.set_params(**old)
            raise
        scale = self.background_scale_ if self.topic_readout_ == "background" else None
        self._read_topics(scale)
        return self

    def relevance_weight(self) -> float | None:
        """The relevance weight topics are ranked with (None for the "embedding" readout).

        ``relevance_lambda`` when set, else :attr:`relevance_lambda_`: 0.3 for
        "background", 0.5 for "data"; for "background" on documents of fewer than 30
        distinct terms, 1 raised in steps of 0.1 up to 2 while the diversity of the top
        25 terms stays within 0.02 of its diversity at 1
        (:func:`neurotopic.readout.choose_relevance`).
        """
        check_is_fitted(self, "components_")
        if self.topic_readout_ == "embedding":
            return None
        if self.relevance_lambda is not None:
            return float(self.relevance_lambda)
        return self.relevance_lambda_

    # --------------------------------------------------------------- outputs
    def transform(self, texts: Iterable[Document]) -> np.ndarray:
        """Topic distributions of (new) documents by fold-in, W2 fixed.

        Each document's W1 row descends the training hinge for ``transform_steps`` Adam
        steps of 0.01, growing in proportion to its distinct terms above 10, up to 0.04
        from 40 terms (:func:`neurotopic.model.inference.step_sizes`): a long document
        is much evidence, and its training row travelled as far as its many updates
        took it.  Deterministic: the same fitted model and texts give the same output.

        Parameters
        ----------
        texts : iterable of str, or of lists of str
            Raw text, or each document's tokens.

        Returns
        -------
        ndarray of shape (n_documents, n_topics)
            Rows are probability distributions: each document's share of its term
            occurrences per topic, read from its folded-in ``ld`` as for the training
            documents (:attr:`doc_topic_`).
        """
        X, mixture = self._fold_in_mixture(texts, grow_with_terms=True)
        return doc_topic_shares(X, mixture, self.topic_term_)

    def transform_mixture(
        self, texts: Iterable[Document], *, grow_with_terms: bool = True
    ) -> np.ndarray:
        """``ld`` of (new) documents by fold-in.

        :meth:`transform` reads these rows into topic shares; this returns them as they
        are, the counterpart of :attr:`doc_mixture_` for new documents.

        Parameters
        ----------
        texts : iterable of str, or of lists of str
            Raw text, or each document's tokens.
        grow_with_terms : bool, default=True
            True: fold in as :meth:`transform` does, with a step that grows with the
            document's distinct terms.  False: steps of 0.01 for every document, the
            rows the sNTM's label layer reads (on training and new documents alike):
            as features for a classifier trained on folded-in rows they read better
            (``docs/model.md``, "Folding in new documents").

        Returns
        -------
        ndarray of shape (n_documents, n_topics)
            ``softmax`` of the folded-in W1 rows; rows sum to 1.
        """
        return self._fold_in_mixture(texts, grow_with_terms=grow_with_terms)[1]

    def _fold_in_mixture(
        self, texts: Iterable[Document], *, grow_with_terms: bool
    ) -> tuple[sp.csr_matrix, np.ndarray]:
        """Term counts (n, V) and folded-in ``ld`` (n, K) of documents."""
        check_is_fitted(self, "components_")
        docs = check_texts(texts)
        X = self.doc_term_matrix(docs)
        with thread_budget(resolve_n_jobs(self.n_jobs)):
            return X, softmax_rows(self._fold_in_counts(X, grow_with_terms=grow_with_terms))

    def _fold_in_counts(self, X: sp.csr_matrix, *, grow_with_terms: bool) -> np.ndarray:
        """W1 logits of the documents with term counts ``X`` (n, V), by fold-in.

        ``grow_with_terms``: the step grows with each document's terms (rows to read
        like the training rows: :meth:`transform`); otherwise 0.01 for every document
        (rows for a label layer trained on folded-in rows: the sNTM's).
        """
        index = self.__dict__.get("_train_index")
        if index is None:  # built once per fitted model, not saved
            index = self._train_index = IncidenceIndex(self.X_train_)
        # Start where training starts (mean lt of the terms, scaled like the training
        # documents'), then descend the same hinge with W2 and the training rows fixed.
        init = initial_doc_logits(
            X, self.term_topic_, temperature=self.init_temperature, reference=self.X_train_
        )
        return fold_in(
            X,
            self.term_topic_,
            self.doc_mixture_,
            index,
            n_negatives=self.n_negatives,
            steps=self.transform_steps,
            margin=self.margin,
            seed=self.random_seed_,
            init_logits=init,
            grow_with_terms=grow_with_terms,
        )

    # ------------------------------------------------------------ supervised
    def _check_supervised(self, need_proba: bool = False) -> str:
        check_is_fitted(self, "components_")
        task = getattr(self, "task_", None)
        if task is None:
            raise NeurotopicError(
                "this model is unsupervised; fit it with a task (task='classification', "
                "'multilabel' or 'regression') and labels to predict"
            )
        if need_proba and not get_task(task).has_proba:
            raise NeurotopicError("predict_proba needs a classification or multi-label model")
        return str(task)

    def _label_scores(self, texts: Iterable[Document]) -> np.ndarray:
        return output_scores(
            str(self.task_),
            self.transform_mixture(texts, grow_with_terms=False),
            self.label_weight_,
            self.label_bias_,
            self.labels_meta_.get("features", "linear"),
        )

    def predict_proba(self, texts: Iterable[Document]) -> np.ndarray:
        """Label probabilities of (new) documents, from their folded-in ``ld``.

        Returns
        -------
        ndarray of shape (n_documents, n_classes)
            Softmax rows (classification) or independent sigmoids (multi-label), in
            the order of :attr:`classes_`.
        """
        self._check_supervised(need_proba=True)
        return self._label_scores(texts)

    def predict(self, texts: Iterable[Document]) -> np.ndarray:
        """Labels of (new) documents.

        Returns
        -------
        ndarray
            Class labels, shape (n_documents,) (classification); a 0/1 indicator
            matrix, shape (n_documents, n_classes), columns in :attr:`classes_` order
            (multi-label, probability >= 0.5); numbers, shape (n_documents,)
            (regression).
        """
        task = self._check_supervised()
        meta = self.labels_meta_
        return np.asarray(
            decode(task, self._label_scores(texts), self.classes_, meta["mean"], meta["scale"])
        )

    def score(self, texts: Iterable[Document], y: Any) -> float:
        """Accuracy (classification), subset accuracy (multi-label) or R^2 (regression),
        as scikit-learn's classifiers and regressors define ``score``."""
        task = self._check_supervised()
        docs = check_texts(texts)
        return get_task(task).score(y, self.predict(docs), list(self.classes_))

    def doc_term_matrix(self, texts: Sequence[Document]) -> sp.csr_matrix:
        """Term counts of documents over the fitted vocabulary, shape (n_docs, n_terms)."""
        check_is_fitted(self, "components_")
        return self._vocabulary().doc_term_matrix(self._analyzer().term_arrays(texts))

    def _vocabulary(self) -> Vocabulary:
        """The fitted vocabulary: terms, document frequencies, training documents."""
        return Vocabulary(self.terms_, self.term_doc_freq_, self.X_train_.shape[0])

    def _analyzer(self) -> Analyzer:
        """The fitted analyzer, given the ``tokenizer`` parameter if it was fitted with one."""
        analyzer: Analyzer = self.analyzer_
        if analyzer.custom_tokenizer and analyzer.tokenizer is not self.tokenizer:
            analyzer = Analyzer(
                analyzer.stop_words,
                analyzer.phrases,
                analyzer.language,
                custom_tokenizer=True,
                tokenizer=self.tokenizer,
            )
        return analyzer

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """The terms, in column order of :attr:`components_`."""
        check_is_fitted(self, "components_")
        return np.asarray(self.terms_, dtype=object)

    def topic_scores(self) -> np.ndarray:
        """Scores that rank each topic's terms, shape (n_topics, n_terms)."""
        check_is_fitted(self, "components_")
        lam = self.relevance_weight()
        if lam is None:
            return self.components_
        return relevance(self.components_, self.term_prob_, lam)

    def topic_terms(
        self, top_n: int = 10, exclude: Iterable[str] = ()
    ) -> list[list[tuple[str, float]]]:
        """Each topic's ``top_n`` terms with their weight in :attr:`components_`.

        Parameters
        ----------
        top_n : int
        exclude : iterable of str
            Terms to hide (case-insensitive); a multi-word term is hidden when any of
            its words is excluded.

        Returns
        -------
        list of list of (str, float)
        """
        check_top_n(top_n)
        scores = self.topic_scores().copy()
        hidden = {w.lower() for w in exclude}
        if hidden:
            mask = np.array([bool(hidden & set(t.split(" "))) or t in hidden for t in self.terms_])
            scores[:, mask] = -np.inf
        ids = top_term_ids(scores, top_n)
        return [
            [
                (self.terms_[g], float(self.components_[k, g]))
                for g in row
                if np.isfinite(scores[k, g])
            ]
            for k, row in enumerate(ids)
        ]

    def topic_records(self, top_n: int = 10, exclude: Iterable[str] = ()) -> list[dict[str, Any]]:
        """The topics as JSON-ready records (``neurotopic topics --json``, ``topics.json``).

        Parameters
        ----------
        top_n : int
        exclude : iterable of str
            As in :meth:`topic_terms`.

        Returns
        -------
        list of dict
            One ``{"topic": k, "prevalence": float, "terms": [{"term", "weight"}, ...]}``
            per topic, in topic order.
        """
        return [
            {
                "topic": k,
                "prevalence": float(self.topic_prevalence_[k]),
                "terms": [{"term": t, "weight": w} for t, w in terms],
            }
            for k, terms in enumerate(self.topic_terms(top_n, exclude))
        ]

    def topics(self, top_n: int = 10, exclude: Iterable[str] = ()) -> list[list[str]]:
        """Each topic's ``top_n`` terms, best first (see :meth:`topic_terms`)."""
        return [[t for t, _ in topic] for topic in self.topic_terms(top_n, exclude)]

    def evaluate(
        self, texts: Iterable[Document] | None = None, labels: Sequence[Any] | None = None
    ) -> dict[str, Any]:
        """Topic coherence, diversity and, with labels, document-topic accuracy.

        Every figure except the last is measured on ``texts``: coherence with ``texts``
        as the reference corpus, and accuracy on the topic vectors of ``texts`` folded
        in with :meth:`transform` (``neurotopic compare`` scores a fit's training rows,
        ``doc_topic_``, instead; on the training corpus the two differ a little).

        Parameters
        ----------
        texts : iterable of str (or of lists of str), optional
            Reference documents for coherence, and the documents whose topic vectors
            are classified when ``labels`` is given (folded in with :meth:`transform`).
            Held-out documents make the fairest reference.
        labels : sequence, optional
            One label per text; or, for multi-label data, one list of labels per text
            (label sets), scored with one-vs-rest logistic regressions.

        Returns
        -------
        dict
            ``npmi``, ``c_v``, ``diversity``, ``topic_quality``; with labels ``accuracy``
            and ``macro_f1``, with label sets ``micro_f1`` and ``macro_f1``; and
            ``training_heldout_ranking_accuracy``, the fit's last-epoch ranking accuracy
            on triples held out of the *training* corpus (the same whatever ``texts``).
            See :func:`neurotopic.evaluation.evaluate_topics`.
        """
        from .evaluation.evaluate import evaluate_topics, reference_tokens

        check_is_fitted(self, "components_")
        docs = check_texts(texts, "texts") if texts is not None else None
        if docs is None:
            raise NeurotopicError("evaluate needs reference texts; pass the corpus to evaluate on")
        check_labels(len(docs), labels)
        doc_topic = self.transform(docs) if labels is not None else None
        result = evaluate_topics(
            self.topics(top_n=25),
            reference_tokens(docs, self._analyzer().tokens),
            doc_topic=doc_topic,
            labels=labels,
        )
        last = self.history_[-1]["heldout_ranking_accuracy"]
        result["training_heldout_ranking_accuracy"] = float(last)
        return result

    # -------------------------------------------------------------- save/load
    def save(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> None:
        """Save to a directory: JSON config and vocabulary, safetensors weights.

        Also writes ``topics.json`` and ``doc_topics.csv`` for people and other tools.
        The directory appears complete or not at all (see :mod:`neurotopic.persist`).

        Parameters
        ----------
        path : str or path-like
            The directory to write.
        overwrite : bool
            Replace a model directory that is already there (anything else is never
            replaced).
        """
        check_is_fitted(self, "components_")
        save_model(self, path, overwrite=overwrite)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> NeuralTopicModel:
        """Load a model saved by :meth:`save`.

        A model fitted with a ``tokenizer`` needs it again: pass it with
        ``set_params(tokenizer=...)`` before ``transform``.
        """
        return load_model(cls, path)
