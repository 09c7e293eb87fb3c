"""Text from outside (file names, supplier names, errors) made safe to print on a terminal
or in a log: control characters become visible escapes.

A file named `scan\\x1b]0;…\\x07.pdf` would otherwise rewrite the terminal's title, clear
the screen or hide lines in `liasse status`, and a name with a newline would forge a log
line. Bidirectional overrides (U+202A–U+202E, U+2066–U+2069) are escaped too: they make
`invoice‮fdp.exe` read as something else.
"""

from __future__ import annotations

import logging
import re

_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` with every control character written as `\\x1b` or `\\u202e`."""
    return _UNPRINTABLE.sub(_escape, text)


class PrintableFormatter(logging.Formatter):
    """A log formatter that escapes control characters in the message (tracebacks, which
    liasse writes itself, keep their lines)."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        safe = logging.makeLogRecord(record.__dict__)
        safe.message = printable(record.message)
        return super().formatMessage(safe)
