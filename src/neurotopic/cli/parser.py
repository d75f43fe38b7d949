"""The ``neurotopic`` command line's arguments: one parser, a subparser per command.

:func:`build_parser` is also what ``scripts/gen_docs.py`` documents ``docs/cli.md`` from.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any, NoReturn

from .._version import __version__

#: Exit status of a usage error or of bad input.
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors reported in one line (exit 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}; see {self.prog} --help\n")


def parse_args(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse ``argv``; an unknown option is reported by the subcommand it was given to,
    so that the message points to ``neurotopic <subcommand> --help``."""
    args, extras = parser.parse_known_args(argv)
    if extras:
        sub = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
        command = getattr(args, "command", None)
        owner = sub.choices.get(command, parser) if sub is not None and command else parser
        owner.error(f"unrecognized arguments: {' '.join(extras)}")
    return args


def _add_corpus_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "corpus",
        metavar="CORPUS",
        help=".txt (one document per line), .jsonl or .csv, optionally .gz (UTF-8)",
    )
    p.add_argument(
        "--text-field",
        default="text",
        help="JSONL key or CSV column holding the text (default: text)",
    )


def _add_language_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--language",
        metavar="CODE",
        help="the corpus's language as an ISO 639-1 code (de, fr, ru, zh, ja, ...); it "
        "chooses the stop words and, for zh and ja, the word segmenter "
        '(pip install "neurotopic[cjk]") (default: auto, detected from the text)',
    )


def _add_topics_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--topics", type=int, default=20, metavar="K", help="number of topics (default: 20)"
    )


def _add_seed_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default: 0)")


def _add_fit_vector_args(fit: argparse.ArgumentParser) -> None:
    """``fit``: the word vectors and the CPU threads."""
    fit.add_argument(
        "--vectors",
        default="ppmi",
        metavar="FILE",
        help="word vectors: 'ppmi' (PPMI-SVD trained on the corpus, the default), 'word2vec' "
        "(skip-gram trained on the corpus) or a pre-trained file "
        "(word2vec .bin/.txt, GloVe .txt, gensim .kv)",
    )
    fit.add_argument(
        "--trust-pickle",
        action="store_true",
        help="allow --vectors to be a gensim .kv/.model file: these are Python pickles, "
        "and loading one runs any code it holds, so pass it only for files you made",
    )
    fit.add_argument(
        "--n-jobs",
        type=int,
        metavar="N",
        help="CPU threads (default: every core this process may use; -1 all, -2 all but one). "
        "The model is the same on any count (word2vec vectors excepted above 1)",
    )
    fit.add_argument(
        "--vector-size",
        type=int,
        metavar="N",
        help="dimensions of word vectors trained on the corpus (default: 100)",
    )


def _add_fit_training_args(fit: argparse.ArgumentParser) -> None:
    """``fit``: training length, seed, vocabulary, device, W2's start, batch size."""
    fit.add_argument(
        "--epochs", type=int, default=20, metavar="N", help="most fine-tuning epochs (default: 20)"
    )
    fit.add_argument(
        "--no-early-stopping",
        dest="early_stopping",
        action="store_false",
        default=None,
        help="run every epoch (default: stop once the held-out ranking accuracy has not "
        "improved by 0.005 for 2 epochs)",
    )
    _add_seed_arg(fit)
    fit.add_argument(
        "--min-df",
        type=int,
        default=5,
        metavar="N",
        help="minimum document frequency of a term (default: 5)",
    )
    fit.add_argument(
        "--max-df",
        type=float,
        metavar="SHARE",
        help="drop terms that occur in more than this share of documents, in (0, 1]; lower "
        "it to drop corpus-wide words such as 'said' (default: 0.5)",
    )
    fit.add_argument(
        "--max-terms", type=int, default=30_000, metavar="N", help="vocabulary cap (default: 30000)"
    )
    fit.add_argument("--device", default="auto", help="auto, cpu or cuda (default: auto)")
    fit.add_argument(
        "--topic-init",
        choices=["kmeans", "autoencoder"],
        help="how W2 starts: at k-means centroids of the term vectors (default) or as the "
        "paper's auto-encoder pre-training",
    )
    fit.add_argument(
        "--batch-size",
        type=int,
        metavar="N",
        help="positive pairs per step, over all processes under torchrun (default: 4096); "
        "raise it with the number of processes",
    )


