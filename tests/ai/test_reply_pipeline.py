"""The reply decision end to end: signed webhook → reply task → provider → recorded reply → Graph → sandbox."""

from datetime import timedelta

import pytest
import requests
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from ai.models import AiReplyLog, Persona
from ai.selectors import reply_logs
from sandbox.services import open_window
from tests.ai.support import inbound, load_faq, text
from tests.factories import MembershipFactory, MessageFactory, PersonaFactory, connected_number
from whatsapp.models import Conversation, Message
from whatsapp.services.ownership import hand_back, take_over
from whatsapp.services.replies import answer_inbound_message

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def clinic(number):
    PersonaFactory(client=number.client, business_hours="Lunes a viernes de 8:00 a 18:00")
    load_faq(number.client)
    MembershipFactory(client=number.client, user__email="duena@clinica.example")
    return number


def replies():
    return list(Message.objects.filter(direction="out").order_by("pk"))


def delivered(base_url, number, to="+573001112233"):
    response = requests.get(
        f"{base_url}/sandbox/api/messages", params={"phone_number_id": number.phone_number_id, "to": to}, timeout=10
    )
    return response.json()["results"]


def writes(post_webhook, number, *messages, sender="573001112233", **kwargs):
    # The sandbox's Meta side learns that this customer wrote (it enforces the 24-hour window too).
    open_window(phone_number_id=number.phone_number_id, wa_id=sender)
    response = post_webhook(inbound(number, *messages, sender=sender, **kwargs))
    assert response.status_code == 200


def test_three_quick_messages_get_one_reply_that_uses_the_whole_burst(sandbox_live, clinic, post_webhook):
    # Three webhooks inside one transaction: their reply tasks run back to back after the last one,
    # as they would after the quiet period, and only the run for the latest message answers.
    with transaction.atomic():
        writes(post_webhook, clinic, text("¿tienen parqueadero?"))
        writes(post_webhook, clinic, text("es para mañana"))
        writes(post_webhook, clinic, text("gracias"))

    [reply] = replies()
    last = Message.objects.filter(direction="in").latest("pk")
    assert reply.reply_to_id == last.pk
    assert "parqueadero gratis" in reply.text
    assert [m["text"] for m in delivered(sandbox_live, clinic)] == [reply.text]
    assert AiReplyLog.objects.get().message_id == reply.pk


def test_the_model_sees_the_burst_and_the_earlier_conversation(sandbox_live, clinic, post_webhook, use_openai):
    writes(post_webhook, clinic, text("Hola"))
    writes(post_webhook, clinic, text("¿Hacen blanqueamiento?"), text("¿y cuánto dura?"), text("¿precio?"))

    assert len(replies()) == 2
    assert len(use_openai.requests) == 2  # one model call per burst, not per message
    messages = use_openai.requests[1]["messages"]
    assert messages[-1] == {"role": "user", "content": "¿Hacen blanqueamiento?\n¿y cuánto dura?\n¿precio?"}
    assert messages[1] == {"role": "user", "content": "Hola"}
    assert messages[2] == {"role": "assistant", "content": "Respuesta del modelo."}
    assert "Hacen blanqueamiento dental" in messages[0]["content"]


def test_a_message_arriving_while_the_model_thinks_cancels_that_reply(sandbox_live, clinic, post_webhook, use_openai):
    def customer_writes_again(body):
        if len(use_openai.requests) == 1:
            conversation = Conversation.objects.get()
            MessageFactory(conversation=conversation, text="¿y para motos?")
            connection.close()

    use_openai.on_request = customer_writes_again
    writes(post_webhook, clinic, text("¿tienen parqueadero?"))

    assert replies() == []  # the first run saw the new message under the lock and stood down
    later = Message.objects.filter(direction="in").latest("pk")
    reply = answer_inbound_message(later.pk)  # what that message's own task does
    assert reply.reply_to_id == later.pk
    assert use_openai.requests[1]["messages"][-1]["content"] == "¿tienen parqueadero?\n¿y para motos?"
    assert answer_inbound_message(later.pk) is None  # a duplicate run never answers twice
    assert len(replies()) == 1
    discarded, sent = AiReplyLog.objects.order_by("pk")
    assert (discarded.message_id, sent.message_id) == (None, reply.pk)
    assert "discarded" in discarded.error and discarded.prompt_tokens == 321  # its cost is still logged


