"""A seed-scale synthetic corpus with planted LDA topics, written as JSONL.

The scale workload (the scale the earlier implementation aimed at): 1M documents,
a 30,000-word vocabulary, about 10 tokens per document and 128 topics, drawn the way
LDA assumes text is written:

* topic k's word distribution ``phi_k ~ Dirichlet(eta)`` over the vocabulary (sparse:
  with ``eta = 0.01`` about 300 words hold 80% of a topic's mass);
* document d's topic mix ``theta_d ~ Dirichlet(alpha)`` over the topics;
* its length ``n_d ~ Poisson(mean_length)``, at least ``min_length``;
* each token: a topic ``z ~ theta_d``, then a word ``w ~ phi_z``.

Words are pronounceable pseudo-words of three consonant-vowel syllables ("kotabe"),
none an English stop word, so :func:`neurotopic.text.tokenize` keeps every one.
Word order inside a document is random, so the phrase learner finds no phrases.

Next to ``OUT.jsonl`` the script writes ``OUT.topics.json``: the generating
parameters and each true topic's top words (best first) with their probabilities, so
that topic recovery can be measured (:func:`neurotopic.metrics.topic_recovery`).

Usage::

    .venv/bin/python benchmarks/synthetic.py runs/synth.jsonl            # 1M documents
    .venv/bin/python benchmarks/synthetic.py runs/small.jsonl --docs 10000

Generation is vectorised with numpy and seeded; 1M documents take about 15 s.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

_CONSONANTS = "bdfgklmnprstvz"
_VOWELS = "aeiou"


@dataclass(frozen=True)
class SyntheticSpec:
    """Parameters of the generating LDA model (defaults: the scale workload)."""

    n_docs: int = 1_000_000
    n_words: int = 30_000
    n_topics: int = 128
    mean_length: float = 10.0  # Poisson mean of the document length
    min_length: int = 3
    alpha: float = 0.01  # Dirichlet prior of a document's topic mix
    eta: float = 0.01  # Dirichlet prior of a topic's word distribution
    seed: int = 0


def pseudo_words(n_words: int, rng: np.random.Generator) -> list[str]:
    """``n_words`` distinct three-syllable pseudo-words, none an English stop word.

    Parameters
    ----------
    n_words : int
        At most 14**3 * 5**3 = 343,000.
    rng : numpy Generator

    Returns
    -------
    list of str
        Six-letter words such as ``"kotabe"``, in a random order.
    """
    from neurotopic.text.text import default_stop_words

    syllables = np.array([c + v for c in _CONSONANTS for v in _VOWELS])  # (70,)
    n = len(syllables)
    stop = default_stop_words()
    codes = rng.choice(n**3, size=min(n**3, n_words + 100), replace=False)
    words = np.char.add(
        np.char.add(syllables[codes // n**2], syllables[(codes // n) % n]), syllables[codes % n]
    )
    kept = [str(w) for w in words if w not in stop]
    if len(kept) < n_words:
        raise ValueError(f"n_words={n_words} is more than the {n**3} pseudo-words available")
    return kept[:n_words]


def sample_rows(cum: np.ndarray, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One draw from each of the categorical distributions ``rows`` of ``cum``.

    Parameters
    ----------
    cum : ndarray of shape (n_rows, n_categories)
        Row-wise cumulative probabilities (each row ends at 1).
    rows : ndarray of shape (n,)
        Which distribution each draw uses.
    rng : numpy Generator

    Returns
    -------
    ndarray of shape (n,), int64
        Category ids, by inverse-CDF search in the flattened, offset table
        ``cum[r] + r`` (one ``searchsorted`` for all draws).
    """
    n_cat = cum.shape[1]
    flat = (cum + np.arange(len(cum))[:, None]).ravel()
    u = rows + rng.random(len(rows)) * cum[rows, -1]
    pos = np.searchsorted(flat, u, side="right")
    pos = np.clip(pos, rows * n_cat, rows * n_cat + n_cat - 1)
    return pos - rows * n_cat


def _dirichlet(
    concentration: float, shape: tuple[int, int], rng: np.random.Generator
) -> np.ndarray:
    """Rows drawn from a symmetric Dirichlet (normalised gammas; no row is all zero)."""
    g = rng.standard_gamma(concentration, size=shape)
    empty = g.sum(axis=1) == 0
    g[empty, rng.integers(0, shape[1], size=int(empty.sum()))] = 1.0
    return g / g.sum(axis=1, keepdims=True)


