"""Model directories: a fitted ``NeuralTopicModel`` saved and loaded, with no pickle.

A model directory holds::

    config.json          format, version, estimator parameters, seed, readout, labels
    vocabulary.json      terms, document frequencies, stop words, phrases, language
    weights.safetensors  le, W2, b, W1, the training document-term matrix (and W3)
    history.json         per-epoch training records
    topics.json          each topic's top terms with weights (for people and tools)
    doc_topics.csv       one row per training document: K probabilities, dominant topic

The vocabulary, the analyzer and the training matrix are written by the same
serialiser as a checkpoint's text stage (:meth:`neurotopic.text.stage.TextStage.encode`).
The directory is written whole or not at all (:func:`neurotopic.io.write_atomically`);
readers open every file through one handle on the directory, so a model replaced while
it is read is read whole, old or new.  Loading checks every array's shape and values
before anything indexes with them, so a corrupt directory gives an error, never a crash.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from safetensors.numpy import load, save_file

from ._params import params_to_json
from ._version import __version__
from .errors import NeurotopicError
from .io import (
    FORMAT,
    FORMAT_VERSION,
    REQUIRED,
    nan_records,
    write_atomically,
    write_doc_topics_csv,
    write_json,
)
from .model.supervised import LABEL_FEATURES, Labels
from .model.tasks import get_task
from .text.stage import TextStage
from .train.threads import resolve_n_jobs, thread_budget

if TYPE_CHECKING:
    from .estimator import NeuralTopicModel

#: The arrays every model directory holds (the label layer's only with a task).
WEIGHTS = (
    "term_vectors",
    "topic_weight",
    "topic_bias",
    "doc_logits",
    "train_indptr",
    "train_indices",
    "train_counts",
)
#: Terms per topic written to topics.json.
TOPICS_JSON_TERMS = 30


def save_model(
    model: NeuralTopicModel, path: str | os.PathLike[str], *, overwrite: bool = False
) -> None:
    """Write a fitted model's directory (see the module docstring), atomically.

    Parameters
    ----------
    model : NeuralTopicModel
        A fitted model.
    path : str or path-like
        The directory to write.
    overwrite : bool
        Replace an existing model directory there.
    """
    meta, stage_arrays = TextStage(
        model._vocabulary(), model.analyzer_, model.term_vectors_, model.X_train_
    ).encode()
    arrays: dict[str, np.ndarray] = {
        "term_vectors": model.term_vectors_,
        "topic_weight": model.topic_weight_,
        "topic_bias": model.topic_bias_,
        "doc_logits": model.doc_logits_,
        "train_indptr": stage_arrays["train_indptr"].astype(np.int64),
        "train_indices": stage_arrays["train_indices"].astype(np.int32),
        "train_counts": stage_arrays["train_counts"].astype(np.float32),
    }
    if model.task_ is not None:
        arrays["label_weight"] = model.label_weight_
        arrays["label_bias"] = model.label_bias_
    write_model_dir(
        Path(path),
        config={
            "neurotopic_version": __version__,
            "class": type(model).__name__,
            "params": params_to_json(model.get_params()),
            "random_seed": model.random_seed_,
            "fit_seconds": getattr(model, "fit_seconds_", {}),
            "labels": getattr(model, "labels_meta_", None) if model.task_ else None,
            "readout": {"topic_readout": model.topic_readout_, "scale": model.background_scale_},
        },
        vocabulary=meta,
        arrays=arrays,
        history=model.history_,
        topics=model.topic_records(top_n=TOPICS_JSON_TERMS),
        doc_topic=model.doc_topic_,
        overwrite=overwrite,
    )


def load_model(cls: type[NeuralTopicModel], path: str | os.PathLike[str]) -> NeuralTopicModel:
    """Read a model directory written by :func:`save_model`.

    Raises
    ------
    NeurotopicError
        If the directory is missing, incomplete, from a newer version or corrupt (one
        line that says so and how to get a model back).
    """
    config, vocabulary, arrays, history = read_model_dir(path)

    def corrupt(reason: str) -> NeurotopicError:
        return NeurotopicError(
            f"model directory '{path}' is corrupt ({reason}); refit it with: neurotopic fit"
        )

    try:
        model = cls(**config["params"])
        try:
            model._validate_params()
        except NeurotopicError as exc:
            raise corrupt(str(exc)) from None
        problem = _check_shapes(model.n_topics, vocabulary, arrays)
        if problem is not None:
            raise corrupt(problem)
        stage = TextStage.decode({"n_docs": arrays["doc_logits"].shape[0], **vocabulary}, arrays)
        with thread_budget(resolve_n_jobs(model.n_jobs)):  # as in fit: BLAS on one thread
            model._set_fitted(
                vocab=stage.vocabulary,
                analyzer=stage.analyzer,
                term_vectors=arrays["term_vectors"],
                topic_weight=arrays["topic_weight"],
                topic_bias=arrays["topic_bias"],
                doc_logits=arrays["doc_logits"],
                X=stage.X,
                seed=int(config["random_seed"]),
                history=history,
                background_scale=(config.get("readout") or {}).get("scale"),
            )
        model.fit_seconds_ = config.get("fit_seconds", {})
        meta = config.get("labels")
        if meta is not None:
            weight, bias = arrays["label_weight"], arrays["label_bias"]
            n_out = get_task(meta["task"]).n_outputs(len(meta["classes"]))
            if weight.shape != (model.n_topics, n_out) or bias.shape != (n_out,):
                raise corrupt("the label layer does not match the labels")
            labels = Labels(
                meta["task"],
                np.zeros(0),
                list(meta["classes"]),
                float(meta["mean"]),
                float(meta["scale"]),
            )
            features = str(meta.get("features", "linear"))
            if features not in LABEL_FEATURES:
                raise corrupt(f"unknown label-layer input {features!r}")
            model._set_supervised(labels, weight, bias, features)
    except NeurotopicError:
        raise
    except (KeyError, TypeError, ValueError, AssertionError, IndexError, AttributeError) as exc:
        raise corrupt(f"{type(exc).__name__}: {exc}") from None
    return model


def _check_shapes(
    n_topics: int, vocabulary: dict[str, Any], arrays: dict[str, np.ndarray]
) -> str | None:
    """What is wrong with the arrays' shapes and values, or None (before any indexing)."""
    missing = [name for name in WEIGHTS if name not in arrays]
    if missing:
        return f"no array {missing[0]!r}"
    shapes = {name: arrays[name].shape for name in WEIGHTS}
    n_docs, n_terms = shapes["doc_logits"][0], len(vocabulary["terms"])
    indices = arrays["train_indices"]
    if (
        shapes["term_vectors"][0] != n_terms
        or shapes["topic_weight"] != (shapes["term_vectors"][1], n_topics)
        or shapes["topic_bias"] != (n_topics,)
        or shapes["doc_logits"][1] != n_topics
        or shapes["train_indptr"] != (n_docs + 1,)
        or len(vocabulary["doc_freq"]) != n_terms
        or (len(indices) and (indices.min() < 0 or indices.max() >= n_terms))
        or arrays["train_indptr"][-1] != len(indices)
    ):
        return "weights do not match the vocabulary or the settings"
    return check_arrays(arrays, WEIGHTS)


