"""Every portal page renders for owners and agents, shows the client's own data and never another's."""

from __future__ import annotations

import re

import pytest

from billing.services import usage_period_for
from core.phones import display_phone
from tenants.authentication import create_api_key

pytestmark = pytest.mark.django_db

PAGES = ["/app/", "/app/inbox/", "/app/assistant/", "/app/numbers/", "/app/usage/"]


@pytest.mark.parametrize("role", ["owner", "agent"])
@pytest.mark.parametrize("path", PAGES)
def test_page_renders_for_owner_and_agent(client, tenant, other, role, path):
    client.force_login(getattr(tenant, role))
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert tenant.client.business_name in html
    assert other.client.business_name not in html
    assert other.number.phone_number not in html


def test_thread_page_renders(owner_client, tenant):
    response = owner_client.get(f"/app/inbox/{tenant.conversation.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hola, ¿tienen domicilio?" in html
    assert 'id="send-form"' in html  # window open: free text allowed
    assert "csrfmiddlewaretoken" in html


def test_home_shows_numbers_usage_and_who_needs_a_person(owner_client, tenant):
    period = usage_period_for(number=tenant.number)
    type(period).objects.filter(pk=period.pk).update(service_messages=250, ai_replies=240, agent_replies=10)
    tenant.conversation.needs_attention = True
    tenant.conversation.save()

    response = owner_client.get("/app/")
    summary = response.context["summary"]
    assert summary["needs_person_count"] == 1
    assert summary["today_count"] == 1
    assert summary["ai_replies_month"] == 240
    html = response.content.decode()
    assert display_phone(tenant.number.phone_number) in html  # "+57 300 …", as people read it
    assert 'data-percent="25"' in html  # 250 of 1,000 free messages
    assert f'data-conversation="{tenant.conversation.pk}"' in html


def test_numbers_page_has_the_click_to_chat_qr_and_png(owner_client, tenant):
    html = owner_client.get("/app/numbers/").content.decode()
    assert "<svg" in html and f"wa.me/{tenant.number.phone_number.lstrip('+')}" in html
    png = owner_client.get(f"/app/numbers/{tenant.number.pk}/qr.png")
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    assert "attachment" in png["Content-Disposition"]


def test_usage_page_chart_and_csv(owner_client, tenant):
    period = usage_period_for(number=tenant.number)
    type(period).objects.filter(pk=period.pk).update(
        service_messages=7, ai_replies=5, agent_replies=2, template_messages=3, template_utility=3
    )
    response = owner_client.get("/app/usage/")
    html = response.content.decode()
    assert '<svg class="chart"' in html
    # Geometry stays machine-readable in Spanish (no decimal commas in SVG attributes).
    widths = re.findall(r'<rect x="([^"]+)%" y="\d+" width="([^"]+)%"', html)
    assert widths and all(float(x) >= 0 and float(w) > 0 for x, w in widths)
    row = response.context["rows"][0]
    assert (row["ai_replies"], row["agent_replies"], row["templates"]["utility"]) == (5, 2, 3)

    csv = owner_client.get(f"/app/usage/usage.csv?month={period.month:%Y-%m}")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode().strip().splitlines()
    assert lines[0].startswith("month,phone_number,allowance")
    assert lines[1].split(",")[:8] == [
        f"{period.month:%Y-%m}",
        tenant.number.phone_number,
        "1000",
        "7",
        "993",
        "0",
        "5",
        "2",
    ]
    assert "markup" not in lines[0]  # the operator's prices stay on the operator's side


@pytest.mark.parametrize("month", ["2026-13", "nope", "1999-01", "2026-1x", "9999-12", "2026-11-01"])
def test_bad_month_is_a_400_not_a_500(owner_client, month):
    assert owner_client.get(f"/app/usage/?month={month}").status_code == 400
    assert owner_client.get(f"/app/usage/usage.csv?month={month}").status_code == 400


def test_api_keys_page_lists_only_own_keys(owner_client, tenant, other):
    create_api_key(client=tenant.client, name="web-uno")
    create_api_key(client=other.client, name="web-dos")
    html = owner_client.get("/app/settings/api-keys/").content.decode()
    assert "web-uno" in html and "web-dos" not in html


def test_handoff_email_link_leads_to_the_thread(owner_client, tenant, settings):
    from whatsapp.services.ownership import conversation_url

    url = conversation_url(conversation_id=tenant.conversation.pk)
    assert url == f"{settings.PUBLIC_BASE_URL}/app/inbox/{tenant.conversation.pk}/"
    assert owner_client.get(url.removeprefix(settings.PUBLIC_BASE_URL)).status_code == 200


@pytest.mark.parametrize(
    "path",
    [*PAGES, "/app/settings/api-keys/", "/accounts/login/", "/app/choose/", "/dashboard/", "thread", "knowledge"],
)
def test_every_post_form_carries_a_csrf_token(client, tenant, staff_user, path):
    tenant.owner.is_staff = True  # one user who can open every page, the dashboard included
    tenant.owner.save()
    if path != "/accounts/login/":
        client.force_login(tenant.owner)
    if path == "thread":
        path = f"/app/inbox/{tenant.conversation.pk}/"
    if path == "knowledge":
        path = f"/app/assistant/knowledge/{tenant.client.knowledge.first().pk}/"
    html = client.get(path).content.decode()
    forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", html, flags=re.S)
    assert forms, path
    assert all("csrfmiddlewaretoken" in body for body in forms), path


def test_user_without_a_client_is_told_so(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    response = client.get("/app/", follow=True)
    assert response.redirect_chain[-1][0] == "/app/choose/"
    assert response.context["memberships"] == []
    assert client.get("/app/inbox/").status_code == 302


GARBAGE = {
    "text": "\x00" * 3,
    "name": "x" * 5000,
    "language": "\x00",
    "parameters": "=\n==\n\x00",
    "message": "y" * 5000,
    "question": "\x00",
    "answer": "",
    "max_reply_chars": "-1",
    "timezone": "\x00",
    "client_id": "-1",
    "username": "\x00",
    "password": "",
}


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/login/",
        "/app/choose/",
        "/app/inbox/{c}/send/",
        "/app/inbox/{c}/send-template/",
        "/app/assistant/persona/",
        "/app/assistant/preview/",
        "/app/assistant/knowledge/",
        "/app/assistant/knowledge/{k}/",
        "/app/settings/api-keys/",
    ],
)
def test_garbage_posts_are_form_errors_never_500(client, tenant, path):
    if path != "/accounts/login/":
        client.force_login(tenant.owner)
    url = path.format(c=tenant.conversation.pk, k=tenant.client.knowledge.first().pk)
    response = client.post(url, GARBAGE)
    assert 400 <= response.status_code < 500 or (path == "/accounts/login/" and response.status_code == 200)
    client.force_login(tenant.owner)
    for query in ["?q=%00", "?owner=%00&needs_person=maybe", "?page=-1", "?q=" + "z" * 500]:
        assert client.get("/app/inbox/" + query).status_code in (200, 400)
