"""What each ``neurotopic`` subcommand does, once its arguments are parsed.

Results go to stdout; progress goes to stderr.  Every ``_cmd_*`` function raises
:class:`~neurotopic.errors.NeurotopicError` for bad input, which :func:`neurotopic.cli.main`
reports in one line.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .. import io
from .._runtime import resolve_device
from ..errors import NeurotopicError
from ..estimator import NeuralTopicModel
from ..model.tasks import get_task
from ..text.corpus import read_corpus
from ..text.embeddings import load_vectors
from ..train import checkpoint, distributed


def printable(text: str) -> str:
    """``text`` with control characters (terminal escape sequences among them) shown as
    ``\\x1b``-style escapes, so a crafted term cannot drive the user's terminal.

    Examples
    --------
    >>> printable("red\\x1b[31m wine")
    'red\\\\x1b[31m wine'
    """
    return "".join(
        c if unicodedata.category(c)[0] != "C" else c.encode("unicode_escape").decode("ascii")
        for c in text
    )


def _progress(message: str) -> None:
    """One progress line, on stderr (stdout is for results)."""
    print(message, file=sys.stderr, flush=True)


def _print_topics(model: NeuralTopicModel, top: int, exclude: Sequence[str] = ()) -> None:
    for k, terms in enumerate(model.topics(top_n=top, exclude=exclude)):
        shown = ", ".join(printable(t) for t in terms)
        print(f"topic {k:>3}  ({model.topic_prevalence_[k]:5.1%})  {shown}")


def _fit_and_save(
    texts: list[str],
    args: argparse.Namespace,
    out: Path,
    force: bool,
    labels: Any = None,
    *,
    checkpoint_dir: Path | None = None,
    rank: int = 0,
) -> NeuralTopicModel:
    model = NeuralTopicModel(
        args.topics,
        epochs=args.epochs,
        random_state=args.seed,
        verbose=not args.quiet and rank == 0,
        checkpoint_dir=checkpoint_dir,
        **{k: v for k, v in _fit_options(args).items() if v is not None},
    )
    start = time.perf_counter()
    model.fit(texts, labels)
    seconds = time.perf_counter() - start
    if rank != 0:  # a data-parallel fit: every process holds the model, rank 0 saves it
        return model
    if checkpoint_dir is not None:  # the model is complete: nothing left to resume
        model.set_params(checkpoint_dir=None)
    model.save(out, overwrite=force)
    if checkpoint_dir is not None:
        checkpoint.remove(checkpoint_dir)
    if not args.quiet:
        last = model.history_[-1]
        print(
            f"fitted {len(texts)} documents, {len(model.terms_)} terms, {model.n_topics} topics in "
            f"{seconds:.1f}s; held-out ranking accuracy {last['heldout_ranking_accuracy']:.3f}; "
            f"saved to {out}",
            file=sys.stderr,
        )
    return model


def _vectors_option(args: argparse.Namespace) -> Any:
    """``--vectors``: a name or path, or with ``--trust-pickle`` the loaded gensim file."""
    vectors = getattr(args, "vectors", None)
    if getattr(args, "trust_pickle", False) and vectors not in (None, "ppmi", "word2vec"):
        return load_vectors(vectors, trust_pickle=True)
    return vectors


def _fit_options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "vectors": _vectors_option(args),
        "vector_size": getattr(args, "vector_size", None),
        "n_jobs": getattr(args, "n_jobs", None),
        "min_df": getattr(args, "min_df", None),
        "max_df": getattr(args, "max_df", None),
        "max_terms": getattr(args, "max_terms", None),
        "device": getattr(args, "device", None),
        "batch_size": getattr(args, "batch_size", None),
        "task": getattr(args, "task", None),
        "label_readout": getattr(args, "label_readout", None),
        "early_stopping": getattr(args, "early_stopping", None),
        "topic_init": getattr(args, "topic_init", None),
        "language": getattr(args, "language", None),
    }


def _multilabel_sets(labels: Sequence[Any]) -> list[list[Any]]:
    """Label lists of a multi-label field: JSON lists, or strings separated by ``|``."""
    return [
        [p.strip() for p in value.split("|") if p.strip()] if isinstance(value, str) else value
        for value in labels
    ]


def _cmd_fit(args: argparse.Namespace) -> None:
    if (args.task is None) != (args.label_field is None):
        raise NeurotopicError(
            "--task and --label-field go together: pass both to fit a supervised model, or neither"
        )
    # Checkpoints go to OUT.checkpoint (or the --resume DIR); the fit is data-parallel
    # when torchrun launched it (WORLD_SIZE > 1 in the environment).
    out = Path(args.out)
    io.check_replaceable(out, args.force)  # before anything is read or written
    ckpt = Path(args.resume) if args.resume else checkpoint.default_path(out)
    joined = distributed.init_from_env(cuda=resolve_device(args.device).type == "cuda")
    comm = distributed.ProcessGroup.current()
    with contextlib.ExitStack() as stack:
        if comm.rank == 0:  # one fit at a time per --out: a second gets a one-line error
            stack.enter_context(io.writer_lock(out, "fit"))
        model = _fit_under_lock(args, out, ckpt, comm, joined)
    if comm.rank == 0:
        _print_topics(model, args.top)


def _fit_under_lock(
    args: argparse.Namespace, out: Path, ckpt: Path, comm: Any, joined: bool
) -> NeuralTopicModel:
    try:
        checkpoint.prepare(ckpt, resume=args.resume is not None, force=args.force, comm=comm)
        try:
            texts, labels = read_corpus(
                args.corpus, text_field=args.text_field, label_field=args.label_field
            )
            y: Any = labels
            if args.task and get_task(args.task).reads_label_sets and labels is not None:
                y = _multilabel_sets(labels)
            model = _fit_and_save(
                texts, args, out, args.force, y, checkpoint_dir=ckpt, rank=comm.rank
            )
        except KeyboardInterrupt:
            message = _interrupted(ckpt, args.resume is not None, comm.rank)
            raise KeyboardInterrupt(message) from None
        except NeurotopicError:
            if args.resume is None and comm.rank == 0:  # leave nothing half-done behind
                checkpoint.remove(ckpt)
            raise
    finally:
        if joined:
            distributed.shutdown()
    return model


def _interrupted(ckpt: Path, resumed: bool, rank: int) -> str:
    """The message of a fit stopped by Ctrl-C (or SIGTERM): where its checkpoint is."""
    held = checkpoint.describe(ckpt)
    if held is None:
        if rank == 0 and not resumed:
            checkpoint.remove(ckpt)
        return "interrupted; nothing was written"
    how = "rerun the same command" if resumed else f"rerun the same command with --resume {ckpt}"
    return f"interrupted; '{ckpt}' holds a checkpoint after {held}; to continue, {how}"


def _cmd_topics(args: argparse.Namespace) -> None:
    model = NeuralTopicModel.load(args.model)
    exclude = [w.strip() for w in args.exclude.split(",") if w.strip()]
    if args.json:
        topics = model.topic_records(args.top, exclude)
        print(json.dumps(topics, indent=2))  # \\u escapes: no raw control characters
    else:
        _print_topics(model, args.top, exclude)


def _cmd_transform(args: argparse.Namespace) -> None:
    model = NeuralTopicModel.load(args.model)
    out = Path(args.out)
    io.check_new_file(out, args.force)  # before anything is read
    texts, _ = read_corpus(args.corpus, text_field=args.text_field)
    theta = model.transform(texts)
    io.write_file_atomically(
        out, lambda tmp: io.write_doc_topics_csv(tmp, theta), overwrite=args.force
    )
    print(f"wrote {len(texts)} rows to {out}")


def _cmd_predict(args: argparse.Namespace) -> None:
    model = NeuralTopicModel.load(args.model)
    out = Path(args.out)
    io.check_new_file(out, args.force)  # before anything is read
    if model.task_ is None:
        raise NeurotopicError(
            f"model '{args.model}' is unsupervised; refit it with --task and --label-field "
            "to predict labels (or use: neurotopic transform)"
        )
    texts, _ = read_corpus(args.corpus, text_field=args.text_field)
    predicted = model.predict(texts)
    task = get_task(model.task_)
    proba = model.predict_proba(texts) if task.has_proba else None
    classes = [str(c) for c in getattr(model, "classes_", [])]

    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["doc", "prediction", *[f"p_{c}" for c in classes]])
            for d in range(len(texts)):
                label = task.prediction_text(predicted[d], classes)
                probs = [] if proba is None else [f"{p:.6f}" for p in proba[d]]
                writer.writerow([d, label, *probs])

    io.write_file_atomically(out, write, overwrite=args.force)
    print(f"wrote {len(texts)} predictions ({model.task_}) to {out}")


def _label_values(labels: list[Any] | None, model: NeuralTopicModel) -> Any:
    """Labels as ``evaluate`` takes them: label sets where the field holds JSON lists (or
    the model is multi-label, whose CSV labels are separated by ``|``), else as read."""
    if labels is None:
        return None
    label_sets = model.task_ is not None and get_task(model.task_).reads_label_sets
    if label_sets or any(isinstance(v, list) for v in labels):
        return _multilabel_sets(labels)
    return labels


#: What ``evaluate`` scores, printed under its figures.
EVALUATE_NOTE = (
    "measured on the {n} documents given, folded in with transform ({scores}); "
    "training_heldout_ranking_accuracy is the fit's own figure, on triples held out of "
    "the training corpus"
)


def _cmd_evaluate(args: argparse.Namespace) -> None:
    model = NeuralTopicModel.load(args.model)
    texts, labels = read_corpus(
        args.corpus, text_field=args.text_field, label_field=args.label_field
    )
    result = model.evaluate(texts, _label_values(labels, model))
    scores = "micro/macro-F1" if "micro_f1" in result else "accuracy"
    note = EVALUATE_NOTE.format(n=len(texts), scores=f"{scores}: logistic regression, 20% held out")
    if args.json:
        print(json.dumps({**result, "rows": "fold-in", "note": note}, indent=2))
    else:
        for name, value in result.items():
            print(f"{name:<34} {value:.4f}")
        print(f"({note})")


def _parse_topic_counts(text: str) -> list[int]:
    try:
        counts = [int(k) for k in text.split(",") if k.strip()]
    except ValueError:
        raise NeurotopicError(
            f"--topics must be integers separated by commas (e.g. 10,20,50), got '{text}'"
        ) from None
    if not counts or min(counts) < 2:
        raise NeurotopicError(f"--topics needs counts of at least 2, got '{text}'")
    return counts


#: What ``compare`` scores, printed under its table.
COMPARE_NOTE = (
    "accuracy and macro-F1: logistic regression on each model's training rows (the "
    "document-topic vectors of its fit), 20% held out; neurotopic evaluate folds a "
    "corpus in with transform instead, so its figure on the same corpus differs a little"
)


def _cmd_compare(args: argparse.Namespace) -> None:
    from ..evaluation.compare import compare_models, format_table

    counts = _parse_topic_counts(args.topics)
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    texts, labels = read_corpus(
        args.corpus, text_field=args.text_field, label_field=args.label_field
    )
    rows = compare_models(
        texts,
        counts,
        labels=labels,
        models=models,
        random_state=args.seed,
        ntm_params={"language": args.language} if args.language else None,
        progress=None if args.quiet else _progress,
    )
    if args.json:
        data = [
            {
                "model": r.model,
                "n_topics": r.n_topics,
                "fit_seconds": r.fit_seconds,
                **r.metrics,
                "rows": "training",
            }
            for r in rows
        ]
        print(json.dumps(data, indent=2))
    else:
        print(format_table(rows))
        if labels is not None:
            print(f"({COMPARE_NOTE})")


def _cmd_demo(args: argparse.Namespace) -> None:
    from ..datasets import load_bbc

    data = load_bbc()
    io.check_replaceable(Path(args.out), True)  # before the fit: refuse what save would
    model = _fit_and_save(data.texts, args, Path(args.out), force=True)
    _print_topics(model, 10)
    labels = np.asarray(data.labels)
    dominant = model.doc_topic_.argmax(axis=1)
    print("\nmost common BBC class per topic:")
    for k in range(model.n_topics):
        members = labels[dominant == k]
        if len(members):
            values, counts = np.unique(members, return_counts=True)
            share = counts.max() / len(members)
            print(
                f"topic {k:>3}: {values[counts.argmax()]} ({share:.0%} of {len(members)} documents)"
            )


def _cmd_report(args: argparse.Namespace) -> None:
    from ..viz.report import write_report

    if args.label_field and not args.corpus:
        raise NeurotopicError("--label-field needs --corpus (a --dataset brings its own labels)")
    if args.top < 1 or args.docs < 1:
        raise NeurotopicError("--top and --docs must be at least 1")
    out = Path(args.out)
    io.check_new_file(out, args.force)  # before anything is read
    model = NeuralTopicModel.load(args.model)
    texts: list[str] | None = None
    labels: Sequence[Any] | None = None
    if args.corpus:
        texts, read = read_corpus(
            args.corpus, text_field=args.text_field, label_field=args.label_field
        )
        labels = _label_values(read, model)
    elif args.dataset:
        from ..datasets import load_dataset

        data = load_dataset(args.dataset)
        texts, labels = data.texts, data.labels
    write_report(
        model,
        out,
        texts,
        labels,
        overwrite=args.force,
        title=args.title,
        top_n=args.top,
        n_docs=args.docs,
        progress=None if args.quiet else _progress,
    )
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB); open it in a browser")


#: The function of each subcommand, by name.
COMMANDS: dict[str, Callable[[argparse.Namespace], None]] = {
    "fit": _cmd_fit,
    "topics": _cmd_topics,
    "transform": _cmd_transform,
    "predict": _cmd_predict,
    "evaluate": _cmd_evaluate,
    "compare": _cmd_compare,
    "demo": _cmd_demo,
    "report": _cmd_report,
}
