"""NeuralTopicModel: scikit-learn contract, learning, determinism, fold-in."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from neurotopic import NeuralTopicModel, NeurotopicError
from neurotopic._runtime import resolve_device
from neurotopic.datasets import load_wordnet_glosses
from neurotopic.evaluation.evaluate import evaluate_topics, reference_tokens
from neurotopic.model.readout import background_topic_term, base_relevance, log_likelihood
from neurotopic.model.shares import doc_topic_shares
from neurotopic.train import training

from .conftest import FAST


def test_init_only_stores_parameters() -> None:
    model = NeuralTopicModel(7, epochs=3, random_state=1)
    params = model.get_params()
    assert params["n_topics"] == 7 and params["epochs"] == 3 and params["random_state"] == 1
    assert not any(name.endswith("_") for name in vars(model))
    twin = clone(model)
    assert twin.get_params() == params and twin is not model


def test_fit_learns_and_does_not_collapse(fitted: NeuralTopicModel) -> None:
    history = fitted.history_
    start, end = history[0]["heldout_ranking_accuracy"], history[-1]["heldout_ranking_accuracy"]
    assert end > start + 0.02, (start, end)  # k-means start 0.71 -> 0.74 on this subset
    assert end > 0.7
    assert history[-1]["hinge"] < history[1]["hinge"]
    theta = fitted.doc_topic_
    k = fitted.n_topics
    assert np.allclose(theta.sum(axis=1), 1.0)
    assert theta.max(axis=1).mean() >= 2 / k  # documents are not spread uniformly
    assert len(set(theta.argmax(axis=1))) >= k / 2  # no single topic takes every document
    assert np.abs(fitted.doc_logits_).mean() > 0.1  # W1 did not shrink to zero
    assert fitted.term_topic_.std() > 0.05  # nor did lt flatten to a constant


def test_fitted_attributes(fitted: NeuralTopicModel) -> None:
    n_terms = len(fitted.vocabulary_)
    assert fitted.components_.shape == (5, n_terms)
    if fitted.topic_readout_ in ("background", "data"):  # distributions over terms
        assert np.allclose(fitted.components_.sum(axis=1), 1.0)
    else:  # lt, the paper's p(term | topic) scores
        np.testing.assert_allclose(fitted.components_, fitted.term_topic_.T)
    assert fitted.term_topic_.shape == (n_terms, 5)
    names = fitted.get_feature_names_out()
    assert all(fitted.vocabulary_[t] == i for i, t in enumerate(names))
    assert any(" " in t for t in names), "n-gram terms are detected"


def test_topics_are_distinct_and_respect_exclude(fitted: NeuralTopicModel) -> None:
    topics = fitted.topics(top_n=10)
    assert len(topics) == 5 and all(len(t) == 10 for t in topics)
    unique = {t for topic in topics for t in topic}
    assert len(unique) >= 0.5 * 50
    word = topics[0][0].split(" ")[0]
    hidden = fitted.topics(top_n=10, exclude=[word.upper()])
    assert all(word not in t.split(" ") for topic in hidden for t in topic)


def test_topics_match_bbc_classes(fitted: NeuralTopicModel, bbc_small: tuple) -> None:
    """Dominant topics line up with the 5 BBC classes far better than chance (0.2)."""
    _, labels = bbc_small
    labels = np.asarray(labels)
    dominant = fitted.doc_topic_.argmax(axis=1)
    purity = sum(
        np.unique(labels[dominant == k], return_counts=True)[1].max() for k in np.unique(dominant)
    ) / len(labels)
    assert purity > 0.6


def test_same_seed_same_topics(bbc: object) -> None:
    """Bit-for-bit reproducible on the whole of BBC News (parallel sums would differ)."""
    texts = bbc.texts  # type: ignore[attr-defined]
    quick = {**FAST, "epochs": 3, "word2vec_epochs": 3}
    a = NeuralTopicModel(6, random_state=3, **quick).fit(texts)
    b = NeuralTopicModel(6, random_state=3, **quick).fit(texts)
    assert a.topics() == b.topics()
    np.testing.assert_array_equal(a.doc_topic_, b.doc_topic_)
    c = NeuralTopicModel(6, random_state=4, **quick).fit(texts[:300])
    assert c.topics() != a.topics()


def test_same_model_on_any_thread_count(bbc: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """One thread, or as many as the machine has with the count changing every step (as
    the governor changes it when another process takes a core): the same model, bit for
    bit, and the same fold-in of new documents."""
    texts = bbc.texts  # type: ignore[attr-defined]
    quick = {**FAST, "epochs": 3}
    one = NeuralTopicModel(6, random_state=3, n_jobs=1, **quick).fit(texts[:1500])

    class EveryStep(training.ThreadGovernor):
        def threads(self) -> int:
            self.switches += 1
            return 1 + self.switches % min(2, self.most)

    monkeypatch.setattr(training, "ThreadGovernor", EveryStep)
    many = NeuralTopicModel(6, random_state=3, n_jobs=None, **quick).fit(texts[:1500])
    np.testing.assert_array_equal(one.term_topic_, many.term_topic_)
    np.testing.assert_array_equal(one.doc_topic_, many.doc_topic_)
    np.testing.assert_array_equal(one.components_, many.components_)
    np.testing.assert_array_equal(one.transform(texts[1500:]), many.transform(texts[1500:]))


def test_auto_device_is_cuda_when_present_else_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto").type == "cuda"
    assert resolve_device("cpu") == torch.device("cpu")
    with pytest.raises(NeurotopicError, match="unknown device 'gpu0'; use auto, cpu or cuda"):
        resolve_device("gpu0")


def test_cuda_without_a_gpu_stops_before_any_work(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(NeurotopicError, match=r"needs a CUDA GPU.*use device='cpu'") as info:
        resolve_device("cuda")
    assert "\n" not in str(info.value)
    ckpt = tmp_path / "ckpt"
    model = NeuralTopicModel(3, device="cuda", checkpoint_dir=ckpt)
    with pytest.raises(NeurotopicError, match="needs a CUDA GPU"):
        model.fit(["never read"] * 3)  # the device is checked before the text is
    assert not ckpt.exists() and not hasattr(model, "components_")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    with pytest.raises(NeurotopicError, match="does not exist"):
        resolve_device("cuda:1")


def _label_sets(labels: list[str]) -> list[list[str]]:
    """BBC's class plus a second label: "leisure" (sport, entertainment) or "affairs"."""
    return [[y, "leisure" if y in ("sport", "entertainment") else "affairs"] for y in labels]


