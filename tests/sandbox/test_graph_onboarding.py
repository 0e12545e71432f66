"""Onboarding endpoints through the product's GraphClient over real HTTP: hosted flow, Embedded Signup, tokens."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from sandbox.models import SandboxAuthCode, SandboxPhoneNumber
from tests.sandbox.conftest import live_db
from whatsapp.client import GraphClient
from whatsapp.errors import AuthenticationError, PermanentGraphError

pytestmark = live_db

WABA = settings.WHATSAPP_BUSINESS_ACCOUNT_ID


def otp(sandbox_api, phone_number):
    response = sandbox_api("GET", "/api/otp", params={"phone_number": phone_number})
    assert response.status_code == 200, response.text
    return response.json()["code"]


def test_hosted_flow_add_verify_register_and_read_fields(operator, sandbox_api):
    pnid = operator.add_phone_number(WABA, "57", "3001112233", "Tienda Ana")["id"]
    assert operator.add_phone_number(WABA, "57", "3001112233", "Tienda Ana")["id"] == pnid  # same id back
    assert operator.get_phone_number(pnid)["status"] == "PENDING"

    assert operator.request_code(pnid, method="SMS", language="es") == {"success": True}
    code = otp(sandbox_api, "+573001112233")
    assert len(code) == 6 and code.isdigit()
    with pytest.raises(PermanentGraphError) as wrong:
        operator.verify_code(pnid, "000000" if code != "000000" else "111111")
    assert wrong.value.code == 136025
    assert operator.verify_code(pnid, code) == {"success": True}
    assert operator.register(pnid, "246810") == {"success": True}

    fields = operator.get_phone_number(pnid)
    assert fields["status"] == "CONNECTED"
    assert fields["display_phone_number"] == "+573001112233"
    assert fields["code_verification_status"] == "VERIFIED"
    assert fields["quality_rating"] == "GREEN"
    assert fields["name_status"] == "APPROVED"
    assert fields["whatsapp_business_manager_messaging_limit"] == "TIER_2K"
    assert fields["throughput"] == {"level": "STANDARD"}
    listed = operator.list_phone_numbers(WABA, ["display_phone_number", "status"])["data"]
    assert {"id": pnid, "display_phone_number": "+573001112233", "status": "CONNECTED"} in listed

    assert operator.deregister(pnid) == {"success": True}
    assert operator.get_phone_number(pnid, ["status"]) == {"id": pnid, "status": "DISCONNECTED"}


def test_request_code_needs_a_valid_method_and_unknown_fields_are_refused(operator):
    pnid = operator.add_phone_number(WABA, "57", "3001112244", "Tienda")["id"]
    with pytest.raises(PermanentGraphError) as error:
        operator.request_code(pnid, method="PIGEON")
    assert error.value.code == 100
    with pytest.raises(PermanentGraphError) as error:
        operator.get_phone_number(pnid, ["favourite_colour"])
    assert error.value.code == 100


def test_five_wrong_codes_lock_verification_with_133008(operator, sandbox_api):
    pnid = operator.add_phone_number(WABA, "57", "3002223344", "Tienda")["id"]
    operator.request_code(pnid)
    code = otp(sandbox_api, "+573002223344")
    wrong = "999999" if code != "999999" else "888888"
    for _ in range(5):
        with pytest.raises(PermanentGraphError) as error:
            operator.verify_code(pnid, wrong)
        assert error.value.code == 136025
    with pytest.raises(PermanentGraphError) as error:
        operator.verify_code(pnid, code)  # even the right code: too many attempts
    assert error.value.code == 133008
    operator.request_code(pnid)  # a new code starts over
    assert operator.verify_code(pnid, otp(sandbox_api, "+573002223344")) == {"success": True}


def test_register_before_verification_and_pin_mismatch(operator, sandbox_api):
    pnid = operator.add_phone_number(WABA, "57", "3005555555", "Tienda")["id"]  # ends in 5555: has PIN 555555
    with pytest.raises(PermanentGraphError) as error:
        operator.register(pnid, "123456")
    assert error.value.code == 133006
    operator.request_code(pnid)
    operator.verify_code(pnid, otp(sandbox_api, "+573005555555"))
    with pytest.raises(PermanentGraphError) as error:
        operator.register(pnid, "123456")
    assert error.value.code == 133005
    with pytest.raises(PermanentGraphError) as error:
        operator.register(pnid, "12ab")
    assert error.value.code == 100
    assert operator.register(pnid, "555555") == {"success": True}


def test_number_still_on_whatsapp_is_not_eligible(operator):
    with pytest.raises(PermanentGraphError) as error:
        operator.add_phone_number(WABA, "57", "3009990000", "Tienda")
    assert error.value.code == 100
    assert "still registered on WhatsApp" in error.value.details
    assert not SandboxPhoneNumber.objects.filter(display_phone_number="573009990000").exists()


def test_unverified_portfolio_holds_two_numbers(operator, settings):
    settings.SANDBOX_OPERATOR_VERIFIED = False  # the operator account is created on first use
    operator.add_phone_number(WABA, "57", "3000000011", "Uno")
    operator.add_phone_number(WABA, "57", "3000000012", "Dos")
    with pytest.raises(PermanentGraphError) as error:
        operator.add_phone_number(WABA, "57", "3000000013", "Tres")
    assert error.value.code == 100
    assert "limit of 2 phone numbers" in error.value.details
    pnid = operator.list_phone_numbers(WABA)["data"][0]["id"]
    assert operator.get_phone_number(pnid)["whatsapp_business_manager_messaging_limit"] == "TIER_250"


def test_deleting_a_number_frees_its_place_in_the_portfolio(operator, embedded_number, settings):
    settings.SANDBOX_OPERATOR_VERIFIED = False
    first = operator.add_phone_number(WABA, "57", "3000000021", "Uno")["id"]
    operator.add_phone_number(WABA, "57", "3000000022", "Dos")
    with pytest.raises(PermanentGraphError):
        operator.add_phone_number(WABA, "57", "3000000023", "Tres")
    token, _, es_pnid = embedded_number()
    with pytest.raises(PermanentGraphError) as refused:
        GraphClient(token).delete_phone_number(first)  # only the owning account's token may delete it
    assert refused.value.code == 200

    assert operator.delete_phone_number(first) == {"success": True}
    assert first not in {n["id"] for n in operator.list_phone_numbers(WABA)["data"]}
    with pytest.raises(PermanentGraphError) as gone:
        operator.get_phone_number(first)
    assert gone.value.code == 100
    assert operator.add_phone_number(WABA, "57", "3000000023", "Tres")["id"]  # the place is free again
    assert len(operator.list_phone_numbers(WABA)["data"]) == 2
    assert GraphClient(token).get_phone_number(es_pnid)["id"] == es_pnid


def test_tokens_are_checked_per_account(operator, embedded_number):
    token, waba_id, es_pnid = embedded_number()
    hosted_pnid = operator.add_phone_number(WABA, "57", "3001231234", "Hosted")["id"]
    for client, node in [(GraphClient("not-a-token"), hosted_pnid), (GraphClient(""), es_pnid)]:
        with pytest.raises(AuthenticationError) as error:
            client.get_phone_number(node)
        assert (error.value.code, error.value.http_status) == (190, 401)
    # A valid token of another business: like Meta, 100 on reads (the object "does not exist"), 200 on writes.
    for client, node in [
        (GraphClient(token), hosted_pnid),  # a client's token on the operator's number
        (operator, es_pnid),  # the master token on a client's own number
        (operator, waba_id),
    ]:
        with pytest.raises(PermanentGraphError) as error:
            client.get_phone_number(node) if node != waba_id else client.list_subscribed_apps(node)
        assert (error.value.code, error.value.http_status) == (100, 400)
    with pytest.raises(PermanentGraphError) as error:
        GraphClient(token).send_text(hosted_pnid, "+573001112233", "Hola")
    assert (error.value.code, error.value.http_status) == (200, 403)
    assert GraphClient(token).get_phone_number(es_pnid)["status"] == "CONNECTED"
    with pytest.raises(PermanentGraphError) as error:
        operator.get_phone_number("123456789")  # a known token, an object that does not exist
    assert error.value.code == 100


def test_one_client_token_cannot_touch_another_clients_account(embedded_number):
    token_a, waba_a, pnid_a = embedded_number("+573105550111", "Cliente A")
    token_b, waba_b, pnid_b = embedded_number("+573105550222", "Cliente B")
    a, b = GraphClient(token_a), GraphClient(token_b)
    for call in (
        lambda: a.get_phone_number(pnid_b),
        lambda: a.list_subscribed_apps(waba_b),
        lambda: a.register(pnid_b, "123456"),
        lambda: a.list_templates(waba_b),
        lambda: a.upload_media(pnid_b, b"x", "text/plain"),
    ):
        with pytest.raises(PermanentGraphError) as error:
            call()
        assert error.value.code in (100, 200)  # Meta's answers to a valid token on another business's object
    assert b.get_phone_number(pnid_b)["id"] == pnid_b and a.get_phone_number(pnid_a)["id"] == pnid_a
    assert b.request("DELETE", f"{waba_b}/subscribed_apps") == {"success": True}  # B unsubscribes only itself
    assert b.list_subscribed_apps(waba_b) == {"data": []}
    assert len(a.list_subscribed_apps(waba_a)["data"]) == 1


def test_embedded_signup_code_exchange_subscribe_and_register(sandbox_api):
    signup = sandbox_api(
        "POST", "/api/embedded-signup", json={"business_name": "Café Luna", "phone_number": "+573157770001"}
    )
    assert signup.status_code == 201
    ids = signup.json()
    assert set(ids) == {"code", "waba_id", "phone_number_id", "business_id"}
    assert ids["waba_id"].isdigit() and ids["phone_number_id"].isdigit() and ids["business_id"].isdigit()

    exchanged = GraphClient("").exchange_code(ids["code"])
    assert exchanged["token_type"] == "bearer" and exchanged["expires_in"] == 5183944
    client = GraphClient(exchanged["access_token"])
    assert client.list_subscribed_apps(ids["waba_id"]) == {"data": []}
    assert client.subscribe_app(ids["waba_id"]) == {"success": True}
    apps = client.list_subscribed_apps(ids["waba_id"])["data"]
    assert apps[0]["whatsapp_business_api_data"]["id"] == settings.WHATSAPP_APP_ID
    fields = client.get_phone_number(ids["phone_number_id"])
    assert (fields["code_verification_status"], fields["status"]) == ("VERIFIED", "PENDING")
    assert client.register(ids["phone_number_id"], "654321") == {"success": True}
    assert client.get_phone_number(ids["phone_number_id"], ["status"])["status"] == "CONNECTED"

    with pytest.raises(PermanentGraphError) as used:
        GraphClient("").exchange_code(ids["code"])
    assert used.value.code == 100 and "has been used" in used.value.message


def test_code_exchange_errors(sandbox_api):
    make = {"business_name": "Taller", "phone_number": "+573157770002"}
    code = sandbox_api("POST", "/api/embedded-signup", json=make).json()["code"]
    SandboxAuthCode.objects.filter(code=code).update(created_at=timezone.now() - timedelta(seconds=31))
    with pytest.raises(PermanentGraphError) as expired:
        GraphClient("").exchange_code(code)
    assert (expired.value.code, expired.value.message) == (100, "This authorization code has expired.")
    with pytest.raises(PermanentGraphError) as unknown:
        GraphClient("").exchange_code("AQnot-a-code")
    assert unknown.value.code == 100

    fresh = sandbox_api("POST", "/api/embedded-signup", json=make).json()  # again: the same account reconnects
    wrong = {"client_id": settings.WHATSAPP_APP_ID, "client_secret": "wrong-secret", "code": fresh["code"]}
    with pytest.raises(PermanentGraphError) as secret:
        GraphClient("").request("GET", "oauth/access_token", params=wrong, authenticated=False)
    assert (secret.value.code, secret.value.message) == (101, "Error validating client secret.")
    assert GraphClient("").exchange_code(fresh["code"])["access_token"]  # the code was not spent by the failure


def test_embedded_signup_api_validates_input(sandbox_api, operator):
    assert sandbox_api("POST", "/api/embedded-signup", data="nope").status_code == 400
    bad = sandbox_api("POST", "/api/embedded-signup", json={"business_name": "", "phone_number": "+573001"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"
    not_eligible = sandbox_api(
        "POST", "/api/embedded-signup", json={"business_name": "X", "phone_number": "+573000000000"}
    )
    assert not_eligible.status_code == 400
    operator.add_phone_number(WABA, "57", "3004445566", "Hosted")
    taken = sandbox_api("POST", "/api/embedded-signup", json={"business_name": "X", "phone_number": "+573004445566"})
    assert taken.status_code == 400 and "operator" in taken.json()["error"]["message"]


@pytest.mark.django_db
def test_otp_api_errors(client):
    assert client.get("/sandbox/api/otp").status_code == 400
    missing = client.get("/sandbox/api/otp", {"phone_number": "+571234567890"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_webhook_override_and_pin_change(operator, embedded_number):
    token, _, pnid = embedded_number("+573105550202")
    client = GraphClient(token)
    assert client.set_webhook_override(pnid, "https://example.com/hook", "v") == {"success": True}
    config = client.get_phone_number(pnid, ["webhook_configuration"])["webhook_configuration"]
    assert config["phone_number"] == "https://example.com/hook"
    assert client.update_phone_number(pnid, pin="111222") == {"success": True}
    assert SandboxPhoneNumber.objects.get(phone_number_id=pnid).pin == "111222"
    with pytest.raises(PermanentGraphError):
        client.update_phone_number(pnid, pin="1")


@pytest.mark.postgres
def test_concurrent_adds_and_signups_of_one_number_agree(operator, sandbox_api):
    with ThreadPoolExecutor(6) as pool:
        ids = set(pool.map(lambda _: operator.add_phone_number(WABA, "57", "3006660001", "Tienda")["id"], range(6)))
        signups = list(
            pool.map(
                lambda _: sandbox_api(
                    "POST", "/api/embedded-signup", json={"business_name": "B", "phone_number": "+573006660002"}
                ),
                range(6),
            )
        )
    assert len(ids) == 1
    assert {s.status_code for s in signups} == {201}
    assert len({s.json()["phone_number_id"] for s in signups}) == 1
    assert SandboxPhoneNumber.objects.filter(display_phone_number__in=["573006660001", "573006660002"]).count() == 2
