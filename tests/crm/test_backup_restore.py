"""Backups, as docs/operations.md gives them: a `pg_dump` of a database with data, restored with `pg_restore` into a
new database, is a database the product runs on — nothing left to migrate, the old conversation on the owner's
inbox page, and a new signed webhook stored as a message (and its media directory restored from the tar copy)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import textwrap

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from tests.factories import MembershipFactory, MessageFactory, connected_number

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# Runs in a fresh process on the restored database: the product's own code paths, no test fixtures.
SMOKE = textwrap.dedent(
    """
    import json, sys
    import django
    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.files.storage import default_storage
    from django.test import Client
    from tests.meta_fixtures import text_message
    from tenants.models import WhatsAppNumber
    from whatsapp.models import Message
    from whatsapp.services.webhooks import webhook_events_apply
    from whatsapp.signature import sign_body

    args = json.loads(sys.argv[1])
    number = WhatsAppNumber.objects.get(phone_number_id=args["phone_number_id"])
    browser = Client()
    browser.force_login(get_user_model().objects.get(email=args["owner"]))
    inbox = browser.get("/app/inbox/")
    body = json.dumps(text_message(number, wamid="wamid.AFTER_RESTORE", text="¿Siguen abiertos?")).encode()
    webhook = Client().post("/webhook/whatsapp", data=body, content_type="application/json",
                            HTTP_X_HUB_SIGNATURE_256=sign_body(body))
    webhook_events_apply()
    print(json.dumps({
        "inbox_status": inbox.status_code,
        "inbox_shows_customer": args["customer"] in inbox.content.decode(),
        "webhook_status": webhook.status_code,
        "stored": Message.objects.filter(wamid="wamid.AFTER_RESTORE", text="¿Siguen abiertos?").exists(),
        "messages": Message.objects.count(),
        "media_restored": default_storage.exists(args["media"]),
    }))
    """
)


def _server_url() -> str:
    db = connection.settings_dict
    return f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"


def test_a_pg_dump_restored_into_a_new_database_runs_the_product(tmp_path):
    number = connected_number()
    owner = MembershipFactory(client=number.client, user__email="duena@espiga.co", user__password=None).user
    message = MessageFactory(conversation__number=number, conversation__contact__profile_name="Clienta Restaurada")
    media_root = tmp_path / "media"
    (media_root / "whatsapp-media").mkdir(parents=True)
    (media_root / "whatsapp-media" / "foto.jpg").write_bytes(b"\xff\xd8 a photo")
    server, source = _server_url(), connection.settings_dict["NAME"]
    restored = f"{source}_restored"
    dump, media_tar = tmp_path / "crm.dump", tmp_path / "media.tar.gz"

    # The commands of docs/operations.md (Backups).
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", f"{server}/{source}"], check=True, timeout=60
    )
    with tarfile.open(media_tar, "w:gz") as tar:
        tar.add(media_root, arcname=".")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{restored}"')
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={server}/{restored}", str(dump)],
            check=True,
            timeout=60,
        )
        new_media = tmp_path / "restored-media"
        new_media.mkdir()
        with tarfile.open(media_tar) as tar:
            tar.extractall(new_media, filter="data")
        env = {
            **os.environ,
            "DATABASE_URL": f"{server.replace('postgresql://', 'postgres://')}/{restored}",
            "MEDIA_ROOT": str(new_media),
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "REDIS_URL": os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1"),
            "DJANGO_SETTINGS_MODULE": "crm.settings",
        }
        check = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--check"],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert check.returncode == 0, check.stdout + check.stderr  # nothing left to migrate
        args = {
            "phone_number_id": number.phone_number_id,
            "owner": owner.email,
            "customer": "Clienta Restaurada",
            "media": "whatsapp-media/foto.jpg",
        }
        smoke = subprocess.run(
            [sys.executable, "-c", SMOKE, json.dumps(args)],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert smoke.returncode == 0, smoke.stderr
        result = json.loads(smoke.stdout.strip().splitlines()[-1])
        assert result == {
            "inbox_status": 200,
            "inbox_shows_customer": True,
            "webhook_status": 200,
            "stored": True,
            "messages": 2,  # the restored one and the new one
            "media_restored": True,
        }
        assert message.pk  # the source database is untouched by the restored one's new message
        from whatsapp.models import Message

        assert not Message.objects.filter(wamid="wamid.AFTER_RESTORE").exists()
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')
