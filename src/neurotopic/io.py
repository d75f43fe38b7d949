"""Files written whole or not at all: atomic writes, writer locks, strict JSON.

Everything is written into a temporary sibling (file or directory) which is then renamed
into place (swapped with the old one in one step, where the system allows), under an
advisory lock, so an interrupted write never leaves a half-written file behind and two
writers never mix their files.  The model directory's layout is in
:mod:`neurotopic.persist`.
"""

from __future__ import annotations

import csv
import ctypes
import errno
import glob
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from .errors import NeurotopicError

try:  # advisory locks: POSIX only; elsewhere writers are not locked
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

FORMAT = "neurotopic-model"
FORMAT_VERSION = 1
REQUIRED = ("config.json", "vocabulary.json", "weights.safetensors")


def is_model_dir(path: Path) -> bool:
    """Whether ``path`` is a directory whose config.json says it is a neurotopic model."""
    try:
        config = json.loads((Path(path) / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(config, dict) and config.get("format") == FORMAT


@contextmanager
def writer_lock(path: Path, purpose: str = "write") -> Iterator[None]:
    """Hold an advisory lock on output ``path`` (a hidden ``.NAME.PURPOSE.lock`` beside it).

    A second process asking for the same lock gets a one-line error instead of
    interleaving its writes with this one's.  The lock ends with the process, however
    it ends; the lock file is removed on release (a process killed meanwhile leaves
    the empty file, which the next writer locks and removes).

    Raises
    ------
    NeurotopicError
        When another process holds the lock.
    """
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise NeurotopicError(f"directory '{parent}' does not exist; create it first")
    if fcntl is None:  # pragma: no cover - no advisory locks on this system
        yield
        return
    lock = parent / f".{path.name}.{purpose}.lock"
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise NeurotopicError(
                f"cannot write next to '{path}' ({exc.strerror}); choose a writable output path"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise NeurotopicError(
                f"another neurotopic process is writing '{path}'; wait for it to finish or "
                "choose another output path"
            ) from None
        try:  # the holder before us may have removed the file we locked: lock the new one
            if os.stat(lock).st_ino == os.fstat(fd).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)  # while still locked, so no one else holds this file
        os.close(fd)


def check_replaceable(path: Path, overwrite: bool, only_models: bool = True) -> None:
    """Refuse to replace anything but a neurotopic model directory (or an empty one)."""
    if Path(path).name in ("", ".", ".."):
        raise NeurotopicError(
            f"output '{path}' is not a new directory's name; choose another path, such as "
            "./my-model"
        )
    if path.is_symlink():
        raise NeurotopicError(
            f"output '{path}' is a symbolic link; remove it or choose another path"
        )
    if not path.exists():
        return
    check_new_file(path, overwrite)
    if not path.is_dir() or path.resolve() == Path.cwd().resolve():
        raise NeurotopicError(
            f"output '{path}' exists and is not a neurotopic model directory; overwrite=True "
            "replaces only a model, so choose another path"
        )
    if only_models and not is_model_dir(path) and any(path.iterdir()):
        raise NeurotopicError(
            f"output '{path}' exists and is not a neurotopic model directory (it holds other "
            "files); overwrite=True replaces only a model, so choose another path"
        )


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``).

    Returns False where the system or the file system cannot (the caller falls back).
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(
        at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), ctypes.c_uint(rename_exchange)
    )
    if result == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _remove_leftovers(path: Path) -> None:
    """Hidden ``.NAME.tmp-*`` and ``.NAME.old-*`` folders of writers killed mid-way.

    A writer killed between the fallback's two renames left the old model in
    ``.NAME.old-*/model`` and nothing at ``path``: that model is put back first.
    """
    parent = path.parent if str(path.parent) else Path(".")
    if not path.exists() and not path.is_symlink():
        for old in sorted(parent.glob(f"{glob.escape(f'.{path.name}.old-')}*")):
            if is_model_dir(old / "model"):
                os.replace(old / "model", path)
                break
    for prefix in (f".{path.name}.tmp-", f".{path.name}.old-"):
        for entry in parent.glob(f"{glob.escape(prefix)}*"):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)


