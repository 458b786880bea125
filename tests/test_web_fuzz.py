"""Fuzzing the dashboard API from its own OpenAPI description (schemathesis, in process over ASGI).

Every GET operation is called with generated path and query parameters (hostile strings,
out-of-range numbers, unknown names); the check is that none answers with a 5xx and every
answer is JSON. Examples are bounded so the run stays well under a minute on 2 busy cores.
"""

from __future__ import annotations

import os

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is a test extra (pip install -e '.[test]')")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

from weightatlas.web import create_app  # noqa: E402

EXAMPLES_PER_OPERATION = int(os.environ.get("WA_FUZZ_EXAMPLES", "25"))

# schemathesis's ASGI client sends Host: testserver; the allow-list is tested on its own (test_web_api).
app = create_app(extra_hosts=("testserver",))
schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_operation_answers_with_a_server_error(case: schemathesis.Case) -> None:
    response = case.call_and_validate(checks=[not_a_server_error])
    content_type = response.headers.get("content-type", [""])
    assert content_type[0].startswith("application/json"), (case.formatted_path, case.query, content_type)
