"""Every URL that captures something, enumerated from Django's resolver, aimed at another client's object.

Client B's owner (logged in to the portal, with an API token, or with B's API key, as each route takes)
asks for client A's conversation, knowledge entry, number, API key, stats, setup code… with every method:
the methods the route accepts answer what design.md promises for another client's object (404, never a 403
that confirms it exists), the others 405, the answer never shows A's data, and none of A's rows changes.

`CASES` says, per route, how to build A's object and what to send. A route that captures a value and is
in neither `CASES`, `OPERATOR_ONLY` nor `EXEMPT` fails `test_every_route_with_a_parameter_is_covered`:
a new URL fails until it is covered here. Operator-only routes are requested by B's owner too, and must
refuse them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from onboarding.services import issue_setup_code
from tests.security.tenancy import Tenant, client_rows, make_tenant

pytestmark = pytest.mark.django_db

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
NO_SUCH_ID = "987654321"


@dataclass(frozen=True)
class Route:
    key: str  # the route's namespaced name, or its pattern when it has none
    pattern: str  # the full pattern, includes joined
    params: tuple[str, ...]

    def url(self, values: dict[str, str]) -> str:
        """The pattern with each captured parameter replaced by its value."""
        path = self.pattern
        for name in self.params:
            value = values[name]
            path = re.sub(rf"<(?:\w+:)?{name}>", value, path)
            path = re.sub(rf"\(\?P<{name}>[^)]*\)", value, path)
        return "/" + path.replace("^", "").replace("$", "")


def _captured(pattern) -> list[str]:
    if isinstance(pattern, RoutePattern):
        return list(pattern.converters)
    return list(pattern.regex.groupindex)


def _walk(patterns, prefix: str = "", namespace: str | None = None, params: tuple = ()) -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(
                entry.url_patterns, prefix + str(entry.pattern), inner, params + tuple(_captured(entry.pattern))
            )
        elif isinstance(entry, URLPattern):
            full = prefix + str(entry.pattern)
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            key = name or (f"{namespace}:{full}" if namespace else full)
            yield Route(key, full, params + tuple(_captured(entry.pattern)))


def routes_with_parameters() -> list[Route]:
    return [route for route in _walk(get_resolver().url_patterns) if route.params]


# --- what to aim at --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    """How to reach client A's object on one route, and what the route accepts."""

    build: Callable[[Tenant], dict[str, str]]  # A → the URL's parameters
    methods: tuple[str, ...]  # the methods the route accepts; every other one must be 405
    callers: tuple[str, ...] = ("session",)  # how B calls: portal session, API token, API key
    data: dict = field(default_factory=dict)  # a body the view would act on if the object were B's
    expect: int = 404
    api: bool = False  # JSON bodies (the REST API) rather than form posts (pages)


API_CALLERS = ("token", "key", "session")


def conversation(a: Tenant) -> dict[str, str]:
    return {"conversation_id": str(a.conversation.pk)}


def message(a: Tenant) -> dict[str, str]:
    from django.core.files.base import ContentFile

    a.message.media_file.save(f"{a.client.pk}/{a.message.uuid}.png", ContentFile(b"A's photo"), save=False)
    a.message.media_mime = "image/png"
    a.message.save(update_fields=["media_file", "media_mime"])
    return {"message_id": str(a.message.pk)}


def contact(a: Tenant) -> dict[str, str]:
    return {"contact_id": str(a.conversation.contact_id)}


def entry(a: Tenant) -> dict[str, str]:
    return {"entry_id": str(a.entry.pk)}


def setup_code(a: Tenant) -> dict[str, str]:
    # A is live, so its setup code is retired (docs/security.md, "A setup code that outlives onboarding"):
    # the code is a bearer credential, not an object id, and once A is live it opens nothing for anybody
    # but the browser that onboarded A. B's owner, logged in, gets 410 `setup_code_used`.
    return {"setup_code": issue_setup_code(client=a.client)}