def write_model_dir(
    path: Path,
    *,
    config: dict[str, Any],
    vocabulary: dict[str, Any],
    arrays: dict[str, np.ndarray],
    history: list[dict[str, Any]],
    topics: list[dict[str, Any]],
    doc_topic: np.ndarray,
    overwrite: bool = False,
) -> None:
    """Write a complete model directory atomically (see the module docstring)."""

    def write(tmp: Path) -> None:
        write_json(
            tmp / "config.json", {"format": FORMAT, "format_version": FORMAT_VERSION, **config}
        )
        write_json(tmp / "vocabulary.json", vocabulary)
        save_file(
            {k: np.ascontiguousarray(v) for k, v in arrays.items()},
            str(tmp / "weights.safetensors"),
        )
        write_json(tmp / "history.json", history)
        write_json(tmp / "topics.json", topics)
        write_doc_topics_csv(tmp / "doc_topics.csv", doc_topic)

    write_atomically(path, write, overwrite=overwrite)


def check_arrays(arrays: dict[str, np.ndarray], names: Sequence[str]) -> str | None:
    """What is wrong with a model's arrays before anything indexes with them, or None.

    Float arrays must be finite; the training matrix's ``train_indptr`` must start at
    0, never decrease and end at ``len(train_indices)``, with integer ids (a corrupt
    pointer would send scipy or the compiled passes outside the arrays).
    """
    for name in names:
        if name not in arrays:
            return f"no array {name!r}"
    for name, array in arrays.items():
        if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
            return f"{name} holds NaN or infinite values"
    indptr, indices = arrays.get("train_indptr"), arrays.get("train_indices")
    if indptr is not None and indices is not None:
        if indptr.dtype.kind not in "iu" or indices.dtype.kind not in "iu":
            return "the training matrix's indices are not integers"
        if indptr.ndim != 1 or len(indptr) == 0 or indptr[0] != 0:
            return "train_indptr does not start at 0"
        if np.any(np.diff(indptr) < 0) or indptr[-1] != len(indices):
            return "train_indptr is not a pointer into train_indices"
        counts = arrays.get("train_counts")
        if counts is not None and len(counts) != len(indices):
            return "train_counts and train_indices differ in length"
    return None