def _add_fit_supervised_args(fit: argparse.ArgumentParser) -> None:
    """``fit``: the supervised NTM's labels, task and readout."""
    fit.add_argument(
        "--label-field",
        metavar="F",
        help="JSONL key or CSV column with each document's label (needs --task); for "
        "multilabel a JSON list (CSV: labels separated by |)",
    )
    fit.add_argument(
        "--task",
        choices=["classification", "multilabel", "regression"],
        help="fit the supervised NTM on --label-field (default: unsupervised)",
    )
    fit.add_argument(
        "--label-readout",
        choices=["refit", "joint"],
        help="how a supervised model predicts: refit (default) the label layer on the "
        "folded-in training documents, or keep the jointly trained one (the paper's)",
    )


def _add_fit_output_args(fit: argparse.ArgumentParser) -> None:
    """``fit``: what is printed, resuming, replacing, quiet."""
    fit.add_argument(
        "--top", type=int, default=10, metavar="N", help="terms per topic to print (default: 10)"
    )
    fit.add_argument(
        "--resume",
        metavar="DIR",
        help="continue an interrupted fit from its checkpoint DIR (OUT.checkpoint, written "
        "after every epoch and on Ctrl-C); same corpus and options, --epochs may grow",
    )
    fit.add_argument(
        "--force",
        action="store_true",
        help="replace an existing --out directory and discard a checkpoint left in OUT.checkpoint",
    )
    fit.add_argument(
        "--quiet", action="store_true", help="no progress output; print only the topics"
    )


def _add_fit(sub: Any) -> None:
    """``neurotopic fit``."""
    fit = sub.add_parser("fit", help="fit a model on a corpus and save it to a directory")
    _add_corpus_args(fit)
    _add_language_arg(fit)
    _add_topics_arg(fit)
    fit.add_argument("--out", required=True, metavar="DIR", help="model directory to create")
    _add_fit_vector_args(fit)
    _add_fit_training_args(fit)
    _add_fit_supervised_args(fit)
    _add_fit_output_args(fit)


def _add_topics(sub: Any) -> None:
    """``neurotopic topics``."""
    topics = sub.add_parser("topics", help="print the topics of a saved model")
    topics.add_argument("model", metavar="DIR", help="model directory")
    topics.add_argument(
        "--top", type=int, default=10, metavar="N", help="terms per topic (default: 10)"
    )
    topics.add_argument("--json", action="store_true", help="print JSON (terms with weights)")
    topics.add_argument(
        "--exclude",
        default="",
        metavar="WORDS",
        help="comma-separated words to hide from the topics",
    )


def _add_model_command(
    sub: Any, name: str, summary: str, model_help: str = "model directory"
) -> argparse.ArgumentParser:
    """A subcommand that reads a saved model (``DIR``) and a corpus (``CORPUS``)."""
    command: argparse.ArgumentParser = sub.add_parser(name, help=summary)
    command.add_argument("model", metavar="DIR", help=model_help)
    _add_corpus_args(command)
    return command


def _add_out_csv(command: argparse.ArgumentParser, columns: str) -> None:
    """``--out CSV`` (its ``columns`` described) and ``--force``."""
    command.add_argument("--out", required=True, metavar="CSV", help=f"output CSV ({columns})")
    command.add_argument("--force", action="store_true", help="replace an existing --out file")


def _add_transform(sub: Any) -> None:
    """``neurotopic transform``."""
    transform = _add_model_command(sub, "transform", "topic distributions of (new) documents")
    _add_out_csv(transform, "doc, topic_0..K-1, dominant_topic")


