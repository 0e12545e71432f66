"""POST /{pnid}/messages, media and templates through the product's GraphClient over real HTTP."""

from datetime import timedelta

import pytest
import requests
from django.conf import settings
from django.utils import timezone

from sandbox.models import SandboxConversation, SandboxMessage, SandboxPhoneNumber, SandboxTemplate
from sandbox.services import open_window
from tests.sandbox.conftest import live_db
from whatsapp.client import GraphClient
from whatsapp.errors import PermanentGraphError

pytestmark = live_db

CUSTOMER = "+573001112233"
WABA = settings.WHATSAPP_BUSINESS_ACCOUNT_ID


@pytest.fixture
def pnid(number):
    open_window(phone_number_id=number.phone_number_id, wa_id=CUSTOMER.lstrip("+"))
    return number.phone_number_id


def stored(wamid):
    return SandboxMessage.objects.get(wamid=wamid)


def test_text_is_accepted_and_recorded(operator, pnid):
    answer = operator.send_text(pnid, CUSTOMER, "Hola, ¿en qué te ayudo?", biz_opaque_callback_data="job-1")
    [contact] = answer["contacts"]
    assert (contact["input"], contact["wa_id"]) == (CUSTOMER, "573001112233")
    assert contact["user_id"].startswith("CO.") and len(contact["user_id"]) == 23  # the customer's BSUID
    wamid = answer["messages"][0]["id"]
    assert wamid.startswith("wamid.")
    message = stored(wamid)
    assert (message.direction, message.type, message.text) == ("out", "text", "Hola, ¿en qué te ayudo?")


def test_text_limits_and_bad_requests_are_code_100(operator, pnid):
    assert operator.send_text(pnid, CUSTOMER, "x" * 4096)["messages"]
    for call in (
        lambda: operator.send_text(pnid, CUSTOMER, "x" * 4097),
        lambda: operator.send_text(pnid, CUSTOMER, ""),
        lambda: operator.send_text(pnid, "12", "Hola"),
        lambda: operator.send_message(pnid, CUSTOMER, {"type": "hologram", "hologram": {}}),
    ):
        with pytest.raises(PermanentGraphError) as error:
            call()
        assert error.value.code == 100
    assert SandboxMessage.objects.count() == 1


def test_free_form_outside_the_window_is_accepted_and_fails_later_but_templates_go(operator, pnid):
    """Meta takes the call and reports 131047 in a `failed` status webhook (test_status_webhooks checks it)."""
    SandboxConversation.objects.update(last_inbound_at=timezone.now() - timedelta(hours=24, minutes=1))
    late = operator.send_text(pnid, CUSTOMER, "¿Sigues ahí?")
    stranger = operator.send_text(pnid, "+573009998888", "A stranger")
    assert late["messages"][0]["id"].startswith("wamid.") and stranger["messages"][0]["id"].startswith("wamid.")
    answer = operator.send_template(pnid, CUSTOMER, "hello_world", "en_US")
    assert answer["messages"][0]["message_status"] == "accepted"


def test_unregistered_number_is_133010(operator, pnid):
    SandboxPhoneNumber.objects.filter(phone_number_id=pnid).update(registered=False)
    with pytest.raises(PermanentGraphError) as error:
        operator.send_text(pnid, CUSTOMER, "Hola")
    assert error.value.code == 133010