def _read_files(path: Path) -> tuple[Any, Any, Any, dict[str, np.ndarray]]:
    """config, vocabulary, history and weights, all from one directory (one handle)."""
    with _DirectoryReader(path) as files:
        config = json.loads(files.read("config.json"))
        vocabulary = json.loads(files.read("vocabulary.json"))
        history = json.loads(files.read("history.json", b"[]"))
        arrays = load(files.read("weights.safetensors"))
    return config, vocabulary, history, arrays


class _DirectoryReader:
    """Reads files of one directory through a handle opened once (``openat``).

    Replacing a model swaps whole directories, so the handle keeps pointing at the
    model it opened: every file read comes from that one model.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = -1

    def __enter__(self) -> _DirectoryReader:
        if os.open in os.supports_dir_fd:  # elsewhere (Windows) files are opened by path
            self.fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd >= 0:
            os.close(self.fd)

    def read(self, name: str, missing: bytes | None = None) -> bytes:
        """The bytes of file ``name`` (``missing`` when it does not exist, if given)."""
        try:
            if self.fd >= 0:
                fd = os.open(name, os.O_RDONLY, dir_fd=self.fd)
            else:  # pragma: no cover - Windows
                fd = os.open(self.path / name, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        except FileNotFoundError:
            if missing is None:
                raise
            return missing
        with os.fdopen(fd, "rb") as fh:
            return fh.read()


def read_model_dir(
    path: str | os.PathLike[str],
) -> tuple[dict[str, Any], dict[str, Any], dict[str, np.ndarray], list[dict[str, Any]]]:
    """Read config, vocabulary, weights and history from a model directory.

    Raises
    ------
    NeurotopicError
        If the directory is missing, incomplete or corrupt.
    """
    p = Path(path)
    if not p.is_dir():
        raise NeurotopicError(
            f"model directory '{p}' does not exist; fit a model and save it there first"
        )
    for name in REQUIRED:
        if not (p / name).is_file():
            raise NeurotopicError(
                f"'{p}' is not a complete neurotopic model directory (no {name}); "
                "refit it with: neurotopic fit"
            )
    try:
        for attempt in range(3):
            try:
                config, vocabulary, history, arrays = _read_files(p)
                break
            except FileNotFoundError:  # replaced, and the old model deleted, mid-read
                if attempt == 2:
                    raise
        if not isinstance(history, list) or not all(isinstance(h, dict) for h in history):
            raise ValueError("history.json is not a list of epoch records")
        history = nan_records(history)
        if isinstance(config, dict) and not isinstance(config.get("format_version", 0), int):
            raise ValueError("config.json's format_version is not an integer")
    except Exception as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise NeurotopicError(
            f"model directory '{p}' is corrupt ({reason}); refit it with: neurotopic fit"
        ) from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise NeurotopicError(
            f"'{p}/config.json' is not a neurotopic model config; refit it with: neurotopic fit"
        )
    if int(config.get("format_version", 0)) > FORMAT_VERSION:
        raise NeurotopicError(
            f"model '{p}' was saved by a newer neurotopic (format "
            f"{config.get('format_version')}); upgrade neurotopic to load it"
        )
    return config, vocabulary, arrays, history
