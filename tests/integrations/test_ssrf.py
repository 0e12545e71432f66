"""SSRF: endpoints may only be public http(s) URLs. Loopback, private, link-local, multicast and reserved
addresses are refused when an endpoint is created or changed AND when each delivery is made (the name is
resolved again and every address checked; the connection goes to a checked address). With the sandbox on,
local receivers are allowed."""

from __future__ import annotations

import socket

import pytest

from core.exceptions import ApplicationError
from integrations import services
from integrations.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from integrations.urlsafety import UnsafeUrl, check_url
from tests.factories import MessageFactory

pytestmark = pytest.mark.django_db

PUBLIC_V4 = "93.184.215.14"
PUBLIC_V6 = "2606:2800:21f:cb07:6820:80da:af6b:8b2c"


@pytest.fixture
def production_rules(settings):
    settings.WHATSAPP_SANDBOX = False
    return settings


@pytest.fixture
def dns(monkeypatch):
    """Names this test decides the answers for; every other name resolves as usual (localhost included)."""
    answers: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            return [
                (socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))
                for ip in answers[host]
            ]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


REFUSED = [
    "http://127.0.0.1/hook",
    "http://127.8.9.10:8080/hook",
    "http://2130706433/hook",  # 127.0.0.1 written as one number
    "http://0x7f.1/hook",
    "http://localhost:8000/hook",  # a name resolving to loopback
    "http://0.0.0.0/",
    "http://10.0.0.5/",
    "http://172.16.3.4/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",  # carrier-grade NAT
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata (link-local)
    "http://224.0.0.1/",  # multicast
    "http://240.0.0.1/",  # reserved
    "http://255.255.255.255/",
    "http://[::1]/",
    "http://[::]/",
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://[fd12:3456::1]/",
    "http://[ff02::1]/",
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped loopback
    "http://[::ffff:10.0.0.1]/",
    "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
    "http://[2001:db8::1]/",  # documentation range
]


@pytest.mark.parametrize("url", REFUSED)
def test_internal_addresses_are_refused_at_creation(production_rules, number, url):
    with pytest.raises(ApplicationError) as refused:
        services.endpoint_create(client=number.client, url=url, events=["message.received"])
    assert refused.value.code == "address_not_allowed", refused.value.message
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://example.com/hook", "unsupported_scheme"),
        ("file:///etc/passwd", "unsupported_scheme"),
        ("gopher://example.com/", "unsupported_scheme"),
        ("https://user:pass@example.com/hook", "credentials_in_url"),
        ("https:///no-host", "invalid_url"),
        ("http://example.com:99999/", "invalid_url"),
        ("not a url", "unsupported_scheme"),
        ("https://name.invalid/hook", "unresolvable_host"),
    ],
)
def test_malformed_urls_are_refused(production_rules, number, url, code):
    with pytest.raises(ApplicationError) as refused:
        services.endpoint_create(client=number.client, url=url, events=["message.received"])
    assert refused.value.code == code


def test_a_name_is_refused_if_any_of_its_addresses_is_internal(production_rules, number, dns):
    dns["mixed.example.com"] = [PUBLIC_V4, "10.1.2.3"]
    dns["mixed6.example.com"] = [PUBLIC_V6, "fd00::7"]
    dns["public.example.com"] = [PUBLIC_V4, PUBLIC_V6]
    for name in ("mixed.example.com", "mixed6.example.com"):
        with pytest.raises(UnsafeUrl) as refused:
            check_url(f"https://{name}/hook")
        assert refused.value.code == "address_not_allowed"
    target = check_url("https://public.example.com/hook?x=1")
    assert (target.host, target.port, target.path, set(target.addresses)) == (
        "public.example.com",
        443,
        "/hook?x=1",
        {PUBLIC_V4, PUBLIC_V6},
    )
    endpoint, _secret = services.endpoint_create(
        client=number.client, url="https://public.example.com/hook", events=["message.received"]
    )
    assert endpoint.pk
    with pytest.raises(ApplicationError):
        services.endpoint_update(endpoint=endpoint, data={"url": "http://[::1]:8000/"})
    endpoint.refresh_from_db()
    assert endpoint.url == "https://public.example.com/hook"


def test_a_name_that_turns_internal_is_refused_at_delivery_without_connecting(production_rules, number, dns, receiver):
    """DNS rebinding: public when the endpoint was made, the receiver's loopback address when delivering."""
    rx = receiver()
    port = rx.server.server_address[1]
    dns["hooks.example.com"] = [PUBLIC_V4]
    services.endpoint_create(
        client=number.client, url=f"http://hooks.example.com:{port}/hooks", events=["message.received"]
    )
    dns["hooks.example.com"] = ["127.0.0.1"]
    message = MessageFactory(conversation__number=number)
    [delivery_id] = services.events_emit([[number.client_id, "message.received", {"message_id": message.pk}]])

    services.delivery_attempt(delivery_id)

    assert rx.requests == []  # nothing reached the internal address
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert delivery.status == "failed" and "127.0.0.1" in delivery.last_error
    assert WebhookAttempt.objects.get().outcome == "refused"


def test_the_sandbox_allows_local_receivers_over_ipv4_and_ipv6(settings, number, receiver):
    assert settings.WHATSAPP_SANDBOX
    for rx in (receiver(), receiver(host="::1")):
        services.endpoint_create(client=number.client, url=rx.url, events=["message.received"])
    message = MessageFactory(conversation__number=number)
    ids = services.events_emit([[number.client_id, "message.received", {"message_id": message.pk}]])
    for delivery_id in ids:
        services.delivery_attempt(delivery_id)
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"succeeded"}
    assert WebhookDelivery.objects.count() == 2


def test_the_api_refuses_an_internal_url_with_a_clear_400(production_rules, api_for, number):
    api = api_for(number.client)
    response = api.post(
        "/api/v1/webhooks",
        {"url": "http://169.254.169.254/latest/meta-data/", "events": ["message.received"]},
        format="json",
    )
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "address_not_allowed" and "169.254.169.254" in error["message"]
