"""Two clients working at once, interleaved by Hypothesis: neither ever sees or changes the other's objects.

A `RuleBasedStateMachine` drives clients A and B through the real HTTP interfaces (the portal with a logged-in
owner, the REST API with the owner's token and with API keys): knowledge entries added, edited and deleted,
persona edits, conversations and messages listed, taken over and handed back, messages sent (recorded
`pending` for the worker, as in tests/whatsapp/test_api_send.py), API keys created and used, stats and usage
read. Some steps aim at the *other* client's objects on purpose.

After every step: the other client's rows are exactly as before the step (`client_rows`), no answer carries
the other client's ids or marker text, and what each client owns in the database is what the model of the
test says its own actions made. Every example runs inside a savepoint that is rolled back, so each starts
from the same two clients; the examples are derandomized, so the run is the same every time.
"""

from __future__ import annotations

import itertools
import json
from contextlib import contextmanager

import pytest
from django.core.cache import cache
from django.db import transaction
from django.forms.models import model_to_dict
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from rest_framework.test import APIClient

from ai.models import KnowledgeEntry, Persona
from ai.services import PERSONA_FIELDS
from tenants.models import ApiKey
from tests.security.tenancy import Tenant, client_rows, make_tenant
from whatsapp.models import Contact, Conversation, Message

pytestmark = pytest.mark.django_db

MIN_STEPS = 500
EXAMPLES = 10
STEPS_PER_EXAMPLE = 60

SIDES = st.sampled_from(["a", "b"])
API_CALLERS = st.sampled_from(["token", "key"])
WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz áéñ¿?", min_size=1, max_size=40).filter(str.strip)

WORLD: dict = {}  # the two tenants and their callers, made once per test (outside the examples' savepoints)
STEPS = itertools.count()


