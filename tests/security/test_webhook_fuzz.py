"""Hypothesis fuzzing of POST /webhook/whatsapp, the one URL that strangers on the internet can post to.

- Meta-shaped deliveries (messages of every kind, statuses, contacts with odd names, known and unknown
  numbers), signed with the app secret: 200, and the worker applies each one without an error.
- The same bodies unsigned, or signed wrongly: 403 (design.md) and nothing stored at all.
- Truncated bodies, JSON that is not an object, too-deep JSON, bodies over the size limit, other content
  types: a 4xx, never a 5xx, and nothing applied (no contact, conversation or message).
- Meta-shaped deliveries with wrong types anywhere (a number where a string goes, a list for an object):
  200 as design.md says for unsupported events (kept), and applying them never raises.

Shapes follow /work/shared/whatsapp-cloud-api.md and tests/fixtures/meta/. Examples are derandomized.
"""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from django.conf import settings as django_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.jsonbody import MAX_JSON_DEPTH
from tests.factories import ConversationFactory, MessageFactory, connected_number
from whatsapp.models import Contact, Conversation, Message, WebhookEvent
from whatsapp.services.webhooks import webhook_events_apply
from whatsapp.signature import sign_body

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=25, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)
URL = "/webhook/whatsapp"

# --- Meta's shapes ---------------------------------------------------------------------------------------
TEXT = st.text(max_size=80)  # any unicode: emoji, newlines, NULs, right-to-left marks
DIGITS = st.text(alphabet="0123456789", min_size=8, max_size=15)
BSUID = st.builds(
    lambda cc, n: f"{cc}.{n}",
    st.sampled_from(["CO", "MX", "US", "BR"]),
    st.text("0123456789", min_size=20, max_size=20),
)
WAMID = st.builds(
    lambda s: f"wamid.{s}", st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789=", min_size=4, max_size=40)
)
TIMESTAMP = st.integers(min_value=0, max_value=4_102_444_800).map(str)
MEDIA = st.fixed_dictionaries(
    {"id": DIGITS, "mime_type": st.sampled_from(["image/jpeg", "audio/ogg; codecs=opus", "video/mp4", "image/webp"])},
    optional={"sha256": TEXT, "caption": TEXT, "voice": st.booleans(), "animated": st.booleans(), "filename": TEXT},
)
CONTEXT = st.fixed_dictionaries({"id": WAMID}, optional={"from": DIGITS})


def _body_of(kind: str) -> st.SearchStrategy[dict]:
    return {
        "text": st.fixed_dictionaries({"text": st.fixed_dictionaries({"body": TEXT})}),
        "image": st.fixed_dictionaries({"image": MEDIA}),
        "audio": st.fixed_dictionaries({"audio": MEDIA}),
        "video": st.fixed_dictionaries({"video": MEDIA}),
        "document": st.fixed_dictionaries({"document": MEDIA}),
        "sticker": st.fixed_dictionaries({"sticker": MEDIA}),
        "location": st.fixed_dictionaries(
            {
                "location": st.fixed_dictionaries(
                    {
                        "latitude": st.floats(-90, 90, allow_nan=False),
                        "longitude": st.floats(-180, 180, allow_nan=False),
                    },
                    optional={"name": TEXT, "address": TEXT},
                )
            }
        ),
        "interactive": st.fixed_dictionaries(
            {
                "interactive": st.one_of(
                    st.fixed_dictionaries(
                        {
                            "type": st.just("button_reply"),
                            "button_reply": st.fixed_dictionaries({"id": TEXT, "title": TEXT}),
                        }
                    ),
                    st.fixed_dictionaries(
                        {
                            "type": st.just("list_reply"),
                            "list_reply": st.fixed_dictionaries(
                                {"id": TEXT, "title": TEXT}, optional={"description": TEXT}
                            ),
                        }
                    ),
                )
            }
        ),
        "button": st.fixed_dictionaries({"button": st.fixed_dictionaries({"payload": TEXT, "text": TEXT})}),
        "reaction": st.fixed_dictionaries(
            {
                "reaction": st.fixed_dictionaries(
                    {"message_id": WAMID}, optional={"emoji": st.sampled_from(["👍", "❤️", ""])}
                )
            }
        ),
        "contacts": st.fixed_dictionaries(
            {
                "contacts": st.lists(
                    st.fixed_dictionaries(
                        {"name": st.fixed_dictionaries({"formatted_name": TEXT})},
                        optional={
                            "phones": st.lists(
                                st.fixed_dictionaries({"phone": TEXT}, optional={"wa_id": DIGITS}), max_size=2
                            )
                        },
                    ),
                    max_size=2,
                )
            }
        ),
        "unsupported": st.fixed_dictionaries(
            {
                "errors": st.lists(
                    st.fixed_dictionaries({"code": st.sampled_from([131051, 131060]), "title": TEXT}),
                    min_size=1,
                    max_size=2,
                )
            },
            optional={"unsupported": st.fixed_dictionaries({"type": st.sampled_from(["edit", "poll", "revoke"])})},
        ),
    }[kind]


