"""Hostile values that a client or a customer chooses: they are stored or shown, never a crash or a payload."""

from __future__ import annotations

import csv
import io
from urllib.parse import quote

import pytest
from django.core import mail
from django.utils import timezone

from ai.models import Persona
from core.csvsafe import PLAIN_NUMBER
from tenants.models import Membership
from tests.factories import ContactFactory, ConversationFactory, MembershipFactory, UserFactory, connected_number
from whatsapp.services.ownership import notify_handoff

pytestmark = pytest.mark.django_db

EMOJI_GREETING = "🍞" * 300  # inside the greeting's limit, ~3,600 characters once in a wa.me link


# --- 4. the portal's persona form has the API's limits ------------------------------------------
def _persona_post(**overrides) -> dict:
    data = {
        "enabled": "on",
        "assistant_name": "Sofía",
        "business_description": "Panadería",
        "tone": "amable",
        "language": "es",
        "greeting": "Hola",
        "business_hours": "7-19",
        "timezone": "America/Bogota",
        "booking_instructions": "",
        "conversion_goal": "",
        "never_say": "",
        "handoff_keywords": "",
        "max_reply_chars": "700",
        "handoff_message": "",
        "conversion_keywords": "",
    }
    return data | overrides


@pytest.mark.parametrize(
    "field", ["business_description", "greeting", "click_to_chat_text", "never_say", "handoff_message"]
)
def test_portal_persona_form_refuses_what_the_api_refuses(client, field):
    number = connected_number()
    owner = MembershipFactory(client=number.client, role=Membership.Role.OWNER).user
    client.force_login(owner)
    response = client.post("/app/assistant/persona/", _persona_post(**{field: "x" * 200_000}))
    assert response.status_code == 400
    assert field in response.context["persona_form"].errors
    assert len(Persona.objects.get_or_create(client=number.client)[0].business_description) < 4001


def test_persona_service_refuses_an_oversized_text_from_any_caller():
    from ai.services import PERSONA_TEXT_LIMIT, persona_update
    from core.exceptions import ApplicationError

    number = connected_number()
    with pytest.raises(ApplicationError) as raised:
        persona_update(client=number.client, data={"business_description": "x" * (PERSONA_TEXT_LIMIT + 1)})
    assert "business_description" in raised.value.details


# --- 5. the click-to-chat QR code is capped, the link stays whole --------------------------------
def test_numbers_page_with_a_huge_greeting_shows_a_plain_link_qr(client):
    number = connected_number()
    Persona.objects.update_or_create(client=number.client, defaults={"click_to_chat_text": EMOJI_GREETING})
    client.force_login(MembershipFactory(client=number.client, role=Membership.Role.OWNER).user)
    response = client.get("/app/numbers/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html  # the QR is still there, carrying the bare link
    assert quote(EMOJI_GREETING) in html  # the written link keeps the greeting
    png = client.get(f"/app/numbers/{number.pk}/qr.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")


def test_qr_text_is_the_bare_link_when_the_greeting_would_overflow():
    from whatsapp.links import QR_TEXT_LIMIT, click_to_chat_qr_text

    assert click_to_chat_qr_text("+573001234567", EMOJI_GREETING) == "https://wa.me/573001234567"
    short = click_to_chat_qr_text("+573001234567", "Hola")
    assert short == "https://wa.me/573001234567?text=Hola" and len(short) <= QR_TEXT_LIMIT


# --- 7. the operator's cost CSV neutralises formulas ---------------------------------------------
@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil.example","clic")', "+1+1", "-2+3", "@SUM(A1)", "\t=1"])
def test_cost_csv_cells_never_start_a_formula(client, name):
    number = connected_number(client__business_name=name)
    client.force_login(UserFactory(is_staff=True))
    response = client.get(f"/billing/costs/{number.client_id}/{timezone.localdate():%Y-%m}.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows and all(row["client"] == "'" + name for row in rows)
    risky = [v for row in rows for v in row.values() if str(v).startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert all(PLAIN_NUMBER.fullmatch(v) for v in risky)  # only phone numbers and amounts


def test_csv_cell_leaves_numbers_alone():
    from core.csvsafe import csv_cell

    assert csv_cell(-5) == -5 and csv_cell("Panadería") == "Panadería" and csv_cell("=1") == "'=1"


# --- 8. a newline in a customer's name does not stop the handoff e-mail ---------------------------
@pytest.mark.parametrize("name", ["Ana\nBcc: victim@example.com", "Ana\r\nSubject: hi", "x" * 200])
def test_handoff_email_is_sent_whatever_the_customers_name(name):
    number = connected_number()
    MembershipFactory(client=number.client, role=Membership.Role.OWNER, user__email="owner@example.com")
    contact = ContactFactory(client=number.client, profile_name=name)
    conversation = ConversationFactory(number=number, contact=contact, handoff_reason="keyword")
    mail.outbox.clear()
    notify_handoff(conversation_id=conversation.pk)
    [message] = mail.outbox
    assert message.to == ["owner@example.com"]
    assert "\n" not in message.subject and "\r" not in message.subject and len(message.subject) <= 200
    assert "victim@example.com" not in message.bcc
    assert message.message()["Subject"]  # serialises without BadHeaderError
