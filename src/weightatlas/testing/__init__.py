"""Test doubles for weightatlas: a fake Hugging Face Hub and a synthetic model population.

See :mod:`weightatlas.testing.fakehub` for what the fake Hub emulates (and what it does
not), and :mod:`weightatlas.testing.synthetic` for the generated population.
"""

from weightatlas.testing.fakehub import (
    DEFAULT_LIST_FIELDS,
    EXPAND_PROPERTIES,
    FAULT_KINDS,
    SORT_KEYS,
    FakeHub,
    FakeHubSpec,
    Fault,
    ListDataset,
    RateLimit,
    Stats,
    serve_in_subprocess,
    subprocess_hub,
)
from weightatlas.testing.synthetic import (
    FIXTURE_COUNTRIES,
    OFFICIAL_ORGS,
    REDISTRIBUTORS,
    SyntheticHub,
    config_json_for,
    fixture_country,
    synthetic_model,
    synthetic_org_table,
)

__all__ = [
    "DEFAULT_LIST_FIELDS",
    "EXPAND_PROPERTIES",
    "FAULT_KINDS",
    "FIXTURE_COUNTRIES",
    "OFFICIAL_ORGS",
    "REDISTRIBUTORS",
    "SORT_KEYS",
    "FakeHub",
    "FakeHubSpec",
    "Fault",
    "ListDataset",
    "RateLimit",
    "Stats",
    "SyntheticHub",
    "config_json_for",
    "fixture_country",
    "serve_in_subprocess",
    "subprocess_hub",
    "synthetic_model",
    "synthetic_org_table",
]
