"""Meta's pricing block, end to end: the sandbox posts signed sent/delivered/read webhooks with pricing after
the AI's reply, statuses.py stores it, and the cost view prices the reply — counted once all the same."""

from decimal import Decimal

import pytest

from billing.costs import cost_report
from billing.models import PriceRule, UsagePeriod
from billing.months import month_start
from tests.support import customer_writes, wait_for
from whatsapp.models import Message

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_reply_is_priced_from_the_status_webhooks(sandbox_live, number, settings):
    settings.SANDBOX_STATUS_WEBHOOKS = True
    PriceRule.objects.create(
        category="service", country_code="*", price_usd=Decimal("0.01"), effective_from="2026-01-01"
    )
    PriceRule.objects.create(
        category="service", country_code="57", price_usd=Decimal("0.02"), effective_from="2026-01-01"
    )

    customer_writes(sandbox_live, number, "Hola")
    assert wait_for(lambda: Message.objects.filter(direction="out", status="read").exists())
    reply = Message.objects.get(direction="out")
    assert (reply.pricing_category, reply.pricing_type) == ("service", "regular")

    usage = UsagePeriod.objects.get(number=number)
    assert usage.service_messages == 1  # three status webhooks, one count
    [line] = cost_report(month=month_start(), client=number.client).lines
    assert (line.category, line.country_code, line.billable, line.meta_cost) == ("service", "57", 1, Decimal("0.02"))
