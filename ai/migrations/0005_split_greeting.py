"""Split the old one-field "greeting" into the assistant's welcome and the customer's click-to-chat text.

The field meant two opposite things (issue 12): onboarding asked for the line the customer's phone pre-types
from the QR code ("Hola Panadería Doña Marta, quisiera más información"), and the assistant answered "hola"
with it. Each persona keeps its text where it belongs:

- a line that reads as the business talking ("¡Hola! Soy el asistente de Café La Montaña") stays the welcome,
  and the QR gets the usual customer line "Hola <business>, quisiera más información.";
- any other line is what the printed QR codes already carry: it becomes the click-to-chat text (so they
  keep working) and the welcome is left empty, which answers with the assistant's own greeting.

The rules are frozen here (a copy of ai.greetings at the time) so later changes never rewrite history.
"""

import re
import unicodedata

from django.db import migrations

BUSINESS_CUES = re.compile(
    r"\b(soy|somos|bienvenid[oa]s?|te damos|le damos|en que (te|le|les) (puedo|podemos)|te ayudo|le ayudo"
    r"|gracias por escribir|welcome|i am|i m|we are|how can (i|we) help|thanks for (writing|contacting))\b"
)


def fold(text):
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(text.split())


def split(apps, schema_editor):
    Persona = apps.get_model("ai", "Persona")
    for persona in Persona.objects.select_related("client").exclude(greeting="").iterator():
        text = persona.greeting.strip()
        if BUSINESS_CUES.search(fold(text)):
            persona.greeting = text
            persona.click_to_chat_text = f"Hola {persona.client.business_name}, quisiera más información."
        else:
            persona.greeting, persona.click_to_chat_text = "", text
        persona.save(update_fields=["greeting", "click_to_chat_text"])


def join(apps, schema_editor):
    """Back to one field: the click-to-chat text wins where the old field had it (it is what QR codes carry)."""
    Persona = apps.get_model("ai", "Persona")
    for persona in Persona.objects.exclude(click_to_chat_text="").iterator():
        if not persona.greeting or not BUSINESS_CUES.search(fold(persona.greeting)):
            persona.greeting = persona.click_to_chat_text
            persona.save(update_fields=["greeting"])


class Migration(migrations.Migration):

    dependencies = [
        ("ai", "0004_persona_click_to_chat_text"),
    ]

    operations = [migrations.RunPython(split, join)]
