"""The client's WhatsApp numbers: status, quality, connection type, the click-to-chat QR (SVG and PNG) and the
number's message templates with the status, category and quality Meta gave them."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ai.selectors import persona_for
from core.qr import qr_png, qr_svg
from portal.access import PortalContext, portal_view
from portal.account_alerts import alerts_shown
from portal.selectors import number_get, templates_by_number
from portal.views.common import found
from tenants.selectors import account_alerts_active
from whatsapp.links import click_to_chat_qr_text, click_to_chat_url
from whatsapp.selectors import number_list


@require_GET
@portal_view
def numbers(request: HttpRequest, portal: PortalContext) -> HttpResponse:
    rows = []
    chat_text = persona_for(client=portal.client).click_to_chat_text
    numbers = list(number_list(client=portal.client))
    templates = templates_by_number(client=portal.client, numbers=numbers)
    for number in numbers:
        url = click_to_chat_url(number.phone_number, chat_text)  # the written link keeps the whole text
        qr = qr_svg(click_to_chat_qr_text(number.phone_number, chat_text), scale=5) if number.is_active else ""
        rows.append({"number": number, "chat_url": url, "qr": qr, "templates": templates[number.pk]})
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
