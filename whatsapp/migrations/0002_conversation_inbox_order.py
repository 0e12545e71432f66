"""The API's inbox order (latest message first, never-messaged last, then newest id) as one index.

PostgreSQL only: SQLite cannot index `NULLS LAST`, and the embedded SQLite default holds demo-sized
data. The index is not declared on the model, so it is created here with plain SQL.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS conversation_inbox_order ON whatsapp_conversation "
    "(client_id, last_message_at DESC NULLS LAST, id DESC)"
)
DROP = "DROP INDEX IF EXISTS conversation_inbox_order"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("whatsapp", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
