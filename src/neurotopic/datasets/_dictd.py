"""The reader of dictd databases, the format of Debian's ``dict-*`` dictionary packages.

A dictd database is a ``<name>.index`` file, one headword a line with the byte offset and
length of its entry, and the entries themselves in ``<name>.dict.dz`` (dictzip, which gzip
reads).  :func:`_dictd_entries` gives each entry once, in file order, for the loaders of
FOLDOC (``_foldoc``) and GCIDE (``_gcide``), which differ only in how they parse an
entry.
"""

from __future__ import annotations

import gzip
from pathlib import Path

from ..errors import NeurotopicError

# Where Debian's dict-* packages put their databases.
_DICTD_DIR = Path("/usr/share/dictd")

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _dictd_number(digits: str) -> int:
    """Decode a dictd index number, written in base 64 with the alphabet ``A-Za-z0-9+/``."""
    value = 0
    for digit in digits:
        value = value * 64 + _B64.index(digit)
    return value


def _dictd_entries(database: str, what: str, fix: str) -> list[str]:
    """The entries of a dictd database in :data:`_DICTD_DIR`, each once, in file order.

    The ``<database>.index`` file maps each headword to the byte offset and length of its
    entry in ``<database>.dict.dz`` (dictzip, which gzip reads); headwords that share an
    entry (aliases, other spellings) give it once.

    Parameters
    ----------
    database : str
        The database's file stem, e.g. ``"foldoc"``.
    what : str
        The dataset's display name, for error messages.
    fix : str
        How to install the database, for error messages.

    Returns
    -------
    list of str
        Entry texts: headword lines, then the indented body.
    """
    index_path = _DICTD_DIR / f"{database}.index"
    dict_path = _DICTD_DIR / f"{database}.dict.dz"
    if not index_path.is_file() or not dict_path.is_file():
        raise NeurotopicError(f"{what} needs '{dict_path}' and its index; {fix}")
    spans: set[tuple[int, int]] = set()
    try:
        data = gzip.decompress(dict_path.read_bytes())
        with index_path.open(encoding="utf-8", errors="replace") as stream:
            for line_number, line in enumerate(stream, start=1):
                fields = line.rstrip("\n").split("\t")
                if len(fields) < 3:
                    raise ValueError(f"'{index_path}' line {line_number} is not 3 fields")
                spans.add((_dictd_number(fields[1]), _dictd_number(fields[2])))
    except (OSError, EOFError, ValueError, gzip.BadGzipFile) as error:
        reason = " ".join(str(error).split())
        raise NeurotopicError(
            f"cannot read {what} from '{dict_path}' ({reason}); reinstall it with: "
            f"{fix.rpartition(': ')[2].replace('install', 'install --reinstall', 1)}"
        ) from None
    return [
        data[offset : offset + length].decode("utf-8", errors="replace")
        for offset, length in sorted(spans)
    ]
