"""Hosted places in the operator's WhatsApp account: one sign-up cannot fill it, abandoned numbers leave it.

Meta lets a portfolio hold 2 numbers before business verification and counts every number added, verified
or not. These tests replay the attack (one anonymous sign-up adding number after number) over real HTTP
against the sandbox, whose WABA plays Meta's account.
"""

from __future__ import annotations

import importlib
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
import time_machine
from django.apps import apps
from django.conf import settings as django_settings
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from core.beat import schedule
from crm.celery import app as celery_app
from onboarding import tasks
from onboarding.models import HostedReservation
from onboarding.selectors import hosted_capacity
from sandbox.models import SandboxPhoneNumber
from tenants.models import WhatsAppNumber
from tests.onboarding.conftest import new_phone
from whatsapp.client import GraphClient

pytestmark = pytest.mark.django_db(transaction=True)

WABA = django_settings.WHATSAPP_BUSINESS_ACCOUNT_ID


def numbers_in_meta() -> set[str]:
    """The operator WABA's numbers as Meta lists them (E.164)."""
    data = GraphClient.for_operator().list_phone_numbers(WABA, ["display_phone_number"])["data"]
    return {n["display_phone_number"] for n in data}


def otp_requested(api, phone: str) -> bool:
    response = requests.get(f"{api.base_url}/sandbox/api/otp", params={"phone_number": phone}, timeout=10)
    return response.status_code == 200


def test_one_signup_cannot_fill_the_operators_account(api, settings):
    """Attack: one setup code adds number after number; each texts a stranger and stays in the account."""
    settings.WHATSAPP_PORTFOLIO_NUMBER_CAP = 2
    settings.ONBOARDING_MAX_NUMBER_ATTEMPTS = 3
    visitor = api.register()
    tried = [new_phone() for _ in range(3)]
    for phone in tried:
        assert api.add(visitor["setup_code"], phone).status_code == 202
        # Only the latest stays in Meta's account: the one before is deleted there, its place given back.
        assert numbers_in_meta() == {phone}
        assert hosted_capacity().used == 1
    replaced = WhatsAppNumber.objects.get(phone_number=tried[0])
    assert (replaced.status, replaced.phone_number_id) == ("failed", None)

    # The fourth stranger's phone gets nothing: no code, no number, no row.
    fourth = new_phone()
    refused = api.add(visitor["setup_code"], fourth, headers={"Accept-Language": "en"})
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "number_attempts_exhausted"
    assert "too many different numbers" in refused.json()["error"]["message"]
    assert not otp_requested(api, fourth)
    assert not WhatsAppNumber.objects.filter(phone_number=fourth).exists()
    assert numbers_in_meta() == {tried[-1]}
    # Its last number still works, and a real business still gets the other place.
    assert api.verify(visitor["setup_code"], api.otp(tried[-1])).status_code == 200
    shop, _ = api.hosted_onboarding()
    assert hosted_capacity().used == 2
    assert WhatsAppNumber.objects.filter(client_id=shop["client_id"], status="active").exists()


def test_the_cap_is_checked_here_before_meta_and_changes_nothing(api, settings):
    settings.WHATSAPP_PORTFOLIO_NUMBER_CAP = 1
    first = api.register()
    assert api.add(first["setup_code"], new_phone()).status_code == 202  # code sent, not live: holds the place
    second = api.register()
    phone = new_phone()
    response = api.add(second["setup_code"], phone)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "portfolio_cap_reached"
    assert response.json()["error"]["details"] == {"used": 1, "cap": 1}
    assert not WhatsAppNumber.objects.filter(client_id=second["client_id"]).exists()
    assert phone not in numbers_in_meta() and not otp_requested(api, phone)


def test_a_number_meta_refuses_frees_its_place_at_once(api, settings):
    settings.WHATSAPP_PORTFOLIO_NUMBER_CAP = 1
    signup = api.register()
    assert api.add(signup["setup_code"], new_phone("0000")).status_code == 400  # still on WhatsApp
    assert hosted_capacity().used == 0
    assert api.add(api.register()["setup_code"], new_phone()).status_code == 202


def test_a_number_not_live_in_time_is_removed_from_meta_by_the_beat_job(api, settings):
    settings.ONBOARDING_NUMBER_TTL_HOURS = 24
    signup = api.register()
    phone = new_phone()
    assert api.add(signup["setup_code"], phone).status_code == 202
    number = WhatsAppNumber.objects.get(phone_number=phone)
    pnid = number.phone_number_id
    assert tasks.release_expired_numbers() == 0  # not expired yet: kept
    assert phone in numbers_in_meta()

    with time_machine.travel(timezone.now() + timedelta(hours=24, minutes=1), tick=False):
        late = api.verify(signup["setup_code"], api.otp(phone))
        assert late.status_code == 409 and late.json()["error"]["code"] == "number_expired"
        assert not SandboxPhoneNumber.objects.get(phone_number_id=pnid).registered
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False):
        assert tasks.release_expired_numbers() == 1
        assert tasks.release_expired_numbers() == 0  # once
    assert phone not in numbers_in_meta() and not SandboxPhoneNumber.objects.filter(phone_number_id=pnid).exists()
    number.refresh_from_db()
    assert (number.status, number.failure_code, number.phone_number_id) == ("failed", "number_expired", None)
    assert HostedReservation.objects.get(number=number).state == "released"
    assert hosted_capacity().used == 0


