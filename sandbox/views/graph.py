"""The Graph API as Meta answers it: `/sandbox/graph/<version>/<node>[/<edge>]`.

A node is a phone number id, a WABA id or a media id. Every call checks the bearer token against
the account that owns the node (the master token for the operator's account), then consumes any
injected fault, then does the work in a service. Services raise `MetaError`; it becomes Meta's
error object here.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from core.jsonbody import json_loads_limited
from sandbox import accounts, app, media, message_templates, services
from sandbox.meta import MetaError, graph_error
from sandbox.models import SandboxBusinessAccount, SandboxFault, SandboxMedia, SandboxPhoneNumber

NO_SUCH_OBJECT = (
    "Unsupported {method} request. Object with ID '{node}' does not exist, cannot be loaded due to missing "
    "permissions, or does not support this operation."
)


PERMISSION_DETAILS = "The access token does not have permission to act on object {node}."


def bearer(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.startswith("Bearer ") else ""


def params(request: HttpRequest) -> dict[str, Any]:
    """Meta reads parameters from the query string, a JSON body or a form body alike."""
    merged: dict[str, Any] = dict(request.GET.items())
    if request.content_type == "application/json" and request.body:
        try:
            body = json_loads_limited(request.body)
        except ValueError as exc:
            raise MetaError(100, "The request body is not valid JSON") from exc
        if not isinstance(body, dict):
            raise MetaError(100, "The request body must be a JSON object")
        merged.update(body)
    elif request.method == "POST":
        merged.update(request.POST.items())
    return merged


def injected_fault(phone_number_id: str = "") -> JsonResponse | None:
    """Consume one pending countdown fault for this number (or for every number), if one is set;
    else let an active ratio fault hit this call with its probability."""
    fault = _countdown_fault(phone_number_id) or _ratio_fault(phone_number_id)
    if fault is None:
        return None
    if fault.delay_ms:
        time.sleep(fault.delay_ms / 1000)
    if fault.error_code is None:
        return None  # a pure delay
    return graph_error(fault.error_code, fault.http_status, fault.message)


def _countdown_fault(phone_number_id: str) -> SandboxFault | None:
    with transaction.atomic():
        fault = (
            SandboxFault.objects.select_for_update()
            .filter(fail_ratio__isnull=True, remaining__gt=0, phone_number_id__in=[phone_number_id, ""])
            .order_by("created_at", "id")
            .first()
        )
        if fault is None:
            return None
        SandboxFault.objects.filter(pk=fault.pk).update(remaining=F("remaining") - 1)
        SandboxFault.objects.filter(pk=fault.pk, remaining__lte=0).delete()
    return fault


def _ratio_fault(phone_number_id: str) -> SandboxFault | None:
    active = SandboxFault.objects.pending().filter(fail_ratio__isnull=False, phone_number_id__in=[phone_number_id, ""])
    for fault in active:
        if random.random() < fault.fail_ratio:
            SandboxFault.objects.filter(pk=fault.pk).update(injected=F("injected") + 1)
            return fault
    return None


def _resolve(node: str) -> tuple[str, Any]:
    number = accounts.find_number(node)
    if number is not None:
        return "number", number
    account = accounts.find_account(node)
    if account is not None:
        return "account", account
    item = SandboxMedia.objects.select_related("account").filter(media_id=node).first()
    if item is not None:
        return "media", item
    return "", None


def _owner(kind: str, obj: Any) -> SandboxBusinessAccount:
    return obj if kind == "account" else obj.account


def _token_known(token: str) -> bool:
    if not token:
        return False
    return token == accounts.token_of(accounts.operator_account()) or (
        SandboxBusinessAccount.objects.filter(access_token=token, is_operator=False).exists()
    )


Handler = Callable[[HttpRequest, Any], dict[str, Any] | JsonResponse]


def _dispatch(request: HttpRequest, node: str, routes: dict[tuple[str, str], Handler]) -> JsonResponse:
    kind, obj = _resolve(node)
    token = bearer(request)
    if obj is None:
        if not _token_known(token):
            return graph_error(190, 401)
        return graph_error(100, 400, NO_SUCH_OBJECT.format(method=request.method.lower(), node=node))
    if token != accounts.token_of(_owner(kind, obj)):
        if not _token_known(token):
            return graph_error(190, 401)  # no token, or one Meta never issued
        # A valid token of another business: Meta does not say the object exists. Reads get 100, writes 200.
        if request.method == "GET":
            return graph_error(100, 400, NO_SUCH_OBJECT.format(method="get", node=node))
        return graph_error(200, 403, "(#200) Permissions error", PERMISSION_DETAILS.format(node=node))
    handler = routes.get((kind, request.method))
    if handler is None:
        return graph_error(100, 400, NO_SUCH_OBJECT.format(method=request.method.lower(), node=node))
    fault = injected_fault(obj.phone_number_id if kind == "number" else "")
    if fault is not None:
        return fault
    try:
        result = handler(request, obj)
    except MetaError as error:
        return error.response()
    return result if isinstance(result, JsonResponse) else JsonResponse(result)


SUCCESS = {"success": True}


# --- /{node} -----------------------------------------------------------------------------------
def _get_number(request: HttpRequest, number: SandboxPhoneNumber) -> dict[str, Any]:
    return accounts.select_fields(number, request.GET.get("fields", ""))


def _update_number(request: HttpRequest, number: SandboxPhoneNumber) -> dict[str, Any]:
    accounts.update_number(number=number, body=params(request))
    return SUCCESS


def _delete_number(request: HttpRequest, number: SandboxPhoneNumber) -> dict[str, Any]:
    accounts.delete_number(number=number)
    return SUCCESS


def _get_account(request: HttpRequest, account: SandboxBusinessAccount) -> dict[str, Any]:
    return {"id": account.waba_id, "name": account.name, "timezone_id": "1", "message_template_namespace": ""}


def _get_media(request: HttpRequest, item: SandboxMedia) -> dict[str, Any]:
    path = reverse("sandbox:media-download", args=[item.media_id])
    url = request.build_absolute_uri(f"{path}?hash={media.url_token(item.media_id)}")
    return media.describe(item, url=url)


def _delete_media(request: HttpRequest, item: SandboxMedia) -> dict[str, Any]:
    item.delete()
    return SUCCESS


NODE_ROUTES: dict[tuple[str, str], Handler] = {
    ("number", "GET"): _get_number,
    ("number", "POST"): _update_number,
    ("number", "DELETE"): _delete_number,
    ("account", "GET"): _get_account,
    ("media", "GET"): _get_media,
    ("media", "DELETE"): _delete_media,
}


@csrf_exempt
def graph_node(request: HttpRequest, version: str, node: str) -> JsonResponse:
    return _dispatch(request, node, NODE_ROUTES)


# --- /{phone-number-id}/<edge> -----------------------------------------------------------------
def _request_code(request: HttpRequest, number: SandboxPhoneNumber) -> dict[str, Any]:
    p = params(request)
    accounts.request_code(number=number, code_method=str(p.get("code_method", "")), language=str(p.get("language", "")))
    return SUCCESS


def _verify_code(request: HttpRequest, number: SandboxPhoneNumber) -> dict[str, Any]:
    accounts.verify_code(number=number, code=str(params(request).get("code", "")))
    return SUCCESS


def _register(request: HttpRequest, number: SandboxPhoneNumber) -> dict[str, Any]:
    p = params(request)
    if p.get("messaging_product") != "whatsapp":
        raise MetaError(100, "messaging_product must be whatsapp")
    accounts.register(number=number, pin=str(p.get("pin", "")))
    return SUCCESS


def _deregister(request: HttpRequest, number: SandboxPhoneNumber) -> dict[str, Any]:
    accounts.deregister(number=number)
    return SUCCESS


def _messages(request: HttpRequest, number: SandboxPhoneNumber) -> dict[str, Any]:
    return services.handle_messages_call(number=number, body=params(request))


def _upload_media(request: HttpRequest, number: SandboxPhoneNumber) -> dict[str, Any]:
    if request.POST.get("messaging_product") != "whatsapp":
        raise MetaError(100, "messaging_product must be whatsapp")
    upload = request.FILES.get("file")
    if upload is None:
        raise MetaError(100, "file is required (multipart/form-data)")
    item = media.store(
        number=number,
        content=upload.read(),
        mime_type=str(request.POST.get("type") or upload.content_type or ""),
        filename=upload.name or "",
    )
    return {"id": item.media_id}


# --- /{waba-id}/<edge> -------------------------------------------------------------------------
def _list_numbers(request: HttpRequest, account: SandboxBusinessAccount) -> dict[str, Any]:
    fields = request.GET.get("fields", "")
    return {"data": [accounts.select_fields(n, fields) for n in account.numbers.select_related("account")]}


def _add_number(request: HttpRequest, account: SandboxBusinessAccount) -> dict[str, Any]:
    p = params(request)
    number = accounts.add_phone_number(
        account=account,
        cc=str(p.get("cc", "")),
        phone_number=str(p.get("phone_number", "")),
        verified_name=str(p.get("verified_name", "")),
    )
    return {"id": number.phone_number_id}


def _list_subscribed(request: HttpRequest, account: SandboxBusinessAccount) -> dict[str, Any]:
    return {"data": accounts.subscribed_apps(account)}


def _subscribe(request: HttpRequest, account: SandboxBusinessAccount) -> dict[str, Any]:
    accounts.subscribe_app(account=account)
    return SUCCESS


def _unsubscribe(request: HttpRequest, account: SandboxBusinessAccount) -> dict[str, Any]:
    accounts.unsubscribe_app(account=account)
    return SUCCESS


def _list_templates(request: HttpRequest, account: SandboxBusinessAccount) -> dict[str, Any]:
    return message_templates.list_for_api(account=account, filters=request.GET)


def _create_template(request: HttpRequest, account: SandboxBusinessAccount) -> dict[str, Any]:
    template = message_templates.create(account=account, body=params(request))
    return {"id": template.template_id, "status": template.status, "category": template.category}


def _delete_template(request: HttpRequest, account: SandboxBusinessAccount) -> dict[str, Any]:
    message_templates.delete(account=account, name=str(request.GET.get("name", "")))
    return SUCCESS


EDGE_ROUTES: dict[str, dict[tuple[str, str], Handler]] = {
    "request_code": {("number", "POST"): _request_code},
    "verify_code": {("number", "POST"): _verify_code},
    "register": {("number", "POST"): _register},
    "deregister": {("number", "POST"): _deregister},
    "messages": {("number", "POST"): _messages},
    "media": {("number", "POST"): _upload_media},
    "phone_numbers": {("account", "GET"): _list_numbers, ("account", "POST"): _add_number},
    "subscribed_apps": {
        ("account", "GET"): _list_subscribed,
        ("account", "POST"): _subscribe,
        ("account", "DELETE"): _unsubscribe,
    },
    "message_templates": {
        ("account", "GET"): _list_templates,
        ("account", "POST"): _create_template,
        ("account", "DELETE"): _delete_template,
    },
}


@csrf_exempt
def graph_edge(request: HttpRequest, version: str, node: str, edge: str) -> JsonResponse:
    if node == settings.WHATSAPP_APP_ID and edge == "subscriptions":
        return _app_subscriptions(request)
    return _dispatch(request, node, EDGE_ROUTES.get(edge, {}))


# --- the app: /{app-id}/subscriptions and /debug_token ------------------------------------------
def _access_token(request: HttpRequest) -> str:
    return bearer(request) or request.GET.get("access_token", "")


def _app_subscriptions(request: HttpRequest) -> JsonResponse:
    """The app's webhook subscriptions; only the app token may read or change them (Meta's error 15)."""
    token = _access_token(request)
    if token != app.app_token():
        if not _token_known(token):
            return graph_error(190, 401)
        return graph_error(15, 400, "(#15) This method must be called with an app access_token.")
    fault = injected_fault()
    if fault is not None:
        return fault
    p = params(request)
    fields = [f.strip() for f in str(p.get("fields", "")).split(",") if f.strip()]
    try:
        if request.method == "GET":
            return JsonResponse({"data": app.app_subscriptions()})
        if request.method == "POST":
            app.app_subscribe(
                object_type=str(p.get("object", "")),
                callback_url=str(p.get("callback_url", "")),
                fields=fields,
                verify_token=str(p.get("verify_token", "")),
            )
            return JsonResponse(SUCCESS)
        if request.method == "DELETE":
            app.app_unsubscribe(object_type=str(p.get("object", "")), fields=fields)
            return JsonResponse(SUCCESS)
    except MetaError as error:
        return error.response()
    return graph_error(100, 400, NO_SUCH_OBJECT.format(method=request.method.lower(), node=settings.WHATSAPP_APP_ID))


def debug_token(request: HttpRequest, version: str) -> JsonResponse:
    """GET /debug_token?input_token=…: any valid token (or the app token) may ask; 200 even for a bad one."""
    token = _access_token(request)
    if token != app.app_token() and not _token_known(token):
        return graph_error(190, 401)
    if not request.GET.get("input_token"):
        return graph_error(100, 400, "The parameter input_token is required")
    fault = injected_fault()
    if fault is not None:
        return fault
    return JsonResponse({"data": app.debug_token(request.GET["input_token"])})


# --- OAuth and media bytes ---------------------------------------------------------------------
@csrf_exempt
def oauth_access_token(request: HttpRequest, version: str) -> JsonResponse:
    """Embedded Signup's code exchange: no bearer token, the app's id and secret instead."""
    try:
        token = accounts.exchange_code(
            client_id=request.GET.get("client_id", ""),
            client_secret=request.GET.get("client_secret", ""),
            code=request.GET.get("code", ""),
        )
    except MetaError as error:
        return error.response()
    return JsonResponse({"access_token": token, "token_type": "bearer", "expires_in": 5183944})


def media_download(request: HttpRequest, media_id: str) -> HttpResponse:
    """The 5-minute URL that GET /{media-id} hands out; Meta wants the bearer token here too."""
    item = SandboxMedia.objects.select_related("account").filter(media_id=media_id).first()
    if item is None or not media.url_token_valid(request.GET.get("hash", ""), media_id):
        return HttpResponse(status=404)  # unknown, or the 5-minute URL expired: ask GET /{media-id} again
    if bearer(request) != accounts.token_of(item.account):
        return HttpResponse(status=401)
    response = HttpResponse(bytes(item.content), content_type=item.mime_type)
    response["Content-Length"] = str(item.file_size)
    return response
