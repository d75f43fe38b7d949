"""Tests for word vectors (trained or loaded) and term vectors ``le``."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from gensim.models import KeyedVectors
from sklearn.utils.extmath import randomized_svd
from threadpoolctl import threadpool_limits

from neurotopic.datasets import load_bbc
from neurotopic.errors import NeurotopicError
from neurotopic.text.embeddings import (
    load_vectors,
    ppmi_matrix,
    randomized_svd_float32,
    term_vectors,
    train_ppmi,
    train_word2vec,
    window_cooccurrence,
)
from neurotopic.text.text import content_runs, default_stop_words, tokenize
from neurotopic.text.tokens import encode_runs

WORDS = ["new", "york", "city", "up", "down"]
VECTORS = np.array(
    [
        [1.0, 2.0, 0.0],
        [0.0, 1.0, 3.0],
        [4.0, 0.0, 0.0],
        [1.0, -1.0, 2.0],
        [-1.0, 1.0, -2.0],
    ],
    dtype=np.float32,
)


@pytest.fixture
def kv() -> KeyedVectors:
    vectors = KeyedVectors(vector_size=3)
    vectors.add_vectors(WORDS, VECTORS)
    return vectors


@pytest.fixture(scope="module")
def bbc_sentences() -> list[list[str]]:
    stop = default_stop_words()
    texts = load_bbc().texts[::22]
    return [[w for r in content_runs(tokenize(t), stop) for w in r] for t in texts]


# ------------------------------------------------------------- term_vectors


def test_term_vectors_sum_word_vectors(kv: KeyedVectors) -> None:
    le, found = term_vectors(["new york", "city", "new york city"], kv, normalize=False)
    assert le.dtype == np.float32
    np.testing.assert_allclose(le[0], [1.0, 3.0, 3.0])
    np.testing.assert_allclose(le[1], [4.0, 0.0, 0.0])
    np.testing.assert_allclose(le[2], [5.0, 3.0, 3.0])
    assert found.tolist() == [True, True, True]


def test_missing_word_gives_zero_row_and_not_found(kv: KeyedVectors) -> None:
    le, found = term_vectors(["boston", "new boston", "york"], kv, normalize=True)
    assert found.tolist() == [False, False, True]
    assert np.all(le[:2] == 0.0)
    np.testing.assert_allclose(le[2], VECTORS[1] / np.linalg.norm(VECTORS[1]), rtol=1e-6)


def test_normalize_gives_unit_rows_in_the_same_direction(kv: KeyedVectors) -> None:
    terms = ["new york", "city", "up", "new york city"]
    raw, _ = term_vectors(terms, kv, normalize=False)
    unit, _ = term_vectors(terms, kv, normalize=True)
    np.testing.assert_allclose(np.linalg.norm(unit, axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(unit * np.linalg.norm(raw, axis=1, keepdims=True), raw, rtol=1e-5)


def test_normalize_leaves_a_zero_sum_at_zero(kv: KeyedVectors) -> None:
    le, found = term_vectors(["up down"], kv, normalize=True)
    assert found.tolist() == [True]
    assert np.all(le == 0.0)  # no NaN from 0 / 0


# ------------------------------------------------------------- load_vectors


def assert_same_vectors(loaded: KeyedVectors) -> None:
    assert list(loaded.index_to_key) == WORDS
    np.testing.assert_allclose(loaded.vectors, VECTORS, rtol=1e-6)


def test_load_word2vec_text(kv: KeyedVectors, tmp_path: Path) -> None:
    path = tmp_path / "vectors.txt"
    kv.save_word2vec_format(str(path), binary=False)
    assert path.read_text().splitlines()[0] == "5 3"
    assert_same_vectors(load_vectors(path))


def test_load_word2vec_binary(kv: KeyedVectors, tmp_path: Path) -> None:
    path = tmp_path / "vectors.bin"
    kv.save_word2vec_format(str(path), binary=True)
    assert_same_vectors(load_vectors(str(path)))


def test_load_glove_text_without_header(tmp_path: Path) -> None:
    lines = [w + " " + " ".join(f"{x:g}" for x in v) for w, v in zip(WORDS, VECTORS, strict=True)]
    path = tmp_path / "glove.6B.3d.txt"
    path.write_text("\n".join(lines) + "\n")
    assert_same_vectors(load_vectors(path))
    gz = tmp_path / "glove.txt.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    assert_same_vectors(load_vectors(gz))


def test_load_gensim_keyed_vectors_only_when_trusted(kv: KeyedVectors, tmp_path: Path) -> None:
    path = tmp_path / "vectors.kv"
    kv.save(str(path))
    with pytest.raises(NeurotopicError, match="is a gensim pickle, and loading it would run"):
        load_vectors(path)
    assert_same_vectors(load_vectors(path, trust_pickle=True))


def test_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(NeurotopicError, match="does not exist"):
        load_vectors(tmp_path / "nope.bin")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("garbage.txt", b"this is not a vectors file\nat all\n"),
        ("garbage.bin", bytes(range(256)) * 4),
        ("garbage.kv", b"not a pickle"),  # refused before it is read
        ("header.txt", b"3 2\nword 0.1 0.2\n"),  # fewer rows than the header says
    ],
)
def test_unreadable_file_raises_one_line_error(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(NeurotopicError, match="cannot read word vectors") as info:
        load_vectors(path, trust_pickle=True)  # a trusted .kv that is no pickle either
    assert "\n" not in str(info.value)


# ----------------------------------------------------------- train_word2vec


def test_train_word2vec_is_reproducible(bbc_sentences: list[list[str]]) -> None:
    kwargs = {"vector_size": 16, "epochs": 1, "min_count": 2, "workers": 1}
    one = train_word2vec(bbc_sentences, seed=3, **kwargs)
    two = train_word2vec([*bbc_sentences, []], seed=3, **kwargs)  # empty documents skipped
    other = train_word2vec(bbc_sentences, seed=4, **kwargs)
    assert one.vector_size == 16
    assert list(one.index_to_key) == list(two.index_to_key)
    assert np.array_equal(one.vectors, two.vectors)
    assert not np.allclose(one.vectors, other.vectors)


def test_train_word2vec_respects_min_count(bbc_sentences: list[list[str]]) -> None:
    counts: dict[str, int] = {}
    for sentence in bbc_sentences:
        for w in sentence:
            counts[w] = counts.get(w, 0) + 1
    kv = train_word2vec(bbc_sentences, vector_size=8, epochs=1, min_count=3, seed=0)
    assert set(kv.index_to_key) == {w for w, c in counts.items() if c >= 3}


@pytest.fixture(scope="module")
def bbc_all_sentences() -> list[list[str]]:
    stop = default_stop_words()
    return [[w for r in content_runs(tokenize(t), stop) for w in r] for t in load_bbc().texts]


def test_train_ppmi_puts_related_words_together(bbc_all_sentences: list[list[str]]) -> None:
    kv = train_ppmi(bbc_all_sentences, vector_size=50, seed=0)
    assert kv.vectors.shape[1] == 50
    assert "movie" in [w for w, _ in kv.most_similar("film", topn=10)]
    assert "growth" in [w for w, _ in kv.most_similar("economy", topn=10)]
    # an unrelated pair is further apart than a related one
    assert kv.similarity("film", "movie") > kv.similarity("film", "economy") + 0.3


def test_train_ppmi_is_reproducible_and_seeded(bbc_sentences: list[list[str]]) -> None:
    a = train_ppmi(bbc_sentences, vector_size=20, seed=3)
    b = train_ppmi(bbc_sentences, vector_size=20, seed=3)
    assert a.index_to_key == b.index_to_key
    np.testing.assert_array_equal(a.vectors, b.vectors)


def test_window_cooccurrence_counts_offsets_and_never_crosses_documents() -> None:
    index = {"alpha": 0, "beta": 1, "gamma": 2, "delta": 3}
    docs = [["alpha", "beta", "oov", "gamma"], ["delta", "alpha"]]
    c = window_cooccurrence(docs, index, window=2).toarray()
    np.testing.assert_allclose(c, c.T)
    assert c[0, 1] == 1.0  # offset 1 (the unknown word is dropped first)
    assert c[0, 2] == 0.5  # offset 2 counts (2 - 2 + 1) / 2
    assert c[0, 3] == 1.0  # delta-alpha in the second document only
    assert c[2, 3] == 0.0  # gamma ends document 1, delta starts document 2


def test_train_ppmi_respects_min_count_and_handles_empty_input() -> None:
    kv = train_ppmi([["rare", "common", "common"], ["common"]], vector_size=4, min_count=2)
    assert kv.index_to_key == ["common"]
    assert len(train_ppmi([[], []], vector_size=4).index_to_key) == 0


def test_window_cooccurrence_in_blocks_sums_to_the_whole(bbc_sentences: list[list[str]]) -> None:
    words = sorted({w for s in bbc_sentences for w in s})
    index = {w: i for i, w in enumerate(words)}
    whole = window_cooccurrence(bbc_sentences, index, window=5)
    tokens = encode_runs([s] for s in bbc_sentences)
    assert (window_cooccurrence(tokens, index, window=5) != whole).nnz == 0
    # Blocks of about 500 tokens (whole documents): the same counts, up to rounding.
    blocks = window_cooccurrence(tokens, index, window=5, block_tokens=500)
    assert blocks.nnz == whole.nnz
    np.testing.assert_allclose(blocks.toarray(), whole.toarray(), rtol=1e-12)


def test_randomized_svd_float32_finds_the_leading_singular_pairs() -> None:
    rng = np.random.default_rng(0)
    # Rank 6 plus noise: the 6 leading pairs are well separated.
    low = rng.normal(size=(400, 6)) @ np.diag([40, 30, 20, 15, 10, 8]) @ rng.normal(size=(6, 300))
    M = sp.csr_matrix(
        np.where(rng.random((400, 300)) < 0.3, low / 20 + rng.normal(size=low.shape), 0)
    )
    u, s = randomized_svd_float32(M, 6, seed=0)
    u_ref, s_ref, _ = np.linalg.svd(M.toarray(), full_matrices=False)
    assert u.dtype == np.float32 and u.shape == (400, 6)
    # A randomized sketch: the leading pairs are near exact, the last within 1%.
    np.testing.assert_allclose(s, s_ref[:6], rtol=1e-2)
    np.testing.assert_allclose(s[:4], s_ref[:4], rtol=1e-4)
    np.testing.assert_allclose(np.abs((u_ref[:, :4] * u[:, :4]).sum(axis=0)), 1.0, atol=1e-3)
    again, _ = randomized_svd_float32(M, 6, seed=0)
    np.testing.assert_array_equal(u, again)


@pytest.mark.parametrize("n_threads", [1, 3])
def test_randomized_svd_float32_does_not_depend_on_the_cores(n_threads: int) -> None:
    rng = np.random.default_rng(1)
    M = sp.random(2000, 1500, density=0.01, random_state=rng, format="csr", dtype=np.float32)
    reference = randomized_svd_float32(M, 20, seed=0, n_threads=2)
    for a, b in zip(
        randomized_svd_float32(M, 20, seed=0, n_threads=n_threads), reference, strict=True
    ):
        np.testing.assert_array_equal(a, b)


def test_randomized_svd_float32_does_not_depend_on_the_blas_threads() -> None:
    # Tall enough for LAPACK's blocked QR and LU to split their work across threads
    # (and round differently) when they may: the factorisations run on one thread.
    rng = np.random.default_rng(2)
    M = sp.random(40_000, 400, density=0.02, random_state=rng, format="csr", dtype=np.float32)
    with threadpool_limits(limits=1, user_api="blas"):
        one = randomized_svd_float32(M, 100, seed=0)
    with threadpool_limits(limits=max(2, os.cpu_count() or 2), user_api="blas"):
        many = randomized_svd_float32(M, 100, seed=0)
    for a, b in zip(one, many, strict=True):
        np.testing.assert_array_equal(a, b)


def test_train_ppmi_float32_svd_gives_scikit_learns_neighbours(
    bbc_all_sentences: list[list[str]],
) -> None:
    fast = train_ppmi(bbc_all_sentences, vector_size=50, seed=0)
    words, ppmi = ppmi_matrix(bbc_all_sentences)
    u, s, _ = randomized_svd(ppmi.astype(np.float64), n_components=50, n_iter=5, random_state=0)
    exact = KeyedVectors(50)
    exact.add_vectors(words, (u * np.sqrt(s)).astype(np.float32))
    assert fast.index_to_key == exact.index_to_key
    # Both are randomized approximations (different sketches): neighbours mostly agree.
    for word in ("film", "economy", "election"):
        a = {w for w, _ in exact.most_similar(word, topn=10)}
        b = {w for w, _ in fast.most_similar(word, topn=10)}
        assert len(a & b) >= 6