def test_the_sweep_is_a_registered_beat_job():
    migration = importlib.import_module("onboarding.migrations.0003_release_schedule")
    schedule(apps, migration.JOBS)
    schedule(apps, migration.JOBS)  # re-running is harmless
    job = PeriodicTask.objects.get(task="onboarding.release_expired_numbers")
    assert job.enabled and (job.crontab.minute, job.crontab.hour) == ("*/15", "*")
    assert "onboarding.release_expired_numbers" in celery_app.tasks


def test_an_abandoned_number_is_removed_at_the_next_run_and_meta_outages_are_retried(api):
    signup = api.register()
    phone = new_phone("5555")  # has another provider's PIN: registration fails for good
    assert api.add(signup["setup_code"], phone).status_code == 202
    assert api.verify(signup["setup_code"], api.otp(phone)).json()["error"]["code"] == "pin_mismatch"
    pnid = WhatsAppNumber.objects.get(phone_number=phone).phone_number_id

    api.fault(phone_number_id=pnid, fail_next=1, error_code=131000, http_status=500)
    assert tasks.release_expired_numbers() == 0  # Meta was down: still held, tried again next time
    assert HostedReservation.objects.get(phone_number=phone).state == "held"
    assert tasks.release_expired_numbers() == 1
    assert phone not in numbers_in_meta()
    number = WhatsAppNumber.objects.get(phone_number=phone)
    assert number.failure_code == "pin_mismatch" and "removed" in number.status_reason  # why it stopped stays


def test_a_live_number_is_never_removed(api):
    _signup, phone = api.hosted_onboarding()
    with time_machine.travel(timezone.now() + timedelta(days=30), tick=False):
        assert tasks.release_expired_numbers() == 0
    assert phone in numbers_in_meta()
    assert HostedReservation.objects.get(phone_number=phone).state == "live"
    assert WhatsAppNumber.objects.get(phone_number=phone).status == "active"


def test_replacing_waits_when_meta_cannot_remove_the_first_number(api):
    signup = api.register()
    first, second = new_phone(), new_phone()
    assert api.add(signup["setup_code"], first).status_code == 202
    api.fault(phone_number_id=WhatsAppNumber.objects.get(phone_number=first).phone_number_id, fail_next=1, error_code=2)
    response = api.add(signup["setup_code"], second)
    assert response.status_code == 503 and response.json()["error"]["code"] == "meta_unavailable"
    assert numbers_in_meta() == {first} and not WhatsAppNumber.objects.filter(phone_number=second).exists()
    assert WhatsAppNumber.objects.get(phone_number=first).status == "code_sent"


def test_the_operator_is_not_bound_by_the_clients_attempts(api, settings):
    settings.ONBOARDING_MAX_NUMBER_ATTEMPTS = 1
    signup = api.register()
    assert api.add(signup["setup_code"], new_phone()).status_code == 202
    assert api.add(signup["setup_code"], new_phone()).status_code == 429
    staff = api.staff_headers()
    body = {"client_id": signup["client_id"], "phone_number": new_phone()}
    assert api.post("/api/register-client-number", body, headers=staff).status_code == 202


def test_the_hosted_page_shows_the_limits_as_form_errors(client, api, settings):
    settings.ONBOARDING_MAX_NUMBER_ATTEMPTS = 1
    signup = client.post("/signup/", {"name": "Ana", "email": "ana@example.com", "business_name": "Ana"}, follow=True)
    hosted = signup.request["PATH_INFO"] + "hosted/"
    assert client.post(hosted, {"phone_number": new_phone()}).status_code == 302
    spanish = client.post(hosted, {"phone_number": new_phone()}, HTTP_ACCEPT_LANGUAGE="es")
    assert spanish.status_code == 200
    assert "Ya intentaste con demasiados números" in spanish.content.decode()
    english = client.post(hosted, {"phone_number": new_phone()}, HTTP_ACCEPT_LANGUAGE="en")
    assert "too many different numbers" in english.content.decode()
    assert WhatsAppNumber.objects.count() == 1


@pytest.mark.postgres
def test_concurrent_signups_cannot_both_take_the_last_place(api, settings):
    """Two sign-ups racing for the last place: the lock on the account row lets exactly one through."""
    settings.WHATSAPP_PORTFOLIO_NUMBER_CAP = 1  # Meta's own cap (20 here) would not stop the second
    signups = [api.register() for _ in range(6)]
    phones = [new_phone() for _ in signups]
    with ThreadPoolExecutor(6) as pool:
        responses = list(pool.map(lambda pair: api.add(pair[0]["setup_code"], pair[1]), zip(signups, phones)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [202, 409, 409, 409, 409, 409], [r.text for r in responses]
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"portfolio_cap_reached"}
    assert len(numbers_in_meta() & set(phones)) == 1
    assert HostedReservation.objects.filter(state="held").count() == 1
