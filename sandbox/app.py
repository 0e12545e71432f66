"""The operator's Meta app as Graph sees it: its webhook subscriptions and what it says about tokens.

`GET|POST|DELETE /{app-id}/subscriptions` (with the app token `{app-id}|{app-secret}`) and
`GET /debug_token?input_token=…`, in Meta's shapes, so `manage.py doctor` runs against the sandbox as
against Meta.
"""

from __future__ import annotations

import secrets
from typing import Any

import requests
from django.conf import settings

from sandbox.accounts import operator_account
from sandbox.meta import MetaError
from sandbox.models import SandboxAppSubscription, SandboxBusinessAccount

# The fields docs/meta-setup.md (3. Webhook) tells the operator to subscribe to.
APP_WEBHOOK_FIELDS = (
    "messages",
    "account_update",
    "phone_number_name_update",
    "phone_number_quality_update",
    "message_template_status_update",
    "account_alerts",
    "user_preferences",
    "business_capability_update",
    "message_template_quality_update",
    "template_category_update",
)
WABA_OBJECT = "whatsapp_business_account"
TOKEN_LIFETIME_SECONDS = 5183944  # what the Embedded Signup code exchange says (expires_in)


def app_token() -> str:
    """Meta's app access token: `{app-id}|{app-secret}`."""
    return f"{settings.WHATSAPP_APP_ID}|{settings.WHATSAPP_APP_SECRET}"


def app_subscriptions() -> list[dict[str, Any]]:
    """GET /{app-id}/subscriptions: one entry per object type the app's webhook is subscribed for."""
    rows = {row.object: row for row in SandboxAppSubscription.objects.all()}
    if WABA_OBJECT not in rows:
        rows[WABA_OBJECT] = SandboxAppSubscription(
            object=WABA_OBJECT, callback_url=settings.WEBHOOK_URL, fields=list(APP_WEBHOOK_FIELDS), active=True
        )
    version = settings.WHATSAPP_GRAPH_VERSION
    return [
        {
            "object": row.object,
            "callback_url": row.callback_url,
            "active": row.active,
            "fields": [{"name": name, "version": version} for name in row.fields],
        }
        for row in sorted(rows.values(), key=lambda r: r.object)
        if row.fields
    ]


def app_subscribe(*, object_type: str, callback_url: str, fields: list[str], verify_token: str) -> None:
    """POST /{app-id}/subscriptions: Meta first checks the callback answers its challenge (error 2200 if not)."""
    if not object_type or not callback_url.startswith(("http://", "https://")) or not fields:
        raise MetaError(100, "object, callback_url and fields are required")
    challenge = str(secrets.randbelow(10**9))
    try:
        answer = requests.get(
            callback_url,
            params={"hub.mode": "subscribe", "hub.challenge": challenge, "hub.verify_token": verify_token},
            timeout=5,
        )
        echoed = answer.status_code == 200 and answer.text.strip() == challenge
    except requests.RequestException:
        echoed = False
    if not echoed:
        raise MetaError(2200, message="(#2200) callback verification failed: the URL did not return the challenge")
    SandboxAppSubscription.objects.update_or_create(
        object=object_type, defaults={"callback_url": callback_url, "fields": list(fields), "active": True}
    )


def app_unsubscribe(*, object_type: str, fields: list[str]) -> None:
    """DELETE /{app-id}/subscriptions: the named fields of the object, or the whole object."""
    current = {s["object"]: [f["name"] for f in s["fields"]] for s in app_subscriptions()}
    kept = [f for f in current.get(object_type, []) if fields and f not in fields]
    url = next((s["callback_url"] for s in app_subscriptions() if s["object"] == object_type), settings.WEBHOOK_URL)
    SandboxAppSubscription.objects.update_or_create(
        object=object_type, defaults={"callback_url": url, "fields": kept, "active": bool(kept)}
    )


def debug_token(input_token: str) -> dict[str, Any]:
    """GET /debug_token?input_token=…: what Meta says about a token (200 even when it is not valid)."""
    account = None
    if input_token and input_token == settings.WHATSAPP_MASTER_TOKEN:
        account = operator_account()
    elif input_token:
        account = SandboxBusinessAccount.objects.filter(access_token=input_token, is_operator=False).first()
    if account is None:
        return {
            "app_id": settings.WHATSAPP_APP_ID,
            "is_valid": False,
            "error": {"code": 190, "message": "Invalid OAuth access token - Cannot parse access token", "subcode": 0},
            "scopes": [],
        }
    issued = int(account.created_at.timestamp())
    wa_scopes = [s for s in account.token_scopes if s.startswith("whatsapp_")]
    return {
        "app_id": settings.WHATSAPP_APP_ID,
        "type": "SYSTEM_USER",
        "application": "CRM Master",
        "data_access_expires_at": 0,
        "expires_at": 0 if account.is_operator else issued + TOKEN_LIFETIME_SECONDS,
        "is_valid": True,
        "issued_at": issued,
        "scopes": list(account.token_scopes),
        "granular_scopes": [{"scope": scope, "target_ids": [account.waba_id]} for scope in wa_scopes],
        "user_id": f"9{account.pk:014d}",
    }