def test_asking_for_a_person_hands_off_once_emails_the_owner_and_silences_the_ai(sandbox_live, clinic, post_webhook):
    writes(post_webhook, clinic, text("Quiero hablar con un asesor por favor"))

    [reply] = replies()
    assert "Una persona de nuestro equipo te responderá" in reply.text
    assert "Lunes a viernes de 8:00 a 18:00" in reply.text
    conversation = Conversation.objects.get()
    assert (conversation.owner, conversation.needs_attention) == ("human", True)
    assert conversation.handoff_reason == "The customer asked for a person"
    [email] = mail.outbox
    assert email.to == ["duena@clinica.example"]
    assert "+573001112233" in email.body or "Ana" in email.subject

    writes(post_webhook, clinic, text("¿hola? ¿alguien?"))
    assert len(replies()) == 1  # never replies while a person owns it
    assert len(mail.outbox) == 1  # one email per handoff

    hand_back(conversation=conversation)
    conversation.refresh_from_db()
    assert (conversation.owner, conversation.needs_attention, conversation.handoff_reason) == ("ai", False, "")
    writes(post_webhook, clinic, text("¿tienen parqueadero?"))
    assert "parqueadero gratis" in replies()[-1].text


def test_english_customer_gets_the_handoff_in_english(sandbox_live, clinic, post_webhook):
    writes(post_webhook, clinic, text("Can I talk to a human please?"))

    [reply] = replies()
    assert reply.text.startswith("Thanks for your message. A person from our team will reply")


def test_no_answer_in_the_knowledge_base_hands_off(sandbox_live, clinic, post_webhook):
    writes(post_webhook, clinic, text("¿venden pizza?"))

    assert len(replies()) == 1
    conversation = Conversation.objects.get()
    assert conversation.owner == "human" and conversation.needs_attention
    assert "no answer" in conversation.handoff_reason
    assert AiReplyLog.objects.get().handoff is True
    assert len(mail.outbox) == 1


def test_used_up_allowance_hands_off_without_replying(sandbox_live, clinic, post_webhook):
    clinic.client.monthly_free_messages = 0
    clinic.client.save()

    writes(post_webhook, clinic, text("¿tienen parqueadero?"))

    assert replies() == []
    conversation = Conversation.objects.get()
    assert (conversation.owner, conversation.handoff_reason) == ("human", "Monthly free messages used up")
    assert len(mail.outbox) == 1


def test_taken_over_conversation_gets_no_ai_reply(sandbox_live, clinic, post_webhook):
    writes(post_webhook, clinic, text("Hola"))
    conversation = Conversation.objects.get()
    user = clinic.client.memberships.get().user

    take_over(conversation=conversation, user=user)
    writes(post_webhook, clinic, text("¿tienen parqueadero?"))

    conversation.refresh_from_db()
    assert len(replies()) == 1
    assert (conversation.owner, conversation.needs_attention) == ("human", False)
    assert mail.outbox == []  # a person took it on purpose: nobody to alert


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ({"type": "audio", "audio": {"id": "m1", "mime_type": "audio/ogg", "voice": True}}, "nota de voz"),
        ({"type": "image", "image": {"id": "m2", "mime_type": "image/jpeg"}}, "la imagen"),
        ({"type": "image", "image": {"id": "m3", "caption": "¿tienen parqueadero?"}}, "parqueadero gratis"),
        ({"type": "sticker", "sticker": {"id": "m4", "mime_type": "image/webp"}}, "ayudar"),
        ({"type": "location", "location": {"latitude": 4.6, "longitude": -74.1}}, "ubicación"),
        ({"type": "unsupported", "errors": [{"code": 131051}]}, "ese tipo de mensaje"),
    ],
)
def test_non_text_messages_are_acknowledged(sandbox_live, clinic, post_webhook, message, expected):
    writes(post_webhook, clinic, message)

    [reply] = replies()
    assert expected in reply.text
    assert Conversation.objects.get().owner == "ai"