def _add_predict(sub: Any) -> None:
    """``neurotopic predict``."""
    predict = _add_model_command(
        sub,
        "predict",
        "labels of (new) documents from a supervised model",
        model_help="model directory (fitted with --task)",
    )
    _add_out_csv(predict, "doc, prediction, then one probability column per class")


def _add_evaluate(sub: Any) -> None:
    """``neurotopic evaluate``."""
    evaluate = _add_model_command(
        sub, "evaluate", "coherence, diversity and accuracy of a saved model"
    )
    evaluate.add_argument(
        "--label-field", metavar="F", help="JSONL key or CSV column with a label (adds accuracy)"
    )
    evaluate.add_argument("--json", action="store_true", help="print JSON")


def _add_compare(sub: Any) -> None:
    """``neurotopic compare``."""
    compare = sub.add_parser("compare", help="fit neurotopic and LDA on a corpus, one table")
    _add_corpus_args(compare)
    _add_language_arg(compare)
    compare.add_argument(
        "--topics",
        default="20",
        metavar="K[,K...]",
        help="topic counts, e.g. 10,20,50 (default: 20)",
    )
    compare.add_argument(
        "--label-field", metavar="F", help="JSONL key or CSV column with a label (adds accuracy)"
    )
    compare.add_argument(
        "--models",
        default="ntm,lda",
        help="comma-separated: ntm, lda, tomotopy, gensim, bertopic, fastopic (default: ntm,lda)",
    )
    _add_seed_arg(compare)
    compare.add_argument("--json", action="store_true", help="print JSON")
    compare.add_argument("--quiet", action="store_true", help="no progress output")


def _add_demo(sub: Any) -> None:
    """``neurotopic demo``."""
    demo = sub.add_parser(
        "demo", help="fit a model on BBC News (2,225 articles) and print its topics"
    )
    _add_topics_arg(demo)
    demo.add_argument(
        "--epochs", type=int, default=20, metavar="N", help="fine-tuning epochs (default: 20)"
    )
    demo.add_argument(
        "--out",
        default="demo-model",
        metavar="DIR",
        help="model directory, replaced if present (default: demo-model)",
    )
    _add_seed_arg(demo)
    demo.add_argument("--quiet", action="store_true", help="no progress output")


def _add_report(sub: Any) -> None:
    """``neurotopic report``."""
    report = sub.add_parser("report", help="write a self-contained HTML report of a saved model")
    report.add_argument("model", metavar="DIR", help="model directory")
    source = report.add_mutually_exclusive_group()
    source.add_argument(
        "--corpus",
        metavar="CORPUS",
        help="documents to show and evaluate on: .txt, .jsonl or .csv, optionally .gz",
    )
    source.add_argument(
        "--dataset",
        metavar="NAME",
        help="an installed dataset instead of --corpus, with its labels: "
        "bbc, news-articles or wordnet",
    )
    report.add_argument(
        "--text-field",
        default="text",
        help="JSONL key or CSV column holding the text (default: text)",
    )
    report.add_argument(
        "--label-field", metavar="F", help="JSONL key or CSV column with a label (adds a heatmap)"
    )
    report.add_argument("--out", required=True, metavar="HTML", help="the .html file to write")
    report.add_argument(
        "--top", type=int, default=30, metavar="N", help="terms per topic shown (default: 30)"
    )
    report.add_argument(
        "--docs",
        type=int,
        default=5,
        metavar="N",
        help="representative documents per topic (default: 5)",
    )
    report.add_argument("--title", help="page title (default: neurotopic report: K topics)")
    report.add_argument("--force", action="store_true", help="replace an existing --out file")
    report.add_argument("--quiet", action="store_true", help="no progress output")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand (also used to document the CLI)."""
    parser = _Parser(prog="neurotopic", description="Neural Topic Model (Cao et al., AAAI 2015).")
    parser.add_argument("--version", action="version", version=f"neurotopic {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    for add in (
        _add_fit,
        _add_topics,
        _add_transform,
        _add_predict,
        _add_evaluate,
        _add_compare,
        _add_demo,
        _add_report,
    ):
        add(sub)
    return parser
