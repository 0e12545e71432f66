"""The Requests page ("Solicitudes"): list, filters by status and day, status changes, both languages, tenancy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import ConversationFactory, CustomerRequestFactory
from whatsapp.models import CustomerRequest

pytestmark = pytest.mark.django_db


def make_request(tenant, **kwargs) -> CustomerRequest:
    return CustomerRequestFactory(conversation=tenant.conversation, **kwargs)


def test_the_page_lists_requests_with_details_contact_and_actions(agent_client, tenant, other):
    mine = make_request(tenant)
    theirs = CustomerRequestFactory(conversation=other.conversation)

    page = agent_client.get("/app/requests/", HTTP_ACCEPT_LANGUAGE="es")

    html = page.content.decode()
    assert page.status_code == 200
    assert "<h1>Solicitudes</h1>" in html
    assert f'id="request-{mine.pk}"' in html and f'id="request-{theirs.pk}"' not in html
    assert "Día y hora: viernes 3 pm" in html
    assert "Cliente de Panadería Uno" in html
    assert f'href="/app/inbox/{tenant.conversation.pk}/"' in html
    assert "Confirmar" in html and "Marcar como hecha" in html and "Cancelar solicitud" in html
    assert 'data-status="new">Nueva: 1</a>' in html
    assert ">Solicitudes</a>" in html  # the tab


def test_the_page_speaks_english_too(agent_client, tenant):
    make_request(tenant)

    html = agent_client.get("/app/requests/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "<h1>Requests</h1>" in html
    assert "Mark done" in html and "Cancel request" in html


def test_filters_by_status_and_day(owner_client, tenant):
    new = make_request(tenant)
    done = make_request(tenant, status="done")
    old = make_request(tenant)
    CustomerRequest.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=20))
    today = timezone.localdate()

    def shown(query):
        html = owner_client.get(f"/app/requests/?{query}").content.decode()
        return {r.pk for r in (new, done, old) if f'id="request-{r.pk}"' in html}

    assert shown("status=done") == {done.pk}
    assert shown(f"created_from={today - timedelta(days=1)}") == {new.pk, done.pk}
    assert shown(f"created_to={today - timedelta(days=10)}") == {old.pk}
    assert shown(f"status=new&created_from={today}") == {new.pk}


@pytest.mark.parametrize(
    "query", ["status=archived", "created_from=yesterday", "created_from=2026-05-02&created_to=2026-05-01"]
)
def test_bad_filters_are_a_form_error_not_a_500(owner_client, tenant, query):
    page = owner_client.get(f"/app/requests/?{query}", HTTP_ACCEPT_LANGUAGE="es")

    assert page.status_code == 400
    assert "Revisa los filtros." in page.content.decode()


def test_status_changes_follow_the_workflow_and_keep_the_filters(agent_client, tenant):
    request = make_request(tenant)
    url = f"/app/requests/{request.pk}/status/"

    response = agent_client.post(url, {"status": "confirmed", "back": "status=new&next=https://evil.example"})
    assert response.status_code == 302
    assert response["Location"] == "/app/requests/?status=new"
    request.refresh_from_db()
    assert request.status == "confirmed" and request.status_changed_at is not None

    agent_client.post(url, {"status": "done"})
    page = agent_client.post(url, {"status": "new"}, follow=True, HTTP_ACCEPT_LANGUAGE="es")
    assert "Esta solicitud ya no puede cambiar a ese estado." in page.content.decode()
    request.refresh_from_db()
    assert request.status == "done"

    agent_client.post(url, {"status": "lost"})
    request.refresh_from_db()
    assert request.status == "done"


def test_another_clients_request_is_a_404_that_changes_nothing(owner_client, tenant, other):
    theirs = CustomerRequestFactory(conversation=other.conversation)

    assert owner_client.post(f"/app/requests/{theirs.pk}/status/", {"status": "cancelled"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "new"


def test_the_persona_form_edits_the_details_a_request_needs(owner_client, tenant):
    html = owner_client.get("/app/assistant/", HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert 'name="request_fields"' in html
    assert "Nombre\nServicio o producto\nDía y hora" in html


def test_a_request_counts_as_the_conversion_on_the_operator_dashboard(client, tenant, other, staff_user):
    make_request(tenant)  # the conversation itself was never marked converted
    CustomerRequestFactory(conversation=other.conversation, status="cancelled")
    client.force_login(staff_user)

    metrics = client.get("/api/dashboard/metrics").json()

    rows = {row["client_id"]: row for row in metrics["results"]}
    assert (rows[tenant.client.pk]["conversion_rate"], rows[tenant.client.pk]["requests"]) == (1.0, 1)
    # A cancelled request was still the customer asking: the conversation converted, but it is not counted.
    assert (rows[other.client.pk]["conversion_rate"], rows[other.client.pk]["requests"]) == (1.0, 0)
    assert metrics["totals"]["requests"] == 1
    page = client.get("/dashboard/").content.decode()
    assert f'<tr data-client="{tenant.client.pk}">' in page and '<td class="requests">1</td>' in page


def test_the_thread_shows_its_requests_and_links_to_them(owner_client, tenant, other):
    mine = make_request(tenant, kind="order")
    elsewhere = CustomerRequestFactory(conversation=ConversationFactory(number=tenant.number))

    thread = owner_client.get(f"/app/inbox/{tenant.conversation.pk}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert f"Pedido #{mine.pk} · Nueva" in thread
    assert f"#{elsewhere.pk}" not in thread
    link = f"/app/requests/?conversation={tenant.conversation.pk}"
    assert link in thread
    listed = owner_client.get(link).content.decode()
    assert f'id="request-{mine.pk}"' in listed and f'id="request-{elsewhere.pk}"' not in listed
    assert owner_client.get("/app/requests/?conversation=abc").status_code == 400


def test_the_home_page_counts_new_requests(agent_client, tenant, other):
    make_request(tenant)
    make_request(tenant, status="confirmed")
    CustomerRequestFactory(conversation=other.conversation)

    html = agent_client.get("/app/", HTTP_ACCEPT_LANGUAGE="es").content.decode()

    start = html.index('id="stat-new-requests"')
    assert 'href="/app/requests/?status=new"' in html[start - 120 : start]
    assert "<strong>1</strong><span>solicitudes nuevas</span>" in html[start : start + 200]
