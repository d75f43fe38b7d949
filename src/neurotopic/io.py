"""Model directories: JSON config and vocabulary, safetensors weights, no pickle.

A model directory holds::

    config.json          format, version, estimator parameters, seed
    vocabulary.json      terms, document frequencies, stop words, phrases
    weights.safetensors  le, W2, b, W1 and the training document-term matrix
    history.json         per-epoch training records
    topics.json          each topic's top terms with weights (for people and tools)
    doc_topics.csv       one row per training document: K probabilities, dominant topic

Everything is written into a temporary sibling directory which is then renamed into
place, so an interrupted save never leaves a half-written model behind.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import load_file, save_file

from .errors import NeurotopicError

FORMAT = "neurotopic-model"
FORMAT_VERSION = 1
REQUIRED = ("config.json", "vocabulary.json", "weights.safetensors")


def write_atomically(path: Path, write: Callable[[Path], None], *, overwrite: bool) -> None:
    """Create directory ``path`` by calling ``write(tmpdir)`` then renaming.

    Parameters
    ----------
    path : Path
        Target directory.
    write : callable
        Fills the temporary directory it is given.
    overwrite : bool
        Replace an existing ``path``; otherwise an existing path is an error.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise NeurotopicError(
            f"output '{path}' already exists; choose another path or pass --force "
            "(overwrite=True) to replace it"
        )
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise NeurotopicError(f"directory '{parent}' does not exist; create it first")
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=parent))
    try:
        write(tmp)
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old-", dir=parent))
            os.replace(path, old / "model")
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_file_atomically(path: Path, write: Callable[[Path], None], *, overwrite: bool) -> None:
    """Create file ``path`` by calling ``write(tmpfile)`` then renaming it into place."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise NeurotopicError(
            f"output '{path}' already exists; choose another path or pass --force to replace it"
        )
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise NeurotopicError(f"directory '{parent}' does not exist; create it first")
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=parent)
    os.close(fd)
    try:
        write(Path(name))
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as UTF-8 JSON (2-space indent)."""
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2)
        fh.write("\n")


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


def write_doc_topics_csv(path: Path, doc_topic: np.ndarray, block_rows: int = 65536) -> None:
    """One row per document: ``doc``, ``topic_0`` .. ``topic_{K-1}``, ``dominant_topic``.

    Probabilities are written with 6 decimals, as ``f"{p:.6f}"`` would.  Values in
    [0, 1] (all a model produces) are formatted as fixed-width bytes in numpy, in blocks
    of ``block_rows`` rows, so a million rows of 128 topics take seconds rather than a
    minute of per-value Python formatting; anything else falls back to :mod:`csv`.

    Parameters
    ----------
    path : Path
        File to write.
    doc_topic : ndarray of shape (n_docs, n_topics)
        Document-topic probabilities.
    block_rows : int
        Rows formatted at once (memory about ``9 * n_topics * block_rows`` bytes).
    """
    doc_topic = np.asarray(doc_topic)
    n, k = doc_topic.shape
    header = ",".join(["doc", *[f"topic_{i}" for i in range(k)], "dominant_topic"])
    dominant = doc_topic.argmax(axis=1) if k else np.zeros(n, dtype=np.int64)
    in_unit = bool(np.all(np.isfinite(doc_topic)) and np.all((doc_topic >= 0) & (doc_topic <= 1)))
    if not in_unit or k == 0:
        with open(path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header.split(","))
            for d, row in enumerate(doc_topic):
                writer.writerow([d, *[f"{p:.6f}" for p in row], int(dominant[d])])
        return
    powers = 10 ** np.arange(5, -1, -1, dtype=np.int32)  # (6,): digit place values
    with open(path, "wb") as fh:
        fh.write(header.encode("ascii") + b"\r\n")
        for lo in range(0, n, block_rows):
            hi = min(n, lo + block_rows)
            # Each value in 6-decimal fixed point, as integers in [0, 10**6].
            q = np.rint(doc_topic[lo:hi].astype(np.float64) * 1e6).astype(np.int32)
            field = np.empty((hi - lo, k, 9), dtype=np.uint8)  # "d.dddddd,"
            field[:, :, 0] = 48 + q // 1_000_000
            field[:, :, 1] = ord(".")
            field[:, :, 2:8] = 48 + (q[:, :, None] % 1_000_000) // powers % 10
            field[:, :, 8] = ord(",")
            middle = field.reshape(hi - lo, k * 9)
            fh.write(
                b"".join(
                    b"%d,%b%d\r\n" % (lo + i, middle[i].tobytes(), dominant[lo + i])
                    for i in range(hi - lo)
                )
            )


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
            f"model directory '{p}' does not exist; fit one with: neurotopic fit CORPUS --out {p}"
        )
    for name in REQUIRED:
        if not (p / name).is_file():
            raise NeurotopicError(
                f"'{p}' is not a complete neurotopic model directory (no {name}); "
                "refit it with: neurotopic fit"
            )
    try:
        config = json.loads((p / "config.json").read_text(encoding="utf-8"))
        vocabulary = json.loads((p / "vocabulary.json").read_text(encoding="utf-8"))
        history_path = p / "history.json"
        history = (
            json.loads(history_path.read_text(encoding="utf-8")) if history_path.is_file() else []
        )
        arrays = load_file(str(p / "weights.safetensors"))
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
