"""Budgets that a client cannot multiply: the assistant preview (it may call the paid model) and API sends.

The attacks: looping on "try your assistant" (portal page or API) ran the model without limit, and the send
limit counted per API key, so a client that created more keys got more sends. Each test runs the attack.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from ai.models import AiReplyLog
from tenants.models import Membership
from tests.factories import ClientFactory, MembershipFactory, connected_number
from tests.whatsapp.api_support import assert_error, key_api, open_conversation, token_api
from whatsapp.models import Message

pytestmark = pytest.mark.django_db

PREVIEW = "/api/v1/assistant/preview"


def preview(api: APIClient, text: str = "¿a qué hora abren?"):
    return api.post(PREVIEW, {"message": text}, format="json")


def previews_logged(client) -> int:
    return AiReplyLog.objects.filter(client=client, source=AiReplyLog.Source.PREVIEW).count()


# --- the assistant preview: per user or key ---------------------------------------------------------
@pytest.mark.parametrize("make_api", [token_api, key_api], ids=["token", "api_key"])
def test_a_caller_looping_on_preview_is_stopped_with_a_json_429(settings, make_api):
    settings.AI_PREVIEW_USER_RATE = "3/min"
    client = ClientFactory()
    api = make_api(client)

    statuses = [preview(api).status_code for _ in range(5)]

    assert statuses == [200, 200, 200, 429, 429]
    error = assert_error(preview(api), 429, "rate_limited")
    assert error["message"]
    assert int(preview(api)["Retry-After"]) > 0
    assert previews_logged(client) == 3  # the model ran three times, not eight


def test_another_user_of_the_same_client_keeps_their_own_budget(settings):
    settings.AI_PREVIEW_USER_RATE = "1/min"
    client = ClientFactory()
    first, second = token_api(client), token_api(client)
    assert [preview(first).status_code, preview(first).status_code] == [200, 429]
    assert preview(second).status_code == 200


# --- the assistant preview: per client, shared by all its keys and users ----------------------------
def test_new_api_keys_do_not_buy_more_previews(settings):
    settings.AI_PREVIEW_CLIENT_RATE = "3/hour"
    client, neighbour = ClientFactory(), ClientFactory()
    callers = [key_api(client), key_api(client), token_api(client)]
    assert [preview(api).status_code for api in callers] == [200, 200, 200]

    # A fourth key, a fifth: the client's budget is spent whoever asks.
    assert_error(preview(key_api(client)), 429, "rate_limited")
    assert_error(preview(callers[2]), 429, "rate_limited")
    assert previews_logged(client) == 3
    # Another client's budget is its own.
    assert preview(key_api(neighbour)).status_code == 200


def test_a_refused_caller_does_not_spend_the_clients_budget(settings):
    settings.AI_PREVIEW_USER_RATE = "1/min"
    settings.AI_PREVIEW_CLIENT_RATE = "3/hour"
    client = ClientFactory()
    noisy = token_api(client)
    assert [preview(noisy).status_code for _ in range(10)] == [200] + [429] * 9
    # Nine refusals counted nothing against the client: two colleagues still get theirs.
    assert [preview(token_api(client)).status_code for _ in range(2)] == [200, 200]
    assert preview(token_api(client)).status_code == 429


def test_a_caller_of_another_client_is_404_before_any_budget_is_spent(settings):
    settings.AI_PREVIEW_CLIENT_RATE = "1/hour"
    client, other = ClientFactory(), ClientFactory()
    outsider = token_api(other)
    response = outsider.post(PREVIEW, {"message": "hola"}, format="json", HTTP_X_CLIENT_ID=str(client.pk))
    assert_error(response, 404, "not_found")
    assert preview(key_api(client)).status_code == 200


# --- the portal page counts in the same budgets ------------------------------------------------------
def portal_for(client, django_client):
    user = MembershipFactory(client=client, role=Membership.Role.OWNER, user__password=None).user
    django_client.force_login(user)
    return user


def test_the_portal_preview_is_throttled_with_a_form_error(settings, client):
    settings.AI_PREVIEW_USER_RATE = "2/min"
    tenant = ClientFactory()
    portal_for(tenant, client)

    ok = [client.post("/app/assistant/preview/", {"message": "hola"}) for _ in range(2)]
    refused = client.post("/app/assistant/preview/", {"message": "hola"})

    assert [r.status_code for r in ok] == [200, 200]
    assert refused.status_code == 429
    errors = refused.context["preview_form"].non_field_errors()
    assert len(errors) == 1 and "segundos" in errors[0]  # Spanish first
    assert refused.context["preview"] is None
    assert 'id="preview-reply"' not in refused.content.decode()
    assert previews_logged(tenant) == 2


def test_portal_and_api_share_the_clients_budget(settings, client):
    settings.AI_PREVIEW_CLIENT_RATE = "2/hour"
    tenant = ClientFactory()
    portal_for(tenant, client)
    assert preview(key_api(tenant)).status_code == 200
    assert client.post("/app/assistant/preview/", {"message": "hola"}).status_code == 200
    assert client.post("/app/assistant/preview/", {"message": "hola"}).status_code == 429
    assert_error(preview(key_api(tenant)), 429, "rate_limited")


def test_previews_show_on_the_usage_page(settings, client):
    tenant = ClientFactory()
    portal_for(tenant, client)
    for _ in range(3):
        assert client.post("/app/assistant/preview/", {"message": "hola"}).status_code == 200
    page = client.get("/app/usage/")
    assert page.context["previews"]["count"] == 3
    assert '<td id="preview-count">3</td>' in page.content.decode()
    assert not Message.objects.exists()  # a preview is never a message, so never a free message used


# --- API sends: one budget per client -----------------------------------------------------------------
def send(api: APIClient, conversation, text: str):
    return api.post(f"/api/v1/conversations/{conversation.pk}/messages", {"text": text}, format="json")


def test_new_api_keys_do_not_buy_more_sends(settings):
    settings.API_SEND_CLIENT_RATE = "3/min"
    number, neighbour = connected_number(), connected_number()
    conversation = open_conversation(number)
    statuses = [send(key_api(number.client), conversation, f"m{i}").status_code for i in range(3)]
    assert statuses == [202, 202, 202]

    assert_error(send(key_api(number.client), conversation, "m4"), 429, "rate_limited")
    assert_error(send(token_api(number.client), conversation, "m5"), 429, "rate_limited")
    start = {"phone_number_id": number.phone_number_id, "to": "+573001112233", "text": "hola"}
    assert_error(key_api(number.client).post("/api/v1/messages", start, format="json"), 429, "rate_limited")
    assert Message.objects.filter(conversation__number=number, direction="out").count() == 3
    # Another client sends on its own budget.
    assert send(key_api(neighbour.client), open_conversation(neighbour), "hola").status_code == 202


def test_one_runaway_key_does_not_use_up_its_clients_sends(settings):
    settings.API_SEND_CALLER_RATE = "2/min"
    settings.API_SEND_CLIENT_RATE = "4/min"
    number = connected_number()
    conversation = open_conversation(number)
    runaway = key_api(number.client)
    assert [send(runaway, conversation, f"r{i}").status_code for i in range(6)] == [202, 202, 429, 429, 429, 429]
    # The runaway's refusals spent nothing: its colleagues still have the client's other two sends.
    assert [send(key_api(number.client), conversation, f"o{i}").status_code for i in range(2)] == [202, 202]
    assert_error(send(key_api(number.client), conversation, "over"), 429, "rate_limited")