class TwoClients(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        cache.clear()  # throttles count in the cache; each example starts with fresh budgets
        self.tenants: dict[str, Tenant] = WORLD["tenants"]
        self.callers: dict[str, dict[str, object]] = {side: dict(WORLD["callers"][side]) for side in "ab"}
        self.entries = {side: {t.entry.pk} for side, t in self.tenants.items()}
        self.conversations = {side: {t.conversation.pk} for side, t in self.tenants.items()}
        self.owners = {t.conversation.pk: Conversation.Owner.AI for t in self.tenants.values()}
        self.descriptions = {side: t.client.persona.business_description for side, t in self.tenants.items()}
        self.keys = {side: 1 for side in "ab"}
        self.outbound = {side: 0 for side in "ab"}

    def teardown(self):
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    # --- helpers --------------------------------------------------------------------------------------
    @staticmethod
    def other(side: str) -> str:
        return "b" if side == "a" else "a"

    @contextmanager
    def step(self, side: str):
        """One action of `side`: the other client's rows must come out of it untouched."""
        next(STEPS)
        theirs = self.tenants[self.other(side)]
        before = client_rows(theirs.client)
        yield
        assert client_rows(theirs.client) == before, f"an action of client {side} changed client {self.other(side)}"

    def call(self, side: str, how: str, method: str, url: str, data=None, *, expect: int | tuple[int, ...]):
        caller = self.callers[side][how]
        if isinstance(caller, APIClient):
            response = caller.generic(method, url, *_json(data))
        elif method == "GET":
            response = caller.get(url)
        else:
            response = caller.post(url, data or {})
        expected = expect if isinstance(expect, tuple) else (expect,)
        assert response.status_code in expected, (method, url, how, response.status_code, response.content[:300])
        theirs = self.tenants[self.other(side)]
        assert theirs.marker.encode() not in response.content, f"{url} showed client {self.other(side)}'s data"
        return response

    def pick(self, data, pool) -> int:
        return data.draw(st.sampled_from(sorted(pool)))

    def ids(self, response) -> set[int]:
        return {row["id"] for row in response.json()["results"]}

    # --- knowledge --------------------------------------------------------------------------------------
    @rule(side=SIDES, how=API_CALLERS, question=WORDS, answer=WORDS)
    def add_knowledge_through_the_api(self, side, how, question, answer):
        with self.step(side):
            body = {"question": question, "answer": answer}
            response = self.call(side, how, "POST", "/api/v1/knowledge", body, expect=201)
            self.entries[side].add(response.json()["id"])

    @rule(side=SIDES, answer=WORDS)
    def add_knowledge_in_the_portal(self, side, answer):
        with self.step(side):
            known = set(KnowledgeEntry.objects.filter(client=self.tenants[side].client).values_list("pk", flat=True))
            self.call(
                side, "session", "POST", "/app/assistant/knowledge/", {"question": "", "answer": answer}, expect=302
            )
            created = set(KnowledgeEntry.objects.filter(client=self.tenants[side].client).values_list("pk", flat=True))
            assert len(created - known) == 1
            self.entries[side] |= created - known

    @rule(side=SIDES, how=st.sampled_from(["token", "key", "session"]), answer=WORDS, data=st.data())
    def edit_own_knowledge(self, side, how, answer, data):
        if not self.entries[side]:
            return
        entry = self.pick(data, self.entries[side])
        with self.step(side):
            if how == "session":
                body = {"question": "¿editada?", "answer": answer}
                self.call(side, how, "POST", f"/app/assistant/knowledge/{entry}/", body, expect=302)
            else:
                self.call(side, how, "PATCH", f"/api/v1/knowledge/{entry}", {"answer": answer}, expect=200)
            assert KnowledgeEntry.objects.get(pk=entry).answer == answer.strip()

    @rule(side=SIDES, how=st.sampled_from(["token", "key", "session"]), data=st.data())
    def delete_own_knowledge(self, side, how, data):
        if not self.entries[side]:
            return
        entry = self.pick(data, self.entries[side])
        with self.step(side):
            if how == "session":
                self.call(side, how, "POST", f"/app/assistant/knowledge/{entry}/delete/", expect=302)
            else:
                self.call(side, how, "DELETE", f"/api/v1/knowledge/{entry}", expect=204)
            self.entries[side].discard(entry)

    @rule(
        side=SIDES, how=st.sampled_from(["token", "key", "session"]), verb=st.sampled_from(["GET", "PATCH", "DELETE"])
    )
    def touch_the_other_clients_knowledge(self, side, how, verb):
        theirs = self.entries[self.other(side)]
        if not theirs:
            return
        entry = min(theirs)
        with self.step(side):
            if how == "session":
                url = f"/app/assistant/knowledge/{entry}/" + ("delete/" if verb == "DELETE" else "")
                method = "GET" if verb == "GET" else "POST"
                self.call(side, how, method, url, {"question": "x", "answer": "robado"}, expect=404)
            else:
                self.call(side, how, verb, f"/api/v1/knowledge/{entry}", {"answer": "robado"}, expect=404)

    @rule(side=SIDES, how=API_CALLERS)
    def list_knowledge(self, side, how):
        with self.step(side):
            listed = self.ids(self.call(side, how, "GET", "/api/v1/knowledge", expect=200))
            assert listed <= self.entries[side]
            assert listed.isdisjoint(self.entries[self.other(side)])

    # --- persona ----------------------------------------------------------------------------------------
    @rule(side=SIDES, how=API_CALLERS, words=WORDS)
    def edit_persona_through_the_api(self, side, how, words):
        with self.step(side):
            description = f"Vendemos {words}"
            response = self.call(side, how, "PUT", "/api/v1/persona", {"business_description": description}, expect=200)
            self.descriptions[side] = response.json()["business_description"]

    @rule(side=SIDES, words=WORDS)
    def edit_persona_in_the_portal(self, side, words):
        with self.step(side):
            form = _persona_form(self.tenants[side], f"Vendemos {words} en el portal")
            self.call(side, "session", "POST", "/app/assistant/persona/", form, expect=302)
            self.descriptions[side] = form["business_description"].strip()

    @rule(side=SIDES, how=API_CALLERS)
    def read_persona(self, side, how):
        with self.step(side):
            body = self.call(side, how, "GET", "/api/v1/persona", expect=200).json()
            assert body["business_description"] == self.descriptions[side]

    # --- conversations ----------------------------------------------------------------------------------
    @rule(side=SIDES, how=API_CALLERS)
    def list_conversations(self, side, how):
        with self.step(side):
            listed = self.ids(self.call(side, how, "GET", "/api/v1/conversations", expect=200))
            assert listed <= self.conversations[side]
            assert listed.isdisjoint(self.conversations[self.other(side)])

    @rule(side=SIDES)
    def open_the_inbox(self, side):
        with self.step(side):
            html = self.call(side, "session", "GET", "/app/inbox/", expect=200).content.decode()
            for pk in self.conversations[self.other(side)]:
                assert f'data-conversation="{pk}"' not in html

    @rule(side=SIDES, how=API_CALLERS, data=st.data())
    def read_own_messages(self, side, how, data):
        conversation = self.pick(data, self.conversations[side])
        with self.step(side):
            url = f"/api/v1/conversations/{conversation}/messages"
            rows = self.call(side, how, "GET", url, expect=200).json()["results"]
            assert {row["conversation"] for row in rows} <= {conversation}

    @rule(side=SIDES, how=st.sampled_from(["token", "key", "session"]), action=st.sampled_from(["take", "back"]))
    def take_over_or_hand_back_own(self, side, how, action):
        conversation = min(self.conversations[side])
        with self.step(side):
            if how == "session":
                path = "take-over" if action == "take" else "hand-back"
                self.call(side, how, "POST", f"/app/inbox/{conversation}/{path}/", expect=302)
            else:
                path = "takeover" if action == "take" else "handback"
                body = self.call(side, how, "POST", f"/api/v1/conversations/{conversation}/{path}", expect=200).json()
                assert body["id"] == conversation
            self.owners[conversation] = Conversation.Owner.HUMAN if action == "take" else Conversation.Owner.AI

    @rule(
        side=SIDES,
        how=st.sampled_from(["token", "key", "session"]),
        action=st.sampled_from(["take", "back", "messages", "send", "convert"]),
    )
    def touch_the_other_clients_conversation(self, side, how, action):
        conversation = min(self.conversations[self.other(side)])
        with self.step(side):
            if how == "session":
                paths = {"take": "take-over/", "back": "hand-back/", "messages": "messages/", "send": "send/"}
                path = paths.get(action, "converted/")
                method = "GET" if action == "messages" else "POST"
                self.call(side, how, method, f"/app/inbox/{conversation}/{path}", {"text": "hola"}, expect=404)
            else:
                paths = {"take": "takeover", "back": "handback", "messages": "messages", "send": "messages"}
                path = paths.get(action, "convert")
                method = "GET" if action == "messages" else "POST"
                url = f"/api/v1/conversations/{conversation}/{path}"
                self.call(side, how, method, url, {"text": "hola"}, expect=404)

    # --- sending ----------------------------------------------------------------------------------------
    @rule(side=SIDES, how=st.sampled_from(["token", "key", "session"]), words=WORDS)
    def send_into_own_conversation(self, side, how, words):
        conversation = self.tenants[side].conversation.pk  # its customer wrote an hour ago: the window is open
        with self.step(side):
            if how == "session":
                self.call(side, how, "POST", f"/app/inbox/{conversation}/send/", {"text": words}, expect=302)
            else:
                url = f"/api/v1/conversations/{conversation}/messages"
                body = self.call(side, how, "POST", url, {"text": words}, expect=202).json()
                assert body["conversation"] == conversation and body["status"] == "pending"
            self.outbound[side] += 1

    @rule(side=SIDES, how=API_CALLERS, customer=st.integers(min_value=0, max_value=5))
    def start_a_conversation(self, side, how, customer):
        number = self.tenants[side].number
        with self.step(side):
            body = {
                "phone_number_id": number.phone_number_id,
                "to": f"+57300555{ord(side):02d}{customer:02d}",
                "template": {"name": "hello_world", "language": "es"},
            }
            response = self.call(side, how, "POST", "/api/v1/messages", body, expect=202).json()
            self.conversations[side].add(response["conversation"])
            self.owners.setdefault(response["conversation"], Conversation.Owner.AI)
            self.outbound[side] += 1

    @rule(side=SIDES, how=API_CALLERS)
    def send_from_the_other_clients_number(self, side, how):
        number = self.tenants[self.other(side)].number
        with self.step(side):
            body = {"phone_number_id": number.phone_number_id, "to": "+573005550000", "text": "hola"}
            self.call(side, how, "POST", "/api/v1/messages", body, expect=404)

    # --- keys, stats, usage ---------------------------------------------------------------------------
    @rule(side=SIDES, name=WORDS)
    def create_an_api_key_and_use_it(self, side, name):
        with self.step(side):
            response = self.call(side, "session", "POST", "/app/settings/api-keys/", {"name": name}, expect=200)
            raw = response.context["new_secret"]
            assert raw
            self.keys[side] += 1
            api = APIClient()
            api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
            self.callers[side]["key"] = api  # later API-key steps use the newest key
            listed = self.ids(self.call(side, "key", "GET", "/api/v1/conversations", expect=200))
            assert listed <= self.conversations[side]

    @rule(side=SIDES)
    def revoke_the_other_clients_key(self, side):
        key = ApiKey.objects.filter(client=self.tenants[self.other(side)].client).order_by("pk").first()
        with self.step(side):
            self.call(side, "session", "POST", f"/app/settings/api-keys/{key.pk}/revoke/", expect=404)

    @rule(side=SIDES, how=API_CALLERS, whose=st.sampled_from(["own", "other"]))
    def read_stats(self, side, how, whose):
        target = self.tenants[side if whose == "own" else self.other(side)].client.pk
        with self.step(side):
            response = self.call(side, how, "GET", f"/api/client/{target}/stats", expect=200 if whose == "own" else 404)
            if whose == "own":
                assert response.json()["total_conversations"] == len(self.conversations[side])

    @rule(side=SIDES, how=API_CALLERS)
    def read_usage_numbers_and_contacts(self, side, how):
        with self.step(side):
            own, theirs = (self.tenants[s].client for s in (side, self.other(side)))
            self.call(side, how, "GET", "/api/v1/usage", expect=200)
            numbers = self.ids(self.call(side, how, "GET", "/api/v1/numbers", expect=200))
            assert numbers == {self.tenants[side].number.pk}
            contacts = self.ids(self.call(side, how, "GET", "/api/v1/contacts", expect=200))
            assert contacts <= set(Contact.objects.filter(client=own).values_list("pk", flat=True))
            assert contacts.isdisjoint(set(Contact.objects.filter(client=theirs).values_list("pk", flat=True)))

    # --- what each client owns is what its own actions made -----------------------------------------------
    @invariant()
    def each_client_owns_exactly_what_it_made(self):
        for side, tenant in self.tenants.items():
            client = tenant.client
            assert set(KnowledgeEntry.objects.filter(client=client).values_list("pk", flat=True)) == self.entries[side]
            assert (
                set(Conversation.objects.filter(client=client).values_list("pk", flat=True))
                == (self.conversations[side])
            )
            assert Persona.objects.get(client=client).business_description == self.descriptions[side]
            assert ApiKey.objects.filter(client=client).count() == self.keys[side]
            assert Message.objects.filter(client=client, direction="out").count() == self.outbound[side]
        owners = dict(Conversation.objects.filter(pk__in=self.owners).values_list("pk", "owner"))
        assert owners == self.owners

    @invariant()
    def no_conversation_mixes_clients(self):
        for side, tenant in self.tenants.items():
            mixed = Message.objects.filter(conversation__client=tenant.client).exclude(client=tenant.client)
            assert not mixed.exists()


def _json(data):
    if data is None:
        return ("",)
    return (json.dumps(data), "application/json")


def _persona_form(tenant: Tenant, description: str) -> dict:
    """The portal's persona form as the page would post it: every field, one of them changed."""
    values = model_to_dict(Persona.objects.get(client=tenant.client), fields=PERSONA_FIELDS)
    form = {name: value for name, value in values.items() if value is not None and not isinstance(value, bool)}
    if values.get("enabled"):
        form["enabled"] = "on"
    form["business_description"] = description
    return form


@pytest.fixture
def generous_budgets(settings):
    """Hundreds of steps in a few seconds: the throttles (tested in test_throttles.py) stay out of the way."""
    for name in ("API_SEND_CALLER_RATE", "API_SEND_CLIENT_RATE", "AI_PREVIEW_USER_RATE", "AI_PREVIEW_CLIENT_RATE"):
        setattr(settings, name, "100000/min")


def test_two_clients_interleaved_never_see_or_change_each_other(generous_budgets):
    tenants = {"a": make_tenant("Uno"), "b": make_tenant("Dos")}
    WORLD["tenants"] = tenants
    WORLD["callers"] = {
        side: {"session": t.session(), "token": t.token(), "key": t.key()} for side, t in tenants.items()
    }
    first = next(STEPS)

    run_state_machine_as_test(
        TwoClients,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS_PER_EXAMPLE,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )

    steps = next(STEPS) - first - 1
    print(f"{steps} steps")  # shown with -s
    assert steps >= MIN_STEPS, f"only {steps} steps ran; raise EXAMPLES or STEPS_PER_EXAMPLE"
