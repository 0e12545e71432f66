"""The OpenAPI schema at /api/schema/ describes every /api/v1 endpoint, with its methods."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

MESSAGING_OPERATIONS = {
    "/api/v1/numbers": {"get"},
    "/api/v1/contacts": {"get"},
    "/api/v1/conversations": {"get"},
    "/api/v1/conversations/{conversation_id}": {"get"},
    "/api/v1/conversations/{conversation_id}/messages": {"get", "post"},
    "/api/v1/conversations/{conversation_id}/takeover": {"post"},
    "/api/v1/conversations/{conversation_id}/handback": {"post"},
    "/api/v1/conversations/{conversation_id}/convert": {"post", "delete"},
    "/api/v1/messages": {"post"},
}


def routes(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route


def openapi_path(route: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


@pytest.fixture
def schema(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_schema_lists_every_api_v1_route(schema):
    v1 = {openapi_path(r) for r in routes(get_resolver().url_patterns) if r.startswith("api/v1/")}
    assert set(MESSAGING_OPERATIONS) <= v1
    assert v1 <= set(schema["paths"])


def test_messaging_operations_are_documented_with_bodies_and_errors(schema):
    for path, methods in MESSAGING_OPERATIONS.items():
        assert set(schema["paths"][path]) >= methods, path
        for method in methods:
            operation = schema["paths"][path][method]
            assert operation.get("summary"), (path, method)
            assert "404" in operation["responses"] or path in {"/api/v1/numbers"}, (path, method)
    send = schema["paths"]["/api/v1/conversations/{conversation_id}/messages"]["post"]
    assert {"202", "400", "404", "409", "422"} <= set(send["responses"])
    assert "requestBody" in send
    listing = schema["paths"]["/api/v1/conversations"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert {"number", "owner", "needs_attention", "converted", "page"} <= names


def test_docs_page_is_served(client):
    assert client.get("/api/docs/").status_code == 200
