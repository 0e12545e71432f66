"""The sandbox's own helper API (JSON in, JSON out): play the customer, read OTPs, inject faults."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.exceptions import json_error
from core.jsonbody import json_loads_limited
from sandbox import accounts, alerts, customers, identities, message_templates
from sandbox.meta import digits
from sandbox.models import SandboxFault, SandboxMessage, SandboxPhoneNumber, SandboxTemplate

MAX_FAIL_NEXT = 1000
MAX_DELAY_MS = 120_000
MAX_DURATION_S = 3600


def _json_body(request: HttpRequest) -> dict[str, Any] | None:
    try:
        body = json_loads_limited(request.body or b"{}")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _malformed() -> JsonResponse:
    return json_error("malformed_json", "The body must be a JSON object.", 400)


@csrf_exempt
@require_POST
def api_inbound(request: HttpRequest) -> JsonResponse:
    """An end customer writes: `{phone_number_id, from | username, type?, ...}` (docs/sandbox.md)."""
    body = _json_body(request)
    if body is None:
        return _malformed()
    number = accounts.find_number(str(body.get("phone_number_id", "")))
    if number is None:
        return json_error("unknown_number", "No sandbox number has that phone_number_id.", 404)
    try:
        customer = customers.customer_from(number, body)
        if body.get("type") == "marketing_preference":
            status = customers.customer_sets_marketing(number, customer=customer, value=body.get("value"))
            return JsonResponse({"webhook_status": status, "user_id": customer.user_id})
        if body.get("type") == "changed_number":
            moved, stored, status = customers.customer_changes_number(
                number, customer=customer, new_phone=body.get("new_phone")
            )
            return JsonResponse({"wamid": stored.wamid, "webhook_status": status, "user_id": moved.user_id})
        message, text = customers.build_message(number, customer.key, body)
    except customers.InvalidInbound as error:
        return json_error("invalid", str(error), 400)
    stored, status = customers.customer_sends(
        number, customer=customer, message=message, text=text, profile_name=str(body.get("profile_name") or "")[:100]
    )
    result: dict[str, Any] = {"wamid": stored.wamid, "webhook_status": status, "user_id": customer.user_id}
    if message.get("type") in customers.MEDIA_DEFAULTS:
        result["media_id"] = message[message["type"]]["id"]
    return JsonResponse(result, status=200)


@require_GET
def api_messages(request: HttpRequest) -> JsonResponse:
    """What the product sent through the sandbox, oldest first."""
    messages = SandboxMessage.objects.filter(direction=SandboxMessage.Direction.OUT)
    if request.GET.get("phone_number_id"):
        messages = messages.filter(phone_number_id=request.GET["phone_number_id"])
    if request.GET.get("to"):
        to = request.GET["to"]
        messages = messages.filter(wa_id=to if identities.is_bsuid(to) else digits(to))
    return JsonResponse(
        {
            "results": [
                {
                    "wamid": m.wamid,
                    "phone_number_id": m.phone_number_id,
                    "to": m.wa_id if identities.is_bsuid(m.wa_id) else f"+{m.wa_id}",
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


@require_GET
def api_otp(request: HttpRequest) -> JsonResponse:
    """The code Meta would have sent by SMS or voice to `phone_number`."""
    full = digits(request.GET.get("phone_number", ""))
    if not full:
        return json_error("invalid", "`phone_number` is required, e.g. ?phone_number=+573001234567.", 400)
    number = SandboxPhoneNumber.objects.filter(display_phone_number=full).first()
    if number is None or not number.otp_code:
        return json_error("not_found", "No verification code was requested for that number.", 404)
    return JsonResponse({"code": number.otp_code})


@csrf_exempt
@require_POST
def api_embedded_signup(request: HttpRequest) -> JsonResponse:
    """Do the popup's work without a browser: `{business_name, phone_number}` → 201 `{code, ids}`."""
    body = _json_body(request)
    if body is None:
        return _malformed()
    try:
        code, number = accounts.embedded_signup(
            business_name=str(body.get("business_name") or ""), phone_number=str(body.get("phone_number") or "")
        )
    except ValueError as error:
        return json_error("invalid", str(error), 400)
    return JsonResponse(signup_result(code, number), status=201)