def test_evaluate_scores_label_sets_with_micro_and_macro_f1(
    fitted: NeuralTopicModel, bbc_small: tuple[list[str], list[str]]
) -> None:
    texts, labels = bbc_small
    result = fitted.evaluate(texts, _label_sets(labels))
    assert {"micro_f1", "macro_f1", "npmi"} <= set(result) and "accuracy" not in result
    assert 0.6 < result["micro_f1"] <= 1.0 and 0.5 < result["macro_f1"] <= 1.0
    single = fitted.evaluate(texts, labels)  # one label per text: as before
    assert {"accuracy", "macro_f1"} <= set(single) and "micro_f1" not in single
    assert single["accuracy"] > 0.6


def test_evaluate_names_the_training_figure_as_such(
    fitted: NeuralTopicModel, bbc_small: tuple[list[str], list[str]]
) -> None:
    # The ranking accuracy is the fit's, whatever corpus is passed; it is named so.
    texts, _ = bbc_small
    a, b = fitted.evaluate(texts[:200]), fitted.evaluate(texts[300:])
    assert "heldout_ranking_accuracy" not in a
    last = fitted.history_[-1]["heldout_ranking_accuracy"]
    assert a["training_heldout_ranking_accuracy"] == b["training_heldout_ranking_accuracy"] == last
    assert a["npmi"] != b["npmi"]  # the rest is measured on the texts given


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_same_seed_same_topics_on_cuda_as_on_cpu(bbc_small: tuple) -> None:
    """The same seed on CUDA gives the CPU's topics: the same draws and start; only
    the order of float sums differs, so the top terms match up to near ties."""
    texts = bbc_small[0]
    cpu = NeuralTopicModel(5, random_state=0, device="cpu", **FAST).fit(texts)
    cuda = NeuralTopicModel(5, random_state=0, device="cuda", **FAST).fit(texts)
    overlap = [len(set(a) & set(b)) / 10 for a, b in zip(cpu.topics(), cuda.topics(), strict=True)]
    assert min(overlap) >= 0.7, overlap
    diff = np.abs(cpu.doc_topic_ - cuda.doc_topic_).max(axis=1)
    assert np.median(diff) < 0.05