def test_templates_must_exist_be_approved_and_get_their_parameters(operator, pnid, sandbox_api):
    with pytest.raises(PermanentGraphError) as missing:
        operator.send_template(pnid, CUSTOMER, "hello_world", "es")  # exists, but not in Spanish
    assert (missing.value.code, missing.value.http_status) == (132001, 404)

    body = [{"type": "BODY", "text": "Hola {{1}}, tu pedido {{2}} va en camino."}]
    created = operator.create_template(WABA, "pedido_en_camino", "es", "UTILITY", body)
    assert created["status"] == "PENDING" and created["category"] == "UTILITY"
    with pytest.raises(PermanentGraphError) as pending:
        operator.send_template(pnid, CUSTOMER, "pedido_en_camino", "es")
    assert pending.value.code == 132001

    SandboxTemplate.objects.filter(name="pedido_en_camino").update(created_at=timezone.now() - timedelta(seconds=5))
    [listed] = operator.list_templates(WABA, name="pedido_en_camino")["data"]
    assert (listed["status"], listed["id"], listed["language"]) == ("APPROVED", created["id"], "es")
    with pytest.raises(PermanentGraphError) as params:
        operator.send_template(pnid, CUSTOMER, "pedido_en_camino", "es")
    assert params.value.code == 132000
    parameters = [{"type": "body", "parameters": [{"type": "text", "text": "Ana"}, {"type": "text", "text": "#12"}]}]
    assert operator.send_template(pnid, CUSTOMER, "pedido_en_camino", "es", parameters)["messages"]

    paused = sandbox_api("POST", "/api/templates/status", json={"template_id": created["id"], "status": "PAUSED"})
    assert paused.status_code == 200 and paused.json()["status"] == "PAUSED"
    with pytest.raises(PermanentGraphError) as error:
        operator.send_template(pnid, CUSTOMER, "pedido_en_camino", "es", parameters)
    assert error.value.code == 132015
    assert (
        sandbox_api("POST", "/api/templates/status", json={"template_id": created["id"], "status": "X"}).status_code
        == 400
    )
    assert (
        sandbox_api("POST", "/api/templates/status", json={"template_id": "1", "status": "PAUSED"}).status_code == 404
    )


def test_template_creation_is_validated_and_rejections_happen(operator):
    body = [{"type": "BODY", "text": "Hola"}]
    for name, category, components in [("Bad Name", "UTILITY", body), ("ok", "SPAM", body), ("ok", "UTILITY", [])]:
        with pytest.raises(PermanentGraphError) as error:
            operator.create_template(WABA, name, "es", category, components)
        assert error.value.code == 100
    operator.create_template(WABA, "promo_rejected", "es", "MARKETING", body)
    with pytest.raises(PermanentGraphError):
        operator.create_template(WABA, "promo_rejected", "es", "MARKETING", body)  # same name and language
    SandboxTemplate.objects.update(created_at=timezone.now() - timedelta(seconds=5))
    statuses = {t["name"]: t["status"] for t in operator.list_templates(WABA)["data"]}
    assert statuses == {"hello_world": "APPROVED", "promo_rejected": "REJECTED"}
    assert operator.delete_template(WABA, "promo_rejected") == {"success": True}
    assert [t["name"] for t in operator.list_templates(WABA)["data"]] == ["hello_world"]


def test_interactive_reaction_and_location(operator, pnid):
    buttons = {
        "type": "button",
        "body": {"text": "¿Confirmas la cita?"},
        "action": {"buttons": [{"type": "reply", "reply": {"id": "yes", "title": "Sí"}}]},
    }
    wamid = operator.send_message(pnid, CUSTOMER, {"type": "interactive", "interactive": buttons})["messages"][0]["id"]
    assert stored(wamid).text == "¿Confirmas la cita?"
    too_many = {
        **buttons,
        "action": {"buttons": [{"type": "reply", "reply": {"id": str(i), "title": "B"}} for i in range(4)]},
    }
    with pytest.raises(PermanentGraphError) as error:
        operator.send_message(pnid, CUSTOMER, {"type": "interactive", "interactive": too_many})
    assert error.value.code == 100
    reaction = {"type": "reaction", "reaction": {"message_id": wamid, "emoji": "👍"}}
    assert operator.send_message(pnid, CUSTOMER, reaction)["messages"]
    location = {"type": "location", "location": {"latitude": 4.6, "longitude": -74.08, "name": "Tienda"}}
    assert operator.send_message(pnid, CUSTOMER, location)["messages"]
    with pytest.raises(PermanentGraphError):
        operator.send_message(pnid, CUSTOMER, {"type": "reaction", "reaction": {"emoji": "👍"}})


