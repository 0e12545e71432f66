"""Number health from Meta (GET /{phone_number_id}): quality rating, display-name status, messaging limit."""

from __future__ import annotations

import logging
from typing import Any

from tenants import services as tenant_services
from tenants.models import WhatsAppNumber
from tenants.selectors import active_numbers_to_check
from whatsapp.client import GraphClient
from whatsapp.errors import AuthenticationError, GraphError

logger = logging.getLogger(__name__)

HEALTH_FIELDS = ["quality_rating", "name_status", "whatsapp_business_manager_messaging_limit", "status"]


def _limit_text(value: Any) -> str:
    if isinstance(value, dict):  # some versions answer {"current_limit": "TIER_2K", ...}
        value = value.get("current_limit") or value.get("tier") or next(iter(value.values()), "")
    return str(value or "")[:60]


def sync_number(*, number_id: int) -> bool:
    """Refresh one number; False when Meta could not be asked. A revoked token marks it disconnected."""
    number = WhatsAppNumber.objects.select_related("client").filter(pk=number_id).first()
    if number is None or not number.phone_number_id:
        return False
    try:
        info = GraphClient.for_number(number).get_phone_number(number.phone_number_id, fields=HEALTH_FIELDS)
    except AuthenticationError as exc:
        only_this = WhatsAppNumber.objects.filter(pk=number.pk)
        tenant_services.numbers_disconnect(numbers=only_this, reason=f"Meta {exc.code}: {exc.message}", checked=True)
        return False
    except GraphError as exc:
        logger.warning("health check of number %s failed: %s", number.pk, exc)
        return False
    tenant_services.numbers_record_health(
        numbers=WhatsAppNumber.objects.filter(pk=number.pk),
        quality_rating=str(info.get("quality_rating") or ""),
        name_status=str(info.get("name_status") or ""),
        messaging_limit=_limit_text(info.get("whatsapp_business_manager_messaging_limit")),
        checked=True,
    )
    return True


def sync_all_numbers() -> int:
    """Refresh every active number one by one; one failing number does not stop the others."""
    return sum(sync_number(number_id=pk) for pk in active_numbers_to_check().values_list("pk", flat=True))
