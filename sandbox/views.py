"""HTTP face of the sandbox: Graph endpoints (as Meta answers them) and the helper API."""

from __future__ import annotations

import json
import time
from typing import Any

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.exceptions import json_error
from sandbox import services
from sandbox.meta import graph_error
from sandbox.models import SandboxFault, SandboxMessage, SandboxPhoneNumber

MAX_TEXT = 4096


def _json_body(request: HttpRequest) -> dict[str, Any] | None:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _bearer(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.startswith("Bearer ") else ""


def _injected_fault(phone_number_id: str = "") -> JsonResponse | None:
    """Consume one pending fault for this number (or any number), if one is set."""
    with transaction.atomic():
        fault = (
            SandboxFault.objects.select_for_update()
            .filter(remaining__gt=0, phone_number_id__in=[phone_number_id, ""])
            .order_by("created_at")
            .first()
        )
        if fault is None:
            return None
        SandboxFault.objects.filter(pk=fault.pk).update(remaining=F("remaining") - 1)
    if fault.delay_ms:
        time.sleep(fault.delay_ms / 1000)
    if fault.error_code is None and fault.http_status < 400:
        return None  # a pure delay
    return graph_error(fault.error_code or 131000, fault.http_status)


# --- Graph API ------------------------------------------------------------------------------
@csrf_exempt
@require_POST
def graph_messages(request: HttpRequest, version: str, phone_number_id: str) -> JsonResponse:
    number = SandboxPhoneNumber.objects.select_related("account").filter(phone_number_id=phone_number_id).first()
    token = _bearer(request)
    if number is None or token != number.account.access_token:
        return graph_error(190, 401)
    fault = _injected_fault(phone_number_id)
    if fault is not None:
        return fault
    body = _json_body(request)
    if body is None or body.get("messaging_product") != "whatsapp":
        return graph_error(100, 400, details="messaging_product must be whatsapp")
    if not number.registered:
        return graph_error(133010, 400)
    if body.get("status") == "read":  # mark as read (+ typing indicator)
        return JsonResponse({"success": True})
    kind = body.get("type", "text")
    if kind == "text":
        text = str((body.get("text") or {}).get("body") or "")
        if not text or len(text) > MAX_TEXT:
            return graph_error(100, 400, details=f"text.body must be 1 to {MAX_TEXT} characters")
    if not body.get("to"):
        return graph_error(100, 400, details="to is required")
    message = services.accept_outbound(number, body)
    to = str(body["to"])
    return JsonResponse(
        {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to.lstrip("+")}],
            "messages": [{"id": message.wamid}],
        }
    )


# --- Helper API -------------------------------------------------------------------------------
@csrf_exempt
@require_POST
def api_inbound(request: HttpRequest) -> JsonResponse:
    body = _json_body(request)
    if body is None:
        return json_error("malformed_json", "The body must be a JSON object.", 400)
    number = (
        SandboxPhoneNumber.objects.select_related("account")
        .filter(phone_number_id=str(body.get("phone_number_id", "")))
        .first()
    )
    if number is None:
        return json_error("unknown_number", "No sandbox number has that phone_number_id.", 404)
    wa_id = "".join(ch for ch in str(body.get("from", "")) if ch.isdigit())
    text = str(body.get("text") or "")
    if not wa_id or not text:
        return json_error("invalid", "`from` (a phone number) and `text` are required.", 400)
    stored, status = services.customer_sends(
        number,
        wa_id=wa_id,
        message={"type": "text", "text": {"body": text}},
        text=text,
        profile_name=str(body.get("profile_name") or ""),
    )
    return JsonResponse({"wamid": stored.wamid, "webhook_status": status}, status=200)


@require_GET
def api_messages(request: HttpRequest) -> JsonResponse:
    messages = SandboxMessage.objects.filter(direction=SandboxMessage.Direction.OUT)
    if request.GET.get("phone_number_id"):
        messages = messages.filter(phone_number_id=request.GET["phone_number_id"])
    if request.GET.get("to"):
        messages = messages.filter(wa_id="".join(ch for ch in request.GET["to"] if ch.isdigit()))
    return JsonResponse(
        {
            "results": [
                {
                    "wamid": m.wamid,
                    "phone_number_id": m.phone_number_id,
                    "to": f"+{m.wa_id}",
                    "type": m.type,
                    "text": m.text,
                    "status": m.status,
                    "body": m.body,
                    "created_at": m.created_at.isoformat(),
                }
                for m in messages[:500]
            ]
        }
    )


@csrf_exempt
@require_http_methods(["POST", "DELETE"])
def api_faults(request: HttpRequest) -> JsonResponse:
    if request.method == "DELETE":
        SandboxFault.objects.all().delete()
        return JsonResponse({"cleared": True})
    body = _json_body(request)
    if body is None:
        return json_error("malformed_json", "The body must be a JSON object.", 400)
    try:
        fault = SandboxFault.objects.create(
            phone_number_id=str(body.get("phone_number_id") or ""),
            remaining=int(body.get("fail_next", 1)),
            error_code=int(body["error_code"]) if body.get("error_code") is not None else None,
            http_status=int(body.get("http_status", 500 if body.get("error_code") is not None else 200)),
            delay_ms=int(body.get("delay_ms", 0)),
        )
    except (TypeError, ValueError):
        return json_error("invalid", "fail_next, error_code, http_status and delay_ms must be integers.", 400)
    return JsonResponse(
        {
            "id": fault.pk,
            "phone_number_id": fault.phone_number_id,
            "fail_next": fault.remaining,
            "error_code": fault.error_code,
            "http_status": fault.http_status,
            "delay_ms": fault.delay_ms,
        },
        status=201,
    )
