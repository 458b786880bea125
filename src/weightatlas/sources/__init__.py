"""Source adapters: one module per input format (see ``base.py`` for the contract).

``ADAPTERS`` lists them in *priority order*: when two sources disagree on a
model's metadata (release date, developer, accessibility), the earlier one wins.
Epoch's curated databases come first because they are reviewed by hand and carry
publication dates and developer countries; leaderboards that only name models
come last.
"""

from __future__ import annotations

import importlib
from types import ModuleType

ADAPTERS: tuple[str, ...] = (
    "epoch_eci",
    "epoch_notable",
    "epoch_eci_ci",
    "epoch_benchmarks",
    "llm_stats",
    "models_dev",
    "lmarena_fboulnois",
    "lmarena_catalog",
    "livebench",
    "aider",
    "lmarena_nakasyou",
)


def load_adapters(names: tuple[str, ...] = ADAPTERS) -> list[ModuleType]:
    return [importlib.import_module(f"weightatlas.sources.{name}") for name in names]
