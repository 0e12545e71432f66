"""`manage.py doctor` against the sandbox over real HTTP: what it finds right, what to fix, and its exit code."""

from __future__ import annotations

from io import StringIO

import pytest
import requests
from django.core.management import call_command

from sandbox.app import app_token
from sandbox.models import SandboxBusinessAccount, SandboxPhoneNumber
from tests.factories import SandboxAccountFactory, SandboxNumberFactory, WhatsAppNumberFactory, connected_number

pytestmark = pytest.mark.django_db(transaction=True)


def doctor(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("doctor", *args, stdout=out, no_color=True)
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code)
    return code, out.getvalue()


def embedded_number(waba_id: str = "100000000000777", token: str = "client-business-token-777"):
    """A client's own WABA from Embedded Signup, with the app subscribed, and its registered number."""
    account = SandboxAccountFactory(
        waba_id=waba_id,
        name="Panadería WABA",
        access_token=token,
        is_operator=False,
        subscribed_apps=[{"whatsapp_business_api_data": {"id": "sandbox-app", "name": "CRM Master", "link": ""}}],
    )
    number = WhatsAppNumberFactory(connection_type="embedded", waba_id=waba_id, business_token=token)
    SandboxNumberFactory(
        account=account, phone_number_id=number.phone_number_id, display_phone_number=number.phone_number.lstrip("+")
    )
    return number


def test_a_correct_setup_passes_with_exit_code_0(sandbox_live):
    hosted = connected_number()
    own = embedded_number()
    code, out = doctor("--lang", "en")
    assert code == 0, out
    assert "[FIX]" not in out and "Everything Meta needs is in place." in out
    assert "[OK] Master token: valid, never expires" in out
    assert f"[OK] App webhook: {sandbox_live}/webhook/whatsapp with every field" in out
    assert "[OK] WABA 100000000000001: the app is subscribed" in out
    assert f"[OK] WABA {own.waba_id}: the app is subscribed" in out
    assert f"[OK] Business token of {own.client.business_name}: valid until" in out  # Embedded Signup: 60 days
    assert f"[OK] Number {hosted.phone_number} ({hosted.client.business_name}): registered, quality GREEN" in out
    assert "[OK] Graph API version: v26.0" in out


def test_each_problem_is_named_with_its_fix_and_the_exit_code_is_1(sandbox_live, settings):
    hosted = connected_number()
    own = embedded_number()
    # The master token lost a permission; the app's webhook points elsewhere and lacks a field; the client's
    # WABA no longer has the app; the hosted number went RED and the client's is no longer registered.
    SandboxBusinessAccount.objects.filter(is_operator=True).update(token_scopes=["whatsapp_business_messaging"])
    graph = f"{sandbox_live}/sandbox/graph/{settings.WHATSAPP_GRAPH_VERSION}"
    auth = {"Authorization": f"Bearer {app_token()}"}
    elsewhere = f"{sandbox_live}/webhook/whatsapp?old=1"  # answers Meta's challenge, so Meta accepts it
    moved = requests.post(
        f"{graph}/sandbox-app/subscriptions",
        headers=auth,
        data={
            "object": "whatsapp_business_account",
            "callback_url": elsewhere,
            "fields": "messages,account_update,phone_number_quality_update,message_template_status_update",
            "verify_token": settings.WHATSAPP_VERIFY_TOKEN,
        },
        timeout=10,
    )
    assert moved.status_code == 200, moved.text
    unsubscribed = requests.delete(
        f"{graph}/{own.waba_id}/subscribed_apps", headers={"Authorization": f"Bearer {own.business_token}"}, timeout=10
    )
    assert unsubscribed.status_code == 200, unsubscribed.text
    SandboxPhoneNumber.objects.filter(phone_number_id=hosted.phone_number_id).update(quality_rating="RED")
    SandboxPhoneNumber.objects.filter(phone_number_id=own.phone_number_id).update(registered=False)

    code, out = doctor("--lang", "en")
    assert code == 1, out
    assert "[FIX] Master token: the token lacks the permissions whatsapp_business_management" in out
    assert "Business Settings > System users" in out
    assert (
        f"[FIX] App webhook: Meta calls {elsewhere}, but this product listens at {sandbox_live}/webhook/whatsapp" in out
    )
    assert "[FIX] App webhook: not subscribed to the fields phone_number_name_update, account_alerts" in out
    assert "[WARNING] App webhook: not subscribed to the recommended fields business_capability_update" in out
    assert f"[FIX] WABA {own.waba_id}: the app is not subscribed" in out
    assert f"POST /{own.waba_id}/subscribed_apps" in out
    assert "[OK] WABA 100000000000001: the app is subscribed" in out
    assert f"[FIX] Number {hosted.phone_number} ({hosted.client.business_name}): quality is RED" in out
    assert f"[FIX] Number {own.phone_number} ({own.client.business_name}): not registered on the Cloud API" in out
    assert f"POST /{own.phone_number_id}/register" in out
    assert "6 to fix" in out


def test_a_revoked_business_token_and_an_expired_graph_version_in_spanish(sandbox_live, settings):
    settings.WHATSAPP_GRAPH_VERSION = "v20.0"
    own = embedded_number()
    own.business_token = "EAAG-revoked-token-meta-no-longer-knows"
    own.save()
    code, out = doctor("--lang", "es")
    assert code == 1, out
    assert "[CORREGIR] Versión de la Graph API: v20.0 dejó de funcionar el 2026-09-24" in out
    assert "Pon WHATSAPP_GRAPH_VERSION en v26.0." in out
    assert "[OK] Token maestro: válido, no vence" in out
    business = f"[CORREGIR] Token de negocio de {own.client.business_name}: el token no es válido: Invalid OAuth"
    assert business in out
    assert "El cliente debe hacer de nuevo el registro insertado (Embedded Signup)" in out


def test_the_language_follows_the_language_variable(sandbox_live, monkeypatch):
    connected_number()
    monkeypatch.setenv("LANGUAGE", "es_CO:es")
    code, out = doctor()
    assert code == 0, out
    assert "Todo lo que Meta necesita está en orden." in out
    monkeypatch.setenv("LANGUAGE", "en")
    assert "Everything Meta needs is in place." in doctor()[1]


def test_a_warning_alone_passes_unless_strict(sandbox_live):
    number = connected_number()
    SandboxPhoneNumber.objects.filter(phone_number_id=number.phone_number_id).update(quality_rating="YELLOW")
    code, out = doctor("--lang", "en")
    assert code == 0 and "[WARNING] Number" in out and "quality is YELLOW" in out
    assert "Nothing to fix; 1 warnings." in out
    assert doctor("--lang", "en", "--strict")[0] == 2


def test_missing_settings_stop_before_asking_meta(settings):
    settings.WHATSAPP_APP_SECRET = ""
    code, out = doctor("--lang", "en")
    assert code == 1
    assert "[FIX] WHATSAPP_APP_SECRET: not set" in out and "App webhook" not in out


def test_an_unknown_language_is_refused():
    with pytest.raises(Exception, match="--lang must be one of es, en"):
        call_command("doctor", "--lang", "fr", stdout=StringIO())
