"""schemathesis against /api/schema/, in process: every operation, fuzzed as a client's owner, never answers a
5xx, and every answer matches what the schema says (status code, content type, headers, body).

The schema is loaded from the WSGI application itself and the requests go through it too (no server). Each
operation gets a few derandomized cases, valid and invalid ones; the caller holds a fresh API token of the
owner of a client with a number, a conversation and a knowledge entry, so the object routes find something.

Checked: schemathesis' response checks (`not_a_server_error`, `status_code_conformance`,
`content_type_conformance`, `response_headers_conformance`, `response_schema_conformance`). Not checked: its
request-acceptance heuristics, `positive_data_acceptance` (a schema-valid request must not be a 400) and
`negative_data_rejection` (a schema-invalid one must be). The contract itself answers 400 to schema-valid
requests — a wrong password at `POST /api/auth/token`, a phone number that is not one, text outside the
24-hour window is 422 — which no schema can express; and DRF reads form values leniently ("false" is a
boolean) by design. Fuzzing found where the schema left out answers the API does give (401 on a revoked
token, 403 to non-staff, 404 on unknown ids, 413, 415, 429, paginated knowledge, the webhooks list, optional
error `details`); core.schema now lists the errors every API view can answer.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import checks

from tenants.tokens import api_token_issue
from tests.security.tenancy import make_tenant

pytestmark = pytest.mark.django_db

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())

RESPONSE_CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI handler closes the database connection after each request (CONN_MAX_AGE=0), which would end
    the test's transaction; Django's own test client switches that off the same way."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def owner(settings):
    # Budgets out of the way: throttles and lockouts are tested on their own (test_throttles, test_login_lockout).
    for name in ("API_SEND_CALLER_RATE", "API_SEND_CLIENT_RATE", "AI_PREVIEW_USER_RATE", "AI_PREVIEW_CLIENT_RATE"):
        setattr(settings, name, "100000/min")
    settings.ONBOARDING_SIGNUP_RATE = "100000/min"
    return make_tenant("Fuzz").owner


@schema.parametrize()
@settings(max_examples=3, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
def test_api_operations_never_fail_and_match_the_schema(case, owner):
    # A token per request: a case may log out (POST /api/auth/logout) and so end the token it used.
    case.call_and_validate(headers={"Authorization": f"Token {api_token_issue(user=owner)}"}, checks=RESPONSE_CHECKS)