def invitation(a: Tenant) -> dict[str, str]:
    from tenants.services import invitation_create

    created, _token = invitation_create(client=a.client, email=f"{a.marker}@example.com", role="agent", invited_by=None)
    return {"invitation_id": str(created.pk)}


def member(a: Tenant) -> dict[str, str]:
    return {"membership_id": str(a.client.memberships.get(user=a.owner).pk)}


def webhook(a: Tenant) -> dict[str, str]:
    from integrations.services import endpoint_create

    endpoint, _secret = endpoint_create(
        client=a.client, url=f"http://127.0.0.1:9/{a.marker}", events=["message.received"], description=a.marker
    )
    return {"endpoint_id": str(endpoint.pk)}


def webhook_delivery(a: Tenant) -> dict[str, str]:
    from integrations.services import events_emit

    values = webhook(a)
    [delivery_id] = events_emit([[a.client.pk, "message.received", {"message_id": a.message.pk}]])
    return {**values, "delivery_id": str(delivery_id)}


def customer_request(a: Tenant) -> dict[str, str]:
    from tests.factories import CustomerRequestFactory

    created = CustomerRequestFactory(
        conversation=a.conversation, details=[{"field": "nombre", "label": "Nombre", "value": a.marker}]
    )
    return {"request_id": str(created.pk)}


WEBHOOK_EDIT = {"url": "https://example.com/b", "events": ["message.sent"], "description": "B"}
SEND = {"text": "hola desde B"}
ALL = METHODS

CASES: dict[str, Case] = {
    # portal pages
    "portal:thread": Case(conversation, ("GET",)),
    "portal:thread-messages": Case(conversation, ("GET",)),
    "portal:thread-head": Case(conversation, ("GET",)),
    "portal:message-media": Case(message, ("GET",)),
    "portal:send-text": Case(conversation, ("POST",), data=SEND),
    "portal:send-media": Case(conversation, ("POST",), data={"caption": "B"}),
    "portal:send-template": Case(conversation, ("POST",), data={"name": "hello_world", "language": "es"}),
    "portal:take-over": Case(conversation, ("POST",)),
    "portal:hand-back": Case(conversation, ("POST",)),
    "portal:mark-converted": Case(conversation, ("POST",)),
    "portal:unmark-converted": Case(conversation, ("POST",)),
    "portal:contact": Case(contact, ("GET",)),
    "portal:contact-export": Case(contact, ("GET",)),
    "portal:contact-erase": Case(contact, ("POST",), data={"confirm": "on"}),
    "portal:knowledge-edit": Case(entry, ("GET", "POST"), data={"question": "¿B?", "answer": "B"}),
    "portal:knowledge-delete": Case(entry, ("POST",)),
    "portal:request-status": Case(customer_request, ("POST",), data={"status": "cancelled"}),
    "portal:number-qr": Case(lambda a: {"number_id": str(a.number.pk)}, ("GET",)),
    "portal:api-key-revoke": Case(lambda a: {"key_id": str(a.api_key.pk)}, ("POST",)),
    "portal:invitation-revoke": Case(invitation, ("POST",)),
    "portal:member-remove": Case(member, ("POST",)),
    "portal:webhook": Case(webhook, ("GET", "POST"), data=WEBHOOK_EDIT),
    "portal:webhook-rotate": Case(webhook, ("POST",)),
    "portal:webhook-delete": Case(webhook, ("POST",)),
    "portal:webhook-redeliver": Case(webhook_delivery, ("POST",)),
    # the REST API
    "api-client-stats": Case(lambda a: {"client_id": str(a.client.pk)}, ("GET",), API_CALLERS, api=True),
    "api-v1-knowledge-entry": Case(
        entry, ("GET", "PUT", "PATCH", "DELETE"), API_CALLERS, {"question": "¿B?", "answer": "B"}, api=True
    ),
    "api-v1-conversation": Case(conversation, ("GET",), API_CALLERS, api=True),
    "api-v1-request": Case(customer_request, ("GET", "PATCH"), API_CALLERS, {"status": "cancelled"}, api=True),
    "api-v1-contact": Case(contact, ("GET", "DELETE"), API_CALLERS, api=True),
    "api-v1-contact-export": Case(contact, ("GET",), API_CALLERS, api=True),
    "api-v1-contact-erase": Case(contact, ("POST",), API_CALLERS, {"reason": "B"}, api=True),
    "api-v1-webhook": Case(webhook, ("GET", "PATCH", "DELETE"), API_CALLERS, WEBHOOK_EDIT, api=True),
    "api-v1-webhook-rotate-secret": Case(webhook, ("POST",), API_CALLERS, api=True),
    "api-v1-webhook-deliveries": Case(webhook, ("GET",), API_CALLERS, api=True),
    "api-v1-webhook-delivery": Case(webhook_delivery, ("GET",), API_CALLERS, api=True),
    "api-v1-webhook-redeliver": Case(webhook_delivery, ("POST",), API_CALLERS, api=True),
    "api-v1-conversation-messages": Case(conversation, ("GET", "POST"), API_CALLERS, SEND, api=True),
    "api-v1-conversation-media": Case(conversation, ("POST",), API_CALLERS, {"caption": "B"}, api=True),
    "api-v1-conversation-takeover": Case(conversation, ("POST",), API_CALLERS, api=True),
    "api-v1-conversation-handback": Case(conversation, ("POST",), API_CALLERS, api=True),
    "api-v1-conversation-convert": Case(conversation, ("POST", "DELETE"), API_CALLERS, api=True),
    # onboarding: the link and the old per-page paths take A's (retired) setup code; the pages are code-free
    "onboarding:link": Case(setup_code, ("GET", "POST"), expect=410),
    "onboarding:link-qr": Case(setup_code, ALL, expect=410),
    **{
        f"onboarding:link-{page}": Case(setup_code, ("GET", "POST"), data=data, expect=410)
        for page, data in {
            "hosted": {"phone_number": "+573009998877"},
            "verify": {"code": "123456"},
            "resend": {},
            "connect": {},
            "choose-number": {"phone_number_id": "109000000000101"},
            "business": {"business_description": "B"},
            "live": {},
            "chat-qr": {},
            "password": {"password1": "x", "password2": "x"},
        }.items()
    },
}