KINDS = [
    "text",
    "image",
    "audio",
    "video",
    "document",
    "sticker",
    "location",
    "interactive",
    "button",
    "reaction",
    "contacts",
    "unsupported",
]


@st.composite
def inbound_message(draw, sender: dict) -> dict:
    kind = draw(st.sampled_from(KINDS))
    message = {"id": draw(WAMID), "timestamp": draw(TIMESTAMP), "type": kind, **draw(_body_of(kind))}
    if "wa_id" in sender:
        message["from"] = sender["wa_id"]
    if "user_id" in sender:
        message["from_user_id"] = sender["user_id"]
    if draw(st.booleans()):
        message["context"] = draw(CONTEXT)
    return message


@st.composite
def sender(draw) -> dict:
    """A customer: a phone, a business-scoped user id, or both (users with a username may hide their phone)."""
    has = draw(st.sampled_from([("wa_id",), ("user_id",), ("wa_id", "user_id")]))
    contact: dict = {"profile": draw(st.fixed_dictionaries({"name": TEXT}, optional={"username": TEXT}))}
    if "wa_id" in has:
        contact["wa_id"] = draw(DIGITS)
    if "user_id" in has:
        contact["user_id"] = draw(BSUID)
    return contact


@st.composite
def status(draw, known_wamids: list[str]) -> dict:
    item = {
        "id": draw(st.sampled_from(known_wamids) | WAMID),
        "status": draw(st.sampled_from(["sent", "delivered", "read", "failed", "deleted"])),
        "timestamp": draw(TIMESTAMP),
    }
    recipient = draw(st.sampled_from(["recipient_id", "recipient_user_id"]))
    item[recipient] = draw(DIGITS if recipient == "recipient_id" else BSUID)
    if draw(st.booleans()):
        item["pricing"] = draw(
            st.fixed_dictionaries(
                {
                    "billable": st.booleans(),
                    "pricing_model": st.sampled_from(["PMP", "CBP"]),
                    "category": st.sampled_from(["service", "utility", "marketing", "authentication", "weird"]),
                },
                optional={"type": st.sampled_from(["regular", "free_customer_service", "free_entry_point"])},
            )
        )
    if item["status"] == "failed":
        item["errors"] = [{"code": draw(st.sampled_from([131047, 131026, 130429, 1])), "title": draw(TEXT)}]
    return item


@st.composite
def delivery(draw, numbers: list, known_wamids: list[str]) -> dict:
    """One webhook POST as Meta sends it: entries of changes, each for one of our numbers or an unknown one."""
    entries = []
    for _ in range(draw(st.integers(1, 2))):
        changes = []
        for _ in range(draw(st.integers(1, 2))):
            number = draw(st.sampled_from(numbers))
            pnid = number.phone_number_id if number is not None else draw(DIGITS)
            value: dict = {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": draw(DIGITS), "phone_number_id": pnid},
            }
            customers = draw(st.lists(sender(), min_size=0, max_size=2))
            if customers:
                value["contacts"] = customers
                value["messages"] = [
                    draw(inbound_message(c)) for c in customers for _ in range(draw(st.integers(1, 2)))
                ]
            if draw(st.booleans()) or not customers:
                value["statuses"] = draw(st.lists(status(known_wamids), min_size=1, max_size=3))
            changes.append({"field": "messages", "value": value})
        entries.append({"id": draw(DIGITS), "changes": changes})
    return {"object": "whatsapp_business_account", "entry": entries}


