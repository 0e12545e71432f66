"""Cost control of the paid model: per-client and operator monthly budgets (tokens, USD) with the allowance's
two policies, the per-client model override, and the use shown on the operator's dashboard. The model is the
local OpenAI-compatible server (real SDK, real HTTP); every call costs 321 + 45 tokens."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from ai.budget import budget_exceeded
from ai.models import AiReplyLog
from ai.replies import BUDGET_REASON
from ai.services import preview_reply
from sandbox.services import open_window
from tenants.models import Client
from tests.ai.support import inbound, load_faq, text
from tests.factories import ClientFactory, PersonaFactory, UserFactory
from whatsapp.models import Conversation, Message

pytestmark = pytest.mark.django_db

CALL_TOKENS = 321 + 45
PAUSE, ALLOW = Client.QuotaPolicy.PAUSE_AI, Client.QuotaPolicy.ALLOW_OVERAGE


def shop(name: str = "Clínica Uno", **fields) -> Client:
    client = ClientFactory(business_name=name, **fields)
    PersonaFactory(client=client, business_hours="Lunes a viernes de 8 a 18")
    load_faq(client)
    return client


def ask(client: Client, message: str = "¿tienen parqueadero?"):
    return preview_reply(client=client, message=message)


@pytest.mark.parametrize("budget", [{"ai_monthly_tokens": 2 * CALL_TOKENS}, {"ai_monthly_cost_usd": Decimal("6.00")}])
def test_pause_policy_stops_calling_the_model_once_the_budget_is_crossed(use_openai, settings, budget):
    settings.OPENAI_PRICE_INPUT_PER_MTOK, settings.OPENAI_PRICE_OUTPUT_PER_MTOK = 10_000, 0  # 3.21 USD a call
    client = shop(ai_budget_policy=PAUSE, **budget)

    first, second = ask(client), ask(client)  # 366 then 732 tokens, 3.21 then 6.42 USD: the second crosses
    assert (first.provider, second.provider) == ("openai", "openai")
    third = ask(client)

    assert len(use_openai.requests) == 2  # the model was not called for the third
    assert (third.handoff, third.reason, third.provider) == (True, BUDGET_REASON, "rules")
    assert third.text  # a polite note that a person answers


def test_allow_policy_keeps_answering_past_the_budget(use_openai):
    client = shop(ai_monthly_tokens=CALL_TOKENS, ai_budget_policy=ALLOW)

    drafts = [ask(client) for _ in range(3)]

    assert len(use_openai.requests) == 3
    assert all(d.provider == "openai" and not d.handoff for d in drafts)


def test_one_clients_spend_never_pauses_another(use_openai):
    spender = shop("Clínica Uno", ai_monthly_tokens=CALL_TOKENS, ai_budget_policy=PAUSE)
    other = shop("Clínica Dos", ai_monthly_tokens=CALL_TOKENS, ai_budget_policy=PAUSE)
    ask(spender)
    assert ask(spender).reason == BUDGET_REASON
    assert ask(other).provider == "openai"


def test_the_budget_month_starts_at_midnight_in_time_zone_whatever_zone_is_active():
    client = shop(ai_monthly_tokens=10, ai_budget_policy=PAUSE)
    log = AiReplyLog.objects.create(client=client, provider="openai", prompt_tokens=10, completion_tokens=0)
    bogota = ZoneInfo("America/Bogota")
    AiReplyLog.objects.filter(pk=log.pk).update(created_at=datetime(2026, 1, 31, 23, 59, 59, 999000, tzinfo=bogota))
    timezone.activate(ZoneInfo("Asia/Tokyo"))  # already February there
    try:
        assert budget_exceeded(client=client, now=datetime(2026, 1, 31, 23, 59, 59, 999000, tzinfo=bogota))
        assert budget_exceeded(client=client, now=datetime(2026, 2, 1, tzinfo=bogota)) is None
    finally:
        timezone.deactivate()


def test_last_months_spend_does_not_count(use_openai):
    client = shop(ai_monthly_tokens=CALL_TOKENS, ai_budget_policy=PAUSE)
    ask(client)
    AiReplyLog.objects.filter(client=client).update(created_at=timezone.now() - timedelta(days=40))
    assert ask(client).provider == "openai"


@pytest.mark.parametrize(("policy", "paused"), [("pause_ai", True), ("allow_overage", False)])
def test_the_operator_budget_counts_every_client_together(use_openai, settings, policy, paused):
    settings.AI_OPERATOR_MONTHLY_TOKENS, settings.AI_OPERATOR_BUDGET_POLICY = 2 * CALL_TOKENS, policy
    settings.AI_OPERATOR_SPEND_CACHE_SECONDS = 0
    one, two = shop("Clínica Uno"), shop("Clínica Dos")
    ask(one)
    assert ask(two).provider == "openai"  # 732 tokens now, over the operator's 732

    third = ask(one)

    assert (third.reason == BUDGET_REASON, third.handoff) == (paused, paused)
    assert len(use_openai.requests) == (2 if paused else 3)


def test_the_offline_provider_is_never_paused(settings):
    client = shop(ai_monthly_tokens=1, ai_budget_policy=PAUSE)
    AiReplyLog.objects.create(client=client, provider="openai", prompt_tokens=10, completion_tokens=10)
    draft = ask(client)
    assert (draft.provider, draft.handoff) == ("offline", False)  # costs nothing: no budget applies


def test_a_clients_model_override_is_the_model_called_and_priced(use_openai):
    client = shop(ai_model="gpt-4.1-mini")
    default = shop("Clínica Dos")

    ask(client)
    ask(default)

    assert [r["model"] for r in use_openai.requests] == ["gpt-4.1-mini", "gpt-4o-mini"]
    log = AiReplyLog.objects.get(client=client)
    assert log.model == "gpt-4.1-mini"
    assert log.estimated_cost == Decimal("0.000200")  # 321 × 0.40 + 45 × 1.60 per million


@pytest.mark.django_db(transaction=True)
def test_a_paused_client_hands_the_conversation_to_people(sandbox_live, post_webhook, number, use_openai):
    client = number.client
    client.ai_monthly_tokens, client.ai_budget_policy = 0, PAUSE
    client.save()
    PersonaFactory(client=client)
    load_faq(client)
    open_window(phone_number_id=number.phone_number_id, wa_id="573001112233")

    assert post_webhook(inbound(number, text("¿tienen parqueadero?"))).status_code == 200

    assert use_openai.requests == []
    conversation = Conversation.objects.get()
    assert (conversation.owner, conversation.handoff_reason) == ("human", BUDGET_REASON)
    assert Message.objects.filter(direction="out").count() == 1  # the polite note, not a model answer


def test_the_dashboard_shows_each_clients_ai_use_and_budget(client, use_openai):
    capped = shop("Clínica Uno", ai_monthly_tokens=CALL_TOKENS, ai_budget_policy=PAUSE, ai_model="gpt-4o")
    free = shop("Clínica Dos")
    ask(capped)
    ask(free)
    ask(free)

    client.force_login(UserFactory(is_staff=True))
    rows = {r["client_id"]: r for r in client.get("/api/dashboard/metrics").json()["results"]}
    assert (rows[capped.pk]["ai_tokens"], rows[free.pk]["ai_tokens"]) == (CALL_TOKENS, 2 * CALL_TOKENS)
    assert rows[capped.pk]["ai_model"] == "gpt-4o"
    assert rows[capped.pk]["ai_budget"] == {
        "tokens": CALL_TOKENS,
        "cost_usd": None,
        "percent_used": 100,
        "exceeded": True,
        "policy": "pause_ai",
    }
    assert rows[free.pk]["ai_budget"]["percent_used"] is None
    assert rows[free.pk]["ai_cost_usd"] == pytest.approx(2 * 0.000075)

    page = client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    table = page.split('id="ai-use-table"')[1].split("</table>")[0]
    capped_row = table.split(f'data-client="{capped.pk}"')[1].split("</tr>")[0]
    assert "gpt-4o" in capped_row and str(CALL_TOKENS) in capped_row and "paused" in capped_row
    assert capped_row.startswith(' class="over-budget"')
    free_row = table.split(f'data-client="{free.pk}"')[1].split("</tr>")[0]
    assert "no limit" in free_row and "over-budget" not in free_row
