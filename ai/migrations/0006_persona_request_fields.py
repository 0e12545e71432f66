"""Personas list the details a request needs (issue 13); existing businesses that deliver also ask for an address."""

from django.db import migrations, models

DEFAULT = "Nombre\nServicio o producto\nDía y hora"
DELIVERY_WORDS = ("domicilio", "envio", "envío", "delivery", "a domicilio", "enviamos", "entregamos")


def fill_request_fields(apps, schema_editor):
    """Every persona gets the default list (AddField did); one whose booking text or description speaks of
    delivery asks for the address too, since its orders go somewhere."""
    Persona = apps.get_model("ai", "Persona")
    for persona in Persona.objects.all().only("id", "booking_instructions", "business_description"):
        text = f"{persona.booking_instructions} {persona.business_description}".lower()
        if any(word in text for word in DELIVERY_WORDS):
            Persona.objects.filter(pk=persona.pk).update(request_fields=f"{DEFAULT}\nDirección")


class Migration(migrations.Migration):
    dependencies = [
        ("ai", "0005_split_greeting"),
    ]

    operations = [
        migrations.AddField(
            model_name="persona",
            name="request_fields",
            field=models.TextField(
                blank=True,
                default=DEFAULT,
                help_text="What the assistant asks when a customer wants to book, order or be called back, one per "
                "line (e.g. name, service, day and time, address). Empty: the assistant takes no requests.",
                verbose_name="details to take down for a request",
            ),
        ),
        migrations.RunPython(fill_request_fields, migrations.RunPython.noop),
    ]
