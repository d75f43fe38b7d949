"""Progress output: on stderr, for every long stage, and a bar that ends cleanly."""

from __future__ import annotations

import numpy as np
import pytest

from neurotopic import NeuralTopicModel
from neurotopic.text.embeddings import train_word2vec
from neurotopic.text.text import tokenize

from .conftest import FAST


def test_word2vec_reports_each_epoch_and_keeps_its_vectors(
    bbc_small: tuple[list[str], list[str]],
) -> None:
    sentences = [tokenize(t) for t in bbc_small[0][:150]]
    lines: list[str] = []
    with_progress = train_word2vec(sentences, vector_size=20, epochs=3, progress=lines.append)
    assert lines == ["word2vec epoch 1/3", "word2vec epoch 2/3", "word2vec epoch 3/3"]
    silent = train_word2vec(sentences, vector_size=20, epochs=3)
    np.testing.assert_array_equal(with_progress.vectors, silent.vectors)


def test_an_early_stop_ends_the_bar_and_says_so_on_stderr(
    bbc_small: tuple[list[str], list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    # holdout=0.05 gives early stopping enough held-out triples; tol=1 stops it at once.
    params = {**FAST, "early_stopping": True, "tol": 1.0, "holdout": 0.05, "epochs": 6}
    model = NeuralTopicModel(5, random_state=0, verbose=True, **params).fit(bbc_small[0])
    captured = capsys.readouterr()
    assert len(model.history_) - 1 < 6  # it stopped early
    assert "stopping after epoch" in captured.err and "training stopped early" in captured.err
    assert "epoch 1/6" in captured.err and captured.out == ""
