"""``weightatlas serve``: the local dashboard and its read-only JSON API (see :mod:`weightatlas.web.app`)."""

from weightatlas.web.app import create_app, serve

__all__ = ["create_app", "serve"]
