"""Fault injection: the helper API's validation, scoping, delays, and the send task's retries against it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sandbox.models import SandboxFault, SandboxMessage
from sandbox.services import open_window
from tests.factories import ContactFactory, ConversationFactory, connected_number
from tests.sandbox.conftest import live_db
from tests.support import wait_for
from whatsapp.client import GraphClient
from whatsapp.errors import GraphTimeoutError, RateLimitedError, TransientGraphError
from whatsapp.models import Message
from whatsapp.services.outbound import record_outbound_message

pytestmark = live_db

CUSTOMER = "573001112233"


def add_fault(sandbox_api, **body):
    response = sandbox_api("POST", "/api/faults", json=body)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.mark.parametrize(
    "body, status",
    [
        ({"fail_next": 0, "error_code": 131000}, 400),
        ({"fail_next": "two", "error_code": 131000}, 400),
        ({"error_code": "abc"}, 400),
        ({"fail_next": 1}, 400),  # neither an error nor a delay
        ({"error_code": 131000, "http_status": 200}, 400),
        ({"error_code": 131000, "http_status": 700}, 400),
        ({"delay_ms": -5}, 400),
        ({"delay_ms": 10**9}, 400),
        ({"phone_number_id": "404", "error_code": 131000}, 404),
        ({"fail_ratio": 0, "duration_s": 30, "error_code": 131000}, 400),
        ({"fail_ratio": 1.5, "duration_s": 30, "error_code": 131000}, 400),
        ({"fail_ratio": "0.2", "duration_s": 30, "error_code": 131000}, 400),
        ({"fail_ratio": True, "duration_s": 30, "error_code": 131000}, 400),
        ({"fail_ratio": 0.2, "error_code": 131000}, 400),  # a share needs a duration
        ({"fail_ratio": 0.2, "duration_s": 0, "error_code": 131000}, 400),
        ({"fail_ratio": 0.2, "duration_s": 3601, "error_code": 131000}, 400),
        ({"fail_ratio": 0.2, "duration_s": 30, "fail_next": 3, "error_code": 131000}, 400),
        ({"duration_s": 30, "error_code": 131000}, 400),  # a duration without a share
        ({"fail_ratio": 0.2, "duration_s": 30}, 400),  # neither an error nor a delay
    ],
)
@pytest.mark.django_db
def test_bad_faults_are_refused_and_change_nothing(client, body, status):
    response = client.post("/sandbox/api/faults", data=body, content_type="application/json")
    assert response.status_code == status
    assert response.json()["error"]["code"] in ("invalid", "unknown_number")
    assert not SandboxFault.objects.exists()


def test_fault_list_defaults_and_clearing(sandbox_api, number):
    assert sandbox_api("POST", "/api/faults", data="[").status_code == 400
    created = add_fault(sandbox_api, phone_number_id=number.phone_number_id, error_code=130429)
    assert (created["fail_next"], created["http_status"]) == (1, 400)  # Meta throttles with HTTP 400
    assert add_fault(sandbox_api, error_code=131000)["http_status"] == 500
    assert add_fault(sandbox_api, error_code=190)["http_status"] == 401
    assert len(sandbox_api("GET", "/api/faults").json()["results"]) == 3
    cleared = sandbox_api("DELETE", "/api/faults", params={"phone_number_id": number.phone_number_id})
    assert cleared.json() == {"cleared": 1}
    assert sandbox_api("DELETE", "/api/faults").json() == {"cleared": 2}
    assert sandbox_api("GET", "/api/faults").json() == {"results": []}


def test_a_number_fault_hits_only_that_number_and_counts_down(operator, sandbox_api, number):
    other = connected_number()
    for pnid in (number.phone_number_id, other.phone_number_id):
        open_window(phone_number_id=pnid, wa_id=CUSTOMER)
    add_fault(sandbox_api, phone_number_id=number.phone_number_id, fail_next=2, error_code=130429)
    assert operator.send_text(other.phone_number_id, CUSTOMER, "Hola")["messages"]
    for _ in range(2):
        with pytest.raises(RateLimitedError) as error:
            operator.send_text(number.phone_number_id, CUSTOMER, "Hola")
        assert error.value.code == 130429
    assert operator.send_text(number.phone_number_id, CUSTOMER, "Hola")["messages"]
    assert not SandboxFault.objects.exists()


def test_a_ratio_fault_fails_that_share_of_calls_until_it_expires(operator, sandbox_api, number):
    other = connected_number()
    created = add_fault(
        sandbox_api, phone_number_id=number.phone_number_id, fail_ratio=0.3, duration_s=30, error_code=131000
    )
    assert (created["fail_next"], created["fail_ratio"], created["http_status"], created["injected"]) == (
        None,
        0.3,
        500,
        0,
    )
    assert created["active_until"]
    failures = 0
    for _ in range(80):
        try:
            operator.get_phone_number(number.phone_number_id)
        except TransientGraphError as error:
            assert (error.code, error.http_status) == (131000, 500)
            failures += 1
    assert 0 < failures < 80  # about 24 expected; all-or-nothing has odds below 1e-12
    for _ in range(10):
        assert operator.get_phone_number(other.phone_number_id)["status"] == "CONNECTED"  # other numbers untouched
    [listed] = sandbox_api("GET", "/api/faults").json()["results"]
    assert (listed["id"], listed["injected"]) == (created["id"], failures)
    SandboxFault.objects.update(active_until=timezone.now() - timedelta(seconds=1))  # its 30 s are over
    for _ in range(20):
        assert operator.get_phone_number(number.phone_number_id)["status"] == "CONNECTED"
    assert sandbox_api("GET", "/api/faults").json() == {"results": []}
    assert sandbox_api("DELETE", "/api/faults").json() == {"cleared": 1}  # expired rows are still cleared


def test_countdown_faults_go_before_a_ratio_fault(operator, sandbox_api, number):
    add_fault(sandbox_api, fail_ratio=1, duration_s=60, error_code=2, http_status=503)
    add_fault(sandbox_api, phone_number_id=number.phone_number_id, fail_next=1, error_code=130429)
    with pytest.raises(RateLimitedError):
        operator.get_phone_number(number.phone_number_id)
    for _ in range(3):
        with pytest.raises(TransientGraphError) as error:
            operator.get_phone_number(number.phone_number_id)
        assert error.value.http_status == 503
    assert [f["injected"] for f in sandbox_api("GET", "/api/faults").json()["results"]] == [3]


def test_a_global_fault_hits_any_call_and_keeps_its_message(operator, sandbox_api, number):
    add_fault(sandbox_api, error_code=2, http_status=503, message="Service temporarily unavailable (sandbox)")
    with pytest.raises(TransientGraphError) as error:
        operator.list_templates(number.waba_id)
    assert (error.value.code, error.value.http_status) == (2, 503)
    assert error.value.message == "Service temporarily unavailable (sandbox)"


def test_a_delay_longer_than_the_client_timeout_is_a_timeout(sandbox_api, number):
    add_fault(sandbox_api, phone_number_id=number.phone_number_id, delay_ms=600)
    with pytest.raises(GraphTimeoutError):
        GraphClient("sandbox-master-token", timeout=0.2).get_phone_number(number.phone_number_id)
    add_fault(sandbox_api, phone_number_id=number.phone_number_id, delay_ms=50)  # a short delay still answers
    assert GraphClient("sandbox-master-token").get_phone_number(number.phone_number_id)["status"] == "CONNECTED"


def _conversation(number):
    contact = ContactFactory(client=number.client, wa_id=CUSTOMER)
    open_window(phone_number_id=number.phone_number_id, wa_id=CUSTOMER)
    return ConversationFactory(number=number, contact=contact)


def test_send_task_retries_a_transient_fault_and_sends_exactly_once(sandbox_live, sandbox_api, number, settings):
    settings.WHATSAPP_RETRY_BACKOFF_MAX = 1
    add_fault(sandbox_api, phone_number_id=number.phone_number_id, fail_next=1, error_code=131000)
    message = record_outbound_message(conversation=_conversation(number), text="Ya te ayudo", sent_by="agent")
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 2)
    [sent] = SandboxMessage.objects.filter(direction="out")
    assert (sent.wamid, sent.text) == (message.wamid, "Ya te ayudo")


def test_send_task_records_a_permanent_fault_on_the_message(sandbox_live, sandbox_api, number):
    add_fault(sandbox_api, phone_number_id=number.phone_number_id, error_code=131026)
    message = record_outbound_message(conversation=_conversation(number), text="Hola", sent_by="agent")
    message.refresh_from_db()
    assert (message.status, message.error_code, message.attempts) == ("failed", "131026", 1)
    assert not SandboxMessage.objects.filter(direction="out").exists()
    assert Message.objects.filter(status="sent").count() == 0


def test_window_closed_is_reported_after_the_fact_without_a_fault(sandbox_live, number, settings):
    """Like Meta, the sandbox accepts a free-form send outside the window, then posts a failed 131047 status."""
    settings.SANDBOX_STATUS_WEBHOOKS = True
    contact = ContactFactory(client=number.client, wa_id="573005550000")
    message = record_outbound_message(conversation=ConversationFactory(number=number, contact=contact), text="Hola")
    assert wait_for(lambda: Message.objects.get(pk=message.pk).status == "failed")
    message.refresh_from_db()
    assert message.error_code == "131047" and message.wamid.startswith("wamid.")
    assert wait_for(lambda: SandboxMessage.objects.get(wamid=message.wamid).status == "failed")
