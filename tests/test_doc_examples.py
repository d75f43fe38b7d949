"""The examples of README.md and docs/quickstart.md run as written, on BBC News.

Every ```python block runs, in order, in one namespace per file and a temporary working
directory; placeholder names the prose leaves to the reader (``texts``, ``new_texts``,
``labels``, ``corpus.jsonl``) are bound to a few hundred BBC articles.  A block that
cannot run anywhere (a GPU, several machines) is marked in the Markdown with
``<!-- not-run: reason -->`` on the line before it, and only those are skipped.  Every
``neurotopic ...`` line of a ```bash block must parse with the CLI's own parser.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from neurotopic.cli import build_parser
from neurotopic.datasets import load_dataset

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = ("README.md", "docs/quickstart.md")
NOT_RUN = re.compile(r"<!--\s*not-run:\s*(.+?)\s*-->")

#: Blocks that cannot run as written but sit in text this test's author may not edit:
#: (file, a line of the block) -> why.  Mark such a block with ``<!-- not-run: ... -->``
#: in the Markdown instead, and remove its entry here.


@dataclass(frozen=True)
class Block:
    """One fenced code block of a Markdown file."""

    path: str
    line: int  # the opening fence's line number, from 1
    language: str
    code: str
    skip: str | None  # the reason of a ``not-run`` marker, or None


def code_blocks(path: str) -> list[Block]:
    """The fenced blocks of ``path`` (relative to the repository), in reading order."""
    lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        fence = re.match(r"^```(\w*)\s*$", lines[i])
        if fence is None:
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
        before = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        marker = NOT_RUN.search(before)
        code = "\n".join(lines[i + 1 : end])
        skip = marker.group(1) if marker else None
        blocks.append(Block(path, i + 1, fence.group(1), code, skip))
        i = end + 1
    return blocks


@pytest.fixture(scope="module")
def bbc_docs() -> dict[str, Any]:
    """300 BBC articles to fit on and 60 others as new documents, every class in each."""
    data = load_dataset("bbc")
    order = np.random.default_rng(0).permutation(len(data.texts))
    train, new = order[:300], order[300:360]
    return {
        "texts": [data.texts[i] for i in train],
        "labels": [data.labels[i] for i in train],
        "new_texts": [data.texts[i] for i in new],
        "new_labels": [data.labels[i] for i in new],
    }


@pytest.mark.parametrize("path", DOCUMENTS)
def test_python_examples_run_as_written(
    path: str,
    bbc_docs: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    with open("corpus.jsonl", "w", encoding="utf-8") as fh:  # the prose's corpus file
        for text, label in zip(bbc_docs["texts"], bbc_docs["labels"], strict=True):
            fh.write(json.dumps({"text": text, "label": label}) + "\n")
    namespace: dict[str, Any] = {"__name__": "__doc_example__", **bbc_docs}
    blocks = [b for b in code_blocks(path) if b.language == "python"]
    assert blocks, f"{path} has no python examples"
    ran = 0
    for block in blocks:
        if block.skip is not None:
            continue
        try:
            exec(compile(block.code, f"{path}:{block.line}", "exec"), namespace)
        except Exception as exc:  # name the block: the traceback's file is "path:line"
            raise AssertionError(f"{path} line {block.line}: {exc!r}") from exc
        ran += 1
    assert ran >= len(blocks) - 1, "keep the not-run blocks few"


def test_documented_submodules_resolve_after_a_plain_import() -> None:
    # neurotopic.export.to_pyldavis, neurotopic.corpus.read_corpus, ... as the docs write
    # them, in a fresh interpreter (here the tests' own imports have loaded submodules).
    names = {"corpus.read_corpus", "plot.topic_map", "report.write_report"}
    for path in (*DOCUMENTS, *(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md"))):
        text = (ROOT / path).read_text(encoding="utf-8")
        names |= set(re.findall(r"(?<![\w/.-])neurotopic\.([a-z]\w*(?:\.[A-Za-z_]\w*)?)", text))
    assert {"export.to_pyldavis", "compare.compare_models"} <= names
    script = (
        "import sys\n"
        "import neurotopic\n"
        "missing = []\n"
        "for name in sys.argv[1:]:\n"
        "    obj = neurotopic\n"
        "    for part in name.split('.'):\n"
        "        if not hasattr(obj, part):\n"
        "            missing.append(name)\n"
        "            break\n"
        "        obj = getattr(obj, part)\n"
        "print(' '.join(missing))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *sorted(names)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert done.stdout.strip() == "", f"these do not resolve: {done.stdout}"


def _cli_lines(path: str) -> list[tuple[int, str]]:
    """Every ``neurotopic ...`` command of the ```bash blocks, with its line number."""
    found = []
    for block in code_blocks(path):
        if block.language != "bash":
            continue
        for offset, line in enumerate(block.code.splitlines(), start=1):
            command = line.split(" #")[0].strip()
            if command.startswith("neurotopic "):
                found.append((block.line + offset, command))
    return found


@pytest.mark.parametrize("path", DOCUMENTS)
def test_every_documented_command_line_parses(path: str) -> None:
    lines = _cli_lines(path)
    assert len(lines) >= 5, f"{path}: expected the CLI examples"
    for number, command in lines:
        # "[--seed 0]" marks an optional part: it must parse when given, too.
        argv = shlex.split(command.replace("[", " ").replace("]", " "))[1:]
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as exc:
            raise AssertionError(f"{path} line {number} does not parse: {command}") from exc
        assert args.command == argv[0]
