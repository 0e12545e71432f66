"""The team: owners invite by e-mail (a one-time link that expires), people join as owner or agent, agents
never reach the team, API keys or webhooks, and the last owner stays."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client as Browser
from django.utils import timezone

from tenants.models import Invitation, Membership
from tenants.services import invitation_create

pytestmark = pytest.mark.django_db


def _link() -> str:
    return re.search(r"https?://\S+(/accounts/join/\S+/)", mail.outbox[-1].body).group(1)


def test_an_owner_invites_an_agent_who_joins_with_a_new_account(owner_client, tenant):
    response = owner_client.post("/app/settings/team/", {"email": "Nueva@Example.com", "role": "agent"})
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["nueva@example.com"] and tenant.client.business_name in mail.outbox[-1].subject
    invitation = Invitation.objects.get(client=tenant.client)
    assert invitation.token_digest not in mail.outbox[-1].body  # only the digest is stored, only the token sent
    link = _link()

    newcomer = Browser()
    assert newcomer.get(link).status_code == 200
    assert newcomer.post(link, {"name": "Nueva", "password": "123"}).status_code == 400  # weak password
    assert newcomer.post(link, {"name": "Nueva Agente", "password": "pan-y-cafe-2026"}).status_code == 302
    membership = Membership.objects.get(client=tenant.client, user__email="nueva@example.com")
    assert membership.role == "agent" and membership.user.first_name == "Nueva Agente"
    assert newcomer.get("/app/inbox/").status_code == 200
    assert newcomer.get("/app/settings/team/").status_code == 403
    assert newcomer.get("/app/settings/api-keys/").status_code == 403
    assert Browser().get(link).status_code == 410  # used once


def test_expired_cancelled_and_unknown_links_are_410(owner_client, tenant):
    invitation, token = invitation_create(client=tenant.client, email="a@example.com", role="agent", invited_by=None)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Browser().get(f"/accounts/join/{token}/").status_code == 410
    invitation, token = invitation_create(client=tenant.client, email="b@example.com", role="agent", invited_by=None)
    assert owner_client.post(f"/app/settings/team/invitations/{invitation.pk}/cancel/").status_code == 302
    assert Browser().get(f"/accounts/join/{token}/").status_code == 410
    assert Browser().get("/accounts/join/not-a-token/").status_code == 410


def test_a_new_invitation_replaces_the_earlier_link(tenant):
    _first, old = invitation_create(client=tenant.client, email="c@example.com", role="agent", invited_by=None)
    _second, new = invitation_create(client=tenant.client, email="c@example.com", role="owner", invited_by=None)
    assert Browser().get(f"/accounts/join/{old}/").status_code == 410
    assert Browser().get(f"/accounts/join/{new}/").status_code == 200


def test_a_member_cannot_be_invited_again_and_the_last_owner_stays(owner_client, tenant):
    response = owner_client.post("/app/settings/team/", {"email": tenant.agent.email, "role": "agent"})
    assert response.status_code == 409 and "Ya está en el equipo" in response.content.decode()
    own = Membership.objects.get(client=tenant.client, user=tenant.owner)
    owner_client.post(f"/app/settings/team/members/{own.pk}/remove/")
    assert Membership.objects.filter(pk=own.pk).exists()
    agent = Membership.objects.get(client=tenant.client, user=tenant.agent)
    assert owner_client.post(f"/app/settings/team/members/{agent.pk}/remove/").status_code == 302
    assert not Membership.objects.filter(pk=agent.pk).exists()


def test_someone_with_an_account_logs_in_then_joins(client, tenant, other):
    _invitation, token = invitation_create(client=tenant.client, email=other.owner.email, role="agent", invited_by=None)
    page = client.get(f"/accounts/join/{token}/")
    assert page.status_code == 200 and b'id="join-log-in"' in page.content
    client.force_login(other.owner)
    assert client.post(f"/accounts/join/{token}/").status_code == 302
    assert Membership.objects.filter(client=tenant.client, user=other.owner, role="agent").exists()