def write_atomically(
    path: Path, write: Callable[[Path], None], *, overwrite: bool, only_models: bool = True
) -> None:
    """Create directory ``path`` by calling ``write(tmpdir)`` then renaming.

    Under a writer lock (:func:`writer_lock`): a second writer of ``path`` gets an
    error.  An existing ``path`` is replaced only with ``overwrite`` and only when it
    is a neurotopic model directory (or empty), by swapping the two directories in one
    atomic rename where Linux allows it; elsewhere by two renames, undone if the second
    fails.  Either way ``path`` holds one complete model at every moment but, in the
    fallback, between the two renames.  Leftovers of writers killed earlier are removed.

    Parameters
    ----------
    path : Path
        Target directory.
    write : callable
        Fills the temporary directory it is given.
    overwrite : bool
        Replace an existing model at ``path``; otherwise an existing path is an error.
    only_models : bool
        Replace only a neurotopic model directory or an empty one (False: any
        directory, for a checkpoint's own parts).
    """
    path = Path(path)
    check_replaceable(path, overwrite, only_models)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise NeurotopicError(f"directory '{parent}' does not exist; create it first")
    with writer_lock(path):
        _remove_leftovers(path)
        check_replaceable(path, overwrite, only_models)  # again: a model may be back
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=parent))
        try:
            write(tmp)
            mask = _umask()
            os.chmod(tmp, 0o777 & ~mask)  # mkdtemp makes it 0700
            for entry in tmp.iterdir():  # and safetensors writes 0600
                if entry.is_file() and not entry.is_symlink():
                    os.chmod(entry, 0o666 & ~mask)
            if not path.exists():
                os.replace(tmp, path)
            elif _exchange(tmp, path):
                shutil.rmtree(tmp, ignore_errors=True)  # now the old model
            else:
                old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old-", dir=parent))
                os.replace(path, old / "model")
                try:
                    os.replace(tmp, path)
                except BaseException:
                    os.replace(old / "model", path)  # put the old model back
                    shutil.rmtree(old, ignore_errors=True)
                    raise
                shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


def _umask() -> int:
    """This process's umask: from /proc where Linux shows it, else by setting it and
    putting it back (which other threads could see for an instant)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def check_new_file(path: Path, overwrite: bool) -> None:
    """Refuse an existing output file unless ``overwrite``; call it before any work."""
    if Path(path).exists() and not overwrite:
        raise NeurotopicError(
            f"output '{path}' already exists; choose another path or pass overwrite=True "
            "to replace it"
        )


def write_file_atomically(path: Path, write: Callable[[Path], None], *, overwrite: bool) -> None:
    """Create file ``path`` by calling ``write(tmpfile)`` then renaming it into place."""
    path = Path(path)
    check_new_file(path, overwrite)
    if path.is_dir():
        raise NeurotopicError(f"output '{path}' is a directory; pass a file path")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise NeurotopicError(f"directory '{parent}' does not exist; create it first")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=parent)
    except OSError as exc:
        raise NeurotopicError(
            f"cannot write '{path}' ({exc.strerror}); choose a writable output path"
        ) from None
    os.close(fd)
    try:
        write(Path(name))
        os.chmod(name, 0o666 & ~_umask())  # mkstemp makes it 0600
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def finite_json(data: Any) -> Any:
    """``data`` with every NaN or infinite float replaced by None (JSON's ``null``).

    Python's ``json`` writes them as bare ``NaN`` and ``Infinity``, which strict JSON
    parsers (browsers' ``JSON.parse``, jq, Go, Rust) reject.

    Examples
    --------
    >>> finite_json({"hinge": float("nan"), "n": [1.5, float("inf")]})
    {'hinge': None, 'n': [1.5, None]}
    """
    if isinstance(data, float):
        return data if np.isfinite(data) else None
    if isinstance(data, dict):
        return {key: finite_json(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [finite_json(value) for value in data]
    return data


def nan_records(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Epoch records read back from JSON: null, how a NaN was written, is NaN again."""
    return [{k: float("nan") if v is None else v for k, v in r.items()} for r in records]


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as strict UTF-8 JSON (2-space indent; NaN and infinities as null)."""
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(finite_json(data), fh, ensure_ascii=False, indent=2, allow_nan=False)
        fh.write("\n")


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
