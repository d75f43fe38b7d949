"""The supervised benchmark: the supervised NTM (sNTM) against linear baselines, one run.

On an 80/20 split (seed 0; stratified for single-label corpora):

* single-label accuracy on BBC News (K=20), NewsArticles outlets (K=50) and WordNet
  glosses' lexicographer files (K=50), for TF-IDF + logistic regression (C tuned by
  3-fold cross-validation on the training part; one validation split above 20,000
  documents), tomotopy LDA (1,000 iterations) +
  logistic regression on its document-topic vectors, unsupervised neurotopic + logistic
  regression on its folded-in document-topic vectors, and the sNTM's own ``predict``
  with both label readouts: "joint" (the paper's jointly trained layer) and "refit" (the
  default: the layer refitted on the folded-in training documents), from one fit;
* multi-label micro-F1 on WordNet words (:func:`neurotopic.datasets.load_wordnet_words`:
  each polysemous word's glosses, labelled with its senses' lexicographer files), sNTM
  against one-vs-rest TF-IDF + logistic regression;
* regression R^2 on NewsArticles' publication day, sNTM against TF-IDF + ridge (alpha
  tuned by 3-fold cross-validation);
* NPMI of the sNTM's topics against the unsupervised model's on the same training texts.

Prints each table; with ``--out FILE`` also writes sections of FILE
(``<!-- supervised... -->`` markers; the docs' tables: ``--out docs/benchmarks.md``), one
per corpus and task, so parts can be rerun alone.

Run: ``.venv/bin/python benchmarks/supervised.py [--corpora bbc,news-articles,wordnet]
[--parts single,multi,regression,weights] [--out docs/benchmarks.md]``

``--parts weights`` sweeps ``label_loss_weight`` over 0, 0.03, 0.1, 0.3 and 1 on the given
single-label corpora (test accuracy of both readouts, NPMI): how the default was chosen.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import f1_score, r2_score
from sklearn.model_selection import (
    GridSearchCV,
    ShuffleSplit,
    StratifiedShuffleSplit,
    train_test_split,
)
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import normalize

from neurotopic import NeuralTopicModel
from neurotopic.datasets import load_dataset, load_wordnet_words
from neurotopic.evaluation.evaluate import evaluate_topics, reference_tokens
from neurotopic.model.supervised import (
    READOUT_FEATURES,
    decode,
    encode_labels,
    indicator,
    output_scores,
    refit_label_layer,
)
from neurotopic.text.embeddings import term_vectors, train_ppmi
from neurotopic.text.vocabulary import CorpusTerms, analyse_corpus

sys.path.insert(0, str(Path(__file__).parent))
from _markdown import machine, replace_section

CORPORA = {"bbc": 20, "news-articles": 50, "wordnet": 50}
SEED = 0


def tfidf() -> TfidfVectorizer:
    return TfidfVectorizer(sublinear_tf=True, min_df=2, max_df=0.5, stop_words="english")


def tuned(estimator: Any, grid: dict[str, list[float]], n_train: int, stratify: bool) -> Any:
    """``estimator`` with its regularisation tuned on the training part, as the baselines."""
    if n_train < 20_000:
        cv: Any = 3
    elif stratify:
        cv = StratifiedShuffleSplit(n_splits=1, test_size=0.2, random_state=SEED)
    else:
        cv = ShuffleSplit(n_splits=1, test_size=0.2, random_state=SEED)
    return GridSearchCV(estimator, grid, cv=cv, n_jobs=1)


def tfidf_logreg(train: list[str], y_train: list[Any], test: list[str], y_test: list[Any]) -> float:
    """TF-IDF + logistic regression, C tuned on the training part: 3-fold CV over
    C in {1, 10, 100}; above 20,000 documents (WordNet glosses) one stratified 80/20
    validation split over C in {3, 30}, as 3-fold CV there takes most of an hour."""
    vec = tfidf()
    grid = [1, 10, 100] if len(train) < 20_000 else [3, 30]
    search = tuned(LogisticRegression(max_iter=1000), {"C": grid}, len(train), True)
    search.fit(vec.fit_transform(train), y_train)
    return float(search.score(vec.transform(test), y_test))


def topic_logreg(
    train_features: np.ndarray, y_train: list[Any], test_features: np.ndarray, y_test: list[Any]
) -> float:
    """Logistic regression on log document-topic vectors (as neurotopic.evaluation does)."""
    lr = LogisticRegression(max_iter=3000, C=10.0)
    lr.fit(np.log(train_features + 1e-6), y_train)
    return float(lr.score(np.log(test_features + 1e-6), y_test))


def text_stage(train: list[str]) -> CorpusTerms:
    """The NTM's default text stage (terms and vocabulary), learnt on the training part."""
    return analyse_corpus(
        train, stop_words="english", max_ngram=3, min_df=5, max_df=0.5, max_terms=30_000
    )


