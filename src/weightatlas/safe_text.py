"""Untrusted text made safe for the terminal.

Text from Hub responses, input files and error messages that quote them is data.
Printed through Rich it could restyle the output (``[red]``), crash the printer
(``[/]`` raises ``MarkupError``) or drive the terminal (ANSI escape sequences,
other control characters). :func:`for_terminal` neutralises all three; every
message that can contain such text goes through it before it reaches a Console.
"""

from __future__ import annotations

import re

from rich.markup import escape

# ESC-introduced sequences (CSI, OSC, and two-byte escapes), and the 8-bit CSI.
_ANSI = re.compile(r"(?:\x1b\[[0-?]*[ -/]*[@-~])|(?:\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?)|(?:\x1b[@-Z\\-_])|(?:\x9b[0-?]*[ -/]*[@-~])")
# Every other C0/C1 control character and DEL; newline and tab stay.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_control(text: object) -> str:
    """``text`` as a string without escape sequences or control characters."""
    s = str(text)
    s = _ANSI.sub("", s)
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", s)


def for_terminal(text: object) -> str:
    """``text`` safe to pass to a Rich console as markup: controls removed, markup escaped."""
    return escape(strip_control(text))