def test_an_order_is_acknowledged_and_handed_to_a_person(sandbox_live, clinic, post_webhook):
    order = {"catalog_id": "1", "product_items": [{"product_retailer_id": "x", "quantity": 1}]}
    writes(post_webhook, clinic, {"type": "order", "order": order})

    [reply] = replies()
    assert "Recibimos tu pedido" in reply.text
    assert Conversation.objects.get().owner == "human"


def test_a_reaction_right_after_a_question_does_not_swallow_its_answer(sandbox_live, clinic, post_webhook):
    reaction = {"type": "reaction", "reaction": {"message_id": "wamid.x", "emoji": "🙏"}}
    with transaction.atomic():
        writes(post_webhook, clinic, text("¿tienen parqueadero?"))
        writes(post_webhook, clinic, reaction)

    [reply] = replies()
    assert "parqueadero gratis" in reply.text


def test_a_reaction_gets_no_reply(sandbox_live, clinic, post_webhook):
    writes(post_webhook, clinic, {"type": "reaction", "reaction": {"message_id": "wamid.x", "emoji": "👍"}})

    assert replies() == []


def test_confirming_the_goal_marks_the_conversation_converted(sandbox_live, clinic, post_webhook):
    Persona.objects.filter(client=clinic.client).update(conversion_goal="agendar una cita de valoración")

    writes(post_webhook, clinic, text("¿Quedó confirmada mi cita?"))
    assert Conversation.objects.get().converted_at is None  # a question is not a confirmation

    writes(post_webhook, clinic, text("Listo, confirmo la cita del martes a las 10"))
    assert Conversation.objects.get().converted_at is not None


def test_disabled_persona_leaves_the_conversation_to_people(sandbox_live, clinic, post_webhook):
    Persona.objects.filter(client=clinic.client).update(enabled=False)

    writes(post_webhook, clinic, text("¿tienen parqueadero?"))

    assert replies() == []
    assert Conversation.objects.get().needs_attention is True


def test_replies_respect_the_personas_maximum_length(sandbox_live, clinic, post_webhook):
    Persona.objects.filter(client=clinic.client).update(max_reply_chars=80)

    writes(post_webhook, clinic, text("¿Cómo puedo agendar una cita?"))

    [reply] = replies()
    assert len(reply.text) <= 80
    assert reply.text == "Puedes agendar tu cita por este chat indicando el día y la hora que prefieres…"


def test_reply_logs_stay_with_their_client(sandbox_live, clinic, post_webhook):
    other = connected_number()
    load_faq(other.client)
    writes(post_webhook, clinic, text("¿tienen parqueadero?"))
    writes(post_webhook, other, text("¿atienden niños?"), sender="573009998877")

    mine, theirs = reply_logs(client=clinic.client), reply_logs(client=other.client)
    assert [log.conversation.number_id for log in mine] == [clinic.pk]
    assert [log.conversation.number_id for log in theirs] == [other.pk]
    assert "odontopediatra" in theirs.get().message.text


def test_after_hand_back_old_unanswered_messages_are_context_not_a_new_handoff(sandbox_live, clinic, post_webhook):
    writes(post_webhook, clinic, text("Quiero hablar con un asesor"))
    writes(post_webhook, clinic, text("¿sigue ahí el asesor?"))  # while a person owns it: no reply
    Message.objects.filter(direction="in").update(created_at=timezone.now() - timedelta(minutes=30))
    hand_back(conversation=Conversation.objects.get())

    writes(post_webhook, clinic, text("¿tienen parqueadero?"))

    assert "parqueadero gratis" in replies()[-1].text
    assert Conversation.objects.get().owner == "ai"