def tomotopy_features(
    train: list[str], test: list[str], k: int
) -> tuple[np.ndarray, np.ndarray, float]:
    """tomotopy LDA fitted on ``train`` (1,000 iterations, 2 workers); test docs inferred."""
    import tomotopy as tp

    start = time.perf_counter()
    # The NTM's text stage, learnt on the training part only; test docs use its terms.
    corpus = text_stage(train)
    known = corpus.vocabulary.index
    train_terms = [[t for t in terms if t in known] for terms in corpus.doc_terms]
    test_terms = [[t for t in corpus.analyzer.terms(text) if t in known] for text in test]
    model = tp.LDAModel(k=k, alpha=0.1, eta=0.01, seed=SEED)
    model.optim_interval = 0
    added = [d for d, terms in enumerate(train_terms) if terms]
    for d in added:
        model.add_doc(train_terms[d])
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The training result may differ")
        model.train(1000, workers=2)
        theta_train = np.full((len(train), k), 1.0 / k)
        for d, doc in zip(added, list(model.docs), strict=True):
            theta_train[d] = doc.get_topic_dist()
        theta_test = np.full((len(test), k), 1.0 / k)
        present = [d for d, terms in enumerate(test_terms) if terms]
        docs = [model.make_doc(test_terms[d]) for d in present]
        if docs:
            inferred, _ = model.infer(docs, iterations=100, workers=2)
            for d, dist in zip(present, inferred, strict=True):
                theta_test[d] = dist
    return theta_train, theta_test, time.perf_counter() - start


def both_readouts(
    task: str,
    k: int,
    train: list[str],
    y_train: Any,
    test: list[str],
    label_loss_weight: float | None = None,
) -> tuple[NeuralTopicModel, Any, Any, float]:
    """One sNTM fit, predictions on ``test`` of its "joint" layer and of the "refit" one.

    The refit is :func:`refit_label_layer` on the training documents'
    ``transform_mixture(grow_with_terms=False)``, which is what ``label_readout="refit"``
    (the default) does inside ``fit`` (``tests/model/test_supervised.py`` checks they
    agree).
    """
    start = time.perf_counter()
    extra = {} if label_loss_weight is None else {"label_loss_weight": label_loss_weight}
    snt = NeuralTopicModel(k, random_state=SEED, task=task, label_readout="joint", **extra)
    snt.fit(train, y_train)
    fit_seconds = time.perf_counter() - start
    joint = snt.predict(test)
    labels = encode_labels(task, y_train, len(train))
    features = READOUT_FEATURES[task]
    train_rows = snt.transform_mixture(train, grow_with_terms=False)
    weight, bias = refit_label_layer(task, train_rows, labels.targets, features=features)
    test_rows = snt.transform_mixture(test, grow_with_terms=False)
    scores = output_scores(task, test_rows, weight, bias, features)
    refit = decode(task, scores, snt.classes_, labels.mean, labels.scale)
    return snt, joint, refit, fit_seconds


def single_label(name: str, rows: list[str], notes: list[str]) -> None:
    k = CORPORA[name]
    data = load_dataset(name)
    train, test, y_train, y_test = train_test_split(
        data.texts, data.labels, test_size=0.2, random_state=SEED, stratify=data.labels
    )
    print(f"== {name}: {len(train)} train / {len(test)} test, K={k}", flush=True)
    start = time.perf_counter()
    base = tfidf_logreg(train, y_train, test, y_test)
    print(f"  tfidf+logreg {base:.3f} ({time.perf_counter() - start:.0f}s)", flush=True)
    theta_train, theta_test, lda_seconds = tomotopy_features(train, test, k)
    lda = topic_logreg(theta_train, y_train, theta_test, y_test)
    print(f"  tomotopy+logreg {lda:.3f} ({lda_seconds:.0f}s)", flush=True)
    start = time.perf_counter()
    plain = NeuralTopicModel(k, random_state=SEED).fit(train)
    ntm = topic_logreg(plain.transform(train), y_train, plain.transform(test), y_test)
    print(f"  ntm+logreg {ntm:.3f} ({time.perf_counter() - start:.0f}s)", flush=True)
    snt, joint, refit, snt_fit = both_readouts("classification", k, train, y_train, test)
    truth = np.asarray(y_test, dtype=object)
    joint_acc = float(np.mean(joint.astype(object) == truth))
    snt_acc = float(np.mean(refit.astype(object) == truth))
    print(f"  sNTM joint {joint_acc:.3f}, refit {snt_acc:.3f} ({snt_fit:.0f}s)", flush=True)
    reference = reference_tokens(train)
    npmi_plain = evaluate_topics(plain.topics(25), reference)["npmi"]
    npmi_snt = evaluate_topics(snt.topics(25), reference)["npmi"]
    ratio = snt_acc / base
    rows.append(
        f"| {name} | {k} | {base:.3f} | {lda:.3f} | {ntm:.3f} | {joint_acc:.3f} "
        f"| **{snt_acc:.3f}** | {ratio:.3f} | {npmi_plain:.3f} | {npmi_snt:.3f} | {snt_fit:.0f} |"
    )
    gap = npmi_snt - npmi_plain
    notes.append(
        f"- {name}: sNTM refit accuracy / TF-IDF's: {ratio:.3f}; "
        f"NPMI of the sNTM minus the unsupervised NTM's: {gap:+.3f}"
    )


