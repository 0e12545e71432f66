"""/sandbox/api/inbound: a pretend customer's text, button tap, location and photo reach the product signed."""

import base64

import pytest

from sandbox.models import SandboxMessage
from sandbox.services import marketing_failure
from tests.sandbox.conftest import live_db
from whatsapp.client import GraphClient
from whatsapp.models import Contact, Message

pytestmark = live_db

CUSTOMER = "+573001112233"


@pytest.fixture
def customer(sandbox_api, number):
    def write(**body):
        response = sandbox_api(
            "POST", "/api/inbound", json={"phone_number_id": number.phone_number_id, "from": CUSTOMER, **body}
        )
        assert response.status_code == 200, response.text
        assert response.json()["webhook_status"] == 200
        return response.json()

    return write


def received(wamid):
    return Message.objects.get(wamid=wamid, direction="in")


def test_plain_text_keeps_the_original_shape(customer):
    answer = customer(text="Hola", profile_name="Ana")
    message = received(answer["wamid"])
    assert (message.kind, message.text, message.conversation.contact.profile_name) == ("text", "Hola", "Ana")


def test_button_tap_answers_the_last_business_message(customer, operator, number):
    customer(text="Quiero una cita")
    buttons = {
        "type": "button",
        "body": {"text": "¿Mañana a las 9?"},
        "action": {"buttons": [{"type": "reply", "reply": {"id": "slot-9", "title": "Sí, a las 9"}}]},
    }
    asked = operator.send_message(number.phone_number_id, CUSTOMER, {"type": "interactive", "interactive": buttons})
    answer = customer(type="button", button={"id": "slot-9", "title": "Sí, a las 9"})
    message = received(answer["wamid"])
    assert (message.kind, message.text) == ("interactive", "Sí, a las 9")
    body = SandboxMessage.objects.get(wamid=answer["wamid"]).body
    assert body["interactive"] == {"type": "button_reply", "button_reply": {"id": "slot-9", "title": "Sí, a las 9"}}
    assert body["context"]["id"] == asked["messages"][0]["id"]


def test_location(customer):
    answer = customer(type="location", location={"latitude": 4.6097, "longitude": -74.0817, "name": "Parque"})
    message = received(answer["wamid"])
    assert message.kind == "location"
    assert "Parque" in message.text and "4.6097" in message.text


def test_photo_becomes_a_media_id_the_product_downloads(customer, number):
    jpeg = b"\xff\xd8\xff\xe0fake-jpeg-bytes"
    answer = customer(
        type="image",
        image={"data_base64": base64.b64encode(jpeg).decode(), "mime_type": "image/jpeg", "caption": "Así"},
    )
    message = received(answer["wamid"])
    assert (message.kind, message.text) == ("image", "Así")
    assert GraphClient.for_number(number).download_media(answer["media_id"]) == (jpeg, "image/jpeg")
    placeholder = customer(type="image")  # no bytes: a tiny PNG stands in for the photo
    content, mime_type = GraphClient.for_number(number).download_media(placeholder["media_id"])
    assert mime_type == "image/png" and content.startswith(b"\x89PNG")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body, status",
    [
        ({"from": CUSTOMER, "text": "Hola"}, 404),  # no phone_number_id
        ({"from": "12", "text": "Hola"}, 400),
        ({"from": CUSTOMER}, 400),
        ({"from": CUSTOMER, "type": "reaction"}, 400),  # a customer's reaction is not in the helper API
        ({"from": CUSTOMER, "type": "button", "button": {"id": "x"}}, 400),
        ({"from": CUSTOMER, "type": "location", "location": {"latitude": 200, "longitude": 0}}, 400),
        ({"from": CUSTOMER, "type": "location", "location": {"latitude": "north"}}, 400),
        ({"from": CUSTOMER, "type": "image", "image": {"data_base64": "***"}}, 400),
        ({"from": CUSTOMER, "type": "image", "image": {"mime_type": "application/pdf"}}, 400),
        ({"from": CUSTOMER, "type": "audio", "audio": {"mime_type": "image/png"}}, 400),
        ({"from": CUSTOMER, "type": "video", "video": {"data_base64": "***"}}, 400),
        ({"from": CUSTOMER, "type": "document", "document": {"mime_type": "application/x-msdownload"}}, 400),
        ({"from": CUSTOMER, "type": "sticker", "sticker": {"mime_type": "image/png"}}, 400),
    ],
)
def test_bad_inbound_is_refused_and_changes_nothing(client, number, body, status):
    if status != 404:
        body = {"phone_number_id": number.phone_number_id, **body}
    response = client.post("/sandbox/api/inbound", data=body, content_type="application/json")
    assert response.status_code == status
    assert "error" in response.json()
    assert not SandboxMessage.objects.exists()


def test_no_webhooks_for_an_account_that_did_not_subscribe_the_app(sandbox_api):
    ids = sandbox_api(
        "POST", "/api/embedded-signup", json={"business_name": "B", "phone_number": "+573105550303"}
    ).json()
    client = GraphClient(GraphClient("").exchange_code(ids["code"])["access_token"])
    client.register(ids["phone_number_id"], "123456")
    inbound = {"phone_number_id": ids["phone_number_id"], "from": CUSTOMER, "text": "Hola"}
    assert sandbox_api("POST", "/api/inbound", json=inbound).json()["webhook_status"] is None
    client.subscribe_app(ids["waba_id"])
    assert sandbox_api("POST", "/api/inbound", json=inbound).json()["webhook_status"] == 200


def test_a_customer_who_stops_marketing_is_remembered_until_they_resume(customer, number):
    """The phone's "Stop promotions" chip: the product hears `user_preferences` and the sandbox, like Meta,
    remembers the choice, so a marketing template to that customer fails afterwards with 131050."""
    customer(type="marketing_preference", value="stop")
    contact = Contact.objects.get(client=number.client)
    assert contact.marketing_opted_out_at is not None
    wa_id = CUSTOMER.lstrip("+")
    assert marketing_failure(phone_number_id=number.phone_number_id, wa_id=wa_id)["code"] == 131050
    customer(type="marketing_preference", value="resume")
    assert marketing_failure(phone_number_id=number.phone_number_id, wa_id=wa_id) is None
    assert Contact.objects.get(pk=contact.pk).marketing_opted_out_at is None