def signup_result(code: Any, number: SandboxPhoneNumber) -> dict[str, str]:
    return {
        "code": code.code,
        "waba_id": number.account.waba_id,
        "phone_number_id": number.phone_number_id,
        "business_id": number.account.business_id,
    }


# --- faults ------------------------------------------------------------------------------------
def _fault_json(fault: SandboxFault) -> dict[str, Any]:
    ratio = fault.fail_ratio is not None
    return {
        "id": fault.pk,
        "phone_number_id": fault.phone_number_id or None,
        "fail_next": None if ratio else fault.remaining,
        "fail_ratio": fault.fail_ratio,
        "active_until": fault.active_until.isoformat() if ratio else None,
        "injected": fault.injected if ratio else None,
        "error_code": fault.error_code,
        "http_status": fault.http_status,
        "delay_ms": fault.delay_ms,
        "message": fault.message,
    }


def _int_field(body: dict[str, Any], name: str, default: int | None, low: int, high: int) -> int | None:
    value = body.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).lstrip("-").isdigit():
        raise ValueError(f"`{name}` must be an integer.")
    if not low <= int(value) <= high:
        raise ValueError(f"`{name}` must be between {low} and {high}.")
    return int(value)


def default_http_status(error_code: int | None) -> int:
    """The status Meta pairs with a code: 401 for tokens, 5xx for its own outages, else 400."""
    if error_code is None:
        return 200
    if error_code in (0, 190):
        return 401
    return 500 if error_code in (1, 2, 131000, 131016, 133004) else 400


def _share(body: dict[str, Any]) -> dict[str, Any]:
    """`fail_ratio` + `duration_s` (a share of calls for a while) instead of `fail_next` (the next N calls)."""
    if body.get("fail_ratio") is None:
        if body.get("duration_s") is not None:
            raise ValueError("`duration_s` goes with `fail_ratio`.")
        return {"remaining": _int_field(body, "fail_next", 1, 1, MAX_FAIL_NEXT)}
    ratio = body["fail_ratio"]
    if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not 0 < ratio <= 1:
        raise ValueError("`fail_ratio` must be a number above 0 and at most 1.")
    if body.get("fail_next") is not None:
        raise ValueError("Give either `fail_next` or `fail_ratio`, not both.")
    duration = _int_field(body, "duration_s", None, 1, MAX_DURATION_S)
    if duration is None:
        raise ValueError("`fail_ratio` needs `duration_s` (seconds).")
    return {"remaining": 0, "fail_ratio": float(ratio), "active_until": timezone.now() + timedelta(seconds=duration)}


def _parse_fault(body: dict[str, Any]) -> dict[str, Any]:
    error_code = _int_field(body, "error_code", None, 0, 9_999_999)
    delay_ms = _int_field(body, "delay_ms", 0, 0, MAX_DELAY_MS) or 0
    if error_code is None and not delay_ms:
        raise ValueError("Give `error_code` (a Meta error code) and/or `delay_ms`.")
    http_status = _int_field(body, "http_status", default_http_status(error_code), 200, 599)
    if error_code is not None and http_status < 400:
        raise ValueError("`http_status` must be 400 to 599 when `error_code` is set.")
    share = _share(body)
    phone_number_id = str(body.get("phone_number_id") or "")
    if phone_number_id and accounts.find_number(phone_number_id) is None:
        raise LookupError("No sandbox number has that phone_number_id.")
    return {
        "phone_number_id": phone_number_id,
        **share,
        "error_code": error_code,
        "http_status": http_status,
        "delay_ms": delay_ms,
        "message": str(body.get("message") or "")[:300],
    }