def multi_label(rows: list[str]) -> None:
    data = load_wordnet_words()
    train, test, y_train, y_test = train_test_split(
        data.texts, data.labels, test_size=0.2, random_state=SEED
    )
    print(f"== wordnet-words: {len(train)} train / {len(test)} test", flush=True)
    snt, joint, refit, _ = both_readouts("multilabel", 50, train, y_train, test)
    classes = list(snt.classes_)
    truth = indicator(y_test, classes)
    joint_f1 = f1_score(truth, joint, average="micro")
    snt_f1 = f1_score(truth, refit, average="micro")
    vec = tfidf()
    ovr = OneVsRestClassifier(LogisticRegression(max_iter=2000, C=10.0), n_jobs=1)
    ovr.fit(vec.fit_transform(train), indicator(y_train, classes))
    base_f1 = f1_score(truth, ovr.predict(vec.transform(test)), average="micro")
    print(f"  tfidf ovr {base_f1:.3f}, sNTM joint {joint_f1:.3f}, refit {snt_f1:.3f}", flush=True)
    rows.append(
        f"| multi-label micro-F1 | WordNet words ({len(data.texts)} words, 45 labels), K=50 "
        f"| {base_f1:.3f} (one-vs-rest TF-IDF + logistic regression, C=10) | {joint_f1:.3f} "
        f"| **{snt_f1:.3f}** "
        f"| {snt_f1 / base_f1:.3f} |"
    )


def regression(rows: list[str]) -> None:
    data = load_dataset("news-articles")
    assert data.targets is not None
    train, test, y_train, y_test = train_test_split(
        data.texts, data.targets, test_size=0.2, random_state=SEED
    )
    print(f"== news-articles date: {len(train)} train / {len(test)} test", flush=True)
    vec = tfidf()
    search = GridSearchCV(Ridge(), {"alpha": [0.1, 1, 10]}, cv=3, n_jobs=1)
    search.fit(vec.fit_transform(train), y_train)
    base = r2_score(y_test, search.predict(vec.transform(test)))
    _, joint, refit, _ = both_readouts("regression", 50, train, y_train, test)
    joint_r2 = r2_score(y_test, joint)
    r2 = r2_score(y_test, refit)
    print(f"  tfidf ridge {base:.3f}, sNTM joint {joint_r2:.3f}, refit {r2:.3f}", flush=True)
    ratio = f"{r2 / base:.3f}" if base > 0 else "n/a"
    rows.append(
        f"| regression R^2 | NewsArticles publication day, K=50 | {base:.3f} (TF-IDF + ridge, "
        f"alpha tuned) | {joint_r2:.3f} | **{r2:.3f}** | {ratio} |"
    )


CEILING_SIZES = (100, 300)


def term_features(
    train: list[str], test: list[str]
) -> tuple[sp.csr_matrix, sp.csr_matrix, dict[int, np.ndarray]]:
    """What the NTM's layers can see of a document, with its default text stage.

    Returns the binary bag of the model's terms of the training and test documents and,
    for each vector size in :data:`CEILING_SIZES`, the term vectors ``le`` (V, E) the
    model would use (PPMI-SVD on the training part, unit rows).
    """
    corpus = text_stage(train)
    index = corpus.vocabulary.index

    def bag(docs: list[list[str]]) -> sp.csr_matrix:
        rows, cols = [], []
        for d, terms in enumerate(docs):
            ids = sorted({index[t] for t in terms if t in index})
            rows += [d] * len(ids)
            cols += ids
        data = np.ones(len(rows), dtype=np.float32)
        return sp.csr_matrix((data, (rows, cols)), shape=(len(docs), len(index)))

    x_train = bag(corpus.doc_terms)
    x_test = bag([corpus.analyzer.terms(text) for text in test])
    vectors = {}
    for size in CEILING_SIZES:
        kv = train_ppmi(corpus.words, vector_size=size, seed=SEED)
        le, _ = term_vectors(corpus.vocabulary.terms, kv, normalize=True)
        vectors[size] = le
    return x_train, x_test, vectors


