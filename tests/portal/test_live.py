"""Over real HTTP: a customer writes through the sandbox, the owner logs in, takes over and replies from the
inbox (CSRF and all); the worker sends the reply through the Graph client and the sandbox receives it."""

from __future__ import annotations

import re

import pytest
import requests

from tests.factories import MembershipFactory, connected_number
from tests.portal.conftest import PASSWORD
from tests.support import sent_to
from whatsapp.models import Conversation, Message, MessageTemplate

pytestmark = pytest.mark.django_db(transaction=True)

CUSTOMER = "+573001112233"


def csrf_post(session: requests.Session, url: str, data: dict) -> requests.Response:
    page = session.get(url if "/accounts/" in url else url.rsplit("/", 2)[0] + "/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return session.post(url, data={"csrfmiddlewaretoken": token, **data}, timeout=30, allow_redirects=False)


def test_inbox_reply_goes_through_the_worker_to_the_sandbox(sandbox_live, number):
    owner = MembershipFactory(client=number.client, user__password=PASSWORD).user
    customer = requests.post(
        f"{sandbox_live}/sandbox/api/inbound",
        json={
            "phone_number_id": number.phone_number_id,
            "from": CUSTOMER,
            "text": "Hola, ¿hay pan?",
            "profile_name": "Ana",
        },
        timeout=30,
    )
    assert customer.status_code == 200, customer.text
    conversation = Conversation.objects.get(client=number.client)
    ai_replies = len(sent_to(sandbox_live, number))  # the assistant answered the first message

    web = requests.Session()
    login = csrf_post(web, f"{sandbox_live}/accounts/login/", {"username": owner.email, "password": PASSWORD})
    assert login.status_code == 302 and login.headers["Location"] == "/app/"
    # Without the CSRF token the send is refused and nothing is recorded.
    forged = web.post(f"{sandbox_live}/app/inbox/{conversation.pk}/send/", data={"text": "x"}, timeout=10)
    assert forged.status_code == 403

    base = f"{sandbox_live}/app/inbox/{conversation.pk}"
    assert csrf_post(web, f"{base}/take-over/", {}).status_code == 302
    sent = csrf_post(web, f"{base}/send/", {"text": "Sí, recién horneado. ¿Cuántos quieres?"})
    assert sent.status_code == 302

    outbox = sent_to(sandbox_live, number)
    assert len(outbox) == ai_replies + 1
    assert outbox[-1]["text"] == "Sí, recién horneado. ¿Cuántos quieres?"
    message = Message.objects.get(direction="out", sent_by="agent")
    assert message.status == "sent" and message.wamid == outbox[-1]["wamid"]
    assert message.sent_by_user == owner

    thread = web.get(f"{base}/messages/", timeout=10).text
    assert "recién horneado" in thread and f'id="message-{message.pk}" data-status="sent"' in thread
    web.close()  # no keep-alive connection outlives the live server


def test_closed_window_suggests_approved_templates_and_sends_one(sandbox_live, client):
    from tests.portal.conftest import open_conversation
    from whatsapp.tasks import sync_templates

    # An explicit Meta id: the factory sequence can produce "100000000000001", the sandbox operator WABA's id.
    number = connected_number(phone_number_id="109555000000001")
    owner = MembershipFactory(client=number.client).user
    old = open_conversation(number, hours_ago=30)
    client.force_login(owner)
    sync_templates.delay(number.pk)  # what going live queues: the page reads local rows, never Graph
    # In the operator's shared WABA the operator gives each template to a client (back office).
    MessageTemplate.objects.filter(waba_id=number.waba_id, name="hello_world").update(client=number.client)

    page = client.get(f"/app/inbox/{old.pk}/")
    names = [t["name"] for t in page.context["templates"]]
    assert "hello_world" in names  # every WABA has Meta's approved sample
    assert 'id="approved-templates"' in page.content.decode()

    sent = client.post(f"/app/inbox/{old.pk}/send-template/", {"name": "hello_world", "language": "en_US"})
    assert sent.status_code == 302
    message = Message.objects.get(conversation=old, direction="out")
    assert (message.kind, message.status) == ("template", "sent")
    outbox = requests.get(
        f"{sandbox_live}/sandbox/api/messages",
        params={"phone_number_id": number.phone_number_id, "to": old.contact.phone_number},
        timeout=10,
    ).json()["results"]
    assert [m["wamid"] for m in outbox] == [message.wamid]


def test_an_agent_sends_a_photo_and_a_document_uploaded_to_whatsapp_first(sandbox_live, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from sandbox.media import PLACEHOLDER_PNG
    from sandbox.models import SandboxMedia
    from sandbox.services import open_window
    from tests.portal.conftest import open_conversation

    number = connected_number(phone_number_id="109555000000002")
    client.force_login(MembershipFactory(client=number.client).user)
    conversation = open_conversation(number, hours_ago=1)
    open_window(phone_number_id=number.phone_number_id, wa_id=conversation.contact.wa_id)
    url = f"/app/inbox/{conversation.pk}/send-media/"

    photo = SimpleUploadedFile("vitrina.png", PLACEHOLDER_PNG, content_type="image/png")
    assert client.post(url, {"file": photo, "caption": "Nuestra vitrina"}).status_code == 302
    pdf = SimpleUploadedFile("menu.pdf", b"%PDF-1.4 menu", content_type="application/pdf")
    assert client.post(url, {"file": pdf}).status_code == 302
    exe = SimpleUploadedFile("virus.exe", b"MZ", content_type="application/x-msdownload")
    refused = client.post(url, {"file": exe}, follow=True)
    assert "JPEG o PNG" in refused.content.decode()

    sent = list(Message.objects.filter(conversation=conversation, direction="out").order_by("pk"))
    assert [(m.kind, m.status) for m in sent] == [("image", "sent"), ("document", "sent")]
    assert sent[0].payload["caption"] == "Nuestra vitrina" and sent[1].payload["filename"] == "menu.pdf"
    assert SandboxMedia.objects.filter(media_id=sent[0].payload["id"], mime_type="image/png").exists()
    outbox = sent_to(sandbox_live, number, to=conversation.contact.phone_number)
    assert [m["type"] for m in outbox] == ["image", "document"]
