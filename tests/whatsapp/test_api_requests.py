"""Requests through /api/v1: list with filters, detail, status changes, bad input, and tenancy."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from tests.factories import ConversationFactory, CustomerRequestFactory
from tests.whatsapp.api_support import assert_error
from whatsapp.models import CustomerRequest

pytestmark = pytest.mark.django_db


def test_requests_newest_first_with_details_contact_and_conversation(api_for, number):
    conversation = ConversationFactory(number=number)
    old = CustomerRequestFactory(conversation=conversation, kind="order")
    new = CustomerRequestFactory(conversation=conversation)
    CustomerRequestFactory()  # another client's

    body = api_for(number.client).get("/api/v1/requests").json()

    assert body["count"] == 2
    first, second = body["results"]
    assert (first["id"], second["id"]) == (new.pk, old.pk)
    assert first["kind"] == "booking" and second["kind"] == "order"
    assert first["status"] == "new"
    assert first["details"] == [
        {"field": "nombre", "label": "Nombre", "value": "Ana"},
        {"field": "dia_y_hora", "label": "Día y hora", "value": "viernes 3 pm"},
    ]
    assert first["contact"]["id"] == conversation.contact_id
    assert first["conversation_id"] == conversation.pk
    assert first["status_changed_at"] is None


def test_filters_by_status_kind_day_and_conversation(api_for, number):
    conversation = ConversationFactory(number=number)
    confirmed = CustomerRequestFactory(conversation=conversation, status="confirmed")
    callback = CustomerRequestFactory(conversation=ConversationFactory(number=number), kind="callback")
    old = CustomerRequestFactory(conversation=conversation)
    CustomerRequest.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))
    api = api_for(number.client)

    def ids(query):
        response = api.get(f"/api/v1/requests?{query}")
        assert response.status_code == 200, response.content
        return {r["id"] for r in response.json()["results"]}

    assert ids("status=confirmed") == {confirmed.pk}
    assert ids("kind=callback") == {callback.pk}
    today = timezone.localdate()
    assert ids(f"created_from={today - timedelta(days=1)}") == {confirmed.pk, callback.pk}
    assert ids(f"created_to={today - timedelta(days=5)}") == {old.pk}
    assert ids(f"conversation={conversation.pk}") == {confirmed.pk, old.pk}


@pytest.mark.parametrize(
    "query",
    ["status=pending", "kind=poem", "created_from=2026-13-01", "created_from=2026-05-02&created_to=2026-05-01"],
)
def test_bad_filters_are_a_400(api_for, number, query):
    assert_error(api_for(number.client).get(f"/api/v1/requests?{query}"), 400, "validation_error")


def test_detail_and_status_changes_follow_the_workflow(api_for, number):
    request = CustomerRequestFactory(conversation=ConversationFactory(number=number))
    api = api_for(number.client)
    url = f"/api/v1/requests/{request.pk}"

    assert api.get(url).json()["id"] == request.pk
    confirmed = api.patch(url, {"status": "confirmed"}, format="json")
    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "confirmed"
    assert confirmed.json()["status_changed_at"] is not None
    assert api.patch(url, {"status": "done"}, format="json").json()["status"] == "done"
    error = assert_error(api.patch(url, {"status": "new"}, format="json"), 409, "invalid_status_transition")
    assert error["details"] == {"status": "done", "allowed": []}
    assert CustomerRequest.objects.get(pk=request.pk).status == "done"
    entry = AuditEntry.objects.filter(action="request.status_changed").latest("id")
    assert (entry.before, entry.after) == ({"status": "confirmed"}, {"status": "done"})


@pytest.mark.parametrize("body", [{}, {"status": "archived"}, {"status": ""}, {"status": ["done"]}])
def test_a_bad_status_is_a_400(api_for, number, body):
    request = CustomerRequestFactory(conversation=ConversationFactory(number=number))

    response = api_for(number.client).patch(f"/api/v1/requests/{request.pk}", body, format="json")

    assert_error(response, 400, "validation_error")
    assert CustomerRequest.objects.get(pk=request.pk).status == "new"


def test_another_clients_request_is_a_404_that_changes_nothing(api_for, number):
    theirs = CustomerRequestFactory()
    api = api_for(number.client)

    assert_error(api.get(f"/api/v1/requests/{theirs.pk}"), 404, "request_not_found")
    assert_error(
        api.patch(f"/api/v1/requests/{theirs.pk}", {"status": "done"}, format="json"), 404, "request_not_found"
    )
    assert CustomerRequest.objects.get(pk=theirs.pk).status == "new"
    assert api.get(f"/api/v1/requests?conversation={theirs.conversation_id}").json()["count"] == 0


def test_the_schema_documents_the_requests_endpoints(client):
    schema = client.get("/api/schema/?format=json").json()

    assert set(schema["paths"]["/api/v1/requests"]) == {"get"}
    assert set(schema["paths"]["/api/v1/requests/{request_id}"]) == {"get", "patch"}
    parameters = {p["name"] for p in schema["paths"]["/api/v1/requests"]["get"]["parameters"]}
    assert {"status", "kind", "created_from", "created_to", "conversation", "page"} <= parameters
    patch = schema["paths"]["/api/v1/requests/{request_id}"]["patch"]
    assert "409" in patch["responses"]
    status_schema = schema["components"]["schemas"]
    assert any("confirmed" in str(s.get("enum", "")) for s in status_schema.values())