def test_transform_is_deterministic_and_close_to_fit(
    fitted: NeuralTopicModel, bbc_small: tuple
) -> None:
    texts = bbc_small[0][:100]
    first = fitted.transform(texts)
    assert first.shape == (100, 5)
    assert np.allclose(first.sum(axis=1), 1.0)
    np.testing.assert_array_equal(first, fitted.transform(texts))
    fit = fitted.doc_topic_[:100]
    cos = (first * fit).sum(1) / np.linalg.norm(first, axis=1) / np.linalg.norm(fit, axis=1)
    assert cos.mean() > 0.8, cos.mean()
    assert (first.argmax(1) == fit.argmax(1)).mean() > 0.7


def test_transform_steps_grow_with_the_document(fitted: NeuralTopicModel, bbc_small: tuple) -> None:
    """transform folds a long document in with larger steps, which brings its row
    closer to its training row; the sNTM's rows (fixed steps) stay available."""
    texts = bbc_small[0][:60]  # BBC articles: all far above 40 distinct terms
    X = fitted.doc_term_matrix(texts)
    assert np.diff(X.indptr).min() > 40
    grown = fitted.transform_mixture(texts)
    fixed = fitted.transform_mixture(texts, grow_with_terms=False)
    np.testing.assert_allclose(
        fitted.transform(texts), doc_topic_shares(X, grown, fitted.topic_term_)
    )
    train = fitted.doc_mixture_[:60]
    # Adam moves a logit by about its step: four times the step travels further from
    # the shared start, towards where the training rows ended.
    assert np.abs(grown - train).sum(1).mean() < np.abs(fixed - train).sum(1).mean()
    # Short documents (at most 10 distinct terms) take the base step either way.
    short = ["government tax plans", "the film won an award"]
    np.testing.assert_array_equal(
        fitted.transform_mixture(short), fitted.transform_mixture(short, grow_with_terms=False)
    )


def test_transform_unseen_and_empty_documents(fitted: NeuralTopicModel) -> None:
    out = fitted.transform(["", "zzzz qqqq", "The government plans a new tax on company profits."])
    np.testing.assert_allclose(out[0], np.full(5, 0.2))  # no known term: uniform
    np.testing.assert_allclose(out[1], np.full(5, 0.2))
    assert out[2].max() > 0.3


def test_works_in_a_pipeline(bbc_small: tuple) -> None:
    texts, labels = bbc_small
    pipe = Pipeline(
        [
            ("ntm", NeuralTopicModel(5, random_state=0, **FAST)),
            ("clf", LogisticRegression(max_iter=500)),
        ]
    )
    pipe.fit(texts[::2], labels[::2])
    assert pipe.score(texts[1::2], labels[1::2]) > 0.6  # chance is 0.2


@pytest.mark.parametrize(
    ("kwargs", "texts", "match"),
    [
        ({"n_topics": 1}, None, "n_topics must be an integer >= 2"),
        ({"n_topics": 5000}, None, "larger than the vocabulary"),
        ({"n_topics": 3, "min_df": 10_000}, None, "empty after filtering"),
        ({"n_topics": 3}, "one string", "not a single string"),
        ({"n_topics": 3}, [], "is empty"),
        ({"n_topics": 3}, ["fine text", 3], "document 1 of texts is a int"),
        ({"n_topics": 3, "topic_readout": "lt"}, None, "topic_readout must be one of"),
        ({"n_topics": 3, "normalize_vectors": "False"}, None, "normalize_vectors must be True"),
    ],
)
def test_bad_input_raises_one_line_error(
    kwargs: dict, texts: object, match: str, bbc_small: tuple
) -> None:
    corpus = bbc_small[0][:200] if texts is None else texts
    with pytest.raises(NeurotopicError, match=match) as info:
        NeuralTopicModel(**{**FAST, **kwargs}).fit(corpus)
    assert "\n" not in str(info.value)


