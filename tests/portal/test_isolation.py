"""Two tenants: every object page and action answers 404 for another client's object and changes nothing."""

from __future__ import annotations

import pytest

from ai.models import KnowledgeEntry
from tenants.authentication import create_api_key
from whatsapp.models import Conversation, Message

pytestmark = pytest.mark.django_db


def _other_objects(other):
    key, _raw = create_api_key(client=other.client, name="theirs")
    entry = KnowledgeEntry.objects.filter(client=other.client).first()
    c = other.conversation.pk
    return (
        {
            "get": [
                f"/app/inbox/{c}/",
                f"/app/inbox/{c}/messages/",
                f"/app/inbox/{c}/head/",
                f"/app/assistant/knowledge/{entry.pk}/",
                f"/app/numbers/{other.number.pk}/qr.png",
            ],
            "post": [
                (f"/app/inbox/{c}/send/", {"text": "hola"}),
                (f"/app/inbox/{c}/send-template/", {"name": "hello_world", "language": "es"}),
                (f"/app/inbox/{c}/take-over/", {}),
                (f"/app/inbox/{c}/hand-back/", {}),
                (f"/app/inbox/{c}/converted/", {}),
                (f"/app/inbox/{c}/not-converted/", {}),
                (f"/app/assistant/knowledge/{entry.pk}/", {"question": "x", "answer": "y"}),
                (f"/app/assistant/knowledge/{entry.pk}/delete/", {}),
                (f"/app/settings/api-keys/{key.pk}/revoke/", {}),
            ],
        },
        key,
        entry,
    )


@pytest.mark.parametrize("role", ["owner", "agent"])
def test_another_clients_objects_are_404_and_untouched(client, tenant, other, role):
    client.force_login(tenant.owner if role == "owner" else tenant.agent)
    urls, key, entry = _other_objects(other)
    before = Conversation.objects.values().get(pk=other.conversation.pk)

    for url in urls["get"]:
        assert client.get(url).status_code == 404, url
    for url, data in urls["post"]:
        expected = 403 if (role == "agent" and "api-keys" in url) else 404  # agents never reach the keys page
        assert client.post(url, data).status_code == expected, url

    assert Conversation.objects.values().get(pk=other.conversation.pk) == before
    assert Message.objects.filter(client=other.client).count() == 1
    key.refresh_from_db()
    assert key.revoked_at is None
    entry.refresh_from_db()
    assert (entry.question, entry.answer) != ("x", "y")


def test_missing_ids_are_404_too(owner_client):
    for url in ["/app/inbox/999999/", "/app/assistant/knowledge/999999/", "/app/numbers/999999/qr.png"]:
        assert owner_client.get(url).status_code == 404


def test_inbox_list_never_shows_another_clients_conversations(owner_client, tenant, other):
    html = owner_client.get("/app/inbox/").content.decode()
    assert f'data-conversation="{tenant.conversation.pk}"' in html
    assert f'data-conversation="{other.conversation.pk}"' not in html
    rows = owner_client.get("/app/inbox/rows/").content.decode()
    assert f'data-conversation="{other.conversation.pk}"' not in rows


def test_out_of_range_ids_are_404_not_500(owner_client):
    huge = "9" * 30
    for url in [f"/app/inbox/{huge}/", f"/app/assistant/knowledge/{huge}/", f"/app/numbers/{huge}/qr.png"]:
        assert owner_client.get(url).status_code == 404
    assert owner_client.post(f"/app/settings/api-keys/{huge}/revoke/").status_code == 404
    assert owner_client.post("/app/choose/", {"client_id": huge}).status_code == 400
