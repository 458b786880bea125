"""Links in the report: only http(s) URLs become clickable.

URLs come from the manifest, the curated tables and the Hub; a tampered file
could hold ``javascript:`` or ``data:`` URLs, which a browser runs when clicked.
Every link in the templates and charts goes through :func:`safe_href`; anything
else is shown as plain, escaped text.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

# The whole value, scheme first: no leading spaces or control characters that browsers would strip.
_HTTP_URL = re.compile(r"https?://[^\s\"'<>`\x00-\x1f\x7f]+", re.IGNORECASE)


def safe_href(url: object) -> str | None:
    """``url`` if it is an absolute http(s) URL, else None."""
    if isinstance(url, str) and _HTTP_URL.fullmatch(url):
        return url
    return None


def link(url: object, text: object = None) -> Markup:
    """An ``<a>`` element for an http(s) URL; other values as escaped text (the URL shown beside it)."""
    label = url if text is None else text
    href = safe_href(url)
    if href is not None:
        return Markup('<a href="{}">{}</a>').format(href, label)
    if url in (None, "") or url == label:
        return escape("" if label is None else label)
    return Markup('{} <span class="meta">({})</span>').format(label, url)