# Routes for staff only. B's owner is refused (admin: sent to the admin login; operator pages: 403) and
# nothing changes; which client the parameter names makes no difference.
OPERATOR_ONLY: dict[str, str] = {
    "admin:": "Django's back office (every admin URL): staff only",
    "billing:costs-csv": "the operator's cost export of any client: operator_required",
}

# Routes whose parameters are not a client's object at all.
EXEMPT: dict[str, str] = {
    "sandbox:": "the sandbox plays Meta's Graph API and customers' phones (never mounted in production); "
    "its parameters are Meta-side ids checked against the bearer token, see tests/sandbox",
    "portal:join": "an invitation's one-time random token (only its digest is stored), no client's id; a wrong, "
    "used or cancelled token is a 410, see tests/portal/test_team.py",
    "portal:password-reset-confirm": "a user id signed with Django's one-time reset token, no client's object; "
    "a forged or used link is refused, see tests/portal/test_password_reset.py",
}


def _prefix_match(table: dict[str, str], key: str) -> bool:
    return any(key == name or (name.endswith(":") and key.startswith(name)) for name in table)


def test_every_route_with_a_parameter_is_covered():
    missing = [
        f"{route.key} (/{route.pattern}, captures {', '.join(route.params)})"
        for route in routes_with_parameters()
        if route.key not in CASES and not _prefix_match({**OPERATOR_ONLY, **EXEMPT}, route.key)
    ]
    assert not missing, (
        "These routes capture a value but are not covered by the cross-tenant test: add each to CASES in "
        "tests/security/test_cross_tenant_urls.py (how to build another client's object, the methods it "
        "accepts), or to OPERATOR_ONLY / EXEMPT with a reason:\n  " + "\n  ".join(missing)
    )
    stale = [key for key in CASES if key not in {route.key for route in routes_with_parameters()}]
    assert not stale, f"CASES names routes that no longer exist: {stale}"


