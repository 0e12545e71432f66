"""The OpenAI provider through the real openai SDK over real HTTP, against a local compatible server."""

import pytest

from ai.models import AiReplyLog
from ai.replies import generate_reply
from ai.services import preview_reply
from tests.ai.support import load_faq, recorded_completion
from tests.factories import ClientFactory, PersonaFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic():
    client = ClientFactory(business_name="Clínica Dental Sonrisa")
    PersonaFactory(
        client=client,
        business_description="Clínica odontológica en Bogotá",
        tone="cálido y breve",
        business_hours="Lunes a viernes de 8:00 a 18:00",
        never_say="descuentos que no existen",
        max_reply_chars=500,
    )
    load_faq(client)
    return client


def test_request_carries_persona_knowledge_and_bounded_tokens(clinic, use_openai):
    use_openai.reply = "¡Claro! Hay parqueadero gratis en el sótano."

    draft = generate_reply(client=clinic, customer_text="¿tienen parqueadero?")

    assert draft.text == "¡Claro! Hay parqueadero gratis en el sótano."
    assert (draft.provider, draft.fallback_used, draft.handoff) == ("openai", False, False)
    assert (draft.prompt_tokens, draft.completion_tokens) == (321, 45)
    [request] = use_openai.requests
    assert use_openai.headers[0]["authorization"] == "Bearer sk-test-local"
    assert request["model"] == "gpt-4o-mini"
    assert 32 <= request["max_tokens"] <= 400
    system = request["messages"][0]
    assert system["role"] == "system"
    for fact in (
        "Clínica Dental Sonrisa",
        "Clínica odontológica en Bogotá",
        "cálido y breve",
        "Lunes a viernes de 8:00 a 18:00",
        "descuentos que no existen",
        "¿Tienen parqueadero?",
        "parqueadero gratis para pacientes",
    ):
        assert fact in system["content"]
    # The most relevant entry is listed first among the knowledge entries.
    knowledge = system["content"].split("Knowledge base:")[1]
    assert knowledge.strip().startswith("- Q: ¿Tienen parqueadero?")
    assert request["messages"][-1] == {"role": "user", "content": "¿tienen parqueadero?"}
    assert request["response_format"] == {"type": "json_object"}


REDIRECT = (
    "Soy el asistente de Clínica Dental Sonrisa y solo puedo ayudarte con lo que ofrecemos "
    "(Clínica odontológica en Bogotá). ¿En qué te puedo ayudar?"
)


def test_the_system_prompt_confines_the_model_to_the_business(clinic, use_openai):
    generate_reply(client=clinic, customer_text="¿tienen parqueadero?")

    system = use_openai.requests[0]["messages"][0]["content"]
    assert "You are not a general-purpose assistant: you only help with Clínica Dental Sonrisa's own" in system
    assert "writing poems, stories or essays, homework, translations" in system
    assert "other companies' products" in system
    assert '{"reply": "<text for the customer>", "on_topic": true|false, "handoff": true|false}' in system


def test_an_off_topic_answer_the_model_flagged_is_replaced_by_the_redirect(clinic, use_openai):
    # Recorded: asked about last night's football, the model answered it and flagged it off topic.
    use_openai.recorded = recorded_completion("off_topic_flagged")

    draft = generate_reply(client=clinic, customer_text="¿quién ganó el partido de Nacional anoche?")

    assert draft.text == REDIRECT
    assert "Nacional" not in draft.text
    assert (draft.provider, draft.handoff, draft.fallback_used) == ("openai", False, False)
    assert draft.reason == "Off-topic request: redirected to what the business offers"
    assert (draft.prompt_tokens, draft.completion_tokens) == (612, 38)


def test_a_model_answer_outside_the_json_format_is_never_sent(clinic, use_openai):
    # Recorded: the model ignored the format and gave its opinion on politics in prose.
    use_openai.recorded = recorded_completion("off_topic_prose")

    draft = generate_reply(client=clinic, customer_text="¿qué opinas de la política?")

    assert "polarizada" not in draft.text
    assert draft.fallback_used is True
    assert "JSON format" in draft.error
    assert draft.text == REDIRECT  # the offline provider recognises the off-topic question


