"""The one exception type users see for bad input."""

from __future__ import annotations


class NeurotopicError(ValueError):
    """Bad input or a bad model directory.

    The message is one line that names the problem and says how to fix it.  The CLI
    prints it to stderr and exits with status 2; Python callers catch it as a
    ``ValueError``.
    """
