"""Usage alerts at 80 % and 100 % of a number's allowance: raised once per (number, month), then emailed.

The alert row is created in the transaction that counted the crossing message; the unique
constraint makes a second one impossible, and the email goes out after commit from a task.
"""

from __future__ import annotations

import logging
import math
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from billing.models import UsageAlert, UsagePeriod
from billing.months import month_start
from core.mail import header_text
from core.queue import enqueue, enqueue_on_commit
from tenants.models import Client
from tenants.selectors import owner_emails

logger = logging.getLogger(__name__)

ALERT_HEADER = "X-CRM-Usage-Alert"  # lets mail filters (and tests) tell usage alerts apart
THRESHOLDS = (UsageAlert.Threshold.WARNING, UsageAlert.Threshold.REACHED)


def alert_limit(*, allowance: int, threshold: int) -> int:
    """Messages at which `threshold` % is reached; at least one so an allowance of 0 still alerts."""
    return max(math.ceil(allowance * threshold / 100), 1)


def raise_crossed_alerts(
    *, period_id: int, just_counted: int, used: int | None = None, allowance: int | None = None
) -> list[UsageAlert]:
    """Raise the alerts the last `just_counted` messages crossed. Call right after the increment.

    The caller's UPDATE holds the row lock until commit, so the value read here is its own; a caller whose
    statement returned the counters already (billing.usage_sql) passes them and nothing is read.
    """
    if used is None or allowance is None:
        used, allowance = UsagePeriod.objects.values_list("service_messages", "allowance").get(pk=period_id)
    crossed = [t for t in THRESHOLDS if used - just_counted < alert_limit(allowance=allowance, threshold=t) <= used]
    if not crossed:
        return []
    period = UsagePeriod.objects.select_related("client").get(pk=period_id)
    return [alert for alert in (_create_alert(period, t) for t in crossed) if alert]


def raise_due_alerts(*, period: UsagePeriod) -> list[UsageAlert]:
    """Every alert the period has earned and lacks (an allowance lowered mid-month crosses no line)."""
    raised = []
    for threshold in THRESHOLDS:
        if period.service_messages >= alert_limit(allowance=period.allowance, threshold=threshold):
            exists = UsageAlert.objects.filter(number_id=period.number_id, month=period.month, threshold=threshold)
            if not exists.exists():
                alert = _create_alert(period, threshold)
                if alert:
                    raised.append(alert)
    return raised


def _create_alert(period: UsagePeriod, threshold: int) -> UsageAlert | None:
    try:
        with transaction.atomic():
            alert = UsageAlert.objects.create(
                client_id=period.client_id,
                number_id=period.number_id,
                month=period.month,
                threshold=threshold,
                service_messages=period.service_messages,
                allowance=period.allowance,
                policy=period.client.quota_policy,
            )
    except IntegrityError:
        return None  # raised already this month
    enqueue_on_commit("billing.send_usage_alert", alert.pk)
    return alert


def sweep_usage_alerts(*, resend_after: timedelta = timedelta(minutes=5)) -> int:
    """Beat task body: raise alerts the counting path could not, and email any whose email was lost."""
    raised = 0
    periods = UsagePeriod.objects.filter(month=month_start(), service_messages__gt=0).select_related("client")
    for period in periods:
        raised += len(raise_due_alerts(period=period))
    stale = UsageAlert.objects.filter(emailed_at__isnull=True, created_at__lt=timezone.now() - resend_after)
    for alert_id in stale.values_list("pk", flat=True):
        enqueue("billing.send_usage_alert", alert_id)
    return raised


def send_usage_alert_email(*, alert_id: int) -> bool:
    """Email the client's owners and the operator once; False if it was emailed already."""
    claimed = UsageAlert.objects.filter(pk=alert_id, emailed_at__isnull=True).update(emailed_at=timezone.now())
    if not claimed:
        return False
    alert = UsageAlert.objects.select_related("client", "number").get(pk=alert_id)
    try:
        with translation.override(settings.LANGUAGE_CODE):
            subject, body = _alert_text(alert)
        subject = header_text(subject)  # the business name is the client's choice: one line
        messages = [
            EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [to], headers={ALERT_HEADER: str(alert.threshold)})
            for to in [*owner_emails(client=alert.client), *settings.OPERATOR_EMAILS]
        ]
        get_connection().send_messages(messages)
    except Exception:
        # Unclaim so the retry (or the sweep) sends it; the alert row itself stays.
        UsageAlert.objects.filter(pk=alert_id).update(emailed_at=None)
        raise
    return True


def _alert_text(alert: UsageAlert) -> tuple[str, str]:
    values = {
        "number": alert.number.phone_number,
        "business": alert.client.business_name,
        "month": alert.month.strftime("%Y-%m"),
        "used": alert.service_messages,
        "allowance": alert.allowance,
    }
    if alert.threshold == UsageAlert.Threshold.WARNING:
        subject = _("%(business)s: 80%% of the free messages of %(number)s used (%(month)s)") % values
        outcome = _("When the allowance is reached the client's policy applies.")
    else:
        subject = _("%(business)s: free messages of %(number)s used up (%(month)s)") % values
        if alert.policy == Client.QuotaPolicy.PAUSE_AI:
            outcome = _("The AI has stopped answering on this number; new conversations wait for a person.")
        else:
            outcome = _("The AI keeps answering; messages beyond the allowance are reported as overage.")
    body = (
        _("%(number)s (%(business)s) has sent %(used)s of its %(allowance)s free messages this month.") % values
        + "\n\n"
        + outcome
        + "\n"
    )
    return subject, body
