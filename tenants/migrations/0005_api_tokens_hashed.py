"""People's API tokens move to django-rest-knox (hashed, expiring): the plaintext tokens go.

`rest_framework.authtoken` stored every token in clear. Its table is dropped, so the old tokens stop
working; people get a new one from POST /api/auth/token (docs/security.md). Its migration records go too,
so nothing believes the table still exists.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0004_health_sync_schedule"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [
        migrations.RunSQL(
            ["DROP TABLE IF EXISTS authtoken_token", "DELETE FROM django_migrations WHERE app = 'authtoken'"],
            reverse_sql=migrations.RunSQL.noop,
        )
    ]