def test_unfitted_model_refuses_transform() -> None:
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        NeuralTopicModel().transform(["text"])


def test_extensions_sharpen_documents(bbc_small: tuple) -> None:
    """The labelled extensions run, and the entropy penalty makes ld sharper."""
    texts = bbc_small[0][:300]
    plain = NeuralTopicModel(4, random_state=0, **FAST).fit(texts)
    sharp = NeuralTopicModel(4, random_state=0, entropy_weight=0.2, term_negatives=2, **FAST)
    sharp.fit(texts)
    assert sharp.doc_mixture_.max(1).mean() > plain.doc_mixture_.max(1).mean() + 0.05
    # a strong penalty trades ranking for sharpness, but stays well above chance (0.5)
    assert sharp.history_[-1]["heldout_ranking_accuracy"] > 0.55


def test_both_readouts_rank_terms_from_the_same_weights(fitted: NeuralTopicModel) -> None:
    other = "embedding" if fitted.topic_readout_ in ("background", "data") else "data"
    twin = _refit_readout(fitted, topic_readout=other)
    np.testing.assert_array_equal(twin.doc_mixture_, fitted.doc_mixture_)
    assert twin.topics(10) != fitted.topics(10)
    data_model = twin if other == "data" else fitted
    assert np.allclose(data_model.components_.sum(axis=1), 1.0)


def test_negative_pool_is_off_for_small_corpora_and_a_quarter_batch_above() -> None:
    auto = NeuralTopicModel(batch_size=1000)
    assert auto.negative_pool_for(8000) == 0
    assert auto.negative_pool_for(8001) == 250
    assert NeuralTopicModel(batch_size=1000, negative_pool=0).negative_pool_for(10**6) == 0
    assert NeuralTopicModel(negative_pool=64).negative_pool_for(100) == 64
    with pytest.raises(NeurotopicError, match="negative_pool must be None or an integer"):
        NeuralTopicModel(negative_pool=-1).fit(["a b c"] * 3)


def test_shuffle_window_is_off_for_small_corpora_and_five_batches_above() -> None:
    auto = NeuralTopicModel(batch_size=1000)
    assert auto.shuffle_window_for(8000) == 0
    assert auto.shuffle_window_for(8001) == 5000
    assert auto.shuffle_window_for(8001, world_size=4) == 1250  # five of a process's batches
    assert NeuralTopicModel(batch_size=1000, shuffle_window=0).shuffle_window_for(10**6) == 0
    assert NeuralTopicModel(shuffle_window=64).shuffle_window_for(100) == 64
    for bad in (-1, 2.5, True):
        with pytest.raises(NeurotopicError, match="shuffle_window must be None or an integer"):
            NeuralTopicModel(shuffle_window=bad).fit(["a b c"] * 3)  # type: ignore[arg-type]


def _refit_readout(fitted: NeuralTopicModel, **params: object) -> NeuralTopicModel:
    """The fitted weights read out with other readout parameters (no retraining)."""
    return copy.deepcopy(fitted).set_readout(**params)


def test_relevance_weight_follows_document_length(fitted: NeuralTopicModel) -> None:
    # news articles (about 120 distinct terms each): the background readout at 0.3
    assert fitted.topic_readout == "auto" and fitted.topic_readout_ == "background"
    assert fitted.relevance_weight() == 0.3
    assert 0.01 < fitted.background_scale_ < 10.0
    short = fitted.X_train_.copy()
    short.data[:] = 1.0
    keep = short.multiply(np.random.default_rng(0).random(short.shape) < 0.1).tocsr()
    keep.eliminate_zeros()
    assert keep.nnz / keep.shape[0] < 30  # about a tenth of the terms: short documents
    assert base_relevance("background", keep) == 1.0  # by probability on short documents
    data = _refit_readout(fitted, topic_readout="data")
    assert data.topic_readout_ == "data" and data.background_scale_ is None
    assert data.relevance_weight() == data.relevance_lambda_ == 0.5
    assert _refit_readout(fitted, relevance_lambda=0.8).relevance_weight() == 0.8