def test_media_upload_download_and_send_by_id_or_link(operator, pnid, embedded_number):
    pdf = b"%PDF-1.4 menu del dia"
    media_id = operator.upload_media(pnid, pdf, "application/pdf", "menu.pdf")
    info = operator.get_media(media_id)
    assert (info["mime_type"], info["file_size"], info["id"]) == ("application/pdf", len(pdf), media_id)
    assert len(info["sha256"]) == 64
    assert operator.download_media(media_id) == (pdf, "application/pdf")
    assert requests.get(info["url"], timeout=5).status_code == 401  # the URL wants the bearer token too

    doc = {"type": "document", "document": {"id": media_id, "filename": "menu.pdf"}}
    assert operator.send_message(pnid, CUSTOMER, doc)["messages"]
    link = {"type": "image", "image": {"link": "https://example.com/a.jpg", "caption": "Nuestra vitrina"}}
    assert stored(operator.send_message(pnid, CUSTOMER, link)["messages"][0]["id"]).text == "Nuestra vitrina"
    for bad in ({"id": "404"}, {"id": media_id}, {}):
        with pytest.raises(PermanentGraphError):
            operator.send_message(pnid, CUSTOMER, {"type": "image", "image": bad})  # unknown, a PDF as image, none
    with pytest.raises(PermanentGraphError) as unsupported:
        operator.upload_media(pnid, b"MZ...", "application/x-msdownload", "virus.exe")
    assert unsupported.value.code == 131053

    token, _, _ = embedded_number()
    with pytest.raises(PermanentGraphError) as foreign:
        GraphClient(token).get_media(media_id)  # another account's media: "does not exist", as Meta says
    assert foreign.value.code == 100
    assert operator.delete_media(media_id) == {"success": True}


def test_mark_read_marks_earlier_messages_and_shows_typing(operator, number, sandbox_api):
    for text in ("Hola", "¿Hay pan?"):
        sandbox_api(
            "POST", "/api/inbound", json={"phone_number_id": number.phone_number_id, "from": CUSTOMER, "text": text}
        )
    _first, last = SandboxMessage.objects.filter(direction="in").order_by("id")
    assert operator.mark_read(number.phone_number_id, last.wamid, typing=True) == {"success": True}
    assert set(SandboxMessage.objects.filter(direction="in").values_list("status", flat=True)) == {"read"}
    chat = sandbox_api("GET", "/api/chat", params={"phone_number_id": number.phone_number_id, "from": CUSTOMER}).json()
    assert chat["typing"] is True
    operator.send_text(number.phone_number_id, CUSTOMER, "¡Sí hay!")
    chat = sandbox_api("GET", "/api/chat", params={"phone_number_id": number.phone_number_id, "from": CUSTOMER}).json()
    assert chat["typing"] is False
    assert [m["text"] for m in chat["messages"] if m["direction"] == "in"] == ["Hola", "¿Hay pan?"]
    assert chat["messages"][-1]["text"] == "¡Sí hay!"  # after the product's own (AI) replies
    with pytest.raises(PermanentGraphError) as error:
        operator.mark_read(number.phone_number_id, "wamid.unknown")
    assert error.value.code == 100


def test_media_urls_are_signed_and_expire(operator, pnid, monkeypatch):
    media_id = operator.upload_media(pnid, b"hola", "text/plain", "nota.txt")
    url = operator.get_media(media_id)["url"]
    auth = {"Authorization": "Bearer sandbox-master-token"}
    assert requests.get(url, headers=auth, timeout=5).content == b"hola"
    assert requests.get(url.replace("hash=", "hash=forged"), headers=auth, timeout=5).status_code == 404
    monkeypatch.setattr("sandbox.media.URL_TTL_SECONDS", -1)  # five minutes later
    assert requests.get(url, headers=auth, timeout=5).status_code == 404
    monkeypatch.undo()
    assert operator.download_media(media_id) == (b"hola", "text/plain")  # asking GET /{media-id} again works
