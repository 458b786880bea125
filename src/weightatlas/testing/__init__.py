"""Test doubles for weightatlas: a fake Hugging Face Hub and a synthetic model population.

They need the test extras (`pip install 'weightatlas[test]'`); no runtime module imports them.

See :mod:`weightatlas.testing.fakehub` for what the fake Hub emulates (and what it does
not), and :mod:`weightatlas.testing.synthetic` for the generated population. This
package re-exports both modules' public names (the timestamp helpers stay in
``synthetic``).
"""

try:  # the fake Hub is a werkzeug app; werkzeug comes with the test extras only
    import werkzeug  # noqa: F401
except ModuleNotFoundError as exc:  # pragma: no cover - exercised from a runtime-only venv
    raise ModuleNotFoundError(
        "weightatlas.testing (the fake Hub and synthetic population) needs the test extras: "
        "pip install 'weightatlas[test]'"
    ) from exc

from weightatlas.testing import fakehub as _fakehub
from weightatlas.testing import synthetic as _synthetic
from weightatlas.testing.fakehub import *  # noqa: F403
from weightatlas.testing.synthetic import *  # noqa: F403

__all__ = [*_fakehub.__all__, *(name for name in _synthetic.__all__ if name not in ("iso_ms", "ms_iso"))]