def test_a_request_for_a_poem_is_redirected_without_asking_the_model(clinic, use_openai):
    draft = generate_reply(client=clinic, customer_text="escríbeme un poema de amor para mi novia")

    assert draft.text == REDIRECT
    assert (draft.provider, draft.handoff) == ("rules", False)
    assert use_openai.requests == []


def test_handoff_field_hands_off_with_the_models_polite_text(clinic, use_openai):
    use_openai.reply, use_openai.handoff = "Te comunico con una persona del equipo.", True

    draft = generate_reply(client=clinic, customer_text="¿hacen cirugía de rodilla?")

    assert draft.handoff is True
    assert draft.text == "Te comunico con una persona del equipo."


def test_long_model_output_is_cut_on_a_sentence_boundary(clinic, use_openai):
    use_openai.reply = "Frase número uno del modelo. " * 40  # about 1,160 characters

    draft = generate_reply(client=clinic, customer_text="cuéntame todo")

    assert len(draft.text) <= 500
    assert draft.text.endswith("modelo.")


def test_server_error_falls_back_to_the_offline_answer(clinic, use_openai):
    use_openai.status = 500

    draft = generate_reply(client=clinic, customer_text="hay parqueo?")

    assert draft.fallback_used is True
    assert draft.provider == "offline"
    assert "parqueadero gratis" in draft.text
    assert "InternalServerError" in draft.error
    assert len(use_openai.requests) == 1  # max_retries=0: no retry storm


def test_timeout_falls_back_to_a_polite_handoff_when_offline_has_no_answer(clinic, use_openai, settings):
    settings.OPENAI_TIMEOUT = 0.3
    use_openai.delay = 1.5

    draft = generate_reply(client=clinic, customer_text="¿venden pizza?")

    assert draft.fallback_used is True
    assert draft.handoff is True
    assert "persona de nuestro equipo" in draft.text
    assert "Timeout" in draft.error
    assert draft.latency_ms < 1500


def test_unreachable_server_falls_back(clinic, settings):
    settings.OPENAI_API_KEY = "sk-test"
    settings.OPENAI_BASE_URL = "http://127.0.0.1:9/v1"  # discard port: connection refused
    settings.OPENAI_MAX_RETRIES = 0

    draft = generate_reply(client=clinic, customer_text="atienden niños?")

    assert draft.fallback_used is True
    assert "odontopediatra" in draft.text


def test_preview_logs_tokens_and_cost_without_a_message(clinic, use_openai):
    draft = preview_reply(client=clinic, message="¿Dónde están?")

    log = AiReplyLog.objects.get(client=clinic)
    assert draft.text == "Respuesta del modelo."
    assert (log.source, log.provider, log.model, log.prompt_tokens, log.completion_tokens) == (
        "preview",
        "openai",
        "gpt-4o-mini",
        321,
        45,
    )
    # gpt-4o-mini: 0.15 USD per million prompt tokens, 0.60 per million completion tokens.
    assert float(log.estimated_cost) == pytest.approx((321 * 0.15 + 45 * 0.60) / 1_000_000, abs=1e-6)
    assert log.message is None and log.conversation is None


def test_a_reply_with_a_forbidden_phrase_is_replaced_by_the_offline_answer(clinic, use_openai):
    clinic.persona.never_say = "descuento del 50%\ngarantía de por vida"
    clinic.persona.save()
    use_openai.reply = "¡Claro! Tenemos parqueadero y una garantía de por vida en todo."

    draft = generate_reply(client=clinic, customer_text="hay parqueo?")

    assert draft.fallback_used is True
    assert "garantía" not in draft.text
    assert "parqueadero gratis" in draft.text
    assert (draft.model, draft.prompt_tokens) == ("gpt-4o-mini", 321)  # the discarded call still cost tokens
