"""Number health from Meta (GET /{phone_number_id}): quality rating, display-name status, messaging limit."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import formats, translation
from django.utils.translation import gettext as _

from core.mail import header_text
from core.queue import enqueue_on_commit
from tenants import services as tenant_services
from tenants.models import TOKEN_EXPIRY_WARNING, WhatsAppNumber
from tenants.selectors import active_numbers_to_check, owner_emails
from whatsapp.client import GraphClient
from whatsapp.errors import AuthenticationError, GraphError
from whatsapp.services import message_templates

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
    """Refresh every active number one by one; one failing number does not stop the others. Then warn about
    business tokens that run out soon (the same beat run, every 6 hours)."""
    synced = sum(sync_number(number_id=pk) for pk in active_numbers_to_check().values_list("pk", flat=True))
    warn_expiring_tokens()
    message_templates.templates_sync_all()  # every WABA's templates, for pages that read rows
    return synced


def warn_expiring_tokens() -> int:
    """Warn the client's owners and the operator once when a client's business token (Embedded Signup;
    60-day tokens go silent on day 60) runs out within TOKEN_EXPIRY_WARNING. The way out is to run Embedded
    Signup again from the portal, which reconnects the number with a new token. Each claimed warning is
    e-mailed by its own task once the claim is committed, so a mail server that fails delays (and retries)
    that warning alone and never the others or the rest of the health sync. Returns how many were warned."""
    numbers = tenant_services.numbers_claim_token_warnings(within=TOKEN_EXPIRY_WARNING)
    for number in numbers:
        logger.warning("business token of number %s expires at %s", number.pk, number.business_token_expires_at)
        enqueue_on_commit("whatsapp.send_token_expiry_warning", number.pk)
    return len(numbers)


def token_expiry_warning_send(*, number_id: int) -> bool:
    """E-mail one claimed warning, to each owner and operator address; False when there is nothing to warn
    about any more (the number was reconnected with a new token meanwhile, or is gone). A mail error
    propagates: the task tries again."""
    number = (
        WhatsAppNumber.objects.select_related("client")
        .filter(pk=number_id, business_token_warned_at__isnull=False, business_token_expires_at__isnull=False)
        .first()
    )
    if number is None:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        values = {
            "number": number.phone_number,
            "business": number.client.business_name,
            "date": formats.date_format(number.business_token_expires_at, "DATE_FORMAT"),
        }
        subject = header_text(_("%(business)s: WhatsApp access for %(number)s ends on %(date)s") % values)
        body = (
            _(
                "Meta's access for %(number)s ends on %(date)s; after that day no message goes out or comes in. "
                "Open the portal's Numbers page and connect the number with Meta again (it takes a minute)."
            )
            % values
        )
    recipients = [*owner_emails(client=number.client), *settings.OPERATOR_EMAILS]
    messages = [EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [to]) for to in recipients]
    if messages:
        get_connection().send_messages(messages)
    return bool(messages)


def token_expiry_warning_give_back(*, number_id: int) -> None:
    """A warning whose e-mail never went out is claimed again by the next health sync."""
    tenant_services.number_release_token_warning(number_id=number_id)
