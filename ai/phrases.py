"""What the assistant itself says to customers, in Spanish and English.

These are sent to end customers in their own language (not the portal user's), so they are picked by
the conversation's language rather than through gettext.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ai.text import cut_on_sentence

if TYPE_CHECKING:
    from ai.providers.base import PersonaBrief

PHRASES: dict[str, dict[str, str]] = {
    "greeting": {
        "es": "¡Hola! Gracias por escribir a {business}. ¿En qué te puedo ayudar?",
        "en": "Hi! Thanks for writing to {business}. How can I help you?",
    },
    "hello_prefix": {"es": "¡Hola! ", "en": "Hi! "},
    "thanks": {
        "es": "¡Con gusto! Si necesitas algo más, aquí estamos.",
        "en": "You're welcome! If you need anything else, we're here.",
    },
    "hours": {"es": "Nuestro horario: {value}", "en": "Our opening hours: {value}"},
    "address": {"es": "Nuestra dirección: {value}", "en": "Our address: {value}"},
    "booking": {"es": "Para reservar o comprar: {value}", "en": "To book or buy: {value}"},
    "redirect": {
        "es": "Soy el asistente de {business} y solo puedo ayudarte con lo que ofrecemos{offers}. "
        "¿En qué te puedo ayudar?",
        "en": "I'm the assistant of {business} and can only help you with what we offer{offers}. How can I help you?",
    },
    "handoff": {
        "es": "Gracias por tu mensaje. Una persona de nuestro equipo te responderá muy pronto por este chat.",
        "en": "Thanks for your message. A person from our team will reply to you here very soon.",
    },
    "handoff_hours": {"es": " Nuestro horario: {hours}", "en": " Our opening hours: {hours}"},
    "audio": {
        "es": "Recibimos tu nota de voz, pero por ahora no podemos escucharla. ¿Nos escribes tu consulta?",
        "en": "We got your voice message but can't listen to it here. Could you type your question?",
    },
    "media": {
        "es": "¡Gracias por {what}! ¿Nos cuentas en qué te podemos ayudar?",
        "en": "Thanks for {what}! How can we help you with it?",
    },
    "sticker": {"es": "😊 ¿En qué te puedo ayudar?", "en": "😊 How can I help you?"},
    "location": {
        "es": "¡Gracias por compartir tu ubicación! ¿En qué te podemos ayudar?",
        "en": "Thanks for sharing your location! How can we help?",
    },
    "contacts": {
        "es": "Recibimos el contacto que compartiste, gracias. ¿En qué te podemos ayudar?",
        "en": "We received the contact you shared, thanks. How can we help?",
    },
    "order": {
        "es": "¡Recibimos tu pedido, gracias! Una persona del equipo lo revisa y te confirma por aquí.",
        "en": "We received your order, thank you! Someone from our team will check it and confirm here.",
    },
    "unsupported": {
        "es": "No podemos ver ese tipo de mensaje. ¿Nos escribes lo que necesitas?",
        "en": "We can't open that kind of message. Could you type what you need?",
    },
}

MEDIA_NAMES = {
    "image": {"es": "la imagen", "en": "the picture"},
    "video": {"es": "el video", "en": "the video"},
    "document": {"es": "el documento", "en": "the document"},
}


def phrase(key: str, language: str, **values: str) -> str:
    table = PHRASES[key]
    return table.get(language, table["es"]).format(**values)


REDIRECT_OFFERS_CHARS = 200
OFF_TOPIC_REASON = "Off-topic request: redirected to what the business offers"


def redirect_text(persona: PersonaBrief, language: str) -> str:
    """The answer to an off-topic request: the business's name and what it offers (its description)."""
    offers = cut_on_sentence(persona.description, REDIRECT_OFFERS_CHARS).rstrip(" .…")
    return phrase("redirect", language, business=persona.business_name, offers=f" ({offers})" if offers else "")


def handoff_text(persona: PersonaBrief, language: str) -> str:
    """The persona's own handoff message, else ours in the customer's language (with the hours if known)."""
    if persona.handoff_message:
        return persona.handoff_message
    text = phrase("handoff", language)
    if persona.business_hours:
        text += phrase("handoff_hours", language, hours=persona.business_hours)
    return text
