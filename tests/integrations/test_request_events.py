"""Outgoing webhooks for requests: `request.created` when the assistant records one, `request.status` when people
move it; only to the request's client's subscribed endpoints, in the `/api/v1/requests` shape."""

from __future__ import annotations

import json

import pytest

from ai.intake import RequestCapture, RequestField
from integrations import services
from tests.factories import ConversationFactory
from tests.integrations.conftest import run_ours
from whatsapp.services.customer_requests import request_record, request_set_status

pytestmark = pytest.mark.django_db


def test_a_request_and_its_status_change_reach_the_subscribed_endpoint(
    number, other_number, receiver, django_capture_on_commit_callbacks
):
    rx, theirs = receiver([200]), receiver([200])
    services.endpoint_create(client=number.client, url=rx.url, events=["request.created", "request.status"])
    services.endpoint_create(client=other_number.client, url=theirs.url, events=["request.created", "request.status"])
    conversation = ConversationFactory(number=number)
    capture = RequestCapture(kind="order", details=((RequestField("direccion", "Dirección"), "Calle 10 # 5-20"),))

    with django_capture_on_commit_callbacks() as callbacks:
        recorded = request_record(conversation=conversation, capture=capture, provider="offline")
        request_set_status(request=recorded, status="confirmed")
    run_ours(callbacks)

    bodies = {json.loads(r.body)["type"]: json.loads(r.body)["data"] for r in rx.requests}
    assert set(bodies) == {"request.created", "request.status"}
    created = bodies["request.created"]["request"]
    assert (created["id"], created["kind"], created["conversation_id"]) == (recorded.pk, "order", conversation.pk)
    assert created["details"] == [{"field": "direccion", "label": "Dirección", "value": "Calle 10 # 5-20"}]
    status = bodies["request.status"]
    assert (status["request"]["status"], status["previous_status"]) == ("confirmed", "new")
    assert status["status_at"]
    assert theirs.requests == []  # another client's endpoint hears nothing of it