def ceiling(task: str, label: str, rows: list[str]) -> None:
    """How far a linear readout of the NTM's fixed term vectors can go.

    Every label the sNTM predicts passes through ``lt(g) = sigmoid(le(g) @ W2)`` with
    ``le`` fixed: two documents whose terms' vectors sum alike look alike to every layer
    above. A linear model on the normalised sum of a document's term vectors is the
    readout those vectors allow before any topic bottleneck (not a strict bound, as
    ``lt`` is non-linear in ``le``); a linear model on the binary bag of the same terms
    shows what the vocabulary itself allows. Same split, tuning and metric as the
    baselines.
    """
    if task == "multilabel":
        data = load_wordnet_words()
        targets: Any = data.labels
    elif task == "regression":
        data = load_dataset("news-articles")
        targets = data.targets
    else:
        data = load_dataset(label)
        targets = data.labels
    stratify = targets if task == "classification" else None
    train, test, y_train, y_test = train_test_split(
        data.texts, targets, test_size=0.2, random_state=SEED, stratify=stratify
    )
    print(f"== ceiling {task} {label}: {len(train)} train / {len(test)} test", flush=True)
    x_train, x_test, vectors = term_features(train, test)
    if task == "multilabel":
        classes = sorted({c for labels in y_train for c in labels})
        y_fit, truth = indicator(y_train, classes), indicator(y_test, classes)

        def score(train_x: Any, test_x: Any) -> float:
            ovr = OneVsRestClassifier(LogisticRegression(max_iter=2000, C=10.0), n_jobs=1)
            return float(f1_score(truth, ovr.fit(train_x, y_fit).predict(test_x), average="micro"))

        vec = tfidf()
        base = score(vec.fit_transform(train), vec.transform(test))
    elif task == "regression":

        def score(train_x: Any, test_x: Any) -> float:
            search = tuned(Ridge(), {"alpha": [0.1, 1, 10]}, len(train), False)
            return float(r2_score(y_test, search.fit(train_x, y_train).predict(test_x)))

        vec = tfidf()
        base = score(vec.fit_transform(train), vec.transform(test))
    else:

        def score(train_x: Any, test_x: Any) -> float:
            grid = {"C": [1, 10, 100]}
            search = tuned(LogisticRegression(max_iter=3000), grid, len(train), True)
            return float(search.fit(train_x, y_train).score(test_x, y_test))

        base = tfidf_logreg(train, y_train, test, y_test)
    bag = score(normalize(x_train), normalize(x_test))
    cells = [f"{base:.3f}", f"{bag:.3f}"]
    for size in CEILING_SIZES:
        le = vectors[size]
        cells.append(f"{score(normalize(x_train @ le), normalize(x_test @ le)):.3f}")
    print(f"  {' '.join(cells)}", flush=True)
    rows.append(f"| {task} | {label} | " + " | ".join(cells) + " |")


CEILING_TASKS = (
    ("classification", "bbc"),
    ("classification", "news-articles"),
    ("classification", "wordnet"),
    ("multilabel", "wordnet-words"),
    ("regression", "news-articles publication day"),
)
CEILING_HEADER = [
    "| task | data | TF-IDF baseline | model's terms, binary, linear | "
    + " | ".join(f"sum of le (E={size}), linear" for size in CEILING_SIZES)
    + " |",
    "|---|---|---|---|" + "---|" * len(CEILING_SIZES),
]

CEILING_NOTES = [
    "- What the fixed term vectors allow: every label the sNTM predicts passes through "
    "`lt(g) = sigmoid(le(g) @ W2)`, and `le` is fixed (the paper's model). A linear model "
    "on the unit-normalised sum of a document's term vectors is the readout those vectors "
    "allow before any topic bottleneck; a linear model on the binary bag of the same terms "
    "is what the vocabulary allows. Same split, tuning (C or alpha by 3-fold CV; one "
    "80/20 validation split above 20,000 documents) and metric as the baselines; "
    "multi-label: one-vs-rest, C=10, micro-F1; regression: R^2.",
]

WEIGHTS = (0.0, 0.03, 0.1, 0.3, 1.0)