@pytest.mark.skipif(
    not Path("/usr/share/wordnet/data.noun").is_file(), reason="apt-get install wordnet-base"
)
def test_default_relevance_stays_where_frequent_terms_are_shared() -> None:
    # WordNet glosses: short, and their frequent words ("used", "especially") appear in
    # glosses of every kind, so a weight above 1 would fill the topics with them
    glosses = load_wordnet_glosses().texts
    texts = glosses[:: len(glosses) // 20000][:20000]
    model = NeuralTopicModel(30, random_state=0).fit(texts)
    assert base_relevance(model.topic_readout_, model.X_train_) == 1.0
    assert model.relevance_lambda_ == model.relevance_weight() == 1.0
    reference = reference_tokens(texts)
    kept = evaluate_topics(model.topics(25), reference)
    raised = evaluate_topics(_refit_readout(model, relevance_lambda=1.5).topics(25), reference)
    assert raised["diversity"] < kept["diversity"] - 0.05


def test_background_readout_reads_more_coherent_topics(
    fitted: NeuralTopicModel, bbc_small: tuple
) -> None:
    reference = reference_tokens(bbc_small[0])
    data = _refit_readout(fitted, topic_readout="data")
    background = evaluate_topics(fitted.topics(25), reference)
    # 0.26 against 0.23 here (seed 0, 480 documents); the gap was wider before topics
    # started at k-means clusters, which made the data readout more coherent too
    assert background["npmi"] > evaluate_topics(data.topics(25), reference)["npmi"] + 0.01
    assert background["diversity"] >= 0.9
    # its scale is the likelihood's maximum: a tenth either way explains the counts worse
    X, ld = fitted.X_train_, fitted.doc_mixture_
    z = fitted.term_vectors_ @ fitted.topic_weight_ + fitted.topic_bias_
    best = log_likelihood(X, fitted.components_, ld)
    for factor in (0.9, 1.1):
        other = background_topic_term(z, fitted.term_prob_, fitted.background_scale_ * factor)
        assert log_likelihood(X, other, ld) < best


def test_set_readout_rereads_the_same_weights(fitted: NeuralTopicModel) -> None:
    model = copy.deepcopy(fitted)
    data = model.set_readout(topic_readout="data")
    assert data is model and model.topic_readout_ == "data"
    np.testing.assert_array_equal(model.doc_logits_, fitted.doc_logits_)
    # the documents' rows are read with the new topics' term distributions
    np.testing.assert_allclose(model.topic_term_, model.components_)
    assert not np.allclose(model.doc_topic_, fitted.doc_topic_)
    back = model.set_readout(topic_readout="auto", relevance_lambda=None)
    np.testing.assert_array_equal(back.components_, fitted.components_)
    np.testing.assert_allclose(back.doc_topic_, fitted.doc_topic_)
    assert back.topics(10) == fitted.topics(10)
    with pytest.raises(NeurotopicError, match="set_readout takes topic_readout"):
        model.set_readout(epochs=3)
    with pytest.raises(NeurotopicError, match="relevance_lambda must be in"):
        model.set_readout(relevance_lambda=2.5)
    assert model.relevance_lambda is None  # a refused setting is not kept


def test_the_paper_configuration_still_fits(bbc_small: tuple, fitted: NeuralTopicModel) -> None:
    """The auto-encoder start, the lt readout and raw vectors: Cao et al.'s NTM."""
    texts, _ = bbc_small
    paper = NeuralTopicModel(
        5,
        random_state=0,
        topic_init="autoencoder",
        topic_readout="embedding",
        normalize_vectors=False,
        **{**FAST, "epochs": 3},
    ).fit(texts)
    history = paper.history_
    assert history[-1]["heldout_ranking_accuracy"] > history[0]["heldout_ranking_accuracy"]
    assert paper.topic_readout_ == "embedding"
    # a different start from the default's k-means centroids
    assert not np.allclose(paper.topic_weight_, fitted.topic_weight_, atol=1e-2)
    with pytest.raises(NeurotopicError, match="topic_init must be one of kmeans, autoencoder"):
        NeuralTopicModel(5, topic_init="lda").fit(texts)
