"""The client's WhatsApp numbers: status, quality, connection type and the click-to-chat QR (SVG and PNG)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ai.selectors import persona_for
from core.qr import qr_png, qr_svg
from portal.access import PortalContext, portal_view
from portal.selectors import number_get
from portal.views.common import found
from whatsapp.links import click_to_chat_url
from whatsapp.selectors import number_list


def _chat_url(portal: PortalContext, number, greeting: str | None = None) -> str:
    """wa.me link with the persona's greeting typed in (what the onboarding's live page prints too)."""
    if greeting is None:
        greeting = persona_for(client=portal.client).greeting
    return click_to_chat_url(number.phone_number, greeting)


@require_GET
@portal_view
def numbers(request: HttpRequest, portal: PortalContext) -> HttpResponse:
    rows = []
    greeting = persona_for(client=portal.client).greeting
    for number in number_list(client=portal.client):
        url = _chat_url(portal, number, greeting)
        rows.append({"number": number, "chat_url": url, "qr": qr_svg(url, scale=5) if number.is_active else ""})
    return render(request, "portal/numbers.html", {"rows": rows, "nav": "numbers"})


@require_GET
@portal_view
def number_qr_png(request: HttpRequest, portal: PortalContext, number_id: int) -> HttpResponse:
    number = found(number_get, client=portal.client, number_id=number_id)
    response = HttpResponse(qr_png(_chat_url(portal, number)), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="whatsapp-{number.phone_number.lstrip("+")}.png"'
    return response
