"""Property-based: schemathesis over every implemented GET operation of the document.

Generated parameters (filters, cursors, ids) must never produce a server error, and
every answer must validate against the document (see platform_openapi for how it is
read). A bounded number of examples per operation keeps this to seconds; raise
SANDBOX_SCHEMATHESIS_EXAMPLES for a longer run.
"""

import copy
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.sandbox import platform_openapi
from tests.sandbox.test_contract import IMPLEMENTED
from tests.sandbox_server import ALL_SCOPES

EXAMPLES = int(os.environ.get("SANDBOX_SCHEMATHESIS_EXAMPLES", "12"))
STORE = "bergmann"
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _with_real_ids(spec: dict, sandbox) -> dict:
    """Give path parameters an example that exists, so detail operations are reached too."""
    token = sandbox.issue_token(STORE, ALL_SCOPES)

    def first(path, key="id"):
        return sandbox.api(STORE, "GET", path, token).json()["results"][0][key]

    export = sandbox.api(
        STORE,
        "POST",
        "exports/",
        token,
        json={"type": "customer_list", "date_from": "2020-01-01T00:00:00Z", "date_to": "2100-01-01T00:00:00Z"},
    ).json()
    webhook = sandbox.api(
        STORE, "POST", "webhooks/", token, json={"target": "https://hooks.example.com/st/", "events": ["order.created"]}
    ).json()
    examples = {
        "/orders/{number}/": {"number": first("orders/", "number")},
        "/users/{id}/": {"id": first("users/")},
        "/tickets/{id}/": {"id": first("tickets/")},
        "/tickettypes/{id}/": {"id": first("tickettypes/")},
        "/products/{id}/": {"id": first("products/")},
        "/exports/{id}/": {"id": export["id"]},
        "/webhooks/{id}/": {"id": webhook["id"]},
    }
    for template, item in spec["paths"].items():
        for prefix, values in examples.items():
            if template.startswith(prefix):
                for parameter in item.get("get", {}).get("parameters", []):
                    if parameter["in"] == "path" and parameter["name"] in values:
                        parameter["example"] = values[parameter["name"]]
    return spec


GET_OPERATIONS = sorted(
    operation["operationId"]
    for item in platform_openapi.document()["paths"].values()
    for method, operation in item.items()
    if method == "get" and operation["operationId"] in IMPLEMENTED
)


@pytest.fixture(scope="module")
def platform_schema(sandbox):
    # The session's rate limit (1000/s) is far above what these examples send.
    schema = schemathesis.openapi.from_dict(_with_real_ids(copy.deepcopy(platform_openapi.document()), sandbox))
    schema.config.update(
        base_url=sandbox.api_url(STORE).rstrip("/"),
        headers={"Authorization": f"Bearer {sandbox.issue_token(STORE, ALL_SCOPES)}"},
    )
    return schema


# schemathesis' own pytest loader (`from_fixture`) does not run on pytest 9, so each
# operation's Hypothesis strategy is driven here directly.
@pytest.mark.parametrize("operation_id", GET_OPERATIONS)
def test_get_operations_have_no_server_errors_and_follow_the_document(sandbox, platform_schema, operation_id):
    operation = platform_schema.find_operation_by_id(operation_id)
    sandbox.clear_request_log(STORE)

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(case=operation.as_strategy())
    def run(case):
        case.call_and_validate(checks=[not_a_server_error, response_schema_conformance], timeout=30)

    run()
    statuses = [entry["status"] for entry in sandbox.request_log(STORE)]
    assert statuses, "no request reached the sandbox"
    assert all(status < 500 for status in statuses)
    assert 429 not in statuses, "the session's rate limit throttled the examples"
