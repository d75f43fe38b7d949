"""The ``neurotopic`` command line: the only package that parses argv or prints.

Every error from bad input ends with one line on stderr and exit status 2.  The parser
is in :mod:`~neurotopic.cli.parser`, what each subcommand does in
:mod:`~neurotopic.cli.commands`; :func:`main` (the ``neurotopic`` console script, also
``python -m neurotopic``) ties them together.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence

from ..errors import NeurotopicError
from .commands import COMMANDS
from .parser import EXIT_USAGE as EXIT_USAGE
from .parser import build_parser as build_parser
from .parser import parse_args


def _setup_logging(quiet: bool) -> None:
    logger = logging.getLogger("neurotopic")
    logger.handlers.clear()
    if not quiet:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    logger.propagate = False


#: Library errors name Python keywords; the CLI names its options instead.
_FLAGS = (
    ("overwrite=True", "--force"),
    ("device='cpu' or device='auto'", "--device cpu or --device auto"),
    ("trust_pickle=True", "--trust-pickle"),
    ("text_field", "--text-field"),
    ("label_field", "--label-field"),
    ("(texts and labels)", "(--label-field)"),
)


def _as_flags(message: str) -> str:
    """``message`` with the Python keywords of :data:`_FLAGS` spelt as CLI options."""
    for keyword, flag in _FLAGS:
        message = message.replace(keyword, flag)
    return message


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0, or 2 for bad input)."""
    parser = build_parser()
    args = parse_args(parser, argv)
    for stream in (sys.stdout, sys.stderr):  # terms in any script, on any terminal
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    _setup_logging(getattr(args, "quiet", False) or args.command in ("topics",))
    try:
        COMMANDS[args.command](args)
    except NeurotopicError as exc:
        if os.environ.get("RANK", "0") == "0":  # under torchrun, one process tells
            print(f"neurotopic: error: {_as_flags(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt as exc:
        if os.environ.get("RANK", "0") == "0":
            print(f"neurotopic: {exc or 'interrupted; nothing was written'}", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