def _wrong_types(value, draw):
    """The same structure with some leaves and containers swapped for another JSON type."""
    swap = st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), TEXT, st.just([]), st.just({})
    )
    if isinstance(value, dict):
        return {k: (draw(swap) if draw(st.integers(0, 4)) == 0 else _wrong_types(v, draw)) for k, v in value.items()}
    if isinstance(value, list):
        return [(draw(swap) if draw(st.integers(0, 4)) == 0 else _wrong_types(v, draw)) for v in value]
    return draw(swap) if draw(st.integers(0, 2)) == 0 else value


# --- the world --------------------------------------------------------------------------------------------
@pytest.fixture
def world(db):
    """Two clients' numbers, each with a conversation and one outbound message whose statuses may arrive."""
    numbers, wamids = [], []
    for _ in range(2):
        number = connected_number()
        conversation = ConversationFactory(number=number)
        out = MessageFactory(
            conversation=conversation, direction=Message.Direction.OUTBOUND, status=Message.Status.SENT
        )
        numbers.append(number)
        wamids.append(out.wamid)
    return [*numbers, None], wamids  # None: a phone_number_id that is not ours


def post(client, body: bytes, signature: str | None, content_type: str = "application/json"):
    headers = {} if signature is None else {"HTTP_X_HUB_SIGNATURE_256": signature}
    return client.post(URL, data=body, content_type=content_type, **headers)


def applied() -> tuple[int, int, int]:
    return Contact.objects.count(), Conversation.objects.count(), Message.objects.count()


def wrong_signature(body: bytes, choice: int) -> str | None:
    return [
        None,
        "",
        "sha256=",
        "sha256=" + "0" * 64,
        sign_body(body + b" "),
        "sha256=" + hmac.new(b"not-the-app-secret", body, hashlib.sha256).hexdigest(),
        "sha1=" + hmac.new(django_settings.WHATSAPP_APP_SECRET.encode(), body, hashlib.sha1).hexdigest(),
        sign_body(body).upper().replace("SHA256=", "sha256="),  # hex in capitals: not what Meta sends
        sign_body(body) + "0",
    ][choice]


# --- the properties ---------------------------------------------------------------------------------------
def test_signed_meta_shaped_deliveries_are_accepted_and_applied_without_an_error(client, world, caplog):
    numbers, wamids = world

    @FUZZ
    @given(payload=st.data())
    def check(payload):
        body = json.dumps(payload.draw(delivery(numbers, wamids))).encode()
        response = post(client, body, sign_body(body))
        assert response.status_code == 200, response.content
        event = WebhookEvent.objects.order_by("-pk").first()
        caplog.clear()
        webhook_events_apply()
        event.refresh_from_db()
        errors = [r.getMessage() for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
        assert event.outcome in (WebhookEvent.Outcome.PROCESSED, WebhookEvent.Outcome.IGNORED), (event.detail, errors)
        assert not errors, errors

    check()


def test_unsigned_or_wrongly_signed_deliveries_are_403_and_store_nothing(client, world):
    numbers, wamids = world

    @FUZZ
    @given(payload=st.data(), choice=st.integers(0, 8))
    def check(payload, choice):
        body = json.dumps(payload.draw(delivery(numbers, wamids))).encode()
        before = (WebhookEvent.objects.count(), applied())
        response = post(client, body, wrong_signature(body, choice))
        webhook_events_apply()
        assert response.status_code == 403, (choice, response.status_code)
        assert response.json()["error"]["code"] == "invalid_signature"
        assert (WebhookEvent.objects.count(), applied()) == before

    check()


def test_truncated_signed_bodies_are_400_and_apply_nothing(client, world):
    numbers, wamids = world

    @FUZZ
    @given(payload=st.data(), cut=st.floats(0.0, 0.999))
    def check(payload, cut):
        full = json.dumps(payload.draw(delivery(numbers, wamids))).encode()
        body = full[: int(len(full) * cut)]
        before = applied()
        response = post(client, body, sign_body(body))
        webhook_events_apply()
        assert response.status_code == 400, (len(body), response.status_code)
        assert applied() == before

    check()


NOT_AN_OBJECT = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), TEXT, st.lists(st.integers(), max_size=3)
)