def generate(
    spec: SyntheticSpec, chunk_docs: int = 100_000
) -> tuple[list[str], np.ndarray, Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]]:
    """Draw the vocabulary and topics, and a stream of document chunks.

    Parameters
    ----------
    spec : SyntheticSpec
    chunk_docs : int
        Documents per chunk of the stream.

    Returns
    -------
    words : list of str
        The vocabulary; word id = position.
    topic_word : ndarray of shape (n_topics, n_words), float64
        ``phi``; rows sum to 1.
    chunks : iterator of (lengths, topic_ids, word_ids)
        For each chunk, the documents' lengths, and each token's topic and word id
        (int64 arrays; documents concatenated in order).
    """
    rng = np.random.default_rng(spec.seed)
    words = pseudo_words(spec.n_words, rng)
    topic_word = _dirichlet(spec.eta, (spec.n_topics, spec.n_words), rng)  # (K, V)
    word_cum = np.cumsum(topic_word, axis=1)

    def chunks() -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        for start in range(0, spec.n_docs, chunk_docs):
            n = min(chunk_docs, spec.n_docs - start)
            theta = _dirichlet(spec.alpha, (n, spec.n_topics), rng)  # (n, K)
            lengths = np.maximum(rng.poisson(spec.mean_length, size=n), spec.min_length)
            doc_of_token = np.repeat(np.arange(n), lengths)
            topics = sample_rows(np.cumsum(theta, axis=1), doc_of_token, rng)
            yield lengths, topics, sample_rows(word_cum, topics, rng)

    return words, topic_word, chunks()


def write_corpus(
    path: Path, spec: SyntheticSpec, top_n: int = 50, chunk_docs: int = 100_000
) -> dict[str, object]:
    """Write ``path`` (JSONL, ``{"text": ...}`` per line) and ``<stem>.topics.json``.

    Returns
    -------
    dict
        What the JSON file holds: ``spec``, ``n_tokens``, ``topics`` (each true
        topic's ``top_n`` words, best first), ``weights`` (their probabilities) and
        ``prevalence`` (each topic's share of the tokens).
    """
    words, topic_word, chunks = generate(spec, chunk_docs)
    vocab = np.array(words)
    topic_tokens = np.zeros(spec.n_topics, dtype=np.int64)
    n_tokens = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        for lengths, topics, ids in chunks:
            topic_tokens += np.bincount(topics, minlength=spec.n_topics)
            tokens = vocab[ids].tolist()
            ends = np.cumsum(lengths).tolist()
            starts = [0, *ends[:-1]]
            out.write(
                "".join(
                    '{"text": "' + " ".join(tokens[a:b]) + '"}\n'
                    for a, b in zip(starts, ends, strict=True)
                )
            )
            n_tokens += len(ids)
    order = np.argsort(-topic_word, axis=1, kind="stable")[:, :top_n]
    truth: dict[str, object] = {
        "spec": asdict(spec),
        "n_tokens": n_tokens,
        "topics": [[words[i] for i in row] for row in order],
        "weights": [
            [round(float(topic_word[k, i]), 6) for i in row] for k, row in enumerate(order)
        ],
        "prevalence": [round(float(c), 6) for c in topic_tokens / max(n_tokens, 1)],
    }
    topics_path(path).write_text(json.dumps(truth) + "\n", encoding="utf-8")
    return truth


def topics_path(corpus: Path) -> Path:
    """``runs/synth.jsonl`` -> ``runs/synth.topics.json``."""
    name = corpus.name.removesuffix(".gz").removesuffix(".jsonl")
    return corpus.with_name(name + ".topics.json")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="the JSONL file to write")
    defaults = SyntheticSpec()
    parser.add_argument("--docs", type=int, default=defaults.n_docs)
    parser.add_argument("--words", type=int, default=defaults.n_words)
    parser.add_argument("--topics", type=int, default=defaults.n_topics)
    parser.add_argument("--mean-length", type=float, default=defaults.mean_length)
    parser.add_argument("--alpha", type=float, default=defaults.alpha)
    parser.add_argument("--eta", type=float, default=defaults.eta)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    args = parser.parse_args(argv)
    spec = SyntheticSpec(
        n_docs=args.docs,
        n_words=args.words,
        n_topics=args.topics,
        mean_length=args.mean_length,
        alpha=args.alpha,
        eta=args.eta,
        seed=args.seed,
    )
    start = time.perf_counter()
    truth = write_corpus(args.out, spec)
    print(
        f"wrote {spec.n_docs:,} documents, {truth['n_tokens']:,} tokens, {spec.n_topics} "
        f"topics over {spec.n_words:,} words to {args.out} and {topics_path(args.out)} "
        f"in {time.perf_counter() - start:.1f}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