def weight_sweep(name: str, rows: list[str]) -> None:
    """sNTM test accuracy (both readouts) and NPMI for each ``label_loss_weight``.

    Weight 0 trains the unsupervised NTM (same topics), then the readouts fit the layer.
    """
    k = CORPORA[name]
    data = load_dataset(name)
    train, test, y_train, y_test = train_test_split(
        data.texts, data.labels, test_size=0.2, random_state=SEED, stratify=data.labels
    )
    reference = reference_tokens(train)
    truth = np.asarray(y_test, dtype=object)
    for weight in WEIGHTS:
        snt, joint, refit, seconds = both_readouts(
            "classification", k, train, y_train, test, weight
        )
        joint_acc = float(np.mean(joint.astype(object) == truth))
        refit_acc = float(np.mean(refit.astype(object) == truth))
        npmi = evaluate_topics(snt.topics(25), reference)["npmi"]
        print(
            f"  {name} weight {weight}: joint {joint_acc:.3f}, refit {refit_acc:.3f}, "
            f"NPMI {npmi:.3f} ({seconds:.0f}s)",
            flush=True,
        )
        rows.append(
            f"| {name} | {weight} | {joint_acc:.3f} | {refit_acc:.3f} | {npmi:.3f} "
            f"| {seconds:.0f} |"
        )


WEIGHTS_HEADER = [
    "| corpus | label_loss_weight | sNTM joint accuracy | sNTM refit accuracy "
    "| NPMI (top 10) | fit s |",
    "|---|---|---|---|---|---|",
]

SINGLE_HEADER = [
    "| corpus | K | TF-IDF + LR | tomotopy + LR | NTM + LR | sNTM joint | sNTM refit "
    "| sNTM refit / TF-IDF | NPMI NTM | NPMI sNTM | sNTM fit s |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
]
OTHER_HEADER = [
    "| task | data | baseline | sNTM joint | sNTM refit | refit / baseline |",
    "|---|---|---|---|---|---|",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", default=",".join(CORPORA))
    parser.add_argument("--parts", default="single,multi,regression")
    parser.add_argument(
        "--out", type=Path, default=None, help="Markdown file to update (default: print only)"
    )
    args = parser.parse_args()
    parts = args.parts.split(",")
    command = "python benchmarks/supervised.py " + " ".join(sys.argv[1:])

    def write(section: str, text: str) -> None:  # only with --out: print-only by default
        if args.out is not None:
            replace_section(args.out, section, text)

    write(
        "supervised",
        "\n".join(
            [
                "## Supervised NTM (sNTM) and baselines",
                "",
                f"- machine: {machine()}; one run per row, each row's command below it",
                "- 80/20 split, seed 0 (stratified for single-label); defaults of "
                "`NeuralTopicModel` (`label_loss_weight=0.1`); test documents are folded in "
                "(`transform`/`predict`), never trained on; NPMI: top-10 document "
                "co-occurrence on the training part; TF-IDF + LR: C tuned by 3-fold CV "
                "(one 80/20 validation split above 20,000 documents).",
                "- sNTM joint: the paper's label layer, trained jointly with the hinge; sNTM "
                'refit: the default `label_readout="refit"`, the layer refitted on the '
                "folded-in training documents (both from the same fit).",
            ]
        ),
    )
    if "single" in parts:
        for name in args.corpora.split(","):
            rows: list[str] = []
            notes: list[str] = []
            single_label(name, rows, notes)
            text = "\n".join([*SINGLE_HEADER, *rows, "", *notes, f"- command: `{command}`"])
            write(f"supervised-{name}", text)
            print(text, flush=True)
    for part, run in (("multi", multi_label), ("regression", regression)):
        if part in parts:
            rows = []
            run(rows)
            text = "\n".join([*OTHER_HEADER, *rows, "", f"- command: `{command}`"])
            write(f"supervised-{part}", text)
            print(text, flush=True)
    if "ceiling" in parts:
        rows = []
        for task, label in CEILING_TASKS:
            ceiling(task, label, rows)
        text = "\n".join([*CEILING_HEADER, *rows, "", *CEILING_NOTES, f"- command: `{command}`"])
        write("supervised-ceiling", text)
        print(text, flush=True)
    if "weights" in parts:
        rows = []
        for name in args.corpora.split(","):
            weight_sweep(name, rows)
        text = "\n".join([*WEIGHTS_HEADER, *rows, "", f"- command: `{command}`"])
        write("supervised-weights", text)
        print(text, flush=True)
    if args.out is not None:
        print(f"wrote the supervised sections of {args.out}")


if __name__ == "__main__":
    main()
