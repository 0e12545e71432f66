"""Counting outbound messages: categories, exactly once per message, templates settled by Meta's category."""

import pytest

from billing.models import CountedMessage, UsagePeriod
from billing.services import record_outbound_usage, settle_template_categories, usage_record_pricing
from tests.billing.support import accepted_message, send_counted
from tests.factories import ConversationFactory, MessageFactory
from whatsapp.models import Message
from whatsapp.services.outbound import count_accepted_message

pytestmark = pytest.mark.django_db


def period(number) -> UsagePeriod:
    return UsagePeriod.objects.get(number=number)


def test_ai_and_agent_replies_count_as_service_and_templates_do_not(number):
    send_counted(number, 3, sent_by="ai")
    send_counted(number, 2, sent_by="agent")
    send_counted(number, 1, sent_by="system")
    send_counted(number, 4, sent_by="agent", kind="template", payload={"name": "promo", "language": {"code": "es"}})

    usage = period(number)
    assert usage.service_messages == 6
    assert (usage.ai_replies, usage.agent_replies) == (3, 2)
    assert usage.template_messages == 4
    assert usage.template_uncategorized == 4
    assert usage.free_messages_remaining == 1000 - 6
    assert CountedMessage.objects.filter(period=usage).count() == 10


def test_a_message_is_counted_once_however_often_it_is_reported(number):
    message = accepted_message(number)
    assert count_accepted_message(message.pk) is True
    assert count_accepted_message(message.pk) is False  # a retried task or a second status
    message.refresh_from_db()
    assert message.usage_counted is True
    assert period(number).service_messages == 1


def test_the_ledger_refuses_a_second_count_even_without_the_message_flag(number):
    message = accepted_message(number)
    values = {
        "message_id": message.pk,
        "number": number,
        "at": message.sent_at or message.created_at,
        "is_template": False,
        "sent_by": message.sent_by,
        "recipient_wa_id": message.conversation.contact.wa_id,
    }
    assert record_outbound_usage(**values) is True
    assert record_outbound_usage(**values) is False
    assert period(number).service_messages == 1


def test_inbound_messages_do_not_use_the_allowance(number, post_webhook):
    from tests.billing.webhooks import inbound_payload

    post_webhook(inbound_payload(number, "Hola"))
    usage = period(number)
    assert usage.inbound_messages == 1
    assert usage.free_messages_remaining == usage.allowance - usage.service_messages


def test_duplicate_status_webhooks_count_once(number, post_webhook):
    from tests.billing.webhooks import status_payload

    conversation = ConversationFactory(number=number)
    message = MessageFactory(
        conversation=conversation,
        direction=Message.Direction.OUTBOUND,
        status=Message.Status.SENDING,
        sent_by="ai",
        wamid="wamid.STATUS1",
    )
    for status in ("sent", "sent", "delivered", "read", "delivered"):
        assert post_webhook(status_payload(number, message.wamid, status)).status_code == 200
    assert period(number).service_messages == 1
    message.refresh_from_db()
    assert (message.pricing_category, message.pricing_type, message.billable) == ("service", "regular", True)


def test_templates_move_to_meta_category_once_its_status_tells_it(number):
    marketing = send_counted(number, 2, kind="template", sent_by="agent")
    utility = send_counted(number, 1, kind="template", sent_by="agent")
    for message in marketing:
        usage_record_pricing(message_id=message.pk, pricing_category="marketing_lite", pricing_type="", billable=None)
    # A category stored without being settled (e.g. by the data migration) is left for the sweep.
    CountedMessage.objects.filter(pk=utility[0].pk).update(pricing_category="utility")

    assert settle_template_categories() == 1
    assert settle_template_categories() == 0  # a second sweep moves nothing
    usage = period(number)
    assert (usage.template_marketing, usage.template_utility, usage.template_uncategorized) == (2, 1, 0)
    assert usage.template_messages == 3


def test_a_template_whose_category_is_known_is_counted_there_at_once(number):
    send_counted(number, 1, kind="template", sent_by="agent", pricing_category="authentication")
    assert period(number).template_authentication == 1
    assert period(number).service_messages == 0


def test_operator_override_beats_client_default_beats_setting(number, settings):
    settings.DEFAULT_MONTHLY_FREE_MESSAGES = 700
    assert number.monthly_allowance == 700
    number.client.monthly_free_messages = 300
    assert number.monthly_allowance == 300
    number.monthly_free_messages = 50
    number.save()
    send_counted(number, 1)
    assert period(number).allowance == 50
