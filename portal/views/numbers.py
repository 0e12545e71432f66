"""The client's WhatsApp numbers: status, quality, connection type and the click-to-chat QR (SVG and PNG)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ai.selectors import persona_for
from core.qr import qr_png, qr_svg
from portal.access import PortalContext, portal_view
from portal.account_alerts import alerts_shown
from portal.selectors import number_get
from portal.views.common import found
from tenants.selectors import account_alerts_active
from whatsapp.links import click_to_chat_qr_text, click_to_chat_url
from whatsapp.selectors import number_list


@require_GET
@portal_view
def numbers(request: HttpRequest, portal: PortalContext) -> HttpResponse:
    rows = []
    chat_text = persona_for(client=portal.client).click_to_chat_text
    for number in number_list(client=portal.client):
        url = click_to_chat_url(number.phone_number, chat_text)  # the written link keeps the whole text
        qr = qr_svg(click_to_chat_qr_text(number.phone_number, chat_text), scale=5) if number.is_active else ""
        rows.append({"number": number, "chat_url": url, "qr": qr})
    alerts = alerts_shown(account_alerts_active(client=portal.client))
    return render(request, "portal/numbers.html", {"rows": rows, "alerts": alerts, "nav": "numbers"})


@require_GET
@portal_view
def number_qr_png(request: HttpRequest, portal: PortalContext, number_id: int) -> HttpResponse:
    number = found(number_get, client=portal.client, number_id=number_id)
    chat_text = persona_for(client=portal.client).click_to_chat_text
    response = HttpResponse(qr_png(click_to_chat_qr_text(number.phone_number, chat_text)), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="whatsapp-{number.phone_number.lstrip("+")}.png"'
    return response
