from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("ai", "0003_persona_address"),
    ]

    operations = [
        migrations.AddField(
            model_name="persona",
            name="click_to_chat_text",
            field=models.TextField(
                blank=True,
                help_text=(
                    "What the customer's phone types for them when they scan the QR code or open the wa.me link; "
                    "the assistant answers it with the welcome."
                ),
                verbose_name="click-to-chat text",
            ),
        ),
        migrations.AlterField(
            model_name="persona",
            name="greeting",
            field=models.TextField(
                blank=True,
                help_text="The assistant's own answer when a customer just says hello; empty uses ours.",
                verbose_name="assistant's welcome",
            ),
        ),
    ]