def test_signed_json_that_is_not_an_object_is_400_and_applies_nothing(client, world):
    @FUZZ
    @given(value=NOT_AN_OBJECT, raw=st.binary(max_size=200))
    def check(value, raw):
        before = applied()
        for body in (json.dumps(value).encode(), raw if raw[:1] not in (b"{",) else b"x" + raw):
            response = post(client, body, sign_body(body))
            assert response.status_code == 400, (body[:80], response.status_code)
        webhook_events_apply()
        assert applied() == before

    check()


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_signed_bodies_with_nan_or_infinity_are_400_and_kept_as_malformed(client, constant):
    """Python's json reads them, JSON and PostgreSQL's jsonb do not: the payload once reached jsonb, a 500."""
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": 1}]}).replace("1", constant).encode()
    response = post(client, body, sign_body(body))
    assert response.status_code == 400 and response.json()["error"]["code"] == "malformed_json"
    kept = WebhookEvent.objects.get(body=body.decode())
    assert (kept.outcome, kept.payload) == (WebhookEvent.Outcome.FAILED, None)


def test_meta_shapes_with_wrong_types_never_crash_the_request_or_the_worker(client, world):
    numbers, wamids = world

    @FUZZ
    @given(data=st.data())
    def check(data):
        payload = _wrong_types(data.draw(delivery(numbers, wamids)), data.draw)
        body = json.dumps(payload).encode()
        response = post(client, body, sign_body(body))
        assert response.status_code in (200, 400), response.status_code
        webhook_events_apply()  # every item is applied in its own savepoint; nothing escapes
        assert not WebhookEvent.objects.filter(outcome=WebhookEvent.Outcome.RECEIVED).exists()

    check()


def _with_deep_field(payload: dict, depth: int) -> bytes:
    """The delivery with one more field nested `depth` levels (written directly: json.dumps would recurse)."""
    nested = b'{"a":[' * depth + b"{}" + b"]}" * depth
    return json.dumps(payload).encode()[:-1] + b', "deep": ' + nested + b"}"


def test_too_deep_bodies_are_400_and_apply_nothing(client, world):
    """Found by this test: a signed delivery nested deeper than core.jsonbody allows (but not deep enough for a
    RecursionError) was stored and applied; it is now refused whole, like on every other JSON endpoint."""
    numbers, wamids = world

    @FUZZ
    @given(data=st.data(), depth=st.integers(MAX_JSON_DEPTH // 2, 5_000), signed=st.booleans())
    def check(data, depth, signed):
        before = applied()
        deep = _with_deep_field(data.draw(delivery(numbers, wamids)), depth)
        response = post(client, deep, sign_body(deep) if signed else None)
        assert response.status_code == (400 if signed else 403), (depth, response.status_code)
        webhook_events_apply()
        assert applied() == before

    check()


@settings(max_examples=8, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(
    extra=st.integers(1, 100_000),
    content_type=st.sampled_from(["application/json", "text/plain", "multipart/form-data; boundary=x", ""]),
    signed=st.booleans(),
)
def test_bodies_over_the_limit_are_413_and_apply_nothing(client, world, extra, content_type, signed):
    limit = django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    before = (WebhookEvent.objects.count(), applied())
    huge = json.dumps({"object": "whatsapp_business_account", "entry": [], "padding": "x" * (limit + extra)}).encode()
    response = post(client, huge, sign_body(huge) if signed else None, content_type=content_type)
    assert response.status_code == 413, (content_type, response.status_code)
    webhook_events_apply()
    assert (WebhookEvent.objects.count(), applied()) == before