@csrf_exempt
@require_http_methods(["GET", "POST", "DELETE"])
def api_faults(request: HttpRequest) -> JsonResponse:
    """GET lists pending faults, POST adds one, DELETE clears them (all, or `?phone_number_id=`)."""
    if request.method == "GET":
        return JsonResponse({"results": [_fault_json(f) for f in SandboxFault.objects.pending()]})
    if request.method == "DELETE":
        pnid = request.GET.get("phone_number_id")
        faults = SandboxFault.objects.filter(phone_number_id=pnid) if pnid else SandboxFault.objects.all()
        deleted, _ = faults.delete()
        return JsonResponse({"cleared": deleted})
    body = _json_body(request)
    if body is None:
        return _malformed()
    try:
        fields = _parse_fault(body)
    except LookupError as error:
        return json_error("unknown_number", str(error), 404)
    except ValueError as error:
        return json_error("invalid", str(error), 400)
    return JsonResponse(_fault_json(SandboxFault.objects.create(**fields)), status=201)


# --- account alerts ------------------------------------------------------------------------------
@csrf_exempt
@require_POST
def api_account_alerts(request: HttpRequest) -> JsonResponse:
    """Meta raises an `account_alerts` webhook: `{waba_id | phone_number_id, alert_type, alert_status?,
    alert_severity?, alert_description?}` → `{webhook_status}` (the product's HTTP status)."""
    body = _json_body(request)
    if body is None:
        return _malformed()
    number = accounts.find_number(str(body.get("phone_number_id") or "")) if body.get("phone_number_id") else None
    account = number.account if number is not None else accounts.find_account(str(body.get("waba_id") or ""))
    if account is None or (body.get("phone_number_id") and number is None):
        return json_error("not_found", "No sandbox WABA or number has that id.", 404)
    try:
        status = alerts.raise_alert(
            account=account,
            number=number,
            alert_type=str(body.get("alert_type") or ""),
            status=str(body.get("alert_status") or "ACTIVE"),
            severity=str(body.get("alert_severity") or ""),
            description=str(body.get("alert_description") or ""),
        )
    except alerts.InvalidAlert as error:
        return json_error("invalid", str(error), 400)
    return JsonResponse({"webhook_status": status})


# --- templates -----------------------------------------------------------------------------------
@csrf_exempt
@require_POST
def api_template_status(request: HttpRequest) -> JsonResponse:
    """Finish Meta's review now, or pause/disable: `{template_id | (waba_id, name, language), status}`."""
    body = _json_body(request)
    if body is None:
        return _malformed()
    lookup = Q(template_id=str(body.get("template_id") or ""))
    if not body.get("template_id"):
        lookup = Q(account__waba_id=str(body.get("waba_id") or ""), name=str(body.get("name") or ""))
        if body.get("language"):
            lookup &= Q(language=str(body["language"]))
    template = SandboxTemplate.objects.select_related("account").filter(lookup).first()
    if template is None:
        return json_error("not_found", "No sandbox template matches.", 404)
    try:
        template = message_templates.set_status(
            template=template, status=str(body.get("status") or "").upper(), reason=str(body.get("reason") or "")
        )
    except ValueError as error:
        return json_error("invalid", str(error), 400)
    return JsonResponse(message_templates.as_graph(template))


# --- the customer's phone ------------------------------------------------------------------------
@require_GET
def api_numbers(request: HttpRequest) -> JsonResponse:
    """Connected numbers a customer can write to."""
    numbers = SandboxPhoneNumber.objects.filter(registered=True).select_related("account").order_by("verified_name")
    return JsonResponse(
        {
            "results": [
                {
                    "phone_number_id": n.phone_number_id,
                    "display_phone_number": f"+{n.display_phone_number}",
                    "verified_name": n.verified_name,
                }
                for n in numbers
            ]
        }
    )


@require_GET
def api_chat(request: HttpRequest) -> JsonResponse:
    number = accounts.find_number(request.GET.get("phone_number_id", ""))
    if number is None:
        return json_error("unknown_number", "No sandbox number has that phone_number_id.", 404)
    try:
        customer = customers.customer_from(number, request.GET)
    except customers.InvalidInbound as error:
        return json_error("invalid", str(error), 400)
    return JsonResponse(customers.chat(number=number, wa_id=customer.key))
