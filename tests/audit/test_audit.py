"""The audit trail: who did what, to which object of which client; read-only; visible to the owner only."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from audit.models import AuditEntry
from audit.services import audit_purge_expired, audit_record
from tenants.models import Client, Membership
from tests.factories import MembershipFactory, UserFactory, connected_number
from tests.whatsapp.api_support import key_api, open_conversation, token_api

pytestmark = pytest.mark.django_db


def test_persona_edit_through_the_api_keeps_who_and_the_fields_before_and_after():
    client = connected_number().client
    api = token_api(client)
    api.put("/api/v1/persona", {"assistant_name": "Lucía", "tone": "friendly"}, format="json")
    response = api.put("/api/v1/persona", {"assistant_name": "Marta"}, format="json")
    assert response.status_code == 200, response.content
    entry = AuditEntry.objects.filter(action="persona.changed").first()
    assert entry.client_id == client.pk
    assert entry.actor_kind == "user" and entry.actor_user_id == api.user.pk
    assert entry.before == {"assistant_name": "Lucía"} and entry.after == {"assistant_name": "Marta"}


def test_an_api_key_is_the_actor_of_what_it_does():
    number = connected_number()
    api = key_api(number.client)
    response = api.post("/api/v1/knowledge", {"question": "¿Horario?", "answer": "9 a 5"}, format="json")
    assert response.status_code == 201, response.content
    entry = AuditEntry.objects.get(action="knowledge.created")
    assert entry.actor_kind == "api_key" and entry.actor_label.startswith("api-key:")
    assert entry.after == {"question": "¿Horario?", "answer": "9 a 5"}
    assert AuditEntry.objects.filter(action="api_key.created", client=number.client).exists()


def test_take_over_and_hand_back_are_audited():
    number = connected_number()
    conversation = open_conversation(number)
    api = token_api(number.client)
    assert api.post(f"/api/v1/conversations/{conversation.pk}/takeover").status_code == 200
    assert api.post(f"/api/v1/conversations/{conversation.pk}/handback").status_code == 200
    actions = list(AuditEntry.objects.filter(object_id=str(conversation.pk)).values_list("action", flat=True))
    assert sorted(actions) == ["conversation.handed_back", "conversation.taken_over"]


def test_operator_suspending_in_the_admin_is_audited_as_the_operator(client):
    number = connected_number()
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    response = client.post(
        "/admin/tenants/client/",
        {"action": "suspend_clients", "_selected_action": [number.client.pk]},
    )
    assert response.status_code == 302
    number.client.refresh_from_db()
    assert number.client.status == Client.Status.SUSPENDED
    entry = AuditEntry.objects.get(action="client.status.suspended")
    assert (entry.actor_kind, entry.actor_user_id, entry.client_id) == ("operator", staff.pk, number.client.pk)
    assert entry.before == {"status": "active"} and entry.after == {"status": "suspended"}


def test_admin_edit_of_a_setting_keeps_before_and_after(client):
    number = connected_number()
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    url = f"/admin/tenants/whatsappnumber/{number.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    data.update({"monthly_free_messages": "250", "client": number.client.pk})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    entry = AuditEntry.objects.get(action="whatsappnumber.changed")
    assert entry.before == {"monthly_free_messages": None} and entry.after == {"monthly_free_messages": 250}


def test_the_admin_shows_entries_and_refuses_to_add_change_or_delete(client):
    audit_record(action="client.status.suspended", client=connected_number().client, actor=None)
    entry = AuditEntry.objects.get()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get("/admin/audit/auditentry/").status_code == 200
    assert client.get(f"/admin/audit/auditentry/{entry.pk}/change/").status_code == 200  # read-only view
    assert client.get("/admin/audit/auditentry/add/").status_code == 403
    assert client.post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(f"/admin/audit/auditentry/{entry.pk}/change/", {"action": "forged"}).status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).action == "client.status.suspended"


def test_logins_are_audited_and_the_owner_sees_only_its_own_business(client):
    mine = MembershipFactory(role=Membership.Role.OWNER, user__password="pass-12345-x")
    theirs = MembershipFactory(role=Membership.Role.OWNER, user__password="pass-12345-y")
    audit_record(action="persona.changed", client=theirs.client, actor=None, object_repr="their persona")
    response = client.post("/accounts/login/", {"username": mine.user.email, "password": "wrong"})
    assert response.status_code == 200
    assert AuditEntry.objects.filter(action="auth.login_failed", object_repr=mine.user.email).exists()
    response = client.post("/accounts/login/", {"username": mine.user.email, "password": "pass-12345-x"})
    assert response.status_code == 302
    login = AuditEntry.objects.get(action="auth.login")
    assert login.actor_user_id == mine.user.pk and login.ip_address == "127.0.0.1"
    page = client.get("/app/settings/activity/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "auth.login" in html and mine.user.email in html
    assert "their persona" not in html  # another client's entries never show


def test_agents_cannot_read_the_activity_page(client):
    agent = MembershipFactory(role=Membership.Role.AGENT).user
    client.force_login(agent)
    assert client.get("/app/settings/activity/").status_code == 403


def test_entries_past_the_retention_are_purged(settings):
    settings.AUDIT_RETENTION_DAYS = 30
    with time_machine.travel(timezone.now() - timedelta(days=31)):
        audit_record(action="old", actor=None)
    audit_record(action="recent", actor=None)
    assert audit_purge_expired() == 1
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["recent"]
    settings.AUDIT_RETENTION_DAYS = 0
    assert audit_purge_expired(now=timezone.now() + timedelta(days=3650)) == 0
