"""The inbox: filters, the thread (who sent, ticks, failures in plain words), sends and their refusals,
takeover / hand back, conversion marks, and the fragments the page polls."""

from __future__ import annotations

import re

import pytest

from tests.factories import ContactFactory, MessageFactory, WhatsAppNumberFactory
from tests.portal.conftest import open_conversation
from whatsapp.models import Conversation, Message

pytestmark = pytest.mark.django_db


def ids(response) -> set[int]:
    return {row["conversation"].pk for row in response.context["rows"]}


def test_filters_needs_person_owner_and_search(owner_client, tenant):
    waiting = open_conversation(tenant.number, name="Beatriz Suárez", needs_attention=True, owner="human")
    plain = tenant.conversation

    assert ids(owner_client.get("/app/inbox/")) == {waiting.pk, plain.pk}
    assert ids(owner_client.get("/app/inbox/?needs_person=on")) == {waiting.pk}
    assert ids(owner_client.get("/app/inbox/?owner=human")) == {waiting.pk}
    assert ids(owner_client.get("/app/inbox/?owner=ai")) == {plain.pk}
    assert ids(owner_client.get("/app/inbox/?q=beatriz")) == {waiting.pk}
    digits = waiting.contact.wa_id[-6:]
    assert ids(owner_client.get(f"/app/inbox/?q={digits}")) == {waiting.pk}
    assert ids(owner_client.get("/app/inbox/?q=nadie")) == set()


def test_bad_filter_is_a_400_with_the_list(owner_client, tenant):
    response = owner_client.get("/app/inbox/?owner=robot")
    assert response.status_code == 400
    assert response.context["form"].errors["owner"]
    assert ids(response) == {tenant.conversation.pk}  # unfiltered list still shown


def test_thread_shows_who_sent_ticks_and_failure_reasons(owner_client, tenant):
    conv = tenant.conversation
    MessageFactory(conversation=conv, direction="out", sent_by="ai", status="read", text="Sí, hacemos domicilios")
    MessageFactory(conversation=conv, direction="out", sent_by="agent", status="delivered", text="Te escribo yo")
    MessageFactory(conversation=conv, direction="out", sent_by="system", status="sent", text="Aviso")
    MessageFactory(
        conversation=conv, direction="out", sent_by="agent", status="failed", text="¿Sigues ahí?", error_code="131047"
    )
    html = owner_client.get(f"/app/inbox/{conv.pk}/").content.decode()
    assert 'data-sent-by="ai" ' in html or 'data-sent-by="ai"' in html
    assert html.count('class="ticks read"') == 1
    assert html.count("✓✓") == 2
    assert 'data-status="failed"' in html
    assert "24" in html.split('class="error failure"')[1].split("</p>")[0]  # plain words about the 24-hour window


def test_send_text_records_an_agent_message(owner_client, tenant):
    response = owner_client.post(f"/app/inbox/{tenant.conversation.pk}/send/", {"text": "Hola, soy Marta"})
    assert response.status_code == 302
    sent = Message.objects.get(direction="out")
    assert (sent.text, sent.sent_by, sent.sent_by_user) == ("Hola, soy Marta", "agent", tenant.owner)
    assert sent.status == "pending"  # recorded; the worker sends it after commit (tests/portal/test_live.py)


def test_empty_text_is_a_form_error(owner_client, tenant):
    response = owner_client.post(f"/app/inbox/{tenant.conversation.pk}/send/", {"text": ""})
    assert response.status_code == 400
    assert response.context["text_form"].errors["text"]
    assert not Message.objects.filter(direction="out").exists()


def test_window_closed_refuses_text_and_explains_templates(owner_client, tenant):
    old = open_conversation(tenant.number, hours_ago=30, name="Carlos")
    page = owner_client.get(f"/app/inbox/{old.pk}/").content.decode()
    assert 'id="window-closed"' in page and 'id="send-form"' not in page
    assert '<details id="template-box" open>' in page

    response = owner_client.post(f"/app/inbox/{old.pk}/send/", {"text": "¿Sigues interesado?"})
    assert response.status_code == 422
    assert response.context["text_form"].non_field_errors()
    assert not Message.objects.filter(conversation=old, direction="out").exists()