# --- the attack -------------------------------------------------------------------------------------------
@pytest.fixture
def tenants(db) -> tuple[Tenant, Tenant]:
    return make_tenant("Uno"), make_tenant("Dos")


def _caller(tenant: Tenant, how: str):
    return {"session": tenant.session, "token": tenant.token, "key": tenant.key}[how]()


def _request(caller, method: str, url: str, case: Case):
    if case.api:
        body = json.dumps(case.data) if method != "GET" else None
        return caller.generic(method, url, body or "", content_type="application/json")
    if method == "GET":
        return caller.get(url)
    if method == "POST":
        return caller.post(url, case.data)
    return caller.generic(method, url, "")


def _covered_routes() -> list[tuple[Route, str]]:
    found = {route.key: route for route in routes_with_parameters()}
    return [(found[key], how) for key, case in CASES.items() if key in found for how in case.callers]


@pytest.mark.parametrize(("route", "how"), _covered_routes(), ids=lambda v: v.key if isinstance(v, Route) else v)
def test_another_clients_object_is_not_found_and_untouched(tenants, route, how):
    a, b = tenants
    case = CASES[route.key]
    url = route.url(case.build(a))
    before = client_rows(a.client)
    caller = _caller(b, how)

    for method in METHODS:
        response = _request(caller, method, url, case)
        expected = case.expect if method in case.methods else 405
        assert response.status_code == expected, (
            f"{method} {url} as client B ({how}): {response.status_code}, expected {expected}"
            + ("" if method in case.methods else " (or list the method in CASES if the route now accepts it)")
        )
        assert a.marker.encode() not in response.content, f"{method} {url} shows client A's data to client B"

    assert client_rows(a.client) == before, f"{url}: client B's requests changed client A's data"


@pytest.mark.parametrize(("route", "how"), _covered_routes(), ids=lambda v: v.key if isinstance(v, Route) else v)
def test_another_clients_object_answers_like_a_missing_one(tenants, route, how):
    """Nothing tells "A's" from "nobody's": the same status for an id that does not exist."""
    a, b = tenants
    case = CASES[route.key]
    real = case.build(a)
    missing = {name: (NO_SUCH_ID if value.isdigit() else "NOSUCHCODE000000") for name, value in real.items()}
    caller = _caller(b, how)
    for method in case.methods:
        theirs = _request(caller, method, route.url(real), case).status_code
        nobodys = _request(caller, method, route.url(missing), case).status_code
        if case.expect == 410:  # a retired code differs from an unknown one for everybody, by design
            assert (theirs, nobodys) == (410, 404), (method, route.key)
        else:
            assert theirs == nobodys, f"{method} {route.key}: A's object {theirs}, a missing one {nobodys}"


def _operator_routes() -> list[Route]:
    return [route for route in routes_with_parameters() if _prefix_match(OPERATOR_ONLY, route.key)]


def _any_values(route: Route, a: Tenant) -> dict[str, str]:
    values = {}
    for name in route.params:
        if name == "app_label":
            values[name] = "tenants"
        elif name == "month":
            values[name] = "2026-12"
        elif name == "url":
            values[name] = "tenants/client/"
        else:
            values[name] = str(a.client.pk)  # an id of A's (for the client admin it is A itself)
    return values


def test_operator_only_routes_refuse_client_users(tenants):
    a, b = tenants
    browser = b.session()
    before = client_rows(a.client)
    routes = _operator_routes()
    assert len(routes) > 50  # the admin's own URLs are enumerated too
    for route in routes:
        url = route.url(_any_values(route, a))
        for method in ("GET", "POST"):
            response = browser.get(url) if method == "GET" else browser.post(url, {"name": "B"})
            if route.key.startswith("admin:"):
                assert response.status_code == 302, (method, url, response.status_code)
                assert response["Location"].startswith("/admin/login/"), (method, url)
            else:
                assert response.status_code in (403, 405), (method, url, response.status_code)
            assert a.marker.encode() not in response.content
    assert client_rows(a.client) == before
