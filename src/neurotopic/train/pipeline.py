"""One fit of a ``NeuralTopicModel``, step by step: text, pre-training, training, result.

:class:`FitPipeline` is what :meth:`neurotopic.NeuralTopicModel.fit` runs::

    pipeline = FitPipeline(model, texts, y)     # checks, seed, device, checkpoint
    stage = pipeline.text_stage()               # terms, vocabulary, term vectors, counts
    with pipeline.threads():
        prepared = pipeline.prepare(stage)      # sampler, pre-trained W2 and W1
        history = pipeline.train(prepared)      # the ranking-hinge loop
        pipeline.finish(prepared, history)      # fitted attributes (and the label layer)

:meth:`FitPipeline.run` does all of it.  The steps are public so that a benchmark can
time, profile or replay one of them (for example the training loop from the state
``prepare`` returns) without patching the library.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from gensim.models import KeyedVectors
from scipy.special import expit
from sklearn.utils import check_random_state

from .._params import auto_word2vec_epochs
from .._runtime import resolve_device
from ..errors import NeurotopicError
from ..model.inference import softmax_rows
from ..model.network import NTMNetwork
from ..model.pretrain import cluster_topic_weights, initial_doc_logits, pretrain_topic_weights
from ..model.supervised import (
    READOUT_FEATURES,
    LabelLayer,
    Labels,
    encode_labels,
    refit_label_layer,
)
from ..text.documents import Document, check_texts
from ..text.embeddings import load_vectors, term_vectors, train_ppmi, train_word2vec
from ..text.stage import TextStage
from ..text.vocabulary import analyse_corpus
from .checkpoint import Checkpoint
from .distributed import ProcessGroup
from .fingerprint import fingerprint
from .sampling import TripleSampler
from .step import Supervision, TrainConfig
from .threads import resolve_n_jobs, thread_budget
from .training import TrainState, resolve_holdout, train

if TYPE_CHECKING:
    from ..estimator import NeuralTopicModel

logger = logging.getLogger("neurotopic")


@dataclass
class Prepared:
    """What the training loop starts from (:meth:`FitPipeline.prepare`).

    ``rows`` are this process's documents under torch.distributed (None: all of them);
    ``resume`` is the loop state restored from a checkpoint (None: a fresh start).
    """

    stage: TextStage
    network: NTMNetwork
    sampler: TripleSampler
    config: TrainConfig
    supervision: Supervision | None
    resume: TrainState | None
    rows: np.ndarray | None


class FitPipeline:
    """One fit of ``model`` on ``texts`` (and labels ``y`` for a supervised ``task``).

    Construction checks the parameters and the documents (before any work), encodes the
    labels, draws the fit's seed (the same on every process), resolves the device and
    opens the checkpoint when ``checkpoint_dir`` is set.

    Parameters
    ----------
    model : NeuralTopicModel
        The estimator whose parameters the fit uses and whose fitted attributes
        :meth:`finish` sets.
    texts : iterable of str, or of lists of str
    y : array-like, optional

    Attributes
    ----------
    seed : int
        The fit's seed (a resumed fit's is the checkpoint's).
    timings : dict of str to float
        Seconds per stage, filled as the steps run.
    """

    def __init__(self, model: NeuralTopicModel, texts: Any, y: Any = None) -> None:
        model._validate_params()
        if model.vectors is None:
            raise NeurotopicError(
                "vectors is None (a saved model does not keep in-memory vectors); pass "
                "'ppmi', 'word2vec', a word-vector file or gensim KeyedVectors"
            )
        self.model = model
        self.docs: list[Document] = check_texts(texts)
        self.labels: Labels | None = (
            encode_labels(model.task, y, len(self.docs)) if model.task is not None else None
        )
        rs = check_random_state(model.random_state)
        self.comm = ProcessGroup.current()  # alone unless under torch.distributed
        self.seed = self.comm.broadcast_seed(int(rs.randint(0, 2**31 - 1)))
        self.device = resolve_device(model.device)
        self.store: Checkpoint | None = None
        if model.checkpoint_dir is not None:
            fit_id = fingerprint(model.get_params(), self.docs, self.labels, self.comm.world_size)
            self.store = Checkpoint.open(
                model.checkpoint_dir, fingerprint=fit_id, seed=self.seed, comm=self.comm
            )
            self.seed = self.store.seed
        self.timings: dict[str, float] = {}

    def _log(self, message: str) -> None:
        if self.model.verbose:
            logger.info(message)

    @contextmanager
    def threads(self) -> Iterator[None]:
        """The thread budget of ``n_jobs`` (BLAS on one thread) for the numeric steps."""
        with thread_budget(resolve_n_jobs(self.model.n_jobs)):
            yield

    def run(self) -> None:
        """Every step: the fitted model's attributes are set when it returns."""
        t0 = time.perf_counter()
        stage = self.text_stage()
        with self.threads():
            prepared = self.prepare(stage)
            history = self.train(prepared)
            self.finish(prepared, history)
        self.timings["total"] = time.perf_counter() - t0
        self.model.fit_seconds_ = self.timings

    # ----------------------------------------------------------------- 1. text
    def text_stage(self) -> TextStage:
        """Terms, vocabulary, term vectors and the document-term matrix.

        Rank 0 computes them (or restores them from the checkpoint) and sends them to the
        other processes of a data-parallel fit.
        """
        return self.comm.share(self._build_text_stage, TextStage.encode, TextStage.decode)

    def _build_text_stage(self) -> TextStage:
        model, timings = self.model, self.timings
        t0 = time.perf_counter()
        saved = self.store.read_text_stage() if self.store is not None else None
        if saved is not None:
            timings["text"], timings["vectors"] = time.perf_counter() - t0, 0.0
            self._log(f"text stage restored from {self.store.path if self.store else ''}")
            return saved

        corpus = analyse_corpus(
            self.docs,
            stop_words=model.stop_words,
            language=model.language,
            tokenizer=model.tokenizer,
            max_ngram=model.max_ngram,
            min_df=model.min_df,
            max_df=model.max_df,
            max_terms=model.max_terms,
        )
        vocab = corpus.vocabulary
        timings["text"] = time.perf_counter() - t0
        self._log(f"{len(self.docs)} documents, {len(vocab)} terms ({timings['text']:.1f}s)")

        t1 = time.perf_counter()
        kv = self._word_vectors(corpus.words)
        le, found = term_vectors(vocab.terms, kv, normalize=model.normalize_vectors)
        if not found.all():
            self._log(f"{int((~found).sum())} terms have no word vector and are dropped")
            keep = np.flatnonzero(found)
            if len(keep) == 0:
                raise NeurotopicError(
                    "no vocabulary term has a word vector; "
                    "pass vectors that cover the corpus's words"
                )
            vocab, le = vocab.subset(keep), le[keep]
        if model.n_topics > len(vocab):
            raise NeurotopicError(
                f"n_topics={model.n_topics} is larger than the vocabulary ({len(vocab)} "
                "terms); use fewer topics or lower min_df"
            )
        timings["vectors"] = time.perf_counter() - t1
        stage = TextStage(vocab, corpus.analyzer, le, vocab.doc_term_matrix(corpus.terms))
        if self.store is not None:
            self.store.write_text_stage(stage)
        return stage

    def _word_vectors(self, words: Any) -> KeyedVectors:
        """The word vectors ``vectors`` asks for: trained on the corpus, or given."""
        model = self.model
        if isinstance(model.vectors, str) and model.vectors == "ppmi":
            self._log("training PPMI-SVD word vectors")
            return train_ppmi(
                words,
                vector_size=model.vector_size,
                seed=self.seed,
                n_threads=resolve_n_jobs(model.n_jobs),
            )
        if isinstance(model.vectors, str) and model.vectors == "word2vec":
            sentences = words.to_lists()
            epochs = model.word2vec_epochs
            if epochs is None:
                epochs = auto_word2vec_epochs(sum(map(len, sentences)))
            self._log(f"training word2vec ({epochs} epochs)")
            return train_word2vec(
                sentences,
                vector_size=model.vector_size,
                epochs=epochs,
                seed=self.seed,
                workers=1 if model.n_jobs is None else resolve_n_jobs(model.n_jobs),
                progress=self._log if model.verbose else None,
            )
        if isinstance(model.vectors, KeyedVectors):
            return model.vectors
        return load_vectors(model.vectors)

    # ---------------------------------------------------------- 2. pre-training
    def prepare(self, stage: TextStage) -> Prepared:
        """The sampler, the network with pre-trained W2 and initial W1, the loop settings.

        W2 starts from k-means of the term vectors (or the autoencoder pre-training of
        ``topic_init="autoencoder"``) and W1 from the mean ``lt`` of each document's
        training terms; a checkpoint's later state replaces both.
        """
        model, comm, X, le = self.model, self.comm, stage.X, stage.term_vectors
        n_docs = X.shape[0]
        # This process's documents: all of them alone, every P-th under torch.distributed.
        rows = comm.shard(n_docs) if comm.world_size > 1 else None
        X_own = X[rows] if rows is not None else X
        # W1 is written below: from the pre-trained start, or from the checkpoint.
        network = NTMNetwork(
            torch.from_numpy(le), X_own.shape[0], model.n_topics, random_doc_logits=False
        )
        supervision = None
        if self.labels is not None:
            targets = self.labels.targets[rows] if rows is not None else self.labels.targets
            supervision = Supervision(
                layer=LabelLayer(model.n_topics, self.labels.n_outputs),
                task=self.labels.task,
                targets=torch.from_numpy(targets).to(self.device),
                weight=model.label_loss_weight,
            )

        # The sampler first: W1 starts from the training incidences only, so the held-out
        # ones are unseen until they are scored (timed with training).
        t0 = time.perf_counter()
        (n_incidences,) = comm.sum([int(X_own.nnz)])
        holdout = resolve_holdout(model.holdout, int(n_incidences), model.early_stopping)
        sampler = comm.all_or_none(
            lambda: TripleSampler(
                X_own,
                n_negatives=model.n_negatives,
                holdout=holdout,
                term_power=model.term_power,
                negative_pool=model.negative_pool_for(n_docs),
                shuffle_window=model.shuffle_window_for(n_docs, comm.world_size),
                seed=comm.sampler_seed(self.seed),
            )
        )
        self.timings["sampler"] = time.perf_counter() - t0

        t1 = time.perf_counter()
        resume = self.store.restore(network, supervision) if self.store is not None else None
        if resume is None:
            self._pretrain(network, sampler, le, X if rows is not None else None)
        network.to(self.device)
        if supervision is not None:
            supervision.layer.to(self.device)
        self.timings["pretrain"] = time.perf_counter() - t1
        config = TrainConfig(
            epochs=model.epochs,
            n_iter_no_change=model.n_iter_no_change if model.early_stopping else 0,
            tol=model.tol,
            batch_size=model.batch_size,
            margin=model.margin,
            topic_learning_rate=model.topic_learning_rate,
            doc_learning_rate=model.doc_learning_rate,
            entropy_weight=model.entropy_weight,
            term_negatives=model.term_negatives,
        )
        return Prepared(stage, network, sampler, config, supervision, resume, rows)

    def _pretrain(
        self,
        network: NTMNetwork,
        sampler: TripleSampler,
        le: np.ndarray,
        reference: Any,
    ) -> None:
        """Write the pre-trained W2, b and the initial W1 into ``network``."""
        model = self.model
        if model.topic_init == "kmeans":
            W2, b2 = cluster_topic_weights(le, model.n_topics, seed=self.seed)
        else:
            W2, b2 = pretrain_topic_weights(
                le, model.n_topics, steps=model.pretrain_steps, seed=self.seed
            )
        lt0 = expit(le @ W2 + b2)
        W1 = initial_doc_logits(
            sampler.training_matrix(),
            lt0,
            temperature=model.init_temperature,
            reference=reference,  # a shard is scaled like the whole corpus
        )
        with torch.no_grad():
            network.topic_weight.copy_(torch.from_numpy(W2))
            network.topic_bias.copy_(torch.from_numpy(b2))
            network.doc_logits.weight.copy_(torch.from_numpy(W1))

    # -------------------------------------------------------------- 3. training
    def train(self, prepared: Prepared) -> list[dict[str, Any]]:
        """The ranking-hinge loop (:func:`neurotopic.train.training.train`): its history."""
        store, comm = self.store, self.comm
        t0 = time.perf_counter()
        history = comm.all_or_none(
            lambda: train(
                prepared.network,
                prepared.sampler,
                prepared.config,
                progress=self.model.verbose and comm.rank == 0,
                supervision=prepared.supervision,
                resume=prepared.resume,
                checkpoint=(
                    store.saver(prepared.network, prepared.supervision)
                    if store is not None
                    else None
                ),
                collective=comm,
            )
        )
        self.timings["train"] = time.perf_counter() - t0 + self.timings.pop("sampler", 0.0)
        return history

    # ---------------------------------------------------------------- 4. result
    def finish(self, prepared: Prepared, history: list[dict[str, Any]]) -> None:
        """Set the model's fitted attributes; refit the label layer (``label_readout``)."""
        model, network, stage = self.model, prepared.network, prepared.stage
        doc_logits = self.comm.gather_rows(
            network.doc_logits.weight.detach().cpu().numpy(), stage.X.shape[0]
        )
        model._set_fitted(
            vocab=stage.vocabulary,
            analyzer=stage.analyzer,
            term_vectors=stage.term_vectors,
            topic_weight=network.topic_weight.detach().cpu().numpy(),
            topic_bias=network.topic_bias.detach().cpu().numpy(),
            doc_logits=doc_logits,
            X=stage.X,
            seed=self.seed,
            history=history,
        )
        labels, supervision = self.labels, prepared.supervision
        if labels is None or supervision is None:
            return
        model._set_supervised(
            labels,
            supervision.layer.weight.detach().cpu().numpy(),
            supervision.layer.bias.detach().cpu().numpy(),
        )
        if model.label_readout == "refit":
            t0 = time.perf_counter()
            self._log("refitting the label layer on the folded-in training documents")
            features = READOUT_FEATURES[labels.task]
            theta = softmax_rows(model._fold_in_counts(model.X_train_, grow_with_terms=False))
            weight, bias = refit_label_layer(labels.task, theta, labels.targets, features=features)
            model._set_supervised(labels, weight, bias, features)
            self.timings["label_refit"] = time.perf_counter() - t0