def test_template_send_with_parameters(owner_client, tenant):
    old = open_conversation(tenant.number, hours_ago=30)
    response = owner_client.post(
        f"/app/inbox/{old.pk}/send-template/",
        {"name": "order_update", "language": "es", "parameters": "Ana\n#123"},
    )
    assert response.status_code == 302
    sent = Message.objects.get(conversation=old, direction="out")
    assert sent.kind == "template"
    assert sent.payload["name"] == "order_update"
    assert [p["text"] for p in sent.payload["components"][0]["parameters"]] == ["Ana", "#123"]


def test_named_template_parameters(owner_client, tenant):
    owner_client.post(
        f"/app/inbox/{tenant.conversation.pk}/send-template/",
        {"name": "welcome", "language": "es_CO", "parameters": "first_name=Ana\norder = 77"},
    )
    sent = Message.objects.get(direction="out")
    params = sent.payload["components"][0]["parameters"]
    assert [(p["parameter_name"], p["text"]) for p in params] == [("first_name", "Ana"), ("order", "77")]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "Hola Mundo", "language": "es"}, "name"),
        ({"name": "hello", "language": "español"}, "language"),
        ({"name": "", "language": "es"}, "name"),
        ({"name": "hello", "language": "es", "parameters": "Bad-Name=1"}, "parameters"),
    ],
)
def test_bad_template_is_a_form_error(owner_client, tenant, data, field):
    response = owner_client.post(f"/app/inbox/{tenant.conversation.pk}/send-template/", data)
    assert response.status_code == 400
    assert response.context["template_form"].errors[field]
    assert 'role="alert"' in response.content.decode()
    assert not Message.objects.filter(direction="out").exists()


def test_inactive_number_refuses_sends_with_a_reason(owner_client, tenant):
    tenant.number.status = "disconnected"
    tenant.number.save()
    response = owner_client.post(f"/app/inbox/{tenant.conversation.pk}/send/", {"text": "hola"})
    assert response.status_code == 409
    assert response.context["text_form"].non_field_errors()
    assert not Message.objects.filter(direction="out").exists()


def test_take_over_hand_back_and_conversion(owner_client, tenant):
    conv = tenant.conversation
    base = f"/app/inbox/{conv.pk}"
    assert owner_client.post(f"{base}/take-over/").status_code == 302
    conv.refresh_from_db()
    assert conv.owner == "human"
    assert 'id="hand-back"' in owner_client.get(f"{base}/").content.decode()

    owner_client.post(f"{base}/hand-back/")
    conv.refresh_from_db()
    assert (conv.owner, conv.needs_attention) == ("ai", False)

    owner_client.post(f"{base}/converted/")
    conv.refresh_from_db()
    assert conv.converted_at is not None
    owner_client.post(f"{base}/not-converted/")
    conv.refresh_from_db()
    assert conv.converted_at is None


def test_actions_need_post(owner_client, tenant):
    assert owner_client.get(f"/app/inbox/{tenant.conversation.pk}/take-over/").status_code == 405
    assert Conversation.objects.get(pk=tenant.conversation.pk).owner == "ai"


def test_polled_fragments_show_new_messages(owner_client, tenant):
    url = f"/app/inbox/{tenant.conversation.pk}/messages/"
    assert "Llego a las 5" not in owner_client.get(url).content.decode()
    MessageFactory(conversation=tenant.conversation, text="Llego a las 5")
    fragment = owner_client.get(url).content.decode()
    assert "Llego a las 5" in fragment and "<html" not in fragment

    other_number = WhatsAppNumberFactory(client=tenant.client)
    new = open_conversation(other_number, name="Nueva Clienta")
    rows = owner_client.get("/app/inbox/rows/").content.decode()
    assert f'data-conversation="{new.pk}"' in rows and "<html" not in rows


def test_inbox_pages_long_lists(owner_client, tenant):
    for _ in range(31):
        open_conversation(tenant.number, contact=ContactFactory(client=tenant.client))
    first = owner_client.get("/app/inbox/")
    assert len(first.context["rows"]) == 30
    assert len(owner_client.get("/app/inbox/?page=2").context["rows"]) == 2
    assert owner_client.get("/app/inbox/?page=zzz").status_code == 200


