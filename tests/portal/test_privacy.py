"""The portal's personal-data pages (owners only): a contact's page, its JSON export, the erasure behind a
confirm step, and the client's retention setting; agents get a 403, another client's contact a 404."""

from __future__ import annotations

import json

import pytest

from audit.models import AuditEntry
from whatsapp.models import Contact, Message

pytestmark = pytest.mark.django_db


def test_owner_sees_the_contact_and_downloads_its_data(owner_client, tenant):
    contact = tenant.conversation.contact
    thread = owner_client.get(f"/app/inbox/{tenant.conversation.pk}/").content.decode()
    assert f'href="/app/contacts/{contact.pk}/"' in thread  # reached from the conversation
    page = owner_client.get(f"/app/contacts/{contact.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert contact.profile_name in html and "Ley 1581" in html and 'id="erase-form"' in html

    download = owner_client.get(f"/app/contacts/{contact.pk}/export.json")
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment;")
    data = json.loads(download.content)
    assert data["contact"]["profile_name"] == contact.profile_name
    assert [m["text"] for m in data["conversations"][0]["messages"]] == [tenant.inbound.text]


def test_erasing_needs_the_confirm_step(owner_client, tenant):
    contact = tenant.conversation.contact
    refused = owner_client.post(f"/app/contacts/{contact.pk}/erase/", {"reason": "sin confirmar"})
    assert refused.status_code == 400 and 'class="error"' in refused.content.decode()
    assert Contact.objects.get(pk=contact.pk).erased_at is None

    done = owner_client.post(f"/app/contacts/{contact.pk}/erase/", {"confirm": "on", "reason": "solicitud 7"})
    assert done.status_code == 302 and done["Location"] == f"/app/contacts/{contact.pk}/"
    erased = Contact.objects.get(pk=contact.pk)
    assert erased.erased_at and erased.profile_name == "" and erased.wa_id == ""
    assert Message.objects.get(pk=tenant.inbound.pk).text == ""
    page = owner_client.get(done["Location"]).content.decode()
    assert 'id="erased"' in page and 'id="erase-form"' not in page
    assert AuditEntry.objects.get(action="contact.erased").actor_user_id == tenant.owner.pk


def test_agents_get_403_and_other_clients_404(agent_client, tenant, other, client):
    contact = tenant.conversation.contact
    for url in (f"/app/contacts/{contact.pk}/", f"/app/contacts/{contact.pk}/export.json"):
        assert agent_client.get(url).status_code == 403
    assert agent_client.post(f"/app/contacts/{contact.pk}/erase/", {"confirm": "on"}).status_code == 403
    client.force_login(other.owner)
    for url in (f"/app/contacts/{contact.pk}/", f"/app/contacts/{contact.pk}/export.json"):
        assert client.get(url).status_code == 404
    assert client.post(f"/app/contacts/{contact.pk}/erase/", {"confirm": "on"}).status_code == 404
    assert Contact.objects.get(pk=contact.pk).erased_at is None


def test_owner_sets_the_retention_and_it_is_audited(owner_client, tenant):
    page = owner_client.get("/app/settings/privacy/")
    assert page.status_code == 200 and "Privacidad" in page.content.decode()
    assert owner_client.post("/app/settings/privacy/", {"days": "0"}).status_code == 400
    assert owner_client.post("/app/settings/privacy/", {"days": "abc"}).status_code == 400
    assert owner_client.post("/app/settings/privacy/", {"days": "90"}).status_code == 302
    tenant.client.refresh_from_db()
    assert tenant.client.message_retention_days == 90
    assert owner_client.post("/app/settings/privacy/", {"days": ""}).status_code == 302
    tenant.client.refresh_from_db()
    assert tenant.client.message_retention_days is None
    changes = AuditEntry.objects.filter(action="client.message_retention.changed").order_by("pk")
    assert [e.after for e in changes] == [{"message_retention_days": 90}, {"message_retention_days": None}]
