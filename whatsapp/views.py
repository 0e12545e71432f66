"""The one webhook URL for every number: Meta's handshake (GET) and signed deliveries (POST)."""

from __future__ import annotations

import logging

from csp.decorators import csp_exempt
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from core import metrics
from core.client_ip import client_ip
from core.exceptions import json_error
from whatsapp.services.webhooks import MalformedPayload, webhook_delivery_accept
from whatsapp.signature import signature_is_valid

logger = logging.getLogger(__name__)


@csrf_exempt  # Meta cannot send a CSRF token; the HMAC signature authenticates instead.
@csp_exempt()  # a plain-text answer to Meta's servers: no page, so no policy to build on every delivery
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _verify_subscription(request)
    with metrics.WEBHOOK_SECONDS.time():
        response, outcome = _accept_delivery(request)
    metrics.WEBHOOK_REQUESTS.inc(outcome=outcome)
    return response


def _accept_delivery(request: HttpRequest) -> tuple[HttpResponse, str]:
    body = request.body
    if not signature_is_valid(body, request.headers.get("X-Hub-Signature-256")):
        logger.warning("webhook with a bad or missing signature from %s", client_ip(request))
        return json_error("invalid_signature", "Missing or invalid X-Hub-Signature-256.", 403), "invalid_signature"
    try:
        event = webhook_delivery_accept(body)  # one INSERT; the workers apply it
    except MalformedPayload:  # not JSON, not an object, or nested deeper than core.jsonbody allows
        return json_error("malformed_json", "The body is not a JSON object.", 400), "malformed_json"
    logger.info("webhook delivery %s stored", event.pk)
    return HttpResponse("OK", content_type="text/plain"), "accepted"


def _verify_subscription(request: HttpRequest) -> HttpResponse:
    mode = request.GET.get("hub.mode")
    token = request.GET.get("hub.verify_token", "")
    challenge = request.GET.get("hub.challenge", "")
    expected = settings.WHATSAPP_VERIFY_TOKEN
    if mode == "subscribe" and expected and constant_time_compare(token, expected):
        return HttpResponse(challenge, content_type="text/plain")
    return HttpResponse("Forbidden", status=403, content_type="text/plain")
