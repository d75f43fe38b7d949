"""Manual pages of the Linux man-pages project, from Debian's ``manpages`` packages.

:func:`load_manpages` reads the pages that dpkg lists for the packages ``manpages`` and
``manpages-dev`` (so the corpus does not depend on what else is installed) and labels each
by its section.  The pages are roff source; :func:`_roff_to_text` turns them into plain
text without calling ``man`` or ``groff``, keeping text lines and the arguments of the
macros that carry text.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from ..errors import NeurotopicError
from ._base import Dataset, _decode_legacy, _drop_small_classes

_MAN_FIX = "install it with: apt-get install manpages manpages-dev"

# Where Debian's packages put manual pages.
_MAN_DIR = Path("/usr/share/man")
# dpkg's file lists: which installed files belong to which package.
_DPKG_INFO = Path("/var/lib/dpkg/info")
_MAN_PACKAGES = ("manpages", "manpages-dev")

# Macros whose arguments are text: headings and font changes (one font, or alternating
# fonts whose arguments join without spaces), and the tag of an indented paragraph.
_ROFF_JOINED = frozenset({"SH", "SS", "B", "I", "SB", "SM"})
_ROFF_ALTERNATING = frozenset({"BR", "BI", "IB", "IR", "RB", "RI"})
_ROFF_CHARACTERS = {
    "em": "-",
    "en": "-",
    "hy": "-",
    "aq": "'",
    "cq": "'",
    "oq": "'",
    "dq": '"',
    "lq": '"',
    "rq": '"',
    "Aq": "'",
    "bu": "",
    "co": "(c)",
}
_ROFF_ESCAPE = re.compile(
    r"\\(?:"
    r"[fF](?:\(..|\[[^\]]*\]|.)"  # font: \fB \f(CW \f[I]
    r"|\(..|\*(?:\(..|\[[^\]]*\]|.)"  # special character \(em, string \*(Aq \*R
    r"|\[[^\]]*\]"  # named character \[em]
    r"|s[-+]?\d+|s\(..|m\[[^\]]*\]|[nN](?:\(..|\[[^\]]*\]|.)"  # size, colour, register
    r"|[hvwloHSDbxXLRZ]'[^']*'"  # motions, widths and lines: \h'2n'
    r"|(.|$)"  # anything else, and a line's closing backslash: \- \e \& \  \| \^ \c \% \0 \~
    r")",
    re.DOTALL,
)
_ROFF_SINGLE = {
    "-": "-",
    "e": "\\",
    " ": " ",
    "~": " ",
    "0": " ",
    "\\": "\\",
    ".": ".",
    "'": "'",
    "`": "`",
}
_ROFF_ARGUMENT = re.compile(r'"((?:[^"]|"")*)"?|((?:\\.|\S)+)')


def _roff_escapes(text: str) -> str:
    """Replace roff escapes by their plain characters (``\\-`` by ``-``), or nothing."""

    def replace(match: re.Match[str]) -> str:
        whole, single = match.group(0), match.group(1)
        if single is not None:
            return _ROFF_SINGLE.get(single, "")
        if whole[1] in "(*[":
            name = whole[2:].removeprefix("(").removeprefix("[").removesuffix("]")
            return _ROFF_CHARACTERS.get(name, "")
        return ""

    return _ROFF_ESCAPE.sub(replace, text.partition('\\"')[0])


def _roff_to_text(source: str) -> str:
    """Plain text of a manual page: text lines and text-macro arguments, escapes removed.

    Comments (``.\\"``), macro definitions (``.de`` to ``..``), and requests and macros
    other than headings (``.SH``, ``.SS``), font macros (``.B``, ``.I``, ``.BR`` ...) and
    paragraph tags (``.IP``, whose first argument is the tag; ``.TP``'s tag is the next
    text line) are dropped.
    """
    lines: list[str] = []
    defining = False  # inside a macro definition, ".de NAME" to ".."
    for line in source.splitlines():
        if defining or re.match(r"[.']\s*(?:de|am|ig)\b", line):
            defining = line.strip() != ".."
            continue
        if line[:1] not in {".", "'"}:
            lines.append(_roff_escapes(line))
            continue
        macro, _, arguments = line[1:].strip().partition(" ")
        arguments = arguments.replace("\\\\", "\\")  # "\\" in a macro's arguments is "\"
        words = [
            q.replace('""', '"') if q or not w else w for q, w in _ROFF_ARGUMENT.findall(arguments)
        ]
        if macro in _ROFF_JOINED:
            lines.append(_roff_escapes(" ".join(words)))
        elif macro in _ROFF_ALTERNATING:
            lines.append(_roff_escapes("".join(words)))
        elif macro == "IP" and words:
            lines.append(_roff_escapes(words[0]))
    return "\n".join(line.rstrip() for line in lines if line.strip())


def _man_page_text(path: Path) -> str | None:
    """The plain text of a manual page file, or None for a ``.so`` redirect."""
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    source = _decode_legacy(data)
    requests = [
        line for line in source.splitlines() if line.strip() and not re.match(r"[.']\s*\\\"", line)
    ]
    if requests and all(re.match(r"[.']\s*so\s", line) for line in requests):
        return None
    return _roff_to_text(source)


def load_manpages(min_words: int = 50, min_pages: int = 20) -> Dataset:
    """Load the Linux man-pages project's manual pages, labelled by section.

    Reads the pages that Debian's packages ``manpages`` and ``manpages-dev`` installed
    (the files dpkg lists for them) under ``/usr/share/man/man1`` to ``man8``, so the
    corpus is the same on every machine with those packages, whatever else is installed.
    Files are gzip-compressed (``*.gz``) or plain; symbolic links (aliases
    of another page) and pages that only redirect with ``.so`` are skipped.  The roff source
    becomes plain text without external tools (see :func:`_roff_to_text`).  The label is
    the section: ``"1"`` user commands, ``"2"`` system calls, ``"3"`` library functions,
    ``"4"`` devices, ``"5"`` file formats, ``"6"`` games, ``"7"`` overviews and ``"8"``
    administration (the two packages fill sections 2-7).

    Parameters
    ----------
    min_words : int
        Keep pages of at least this many words.
    min_pages : int
        Keep sections of at least this many such pages (the packages put a handful of
        pages in sections 1, 6 and 8).

    Returns
    -------
    Dataset
        Pages by section, then by file name.

    Raises
    ------
    NeurotopicError
        If no section directory has a page.
    """
    owned: set[str] = set()
    for package in _MAN_PACKAGES:
        listing = _DPKG_INFO / f"{package}.list"
        if listing.is_file():
            owned.update(listing.read_text(encoding="utf-8", errors="replace").splitlines())
    if not owned:
        raise NeurotopicError(
            f"the packages {' and '.join(_MAN_PACKAGES)} are not installed; {_MAN_FIX}"
        )
    pages: list[tuple[str, str]] = []
    for section in "12345678":
        directory = _MAN_DIR / f"man{section}"
        files = sorted(directory.iterdir()) if directory.is_dir() else []
        for path in files:
            if str(path) not in owned:
                continue
            if path.is_symlink() or not path.is_file():
                continue
            if not path.name.endswith(".gz") and not path.suffix.startswith(f".{section}"):
                continue
            try:
                text = _man_page_text(path)
            except (OSError, EOFError, gzip.BadGzipFile):
                continue
            if text is not None and len(text.split()) >= min_words:
                pages.append((text, section))
    texts, labels = _drop_small_classes(pages, min_pages)
    if not texts:
        raise NeurotopicError(f"'{_MAN_DIR}' has no manual pages in man1-man8; {_MAN_FIX}")
    return Dataset(
        name="manpages",
        texts=texts,
        labels=labels,
        description=(
            f"Manual pages: {len(texts)} English pages of at least {min_words} words in "
            f"{len(set(labels))} sections, from Debian's {' and '.join(_MAN_PACKAGES)} "
            "packages; label = section"
        ),
    )
