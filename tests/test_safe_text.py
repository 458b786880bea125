"""Untrusted text printed through Rich: no markup effects, no escape sequences, no crash."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from weightatlas.safe_text import for_terminal, strip_control


def render(markup: str) -> str:
    buf = io.StringIO()
    Console(file=buf, force_terminal=False, width=400, color_system=None).print(markup, highlight=False, soft_wrap=True)
    return buf.getvalue()


def test_markup_in_a_value_is_printed_literally() -> None:
    assert render("error: " + for_terminal("bad [/] and [red]red[/red]")).rstrip("\n") == "error: bad [/] and [red]red[/red]"


def test_ansi_sequences_and_controls_are_removed() -> None:
    text = "a\x1b[31mred\x1b[0m b\x1b]0;title\x07 c\x9b2J d\x00e\x7f"
    out = strip_control(text)
    assert "\x1b" not in out and "\x9b" not in out and "\x07" not in out
    assert out.startswith("ared b c d")
    assert "\\x00" in out and "\\x7f" in out  # shown, not executed


def test_newlines_and_tabs_survive() -> None:
    assert strip_control("a\tb\nc") == "a\tb\nc"


@given(st.text())
def test_any_text_renders_without_error_or_escape(text: str) -> None:
    out = render(for_terminal(text))
    assert "\x1b" not in out
    assert not any(0x80 <= ord(c) <= 0x9F for c in out)