def _queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_inbox_and_thread_queries_do_not_grow_with_rows(owner_client, tenant):
    list_before = _queries(owner_client, "/app/inbox/")
    thread_url = f"/app/inbox/{tenant.conversation.pk}/"
    owner_client.get(thread_url)  # the first look makes the owner's read mark; later ones only check it
    thread_before = _queries(owner_client, thread_url)
    for _ in range(10):
        conversation = open_conversation(tenant.number, contact=ContactFactory(client=tenant.client))
        MessageFactory(
            conversation=conversation, direction="out", sent_by="agent", sent_by_user=tenant.owner, wamid=None
        )
        MessageFactory(conversation=tenant.conversation, direction="out", sent_by="agent", sent_by_user=tenant.agent)
    assert _queries(owner_client, "/app/inbox/") == list_before
    assert _queries(owner_client, thread_url) == thread_before
    assert _queries(owner_client, "/app/") <= 20  # sessions, user, membership, usage, lists


def test_polled_header_shows_an_ai_handoff(owner_client, tenant):
    url = f"/app/inbox/{tenant.conversation.pk}/head/"
    assert 'id="take-over"' in owner_client.get(url).content.decode()
    Conversation.objects.filter(pk=tenant.conversation.pk).update(owner="human", needs_attention=True)
    head = owner_client.get(url).content.decode()
    assert 'id="hand-back"' in head and "<html" not in head


def test_the_thread_shows_the_next_step_and_hides_what_the_customer_deleted(owner_client, tenant):
    from django.utils import timezone

    conversation = tenant.conversation
    Conversation.objects.filter(pk=conversation.pk).update(
        next_step="send_template", next_step_at=timezone.now(), last_inbound_at=timezone.now().replace(year=2025)
    )
    gone = MessageFactory(conversation=conversation, text="Mi clave es 1234", deleted_at=timezone.now())
    edited = MessageFactory(
        conversation=conversation, text="¿Abren el sábado?", edited_at=timezone.now(), edits=[{"text": "¿domingo?"}]
    )
    html = owner_client.get(f"/app/inbox/{conversation.pk}/").content.decode()
    assert 'id="next-step"' in html and "envía una plantilla aprobada" in html
    assert "Mi clave es 1234" not in html and "El cliente eliminó este mensaje." in html
    assert f'id="message-{gone.pk}"' in html and "¿Abren el sábado?" in html and "Editado" in html
    assert f'id="message-{edited.pk}"' in html


def test_a_customer_known_only_by_bsuid_shows_as_the_username_in_the_inbox_api_and_export(
    post_webhook, owner_client, tenant, api_for
):
    """Since Meta's usernames a customer may come with no phone: people see the @username, never the BSUID."""
    from tests.meta_fixtures import meta_payload

    bsuid = "CO.13491208655302741918"
    post_webhook(meta_payload("inbound_username_2026", tenant.number, wamid="wamid.U1"))
    conversation = Conversation.objects.get(contact__user_id=bsuid, contact__wa_id="")

    thread = owner_client.get(f"/app/inbox/{conversation.pk}/").content.decode()
    assert "<h1>Lucía</h1>" in thread and re.search(r'<p class="muted">@lucia\.m · ', thread) and bsuid not in thread

    conversation.contact.profile_name = ""  # a customer who shows no profile name: the username names them
    conversation.contact.save(update_fields=["profile_name"])
    listed = owner_client.get("/app/inbox/?q=@lucia.m")
    assert {row["conversation"].pk for row in listed.context["rows"]} == {conversation.pk}
    row = listed.content.decode().split(f'data-conversation="{conversation.pk}"', 1)[1].split("</a>", 1)[0]
    assert "@lucia.m" in row and bsuid not in row
    head = owner_client.get(f"/app/inbox/{conversation.pk}/head/").content.decode()  # as the thread polls it
    assert "<h1>@lucia.m</h1>" in head and bsuid not in head

    item = api_for(tenant.client).get(f"/api/v1/conversations/{conversation.pk}").json()["contact"]
    assert (item["username"], item["handle"], item["phone_number"]) == ("lucia.m", "@lucia.m", "")
    exported = owner_client.get(f"/app/contacts/{conversation.contact_id}/export.json").json()["contact"]
    assert (exported["username"], exported["handle"], exported["user_id"]) == ("lucia.m", "@lucia.m", bsuid)
